package proxy

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/headroom-go/headroom/ccr"
)

// metricsPath is the Prometheus scrape endpoint, reserved like /healthz.
const metricsPath = "/metrics"

// initLabel is the sentinel label value of families that must show their
// HELP and TYPE lines from boot (the reference's alerting contract): an
// alert on "any non-zero rate other than __init__" needs the family to
// exist before the first real sample.
const initLabel = "__init__"

// Route labels. Request paths come from clients, so they are never used as
// label values directly: anything that is not a compression path counts as
// routeOther, which keeps label cardinality fixed.
const (
	routeMessages  = pathAnthropicMessages
	routeChat      = pathChatCompletions
	routeResponses = pathResponses
	routeOther     = "other"
)

// routeOf maps a request path to its label.
func routeOf(path string) string {
	switch path {
	case pathAnthropicMessages, pathChatCompletions, pathResponses:
		return path
	}
	return routeOther
}

// routeLabels lists every route label; routeIndex gives a path's position.
var routeLabels = [...]string{routeMessages, routeChat, routeResponses, routeOther}

// routeIndex maps a request path to its index in routeLabels.
func routeIndex(path string) int {
	switch path {
	case pathAnthropicMessages:
		return 0
	case pathChatCompletions:
		return 1
	case pathResponses:
		return 2
	}
	return 3
}

// Transform (pipeline stage) names used by the latency histogram and
// /stats pipeline_timing.
const (
	stageParse          = "parse"
	stageObserve        = "observe"
	stageCacheStabilize = "cache_stabilize"
	stageLiveZone       = "live_zone"
	stagePromptCacheKey = "prompt_cache_key"
	stageTotal          = "total"
)

// Compression failure reasons (label of proxy_compression_failures_total).
// Each one means the original bytes went upstream for that request (or,
// for compressor_error, for that block only).
const (
	failNotJSON         = "not_json"
	failLiveZone        = "live_zone_error"
	failCompressorError = "compressor_error"
	failInvalidOutput   = "invalid_output"
	failPanic           = "panic"
	failCanceled        = "canceled"
)

// Usage token kinds (label of proxy_usage_tokens_total), from the usage
// the upstream reports in streamed responses.
const (
	usageInput         = "input"
	usageOutput        = "output"
	usageCacheRead     = "cache_read"
	usageCacheCreation = "cache_creation"
)

// Histogram buckets. The hit-rate and ratio buckets are the reference's,
// so dashboards built for it read these series unchanged.
var (
	hitRateBuckets    = []float64{0, .01, .05, .1, .25, .5, .75, .9, .95, .99, 1.0}
	ratioBuckets      = []float64{.05, .1, .2, .3, .4, .5, .6, .75, .9, .99}
	transformBuckets  = []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}
	knownServiceTiers = []string{"auto", "default", "flex", "on_demand", "priority", "scale"}
)

// serviceTierOther is the tier label of any value not in knownServiceTiers,
// so a client-controlled string never becomes a label value.
const serviceTierOther = "other"

// metrics is every series the Server exports. It is owned by the Server and
// registered on the Registry from its Config; /stats reads the same
// collectors, so there is one set of numbers.
type metrics struct {
	reg *prometheus.Registry

	requests         *prometheus.CounterVec // path, status
	requestBytes     *prometheus.CounterVec // path: body bytes received from clients
	upstreamBytes    *prometheus.CounterVec // path: body bytes sent upstream
	responseBytes    *prometheus.CounterVec // path: body bytes relayed to clients
	compressionReqs  *prometheus.CounterVec // path, outcome
	compressions     *prometheus.CounterVec // strategy
	tokensSaved      *prometheus.CounterVec // strategy
	ratio            *prometheus.HistogramVec
	rejected         *prometheus.CounterVec // strategy
	failures         *prometheus.CounterVec // reason
	passthroughAlarm *prometheus.CounterVec // path
	transform        *prometheus.HistogramVec
	transformMax     *maxGauge
	volatile         *prometheus.CounterVec // kind
	drift            prometheus.Counter
	alignerFindings  prometheus.Counter
	hitRate          *prometheus.HistogramVec // provider
	usageTokens      *prometheus.CounterVec   // provider, kind
	rateLimit        [4]*prometheus.GaugeVec  // provider
	serviceTier      *prometheus.CounterVec   // tier
	responseStatus   *prometheus.CounterVec   // status

	// perRoute caches, by routeIndex, the children every forwarded request
	// updates, so the common case skips hashing label values. They are
	// resolved on first use, not up front, so /metrics shows no series
	// before a request created it, exactly as without the cache.
	perRoute [len(routeLabels)]routeSeries
}

// routeSeries holds one route's lazily resolved request series.
type routeSeries struct {
	ok                                         lazyCounter // requests with status 200
	requestBytes, upstreamBytes, responseBytes lazyCounter
}

// lazyCounter is a CounterVec child looked up once and then reused. The
// vectors are never reset or pruned, so a child stays the live series.
type lazyCounter struct {
	c atomic.Pointer[prometheus.Counter]
}

// get returns vec's child for the label values a (and b when vec has two
// labels), resolving it on the first call.
func (l *lazyCounter) get(vec *prometheus.CounterVec, a, b string) prometheus.Counter {
	if c := l.c.Load(); c != nil {
		return *c
	}
	var c prometheus.Counter
	if b == "" {
		c = vec.WithLabelValues(a)
	} else {
		c = vec.WithLabelValues(a, b)
	}
	l.c.Store(&c)
	return c
}

// Indexes of metrics.rateLimit, in the order of rateLimitHeaders.
const (
	rlRequests = iota
	rlTokens
	rlInputTokens
	rlOutputTokens
)

// newMetrics creates the series and registers them on reg. A store that
// reports statistics gets its counters exported too.
func newMetrics(reg *prometheus.Registry, store ccr.Store) (*metrics, error) {
	m := &metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "proxy_requests_total",
			Help: "Forwarded requests by route (a compression path or \"other\") and the status the client got (499: client went away).",
		}, []string{"path", "status"}),
		requestBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "proxy_request_bytes_total",
			Help: "Request body bytes received from clients, by route.",
		}, []string{"path"}),
		upstreamBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "proxy_upstream_request_bytes_total",
			Help: "Request body bytes sent upstream, by route; lower than proxy_request_bytes_total by what compression removed.",
		}, []string{"path"}),
		responseBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "proxy_response_bytes_total",
			Help: "Response body bytes relayed from the upstream to clients, by route.",
		}, []string{"path"}),
		compressionReqs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "proxy_compression_requests_total",
			Help: "Requests that took the compression path, by route and outcome (compressed, unchanged, failed).",
		}, []string{"path", "outcome"}),
		compressions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "proxy_compressions_total",
			Help: "Requests each strategy rewrote (compressors and cache-stabilisation passes).",
		}, []string{"strategy"}),
		tokensSaved: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "proxy_tokens_saved_total",
			Help: "Input tokens removed by live-zone compression, by strategy (original minus compressed tokens of accepted blocks).",
		}, []string{"strategy"}),
		ratio: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "proxy_compression_ratio_by_strategy",
			Help:    "Compressed/original tokens per strategy per compressed request (lower is better).",
			Buckets: ratioBuckets,
		}, []string{"strategy", "content_type"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "proxy_compression_rejected_by_token_check_total",
			Help: "Live-zone blocks whose candidate was not smaller in tokens, counted on requests that compressed at least one block.",
		}, []string{"strategy"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "proxy_compression_failures_total",
			Help: "Compression failures by reason; the original bytes went upstream (for compressor_error, of that block only).",
		}, []string{"reason"}),
		passthroughAlarm: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "proxy_passthrough_bytes_modified_total",
			Help: "Alarm: bytes by which a request the proxy did not mean to change differed from what the client sent. Must stay 0.",
		}, []string{"path"}),
		transform: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "proxy_transform_duration_seconds",
			Help:    "Time spent in each stage of the compression path (total is the whole path).",
			Buckets: transformBuckets,
		}, []string{"transform"}),
		transformMax: newMaxGauge("proxy_transform_duration_max_seconds",
			"Longest time one request spent in each stage of the compression path since start.", "transform"),
		volatile: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "proxy_volatile_content_findings_total",
			Help: "Per-request values (timestamps, UUIDs, id fields) found in cached parts of requests, by kind.",
		}, []string{"kind"}),
		drift: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "proxy_cache_drift_observed_total",
			Help: "Requests whose system prompt, tools or first messages differed from the same client's previous request.",
		}),
		alignerFindings: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "proxy_cache_aligner_findings_total",
			Help: "Volatile tokens the CacheAligner check found in system prompts (detect-and-warn: requests are not changed).",
		}),
		hitRate: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "proxy_cache_hit_rate_per_session",
			Help:    "Prompt-cache hit rate of streamed responses: cache_read/(input+cache_read+cache_creation).",
			Buckets: hitRateBuckets,
		}, []string{"provider"}),
		usageTokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "proxy_usage_tokens_total",
			Help: "Tokens the upstream reported in streamed responses, by provider and kind (input excludes cache reads and writes).",
		}, []string{"provider", "kind"}),
		serviceTier: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "proxy_service_tier_count_total",
			Help: "OpenAI Responses service tiers seen in requests and response envelopes; unknown values count as other.",
		}, []string{"tier"}),
		responseStatus: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "proxy_response_status_count_total",
			Help: "Terminal statuses of streamed OpenAI Responses (completed, failed, incomplete).",
		}, []string{"status"}),
	}
	for i, name := range []string{"requests", "tokens", "input_tokens", "output_tokens"} {
		m.rateLimit[i] = prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "proxy_rate_limit_remaining_" + name,
			Help: "Remaining " + name + " in the current rate-limit window, from the upstream's latest response headers.",
		}, []string{"provider"})
	}
	cs := []prometheus.Collector{
		m.requests, m.requestBytes, m.upstreamBytes, m.responseBytes, m.compressionReqs,
		m.compressions, m.tokensSaved, m.ratio, m.rejected, m.failures, m.passthroughAlarm,
		m.transform, m.transformMax, m.volatile, m.drift, m.alignerFindings, m.hitRate, m.usageTokens,
		m.serviceTier, m.responseStatus,
		m.rateLimit[0], m.rateLimit[1], m.rateLimit[2], m.rateLimit[3],
	}
	if sr, ok := store.(ccr.StatsReporter); ok {
		cs = append(cs, &ccrCollector{store: sr})
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	m.rejected.WithLabelValues(initLabel)
	m.passthroughAlarm.WithLabelValues(initLabel)
	m.serviceTier.WithLabelValues(initLabel)
	m.responseStatus.WithLabelValues(initLabel)
	for _, g := range m.rateLimit {
		g.WithLabelValues(initLabel)
	}
	return m, nil
}

// observeStage records one stage's duration.
func (m *metrics) observeStage(stage string, d time.Duration) {
	s := d.Seconds()
	m.transform.WithLabelValues(stage).Observe(s)
	m.transformMax.observe(stage, s)
}

// countRequest records one forwarded request once it is over. route is a
// routeIndex.
func (m *metrics) countRequest(route int, status int, st *requestState) {
	rs, label := &m.perRoute[route], routeLabels[route]
	if status == http.StatusOK {
		rs.ok.get(m.requests, label, statusLabel(status)).Inc()
	} else {
		m.requests.WithLabelValues(label, statusLabel(status)).Inc()
	}
	if n := st.bodyIn.Load(); n > 0 {
		rs.requestBytes.get(m.requestBytes, label, "").Add(float64(n))
	}
	if n := st.bodyOut.Load(); n > 0 {
		rs.upstreamBytes.get(m.upstreamBytes, label, "").Add(float64(n))
	}
	if n := st.responseBytes; n > 0 {
		rs.responseBytes.get(m.responseBytes, label, "").Add(float64(n))
	}
}

// statusLabel avoids formatting the common statuses on every request.
func statusLabel(status int) string {
	switch status {
	case http.StatusOK:
		return "200"
	case 0:
		return "0"
	}
	return strconv.Itoa(status)
}

// serviceTierLabel validates a service tier: an exact, case-sensitive known
// value, else "other".
func serviceTierLabel(tier string) (string, bool) {
	for _, t := range knownServiceTiers {
		if tier == t {
			return t, true
		}
	}
	return serviceTierOther, false
}

// serveMetrics answers GET /metrics with the Prometheus text exposition of
// the Server's registry.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	s.metricsHandler.ServeHTTP(w, r)
}

func newMetricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		// An encoding failure answers 500 rather than a partial scrape.
		ErrorHandling: promhttp.HTTPErrorOnError,
	})
}

// maxGauge is a gauge vector that only ever moves up: the largest value
// observed per label. Prometheus gauges have no compare-and-set, so the
// maxima are kept here and exposed as const metrics at scrape time.
type maxGauge struct {
	desc *prometheus.Desc
	mu   sync.Mutex
	max  map[string]float64
}

func newMaxGauge(name, help, label string) *maxGauge {
	return &maxGauge{
		desc: prometheus.NewDesc(name, help, []string{label}, nil),
		max:  make(map[string]float64),
	}
}

func (g *maxGauge) observe(label string, v float64) {
	g.mu.Lock()
	if cur, ok := g.max[label]; !ok || v > cur {
		g.max[label] = v
	}
	g.mu.Unlock()
}

func (g *maxGauge) get(label string) float64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.max[label]
}

// Describe implements prometheus.Collector.
func (g *maxGauge) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

// Collect implements prometheus.Collector.
func (g *maxGauge) Collect(ch chan<- prometheus.Metric) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for label, v := range g.max {
		ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, v, label)
	}
}

// ccrCollector exports a CCR store's operation counters at scrape time.
type ccrCollector struct{ store ccr.StatsReporter }

var ccrOpsDesc = prometheus.NewDesc("proxy_ccr_operations_total",
	"Operations on the CCR store through this process: put, hit, miss, expired (entries seen dropped by TTL), eviction.",
	[]string{"op"}, nil)

// Describe implements prometheus.Collector.
func (c *ccrCollector) Describe(ch chan<- *prometheus.Desc) { ch <- ccrOpsDesc }

// Collect implements prometheus.Collector.
func (c *ccrCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.store.Stats()
	for _, op := range []struct {
		name string
		v    uint64
	}{{"put", s.Puts}, {"hit", s.Hits}, {"miss", s.Misses}, {"expired", s.Expired}, {"eviction", s.Evictions}} {
		ch <- prometheus.MustNewConstMetric(ccrOpsDesc, prometheus.CounterValue, float64(op.v), op.name)
	}
}

var (
	_ prometheus.Collector = (*maxGauge)(nil)
	_ prometheus.Collector = (*ccrCollector)(nil)
)

// rateLimitHeaders lists, per gauge, the response headers it is read from
// in order of preference (Anthropic first, then OpenAI's names).
var rateLimitHeaders = [4][]string{
	rlRequests:     {"Anthropic-Ratelimit-Requests-Remaining", "X-Ratelimit-Remaining-Requests"},
	rlTokens:       {"Anthropic-Ratelimit-Tokens-Remaining", "X-Ratelimit-Remaining-Tokens"},
	rlInputTokens:  {"Anthropic-Ratelimit-Input-Tokens-Remaining"},
	rlOutputTokens: {"Anthropic-Ratelimit-Output-Tokens-Remaining"},
}

// Provider labels of the usage and rate-limit series.
const (
	providerAnthropic       = "anthropic"
	providerOpenAIChat      = "openai_chat"
	providerOpenAIResponses = "openai_responses"
)

// recordRateLimits sets the rate-limit gauges from an upstream response's
// headers. The provider is known from the request id header the upstream
// sent: Anthropic's request-id, else OpenAI's x-request-id (split by the
// request path). Without either the numbers cannot be attributed and are
// not recorded.
func (m *metrics) recordRateLimits(path string, h http.Header) {
	var provider string
	switch {
	case len(h[headerUpstreamRequestID]) > 0:
		provider = providerAnthropic
	case len(h[headerRequestID]) > 0:
		provider = providerOpenAIChat
		if strings.Contains(path, pathResponses) {
			provider = providerOpenAIResponses
		}
	default:
		return
	}
	for i, names := range rateLimitHeaders {
		for _, name := range names {
			vs := h[name]
			if len(vs) == 0 {
				continue
			}
			if n, err := strconv.ParseInt(strings.TrimSpace(vs[0]), 10, 64); err == nil {
				m.rateLimit[i].WithLabelValues(provider).Set(float64(n))
				break
			}
		}
	}
}
