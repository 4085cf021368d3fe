package proxy

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// sseUpstream answers every request with stream, written in small pieces.
func sseUpstream(t testing.TB, stream string) *recordingUpstream {
	return startRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		for i := 0; i < len(stream); i += 11 {
			_, _ = io.WriteString(w, stream[i:min(i+11, len(stream))])
			http.NewResponseController(w).Flush()
		}
	})
}

// waitSample polls /metrics until series has a sample, which the stream's
// summary records after the client has read the last byte.
func waitSample(t testing.TB, p *testProxy, series string) float64 {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		samples, text := scrape(t, p)
		if v, ok := samples[series]; ok {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s sample; scrape:\n%s", series, text)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestAnthropicStreamUsageFeedsCacheMetricsAndStats(t *testing.T) {
	stream := "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":200,\"cache_read_input_tokens\":800,\"cache_creation_input_tokens\":0,\"output_tokens\":1}}}\n\n" +
		"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n" +
		"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"h\u00e9\"}}\n\n" +
		"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n" +
		"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":42}}\n\n" +
		"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
	up := sseUpstream(t, stream)
	p := startProxy(t, Config{Upstream: up.URL}) // the tee runs with compression off too
	_, got := postJSON(t, p, pathAnthropicMessages, []byte(`{"stream":true}`), nil)
	if string(got) != stream {
		t.Fatalf("client got a different stream:\n%q", got)
	}
	if n := waitSample(t, p, `proxy_cache_hit_rate_per_session_count{provider="anthropic"}`); n != 1 {
		t.Errorf("hit-rate samples = %v, want 1", n)
	}
	samples, _ := scrape(t, p)
	if s := samples[`proxy_cache_hit_rate_per_session_sum{provider="anthropic"}`]; s != 0.8 {
		t.Errorf("hit rate = %v, want 800/(200+800) = 0.8", s)
	}
	for kind, want := range map[string]float64{"input": 200, "cache_read": 800, "output": 42} {
		if got := samples[`proxy_usage_tokens_total{kind="`+kind+`",provider="anthropic"}`]; got != want {
			t.Errorf("usage %s = %v, want %v", kind, got, want)
		}
	}
	res, err := testClient(t).Get(p.URL + statsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var st struct {
		Cache       cacheStats            `json:"cache"`
		PrefixCache map[string]cacheStats `json:"prefix_cache"`
	}
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	if st.Cache.ReadTokens != 800 || st.Cache.UncachedInputTokens != 200 || st.Cache.HitRate != 0.8 || st.PrefixCache["anthropic"].ReadTokens != 800 {
		t.Errorf("/stats cache %+v, prefix_cache %+v", st.Cache, st.PrefixCache)
	}
	recs := p.logs.waitRecords(t, eventSSEClosed, 1)
	if recs[0]["stop_reason"] != "end_turn" || recs[0]["request_id"] == "" {
		t.Errorf("stream log line %v", recs[0])
	}
}

func TestUnfinishedAnthropicStreamGivesNoHitRate(t *testing.T) {
	up := sseUpstream(t, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"usage\":{\"input_tokens\":5,\"cache_read_input_tokens\":5}}}\n\n")
	p := startProxy(t, Config{Upstream: up.URL})
	postJSON(t, p, pathAnthropicMessages, []byte(`{}`), nil)
	p.logs.waitRecords(t, eventSSEClosed, 1)
	samples, _ := scrape(t, p)
	if _, ok := samples[`proxy_cache_hit_rate_per_session_count{provider="anthropic"}`]; ok {
		t.Error("a stream without message_stop produced a hit-rate sample")
	}
	if samples[`proxy_usage_tokens_total{kind="cache_read",provider="anthropic"}`] != 5 {
		t.Error("usage of an unfinished stream was not counted")
	}
}

func TestChatAndResponsesStreamsFeedMetrics(t *testing.T) {
	chat := "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"hi\"}}]}\n\n" +
		"data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n" +
		"data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":3,\"prompt_tokens_details\":{\"cached_tokens\":25}}}\n\n" +
		"data: [DONE]\n\n"
	responses := "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"status\":\"in_progress\"}}\n\n" +
		"event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"status\":\"completed\",\"service_tier\":\"priority\",\"usage\":{\"input_tokens\":50,\"output_tokens\":2,\"input_tokens_details\":{\"cached_tokens\":10}}}}\n\n"
	up := startRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		if r.URL.Path == pathResponses {
			_, _ = io.WriteString(w, responses)
		} else {
			_, _ = io.WriteString(w, chat)
		}
	})
	p := startProxy(t, Config{Upstream: up.URL, Compression: true})
	if _, got := postJSON(t, p, pathChatCompletions, []byte(`{"model":"gpt-4o","stream":true,"messages":[]}`), oauthOpenAI); string(got) != chat {
		t.Errorf("chat stream altered: %q", got)
	}
	if _, got := postJSON(t, p, pathResponses, []byte(`{"model":"gpt-4o","stream":true,"input":[]}`), oauthOpenAI); string(got) != responses {
		t.Errorf("responses stream altered: %q", got)
	}
	if s := waitSample(t, p, `proxy_cache_hit_rate_per_session_sum{provider="openai_chat"}`); s != 0.25 {
		t.Errorf("chat hit rate %v, want 25/100", s)
	}
	if s := waitSample(t, p, `proxy_cache_hit_rate_per_session_sum{provider="openai_responses"}`); s != 0.2 {
		t.Errorf("responses hit rate %v, want 10/50", s)
	}
	samples, _ := scrape(t, p)
	for series, want := range map[string]float64{
		`proxy_service_tier_count_total{tier="priority"}`:                         1,
		`proxy_response_status_count_total{status="completed"}`:                   1,
		`proxy_usage_tokens_total{kind="input",provider="openai_chat"}`:           75,
		`proxy_usage_tokens_total{kind="cache_read",provider="openai_responses"}`: 10,
	} {
		if samples[series] != want {
			t.Errorf("%s = %v, want %v", series, samples[series], want)
		}
	}
}

// TestObservedStreamIsNotDelayed: on an observed path each event reaches
// the client before the upstream sends the next (a buffering tee would
// deadlock here).
func TestObservedStreamIsNotDelayed(t *testing.T) {
	const events = 5
	acked := make(chan struct{})
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range events {
			_, _ = io.WriteString(w, "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n")
			http.NewResponseController(w).Flush()
			if i == events-1 {
				_, _ = io.WriteString(w, "data: [DONE]\n\n")
				return
			}
			select {
			case <-acked:
			case <-time.After(5 * time.Second):
				t.Errorf("client did not receive event %d", i)
				return
			}
		}
	})
	p := startProxy(t, Config{Upstream: up.URL})
	req, _ := http.NewRequest(http.MethodPost, p.URL+pathChatCompletions, strings.NewReader(`{}`))
	res, err := testClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	for i := range events {
		if _, err := readEvent(br); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if i < events-1 {
			acked <- struct{}{}
		}
	}
	p.logs.waitRecords(t, eventSSEClosed, 1)
}

func TestStreamsOnOtherPathsAreNotObserved(t *testing.T) {
	up := sseUpstream(t, "data: {\"x\":1}\n\n")
	p := startProxy(t, Config{Upstream: up.URL})
	postJSON(t, p, "/v1/messages/batches", []byte(`{}`), nil)
	p.logs.waitRecords(t, "forwarded", 1)
	if recs := p.logs.records(t, eventSSEClosed); len(recs) != 0 {
		t.Errorf("a stream on another path was observed: %v", recs)
	}
}
