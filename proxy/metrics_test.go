package proxy

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/headroom-go/headroom/ccr/memstore"
)

// counterValue sums the samples of c that have a label with value v.
func counterValue(t testing.TB, c prometheus.Collector, v string) float64 {
	t.Helper()
	var sum float64
	for _, d := range collect(c) {
		for _, lp := range d.GetLabel() {
			if lp.GetValue() == v {
				sum += d.GetCounter().GetValue()
				break
			}
		}
	}
	return sum
}

// scrape fetches /metrics and returns its sample lines by series
// (name{labels}) and the full text.
func scrape(t testing.TB, p *testProxy) (map[string]float64, string) {
	t.Helper()
	res, err := testClient(t).Get(p.URL + metricsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	samples := make(map[string]float64)
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad sample line %q", line)
		}
		samples[line[:i]] = v
	}
	return samples, string(body)
}

func TestMetricsFamiliesExistFromBoot(t *testing.T) {
	up := startRecorder(t, nil)
	p := startProxy(t, Config{Upstream: up.URL})
	samples, text := scrape(t, p)
	for _, fam := range []string{
		"proxy_passthrough_bytes_modified_total", "proxy_compression_rejected_by_token_check_total",
		"proxy_service_tier_count_total", "proxy_response_status_count_total",
		"proxy_rate_limit_remaining_requests", "proxy_rate_limit_remaining_tokens",
		"proxy_rate_limit_remaining_input_tokens", "proxy_rate_limit_remaining_output_tokens",
	} {
		if !strings.Contains(text, "# TYPE "+fam+" ") {
			t.Errorf("no TYPE line for %s at boot", fam)
		}
	}
	if v, ok := samples[`proxy_passthrough_bytes_modified_total{path="__init__"}`]; !ok || v != 0 {
		t.Errorf("passthrough alarm __init__ row = %v (present %v), want 0", v, ok)
	}
	// Metrics and health endpoints are the proxy's own: never forwarded.
	if len(up.bodies) != 0 {
		t.Error("a reserved endpoint was forwarded")
	}
}

func TestMetricsAfterTraffic(t *testing.T) {
	up := startRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if r.URL.Path == pathAnthropicMessages {
			h.Set("Request-Id", "req_1")
			h.Set("Anthropic-Ratelimit-Requests-Remaining", "41")
			h.Set("Anthropic-Ratelimit-Input-Tokens-Remaining", " 9000 ")
			h.Set("Anthropic-Ratelimit-Tokens-Remaining", "lots")
		} else {
			h.Set("X-Request-Id", "oa_1")
			h.Set("X-Ratelimit-Remaining-Tokens", "77")
		}
		h.Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	})
	reg := prometheus.NewRegistry()
	p := startProxy(t, Config{Upstream: up.URL, Compression: true, Registry: reg, Store: memstore.New(0, 0)})
	big := []byte(`{"model":"claude-sonnet-4-5","max_tokens":8,"messages":[{"role":"user","content":[` + bigToolResult("t") + `]}]}`)
	postJSON(t, p, pathAnthropicMessages, big, oauthAnthropic)
	// Another model is another session: the retrieval tool the first
	// request got is not sticky here, so nothing changes this body.
	postJSON(t, p, pathAnthropicMessages, []byte(`{"model":"claude-haiku-4-5","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}`), oauthAnthropic)
	junk := strings.Repeat("Z", 300)
	for _, tier := range []string{"priority", "PRIORITY", junk} {
		postJSON(t, p, pathResponses, []byte(`{"model":"gpt-4o","service_tier":`+jsonString(tier)+`,"input":[]}`), oauthOpenAI)
	}
	postJSON(t, p, "/v1/models", []byte(`{}`), nil)

	samples, text := scrape(t, p)
	for series, want := range map[string]float64{
		`proxy_requests_total{path="/v1/messages",status="200"}`:                                       2,
		`proxy_requests_total{path="/v1/responses",status="200"}`:                                      3,
		`proxy_requests_total{path="other",status="200"}`:                                              1,
		`proxy_compression_requests_total{outcome="compressed",path="/v1/messages"}`:                   1,
		`proxy_compression_requests_total{outcome="unchanged",path="/v1/messages"}`:                    1,
		`proxy_compressions_total{strategy="smart_crusher"}`:                                           1,
		`proxy_compression_ratio_by_strategy_count{content_type="aggregate",strategy="smart_crusher"}`: 1,
		`proxy_transform_duration_seconds_count{transform="live_zone"}`:                                5,
		`proxy_transform_duration_seconds_count{transform="total"}`:                                    5,
		`proxy_service_tier_count_total{tier="priority"}`:                                              1,
		`proxy_service_tier_count_total{tier="other"}`:                                                 2,
		`proxy_rate_limit_remaining_requests{provider="anthropic"}`:                                    41,
		`proxy_rate_limit_remaining_input_tokens{provider="anthropic"}`:                                9000,
		`proxy_rate_limit_remaining_tokens{provider="openai_responses"}`:                               77,
		`proxy_passthrough_bytes_modified_total{path="__init__"}`:                                      0,
		`proxy_ccr_operations_total{op="put"}`:                                                         1,
	} {
		if got, ok := samples[series]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, want)
		}
	}
	if _, ok := samples[`proxy_rate_limit_remaining_tokens{provider="anthropic"}`]; ok {
		t.Error("an unparsable rate-limit header was recorded")
	}
	if strings.Contains(text, junk) || strings.Contains(text, `tier="PRIORITY"`) {
		t.Error("a client's raw service tier appears in /metrics")
	}
	if strings.Contains(text, `proxy_passthrough_bytes_modified_total{path="/v1/messages"}`) {
		t.Error("the passthrough alarm has a /v1/messages row")
	}
	saved := samples[`proxy_tokens_saved_total{strategy="smart_crusher"}`]
	if saved <= 0 {
		t.Errorf("tokens saved = %v", saved)
	}
	received := samples[`proxy_request_bytes_total{path="/v1/messages"}`]
	forwarded := samples[`proxy_upstream_request_bytes_total{path="/v1/messages"}`]
	if received <= forwarded || forwarded == 0 {
		t.Errorf("request bytes received %v, forwarded %v: want fewer forwarded", received, forwarded)
	}
	if samples[`proxy_response_bytes_total{path="/v1/messages"}`] != 2*float64(len(`{"ok":true}`)) {
		t.Errorf("response bytes = %v", samples[`proxy_response_bytes_total{path="/v1/messages"}`])
	}

	// /stats reads the same collectors.
	res, err := testClient(t).Get(p.URL + statsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var st struct {
		UptimeSeconds          float64            `json:"uptime_seconds"`
		CompressionsByStrategy map[string]float64 `json:"compressions_by_strategy"`
		TokensSavedByStrategy  map[string]float64 `json:"tokens_saved_by_strategy"`
		PipelineTiming         map[string]struct {
			AverageMS float64 `json:"average_ms"`
			MaxMS     float64 `json:"max_ms"`
			Count     float64 `json:"count"`
		} `json:"pipeline_timing"`
		Requests struct {
			Total      float64            `json:"total"`
			ByPath     map[string]float64 `json:"by_path"`
			Compressed float64            `json:"compressed"`
		} `json:"requests"`
		Bytes struct {
			Saved float64 `json:"saved"`
		} `json:"bytes"`
		Cache struct {
			ReadTokens     *float64 `json:"cache_read_tokens"`
			CreationTokens *float64 `json:"cache_creation_tokens"`
		} `json:"cache"`
		CCR *struct {
			Puts    float64 `json:"puts"`
			Entries *int    `json:"entries"`
		} `json:"ccr"`
	}
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	if st.UptimeSeconds <= 0 || st.Requests.Total != 6 || st.Requests.ByPath["/v1/messages"] != 2 || st.Requests.Compressed != 1 {
		t.Errorf("/stats requests %+v uptime %v", st.Requests, st.UptimeSeconds)
	}
	if st.CompressionsByStrategy["smart_crusher"] != 1 || st.TokensSavedByStrategy["smart_crusher"] != saved {
		t.Errorf("/stats strategies %v / %v, metric says %v saved", st.CompressionsByStrategy, st.TokensSavedByStrategy, saved)
	}
	lz := st.PipelineTiming["live_zone"]
	if lz.Count != 5 || lz.AverageMS <= 0 || lz.MaxMS < lz.AverageMS {
		t.Errorf("/stats pipeline_timing.live_zone = %+v", lz)
	}
	if st.Bytes.Saved != received-forwarded {
		t.Errorf("/stats bytes.saved %v, metrics say %v", st.Bytes.Saved, received-forwarded)
	}
	if st.Cache.ReadTokens == nil || st.Cache.CreationTokens == nil {
		t.Error("/stats has no cache read/creation totals")
	}
	if st.CCR == nil || st.CCR.Puts != 1 || st.CCR.Entries == nil || *st.CCR.Entries != 1 {
		t.Errorf("/stats ccr = %+v", st.CCR)
	}
}

func TestRegistryIsInjected(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := New(Config{Upstream: "http://h", Registry: reg}, nil); err != nil {
		t.Fatal(err)
	}
	fams, err := reg.Gather()
	if err != nil || len(fams) == 0 {
		t.Fatalf("nothing registered on the injected registry: %v", err)
	}
	// One registry serves one Server: a second registration is refused
	// at New, not at the first scrape.
	if _, err := New(Config{Upstream: "http://h", Registry: reg}, nil); err == nil || !strings.Contains(err.Error(), "register metrics") {
		t.Errorf("second Server on one registry: %v", err)
	}
}
