// Package proxy is headroom-proxy's transparent streaming reverse proxy: it
// forwards every request that is not one of its own health endpoints to a
// single configured upstream, byte for byte, and streams bodies both ways
// (SSE events flush as they arrive, WebSocket upgrades are relayed).
//
// The package is one HTTP component split into files by job: config.go
// (Config and its validation), rewrite.go (upstream-bound request and
// client-bound response headers, request ids), stream.go (response body
// copying and its idle timeout), body.go (which requests are buffered, and
// reading them), compress.go (the compression path run on a buffered body),
// upgrade.go (tracking hijacked connections), errors.go (the one error to
// status mapping), metrics.go and stats.go (Prometheus series and the /stats
// summary read from them), telemetry.go (the SSE usage tee), retrieve.go
// (GET /v1/retrieve/{hash}), compressapi.go (POST /v1/compress), health.go
// and serve.go (listener and graceful shutdown).
package proxy

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/headroom-go/headroom/cachestab/observe"
	"github.com/headroom-go/headroom/internal/version"
	"github.com/headroom-go/headroom/livezone"
	"github.com/headroom-go/headroom/proxy/retrieval"
	"github.com/headroom-go/headroom/transform/cachealign"
)

// ServiceName is reported by /healthz and in the startup log.
const ServiceName = "headroom-proxy"

// Server is the reverse proxy. It is an http.Handler, so it can be mounted in
// any server; Serve and ListenAndServe add the listener, h2c and graceful
// shutdown. A Server is safe for concurrent use. Create it with New.
type Server struct {
	cfg       Config
	upstream  *url.URL // the http/https form requests are sent to
	healthURL string   // upstream scheme://host/healthz
	log       *slog.Logger

	transport *http.Transport
	rp        *httputil.ReverseProxy

	healthBody []byte // /healthz answer, built once
	started    time.Time

	metrics        *metrics
	metricsHandler http.Handler

	// drift remembers each client's last cache fingerprint.
	drift *observe.DriftDetector
	// aligner is the CacheAligner in its detect-and-warn mode; it remembers
	// the previous system-prompt hash, one per proxy as in the reference.
	aligner *cachealign.Checker
	// retrieval adds the headroom_retrieve tool and answers its calls;
	// nil without compression or a store.
	retrieval *retrieval.Retrieval
	// blockCompressor compresses live-zone blocks with compressors that
	// write their own markers' originals to Config.Store; nil means
	// livezone's store-less default.
	blockCompressor *livezone.Compressors

	upgrades upgradeTracker // hijacked (WebSocket) client connections
	inflight sync.WaitGroup // handlers running, for the shutdown drain
}

// New validates cfg, applies its defaults and returns a ready Server. A nil
// logger discards logs. Every configuration error is returned here, wrapped
// with the offending value, so nothing invalid reaches a request.
func New(cfg Config, logger *slog.Logger) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	up, err := ParseUpstream(cfg.Upstream)
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	health, err := json.Marshal(struct {
		OK      bool   `json:"ok"`
		Service string `json:"service"`
		Version string `json:"version"`
	}{true, ServiceName, version.Version})
	if err != nil {
		return nil, fmt.Errorf("proxy: encode health body: %w", err)
	}
	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
		cfg.Registry = reg
	}
	m, err := newMetrics(reg, cfg.Store)
	if err != nil {
		return nil, fmt.Errorf("proxy: register metrics: %w", err)
	}
	drift, err := observe.NewDriftDetector(observe.DefaultDriftCapacity)
	if err != nil {
		return nil, fmt.Errorf("proxy: drift detector: %w", err)
	}
	s := &Server{
		cfg:            cfg,
		upstream:       up,
		healthURL:      (&url.URL{Scheme: up.Scheme, Host: up.Host, Path: healthPath}).String(),
		log:            logger,
		transport:      newTransport(cfg),
		healthBody:     health,
		started:        time.Now(),
		metrics:        m,
		metricsHandler: newMetricsHandler(reg),
		drift:          drift,
		aligner:        cachealign.NewChecker(nil),
	}
	if cfg.Store != nil {
		c, err := livezone.NewCompressors(cfg.Store)
		if err != nil {
			return nil, fmt.Errorf("proxy: live-zone compressors: %w", err)
		}
		s.blockCompressor = c
	}
	var upstream http.RoundTripper = s.transport
	if cfg.Compression && cfg.Store != nil {
		// Requests given the retrieval tool have the model's calls to it
		// answered from the store on their way back.
		s.retrieval, err = retrieval.New(retrieval.Config{
			Store: cfg.Store, StoreTTL: cfg.StoreTTL, Base: s.transport, Logger: logger,
			Handle: func(r *http.Request) bool {
				return !cfg.RetrievalHandlingDisabled && stateFrom(r.Context()).retrievalTool
			},
		})
		if err != nil {
			return nil, fmt.Errorf("proxy: retrieval: %w", err)
		}
		if err := reg.Register(retrievalCollector{s.retrieval}); err != nil {
			return nil, fmt.Errorf("proxy: register retrieval metrics: %w", err)
		}
		upstream = s.retrieval
	}
	s.rp = &httputil.ReverseProxy{
		Rewrite:        s.rewrite,
		Transport:      upstream,
		ModifyResponse: s.modifyResponse,
		ErrorHandler:   s.handleError,
		BufferPool:     &copyBufferPool,
		// The stdlib logs body copy errors here; the forwarded line already
		// carries the outcome, so keep its wording at debug level.
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
	}
	return s, nil
}

// Config returns the configuration in force, with defaults applied.
func (s *Server) Config() Config { return s.cfg }

// newTransport builds the upstream client transport. It never follows
// redirects (a Transport does not) and never decompresses, so 3xx and
// Content-Encoding reach the client untouched.
func newTransport(cfg Config) *http.Transport {
	dialer := &net.Dialer{Timeout: cfg.UpstreamConnectTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, &connectError{addr: addr, err: err}
			}
			return c, nil
		},
		ForceAttemptHTTP2:     true, // the custom DialContext would otherwise disable h2 for TLS upstreams
		TLSHandshakeTimeout:   cfg.UpstreamConnectTimeout,
		ResponseHeaderTimeout: cfg.UpstreamTimeout,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
		// A single upstream takes all traffic, so the per-host idle pool is
		// the whole pool; the stdlib default of 2 would churn connections.
		MaxIdleConns:        maxIdleUpstreamConns,
		MaxIdleConnsPerHost: maxIdleUpstreamConns,
		IdleConnTimeout:     DefaultIdleConnTimeout,
	}
}

const maxIdleUpstreamConns = 256

// Reserved paths answered by the proxy itself (GET and HEAD only; other
// methods on them are forwarded like any other path). metricsPath,
// statsPath and retrievePrefix are defined with their handlers.
const (
	healthPath         = "/healthz"
	upstreamHealthPath = "/healthz/upstream"
)

// ServeHTTP answers the proxy's own endpoints and forwards everything else.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.inflight.Add(1)
	defer s.inflight.Done()
	if r.URL.Path == compressAPIPath { // every method: 405 unless POST
		s.serveCompressAPI(w, r)
		return
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		switch p := r.URL.Path; {
		case p == healthPath:
			s.serveHealth(w, r)
			return
		case p == upstreamHealthPath:
			s.serveUpstreamHealth(w, r)
			return
		case p == metricsPath:
			s.serveMetrics(w, r)
			return
		case p == statsPath:
			s.serveStats(w, r)
			return
		case len(p) > len(retrievePrefix) && p[:len(retrievePrefix)] == retrievePrefix:
			s.serveRetrieve(w, r)
			return
		}
	}
	s.forward(w, r)
}

// forward sends r to the upstream and relays the answer.
func (s *Server) forward(w http.ResponseWriter, r *http.Request) {
	st := &requestState{id: requestID(r.Header), start: time.Now(), path: r.URL.Path}
	st.idValue[0] = st.id
	ctx, cancel := context.WithCancelCause(r.Context())
	defer cancel(nil)
	st.cancel = cancel
	st.ctx = stateContext{Context: ctx, st: st}
	r = r.WithContext(&st.ctx)

	defer s.logForwarded(r, st)

	switch {
	case s.cfg.Compression && mustBuffer(r):
		body, ok := s.bufferBody(w, r)
		if !ok {
			return
		}
		st.bodyIn.Store(int64(len(body)))
		out := s.compressBody(r, st, body)
		st.bodyOut.Store(int64(len(out)))
		setBody(r, out)
	case r.ContentLength > 0:
		st.declaredBody = declaredLengthBody{body: r.Body, remaining: r.ContentLength, st: st}
		r.Body = &st.declaredBody
	case r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody:
		st.countingBody = countingBody{body: r.Body, st: st}
		r.Body = &st.countingBody
	}
	if isUpgradeRequest(r.Header) {
		rec := &hijackRecorder{ResponseWriter: w, tracker: &s.upgrades}
		defer rec.release()
		w = rec
		st.upgrade = true
	}
	s.rp.ServeHTTP(w, r)
}

// requestState is what one forwarded request records for its log line and
// for the response body wrapper. It is reached through the request context
// because Rewrite, ModifyResponse and ErrorHandler only see the request.
type requestState struct {
	id     string
	path   string // the client's request path (the upstream's may carry a prefix)
	start  time.Time
	cancel context.CancelCauseFunc // aborts the upstream exchange

	upgrade          bool
	retrievalTool    bool // the body sent carries the headroom_retrieve tool
	strippedInternal int
	upstreamStatus   int           // 0 when no response arrived
	upstreamID       string        // upstream request-id / x-request-id
	headerLatency    time.Duration // until upstream response headers
	status           int           // what the client was sent when the proxy answered itself
	err              error         // proxy error or body stream error
	aborted          bool          // response was cut mid-body

	// Request body bytes from the client and to the upstream. Streamed
	// bodies are counted by the transport's goroutine, hence atomics.
	bodyIn, bodyOut atomic.Int64
	responseBytes   int64 // read from the upstream body by the handler goroutine

	// The request's context and body wrappers live in the state so that a
	// forwarded request allocates them once, with the state.
	ctx          stateContext
	declaredBody declaredLengthBody
	countingBody countingBody
	responseBody idleTimeoutBody
	// idValue backs the x-request-id header values set on the upstream
	// request and the client response, saving a slice per header.
	idValue [1]string
}

type stateKey struct{}

// stateContext carries a request's state, like context.WithValue with
// stateKey but without a separate allocation: it is embedded in the state.
type stateContext struct {
	context.Context
	st *requestState
}

// Value returns the request state for stateKey and defers everything else
// to the parent.
func (c *stateContext) Value(key any) any {
	if _, ok := key.(stateKey); ok {
		return c.st
	}
	return c.Context.Value(key)
}

// stateFrom returns the request state stored by forward. The ReverseProxy
// hooks only run under forward, so it is always present.
func stateFrom(ctx context.Context) *requestState {
	st, _ := ctx.Value(stateKey{}).(*requestState)
	if st == nil {
		// Only reachable if a hook runs outside forward, which is a bug in
		// this package; a throwaway state keeps the request working.
		st = &requestState{start: time.Now(), cancel: func(error) {}}
	}
	return st
}

// logForwarded writes the one info line per forwarded request. It runs
// deferred, also while the stdlib aborts a response with
// http.ErrAbortHandler, which it lets continue.
func (s *Server) logForwarded(r *http.Request, st *requestState) {
	if v := recover(); v != nil {
		st.aborted = true
		defer panic(v)
	}
	status := st.status
	if status == 0 {
		status = st.upstreamStatus
	}
	s.metrics.countRequest(routeIndex(r.URL.Path), status, st)
	level := slog.LevelInfo
	if st.err != nil {
		level = slog.LevelWarn
	}
	if !s.log.Enabled(r.Context(), level) {
		return
	}
	attrs := make([]slog.Attr, 0, 12)
	attrs = append(attrs,
		slog.String("request_id", st.id),
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path), // never the query: it may carry keys
		slog.String("protocol", protocolName(st.upgrade)),
		slog.Int("status", status),
		slog.Int("upstream_status", st.upstreamStatus),
		slog.Int64("latency_ms", st.headerLatency.Milliseconds()),
		slog.Int64("duration_ms", time.Since(st.start).Milliseconds()),
	)
	if st.upstreamID != "" {
		attrs = append(attrs, slog.String("upstream_request_id", st.upstreamID))
	}
	if st.strippedInternal > 0 {
		attrs = append(attrs, slog.Int("stripped_internal_headers", st.strippedInternal))
	}
	if st.aborted {
		// Without an error of ours the client went away mid-response.
		attrs = append(attrs, slog.Bool("aborted", true))
	}
	if st.err != nil {
		attrs = append(attrs, slog.String("error", st.err.Error()))
	}
	s.log.LogAttrs(r.Context(), level, "forwarded", attrs...)
}

func protocolName(upgrade bool) string {
	if upgrade {
		return "ws"
	}
	return "http"
}
