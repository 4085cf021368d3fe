package proxy

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/ccr/retrieve"
)

// withoutRetrievalTool returns body without the headroom_retrieve tool the
// compression path appends, so invariants about the client's own bytes
// can be checked on what the upstream received. It fails the test when
// the tool is anywhere but where injection puts it.
func withoutRetrievalTool(t testing.TB, body []byte) []byte {
	t.Helper()
	for _, p := range []retrieve.Provider{retrieve.Anthropic, retrieve.OpenAI} {
		def := retrieve.Definition(p, retrieve.HashOnly)
		if !bytes.Contains(body, def) {
			continue
		}
		if added := append(append([]byte(`,"tools":[`), def...), ']', '}'); bytes.HasSuffix(body, added) {
			return append(bytes.Clone(body[:len(body)-len(added)]), '}')
		}
		if out := bytes.Replace(body, append([]byte(","), append(def, ']')...), []byte("]"), 1); len(out) < len(body) {
			return out
		}
		if out := bytes.Replace(body, append([]byte("["), append(def, ']')...), []byte("[]"), 1); len(out) < len(body) {
			return out
		}
		t.Fatalf("retrieval tool in an unexpected place:\n%s", body)
	}
	return body
}

var ccrKey = regexp.MustCompile(`<<ccr:([0-9a-f]{24})`)

// TestRetrievalResolvedInsideTheProxy: a compressed Anthropic request gets
// the tool; the model calls it in a stream; the proxy answers from the
// store and the client reads one stream ending in the final answer, never
// the call.
func TestRetrievalResolvedInsideTheProxy(t *testing.T) {
	event := func(name, data string) string { return "event: " + name + "\ndata: " + data + "\n\n" }
	start := func(id string) string {
		return event("message_start", `{"type":"message_start","message":{"id":"`+id+`","type":"message","role":"assistant","model":"m","content":[],"usage":{"input_tokens":10,"output_tokens":1}}}`)
	}
	end := func(stop string) string {
		return event("message_delta", `{"type":"message_delta","delta":{"stop_reason":"`+stop+`"},"usage":{"output_tokens":2}}`) +
			event("message_stop", `{"type":"message_stop"}`)
	}
	var up *recordingUpstream
	up = startRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := up.last(t)
		w.Header().Set("Content-Type", "text/event-stream")
		if !bytes.Contains(body, []byte(`"tool_use_id":"toolu_r"`)) {
			m := ccrKey.FindSubmatch(body)
			if m == nil {
				http.Error(w, "no marker", http.StatusBadRequest)
				return
			}
			_, _ = io.WriteString(w, start("msg_1")+
				event("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_r","name":"headroom_retrieve","input":{}}}`)+
				event("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":`+jsonString(`{"hash":"`+string(m[1])+`"}`)+`}}`)+
				event("content_block_stop", `{"type":"content_block_stop","index":0}`)+end("tool_use"))
			return
		}
		_, _ = io.WriteString(w, start("msg_2")+
			event("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)+
			event("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"all 400 rows seen"}}`)+
			event("content_block_stop", `{"type":"content_block_stop","index":0}`)+end("end_turn"))
	})
	reg := prometheus.NewRegistry()
	p := startProxy(t, Config{Upstream: up.URL, Compression: true, Registry: reg, Store: memstore.New(0, 0)})
	body := []byte(`{"model":"claude-sonnet-4-5","max_tokens":64,"stream":true,"messages":[{"role":"user","content":[` + bigToolResult("t") + `]}]}`)
	res, got := postJSON(t, p, pathAnthropicMessages, body, oauthAnthropic)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, got)
	}
	if bytes.Contains(got, []byte(retrieve.ToolName)) || !bytes.Contains(got, []byte("all 400 rows seen")) {
		t.Fatalf("client stream:\n%s", got)
	}
	if n := bytes.Count(got, []byte("event: message_start")); n != 1 || !bytes.HasSuffix(got, []byte(event("message_stop", `{"type":"message_stop"}`))) {
		t.Fatalf("client stream is not one message:\n%s", got)
	}
	up.mu.Lock()
	bodies := append([][]byte(nil), up.bodies...)
	up.mu.Unlock()
	if len(bodies) != 2 {
		t.Fatalf("upstream saw %d requests", len(bodies))
	}
	if !bytes.Contains(bodies[0], retrieve.Definition(retrieve.Anthropic, retrieve.HashOnly)) {
		t.Fatal("the compressed request did not get the tool")
	}
	if !bytes.Contains(bodies[1], []byte(`original_content`)) || !bytes.Contains(bodies[1], []byte(`original_item_count\": 400`)) {
		t.Fatalf("continuation lacks the original: %s", bodies[1][bytes.LastIndex(bodies[1], []byte(`"role":"assistant"`))-2:])
	}
	samples, _ := scrape(t, p)
	if samples[`headroom_ccr_retrieval_calls_total{result="hit"}`] != 1 || samples[`headroom_ccr_retrieval_rounds_total`] != 1 {
		t.Fatalf("retrieval metrics %v", samples)
	}
}

func TestRetrievalMetricsAreExported(t *testing.T) {
	reg := prometheus.NewRegistry()
	p := startProxy(t, Config{Upstream: "http://127.0.0.1:1", Compression: true, Registry: reg, Store: memstore.New(0, 0)})
	_, text := scrape(t, p)
	for _, series := range []string{
		`headroom_ccr_retrieval_calls_total{result="hit"} 0`,
		`headroom_ccr_retrieval_rounds_total 0`,
		`headroom_ccr_retrieval_outcomes_total{outcome="continuation_failed"} 0`,
		`headroom_ccr_retrieval_tool_total{decision="injected"} 0`,
	} {
		if !strings.Contains(text, series) {
			t.Errorf("/metrics lacks %s", series)
		}
	}
}
