package proxy

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/headroom-go/headroom/ccr"
)

// Defaults applied by New to zero-valued Config fields.
const (
	DefaultListen                  = "0.0.0.0:8787"
	DefaultUpstreamTimeout         = 600 * time.Second
	DefaultUpstreamConnectTimeout  = 10 * time.Second
	DefaultMaxBodyBytes            = 100_000_000 // 100MB, decimal like the reference
	DefaultGracefulShutdownTimeout = 30 * time.Second
	DefaultHealthProbeTimeout      = 5 * time.Second
	DefaultReadHeaderTimeout       = 10 * time.Second
	DefaultMaxHeaderBytes          = 1 << 20
	// DefaultIdleConnTimeout bounds both inbound keep-alive connections and
	// pooled upstream connections that carry no request.
	DefaultIdleConnTimeout = 90 * time.Second
)

// Config is the whole configuration of a Server. The zero value of every field
// except Upstream is valid and means the documented default, so a caller only
// sets what it wants to change. New validates the Config once; nothing invalid
// reaches request handling.
type Config struct {
	// Upstream is the base URL every forwarded request goes to: an absolute
	// http, https, ws or wss URL (ws maps to http and wss to https for plain
	// HTTP; TLS is kept for both). A path prefix is kept and the request path
	// is appended to it. It must not carry a query, fragment or user info.
	// Required.
	Upstream string

	// Listen is the TCP address ListenAndServe binds, "ip:port" or ":port".
	// Empty means DefaultListen. Serve ignores it.
	Listen string

	// UpstreamTimeout bounds how long the proxy waits for the upstream's
	// response headers once the request is sent, and separately how long
	// any single gap between two pieces of a streamed response body may
	// last. It never caps the total duration of a response: a stream that
	// keeps sending lives as long as it sends. Zero means
	// DefaultUpstreamTimeout; negative is an error.
	UpstreamTimeout time.Duration

	// UpstreamConnectTimeout bounds establishing the TCP connection to the
	// upstream (or to the HTTP proxy from the environment). Zero means
	// DefaultUpstreamConnectTimeout; negative is an error.
	UpstreamConnectTimeout time.Duration

	// MaxBodyBytes is the default of CompressionMaxBodyBytes. Streamed
	// bodies are never capped. Zero means DefaultMaxBodyBytes; negative is
	// an error.
	MaxBodyBytes int64

	// CompressionMaxBodyBytes caps the request bodies the compression path
	// buffers (only when Compression is on); a larger body is answered 413
	// without contacting the upstream. Zero means MaxBodyBytes; negative is
	// an error.
	CompressionMaxBodyBytes int64

	// LogLevel is the minimum level a caller building the logger should use;
	// the Server itself logs through the logger it is given. The zero value
	// is slog.LevelInfo.
	LogLevel slog.Level

	// PreserveHost sends the client's Host header upstream instead of the
	// upstream URL's host. False (the default) rewrites Host to the upstream.
	PreserveHost bool

	// GracefulShutdownTimeout is how long Serve lets in-flight requests,
	// streams and upgraded connections finish after its context is
	// cancelled; whatever is still open then is closed. Zero means
	// DefaultGracefulShutdownTimeout; negative is an error.
	GracefulShutdownTimeout time.Duration

	// ForwardInternalHeaders forwards x-headroom-* request headers upstream.
	// False (the default) strips them, since they steer this proxy and are
	// not meant for the upstream.
	ForwardInternalHeaders bool

	// Compression turns on the buffered path for POST /v1/messages,
	// /v1/chat/completions and /v1/responses with a JSON body: the body is
	// read whole (up to CompressionMaxBodyBytes, else 413), observed by the
	// cache detectors, stabilised (payg callers only) and live-zone
	// compressed before forwarding; any failure forwards the original
	// bytes. False (the default) streams every body untouched.
	Compression bool

	// CacheControlAutoFrozenDisabled stops Anthropic cache_control markers
	// from raising the frozen floor, so the latest user message is
	// compressed even when it sits below a marker. False (the default)
	// honours the markers: messages up to the last marked one are never
	// touched.
	CacheControlAutoFrozenDisabled bool

	// AuthModePolicyEnforcementDisabled resolves every request's
	// compression policy as pay-as-you-go instead of from its auth mode.
	// The auth mode itself still gates the cache-stabilisation rewrites.
	// False (the default) enforces the per-mode policy.
	AuthModePolicyEnforcementDisabled bool

	// RetrievalToolDisabled never adds the headroom_retrieve tool to a
	// compressed request. Markers are still written (with a Store) and
	// resolve through GET /v1/retrieve/{hash}, so it suits clients that
	// redeem them on their own. Unlike the reference's
	// --no-ccr-inject-tool, fresh markers do not force the tool back in:
	// off means off. False (the default) adds the tool to requests that
	// carry markers and keeps it for the rest of their session.
	RetrievalToolDisabled bool

	// RetrievalHandlingDisabled passes every model response to the client
	// unchanged, including one that calls headroom_retrieve, for clients
	// that answer the call themselves. False (the default) answers a
	// response calling only headroom_retrieve from the Store and continues
	// the conversation upstream, so the client sees only the final
	// answer. Only requests the tool was added to are handled.
	RetrievalHandlingDisabled bool

	// Store keeps the originals of compressed Anthropic blocks under the
	// keys their markers name, and answers GET /v1/retrieve/{hash}. Nil
	// means no store: blocks are compressed without markers and the
	// retrieval endpoint answers 503. The Server does not close it.
	Store ccr.Store

	// StoreTTL is the Store's entry lifetime, quoted in retrieval misses so
	// a caller knows why an original is gone. Zero means ccr.DefaultTTL;
	// negative is an error.
	StoreTTL time.Duration

	// RetrieveAllow lists the client networks GET /v1/retrieve/{hash} and
	// /v1/retrieve/stats answer; others get 403. The client is the TCP
	// peer (X-Forwarded-For is never trusted for this). Nil means loopback
	// only (127.0.0.0/8 and ::1), since originals can hold anything a tool
	// ever returned.
	RetrieveAllow []netip.Prefix

	// CompressAllow lists the client networks POST /v1/compress answers;
	// others get 403. The client is the TCP peer, as for RetrieveAllow.
	// Nil means loopback only (127.0.0.0/8 and ::1): the endpoint spends
	// CPU on whatever it is sent and writes originals to the Store.
	CompressAllow []netip.Prefix

	// Registry receives the Server's Prometheus collectors and is what
	// GET /metrics exposes. Nil means a new private registry (no process
	// or Go runtime metrics, as in the reference). A Server registers its
	// collectors once, so one Registry serves one Server.
	Registry *prometheus.Registry

	// HealthProbeTimeout bounds the upstream probe made by GET
	// /healthz/upstream, kept short so a hung upstream cannot hold a
	// readiness probe for UpstreamTimeout. Zero means
	// DefaultHealthProbeTimeout; negative is an error.
	HealthProbeTimeout time.Duration

	// ReadHeaderTimeout bounds reading an inbound request's headers. Zero
	// means DefaultReadHeaderTimeout; negative is an error.
	ReadHeaderTimeout time.Duration

	// MaxHeaderBytes caps the size of an inbound request's headers. Zero
	// means DefaultMaxHeaderBytes; negative is an error.
	MaxHeaderBytes int
}

// withDefaults returns c with every zero field replaced by its default.
func (c Config) withDefaults() Config {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.UpstreamTimeout == 0 {
		c.UpstreamTimeout = DefaultUpstreamTimeout
	}
	if c.UpstreamConnectTimeout == 0 {
		c.UpstreamConnectTimeout = DefaultUpstreamConnectTimeout
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.CompressionMaxBodyBytes == 0 {
		c.CompressionMaxBodyBytes = c.MaxBodyBytes
	}
	if c.StoreTTL == 0 {
		c.StoreTTL = ccr.DefaultTTL
	}
	if c.RetrieveAllow == nil {
		c.RetrieveAllow = []netip.Prefix{loopbackV4, loopbackV6}
	}
	if c.CompressAllow == nil {
		c.CompressAllow = []netip.Prefix{loopbackV4, loopbackV6}
	}
	if c.GracefulShutdownTimeout == 0 {
		c.GracefulShutdownTimeout = DefaultGracefulShutdownTimeout
	}
	if c.HealthProbeTimeout == 0 {
		c.HealthProbeTimeout = DefaultHealthProbeTimeout
	}
	if c.ReadHeaderTimeout == 0 {
		c.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if c.MaxHeaderBytes == 0 {
		c.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	return c
}

// validate checks a Config that already has its defaults applied.
func (c Config) validate() error {
	if _, err := ParseUpstream(c.Upstream); err != nil {
		return err
	}
	if err := ValidateListen(c.Listen); err != nil {
		return err
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"upstream timeout", c.UpstreamTimeout},
		{"upstream connect timeout", c.UpstreamConnectTimeout},
		{"graceful shutdown timeout", c.GracefulShutdownTimeout},
		{"health probe timeout", c.HealthProbeTimeout},
		{"read header timeout", c.ReadHeaderTimeout},
	} {
		if d.v < 0 {
			return fmt.Errorf("proxy: %s %v: must not be negative", d.name, d.v)
		}
	}
	if c.MaxBodyBytes < 0 {
		return fmt.Errorf("proxy: max body bytes %d: must not be negative", c.MaxBodyBytes)
	}
	if c.CompressionMaxBodyBytes < 0 {
		return fmt.Errorf("proxy: compression max body bytes %d: must not be negative", c.CompressionMaxBodyBytes)
	}
	if c.StoreTTL < 0 {
		return fmt.Errorf("proxy: store TTL %v: must not be negative", c.StoreTTL)
	}
	for _, p := range c.RetrieveAllow {
		if !p.IsValid() {
			return fmt.Errorf("proxy: retrieve allow list: invalid network %v", p)
		}
	}
	for _, p := range c.CompressAllow {
		if !p.IsValid() {
			return fmt.Errorf("proxy: compress allow list: invalid network %v", p)
		}
	}
	if c.MaxHeaderBytes < 0 {
		return fmt.Errorf("proxy: max header bytes %d: must not be negative", c.MaxHeaderBytes)
	}
	return nil
}

// Loopback networks, the default RetrieveAllow and CompressAllow.
var (
	loopbackV4 = netip.MustParsePrefix("127.0.0.0/8")
	loopbackV6 = netip.MustParsePrefix("::1/128")
)

// ErrNoUpstream is returned (wrapped) when no upstream URL is configured.
var ErrNoUpstream = errors.New("upstream URL is required")

// ParseUpstream parses and checks an upstream base URL and returns the URL
// plain HTTP requests are sent to (ws becomes http, wss becomes https). The
// error names the offending value.
func ParseUpstream(raw string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, fmt.Errorf("proxy: %w", ErrNoUpstream)
	}
	// Errors end up in logs and on stderr: never echo a password.
	shown := redactUserinfo(raw)
	if !strings.Contains(raw, "://") {
		return nil, fmt.Errorf("proxy: upstream %q: not an absolute URL (want scheme://host[:port][/path], e.g. http://127.0.0.1:8788)", shown)
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the URL, user info and all
		}
		return nil, fmt.Errorf("proxy: upstream %q: %w", shown, err)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "ws":
		u.Scheme = "http"
	case "https", "wss":
		u.Scheme = "https"
	case "":
		return nil, fmt.Errorf("proxy: upstream %q: not an absolute URL (want http:// or https://)", shown)
	default:
		return nil, fmt.Errorf("proxy: upstream %q: scheme %q not supported (want http, https, ws or wss)", shown, u.Scheme)
	}
	if u.Opaque != "" || u.Host == "" {
		return nil, fmt.Errorf("proxy: upstream %q: missing host", shown)
	}
	if u.User != nil {
		return nil, fmt.Errorf("proxy: upstream %q: user info is not supported; send credentials as request headers", shown)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, fmt.Errorf("proxy: upstream %q: must not contain a query or fragment", shown)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("proxy: upstream %q: invalid port %q", shown, p)
		}
	}
	return u, nil
}

// redactUserinfo replaces the user info of a URL-like string, if it has
// any, with "xxxxx".
func redactUserinfo(raw string) string {
	i := strings.Index(raw, "://")
	if i < 0 {
		return raw
	}
	authority := raw[i+3:]
	if end := strings.IndexAny(authority, "/?#"); end >= 0 {
		authority = authority[:end]
	}
	at := strings.LastIndex(authority, "@")
	if at < 0 {
		return raw
	}
	return raw[:i+3] + "xxxxx" + raw[i+3+at:]
}

// ValidateListen checks a listen address: "ip:port" or ":port" with a
// numeric port. Host names are rejected so the bound interface is never a
// matter of DNS.
func ValidateListen(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("proxy: listen address %q: %w", addr, err)
	}
	if host != "" && net.ParseIP(host) == nil {
		return fmt.Errorf("proxy: listen address %q: host must be an IP address", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("proxy: listen address %q: invalid port %q", addr, port)
	}
	return nil
}
