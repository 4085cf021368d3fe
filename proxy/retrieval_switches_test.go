package proxy

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/ccr/retrieve"
)

// compressedAnthropicRequest is a non-streaming Anthropic request whose
// tool result the compression path shrinks and marks.
func compressedAnthropicRequest() []byte {
	return []byte(`{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":[` + bigToolResult("t") + `]}]}`)
}

// TestRetrievalToolSwitch: with RetrievalToolDisabled the compressed
// request still carries its marker but reaches the upstream without the
// tool; with the default it gets the tool, so the switch is what differs.
func TestRetrievalToolSwitch(t *testing.T) {
	anthropicDef := retrieve.Definition(retrieve.Anthropic, retrieve.HashOnly)
	for _, tc := range []struct {
		name     string
		disabled bool
	}{{"default", false}, {"disabled", true}} {
		t.Run(tc.name, func(t *testing.T) {
			up := startRecorder(t, nil)
			p := startProxy(t, Config{Upstream: up.URL, Compression: true, Registry: prometheus.NewRegistry(),
				Store: memstore.New(0, 0), RetrievalToolDisabled: tc.disabled})
			body := compressedAnthropicRequest()
			if res, got := postJSON(t, p, pathAnthropicMessages, body, oauthAnthropic); res.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", res.StatusCode, got)
			}
			sent, _ := up.last(t)
			if len(sent) >= len(body) || !ccrKey.Match(sent) {
				t.Fatalf("request was not compressed with a marker (%d → %d bytes)", len(body), len(sent))
			}
			hasTool := bytes.Contains(sent, anthropicDef) || bytes.Contains(sent, []byte(retrieve.ToolName))
			if hasTool == tc.disabled {
				t.Errorf("tool in the upstream request = %v with RetrievalToolDisabled=%v:\n%s", hasTool, tc.disabled, sent)
			}
			samples, _ := scrape(t, p)
			want := 1.0
			if tc.disabled {
				want = 0
			}
			if got := samples[`headroom_ccr_retrieval_tool_total{decision="injected"}`]; got != want {
				t.Errorf("injected counter %v, want %v", got, want)
			}
		})
	}
}

// TestRetrievalHandlingSwitch: with RetrievalHandlingDisabled a response
// calling headroom_retrieve reaches the client byte for byte and nothing
// is sent upstream again; with the default the proxy answers the call
// and continues, so the client never sees it.
func TestRetrievalHandlingSwitch(t *testing.T) {
	final := `{"id":"msg_2","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"all 400 rows seen"}],"stop_reason":"end_turn","usage":{"input_tokens":10,"output_tokens":2}}`
	for _, tc := range []struct {
		name     string
		disabled bool
	}{{"default", false}, {"disabled", true}} {
		t.Run(tc.name, func(t *testing.T) {
			var firstAnswer []byte
			var up *recordingUpstream
			up = startRecorder(t, func(w http.ResponseWriter, r *http.Request) {
				body, _ := up.last(t)
				w.Header().Set("Content-Type", "application/json")
				if bytes.Contains(body, []byte(`"tool_use_id":"toolu_r"`)) {
					_, _ = io.WriteString(w, final)
					return
				}
				m := ccrKey.FindSubmatch(body)
				if m == nil {
					http.Error(w, "no marker", http.StatusBadRequest)
					return
				}
				firstAnswer = []byte(`{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[` +
					`{"type":"tool_use","id":"toolu_r","name":"headroom_retrieve","input":{"hash":"` + string(m[1]) + `"}}],` +
					`"stop_reason":"tool_use","usage":{"input_tokens":10,"output_tokens":5}}`)
				_, _ = w.Write(firstAnswer)
			})
			p := startProxy(t, Config{Upstream: up.URL, Compression: true, Registry: prometheus.NewRegistry(),
				Store: memstore.New(0, 0), RetrievalHandlingDisabled: tc.disabled})
			res, got := postJSON(t, p, pathAnthropicMessages, compressedAnthropicRequest(), oauthAnthropic)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", res.StatusCode, got)
			}
			up.mu.Lock()
			first, calls := up.bodies[0], len(up.bodies)
			up.mu.Unlock()
			if !bytes.Contains(first, retrieve.Definition(retrieve.Anthropic, retrieve.HashOnly)) {
				t.Fatal("the compressed request did not get the tool")
			}
			if tc.disabled {
				if !bytes.Equal(got, firstAnswer) || calls != 1 {
					t.Errorf("client got (after %d upstream calls):\n%s\nwant the upstream's answer unchanged:\n%s", calls, got, firstAnswer)
				}
				return
			}
			// The answer is the continuation's, its usage summed over both rounds.
			if !bytes.Contains(got, []byte(`"all 400 rows seen"`)) || bytes.Contains(got, []byte(retrieve.ToolName)) || calls != 2 {
				t.Errorf("client got (after %d upstream calls):\n%s\nwant the continuation's answer", calls, got)
			}
		})
	}
}
