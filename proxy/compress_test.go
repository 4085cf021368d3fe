package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/ccr/retrieve"
)

// TestCorpusRequestsReachUpstreamSmallerWithOnlyLiveZoneStringsChanged sends
// every corpus request (Anthropic and OpenAI Chat) through the proxy with
// compression on and checks what the upstream received: valid JSON, never
// larger, smaller for the conversations with compressible tool output, and
// identical to the client's bytes everywhere except inside string values at
// live-zone paths (derived here from the request itself).
func TestCorpusRequestsReachUpstreamSmallerWithOnlyLiveZoneStringsChanged(t *testing.T) {
	up := startRecorder(t, nil)
	p := startProxy(t, Config{Upstream: up.URL, Compression: true, Store: memstore.New(0, 0)})
	smaller := 0
	for _, c := range loadCorpus(t) {
		t.Run(c.name, func(t *testing.T) {
			path, auth := pathAnthropicMessages, oauthAnthropic
			if c.shape == "openai" {
				path, auth = pathChatCompletions, oauthOpenAI
			}
			res, _ := postJSON(t, p, path, c.body, auth)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			got, _ := up.last(t)
			got = withoutRetrievalTool(t, got) // the one addition outside the live zone
			if !json.Valid(got) {
				t.Fatal("upstream body is not valid JSON")
			}
			if len(got) > len(c.body) {
				t.Fatalf("upstream body grew: %d → %d bytes", len(c.body), len(got))
			}
			changed := diffOutsideStrings(t, c.body, got, liveZoneSlots(t, c.shape, c.body))
			if len(got) < len(c.body) {
				smaller++
			}
			t.Logf("%d → %d bytes, changed %v", len(c.body), len(got), changed)
		})
	}
	if smaller == 0 {
		t.Error("no corpus request reached the upstream smaller")
	}
}

// TestCompressionOffForwardsCorpusByteEqual: without --compression the
// compression paths stream bodies untouched.
func TestCompressionOffForwardsCorpusByteEqual(t *testing.T) {
	up := startRecorder(t, nil)
	p := startProxy(t, Config{Upstream: up.URL})
	for _, c := range loadCorpus(t) {
		path := pathAnthropicMessages
		if c.shape == "openai" {
			path = pathChatCompletions
		}
		postJSON(t, p, path, c.body, paygOpenAI)
		if got, _ := up.last(t); !bytes.Equal(got, c.body) {
			t.Errorf("%s: upstream body differs with compression off", c.name)
		}
	}
}

// rowsJSON is a homogeneous JSON array of n rows, the shape SmartCrusher
// compresses.
func rowsJSON(n int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"user_%d","status":"active","region":"us-east-1","score":%d}`, i, i, i%97)
	}
	b.WriteByte(']')
	return b.String()
}

// jsonString encodes s as a JSON string literal.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestLatestToolMessageJSONArrayShrinksByMoreThan40Percent(t *testing.T) {
	up := startRecorder(t, nil)
	p := startProxy(t, Config{Upstream: up.URL, Compression: true})
	body := []byte(`{"model":"gpt-4o","messages":[` +
		`{"role":"user","content":"list the users"},` +
		`{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"list_users","arguments":"{}"}}]},` +
		`{"role":"tool","tool_call_id":"call_1","content":` + jsonString(rowsJSON(1500)) + `}]}`)
	postJSON(t, p, pathChatCompletions, body, paygOpenAI)
	got, head := up.last(t)
	if !json.Valid(got) {
		t.Fatal("upstream body is not valid JSON")
	}
	if cl := head.Get("Content-Length"); cl != strconv.Itoa(len(got)) {
		t.Errorf("upstream Content-Length %q for a %d-byte body", cl, len(got))
	}
	if ratio := float64(len(got)) / float64(len(body)); ratio >= 0.6 {
		t.Errorf("upstream body is %.1f%% of the original (%d → %d bytes), want < 60%%", 100*ratio, len(body), len(got))
	}
	// payg: E4 added a cache key, so the body was re-serialised; the other
	// messages must still mean the same.
	var sent, recv struct {
		Messages       []json.RawMessage `json:"messages"`
		PromptCacheKey string            `json:"prompt_cache_key"`
	}
	_ = json.Unmarshal(body, &sent)
	_ = json.Unmarshal(got, &recv)
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(recv.PromptCacheKey) {
		t.Errorf("payg request got prompt_cache_key %q, want 32 hex digits", recv.PromptCacheKey)
	}
	for i := range 2 {
		if !bytes.Equal(sent.Messages[i], recv.Messages[i]) {
			t.Errorf("message %d changed: %s → %s", i, sent.Messages[i], recv.Messages[i])
		}
	}
}

// bigToolResult is a tool_result block whose content SmartCrusher shrinks.
func bigToolResult(id string) string {
	return `{"type":"tool_result","tool_use_id":"` + id + `","content":` + jsonString(rowsJSON(400)) + `}`
}

func TestHotZoneAndFrozenBlocksUntouched(t *testing.T) {
	up := startRecorder(t, nil)
	p := startProxy(t, Config{Upstream: up.URL, Compression: true, Store: memstore.New(0, 0)})
	hot := []string{
		`{"type":"thinking","thinking":` + jsonString(rowsJSON(100)) + `,"signature":"EqQBCkYIARgCIkB+/sig=="}`,
		`{"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP"}`,
		`{"type":"tool_use","id":"toolu_9","name":"lookup","input":{"rows":` + jsonString(rowsJSON(100)) + `,"n":1.0}}`,
	}
	// Message 0 carries a cache_control marker and a compressible block:
	// it is below the floor. Message 2 is the live zone.
	frozen := `{"role":"user","content":[` + bigToolResult("toolu_1") + `,{"type":"text","text":"first","cache_control":{"type":"ephemeral"}}]}`
	body := []byte(`{"model":"claude-sonnet-4-5","max_tokens":1024,"messages":[` + frozen + `,` +
		`{"role":"assistant","content":[{"type":"tool_use","id":"toolu_2","name":"q","input":{}}]},` +
		`{"role":"user","content":[` + strings.Join(hot, ",") + `,` + bigToolResult("toolu_2") + `]}]}`)
	postJSON(t, p, pathAnthropicMessages, body, oauthAnthropic)
	got, _ := up.last(t)
	got = withoutRetrievalTool(t, got) // the one addition outside the live zone
	if len(got) >= len(body) {
		t.Fatalf("the live-zone tool_result was not compressed (%d → %d bytes)", len(body), len(got))
	}
	changed := diffOutsideStrings(t, body, got, liveZoneSlots(t, "anthropic", body))
	if len(changed) != 1 || changed[0] != ".messages[2].content[3].content" {
		t.Errorf("changed strings %v, want only the live-zone tool_result", changed)
	}
	for _, b := range append(hot, frozen) {
		if !bytes.Contains(got, []byte(b)) {
			t.Errorf("block not forwarded byte for byte: %.80s…", b)
		}
	}

	// A marker on the latest user message freezes the whole conversation.
	marked := bytes.Replace(body, []byte(`"tool_use_id":"toolu_2","content"`), []byte(`"tool_use_id":"toolu_2","cache_control":{"type":"ephemeral"},"content"`), 1)
	postJSON(t, p, pathAnthropicMessages, marked, oauthAnthropic)
	// The session got the retrieval tool on the first turn; it stays (sticky).
	if got, _ := up.last(t); !bytes.Equal(withoutRetrievalTool(t, got), marked) {
		t.Error("a body whose latest user message is cache-frozen was modified")
	}
}

func TestNumberLiteralsKeptAsWritten(t *testing.T) {
	up := startRecorder(t, nil)
	p := startProxy(t, Config{Upstream: up.URL, Compression: true})
	literals := []string{`1.0`, `12345678901234567`, `1e+5`, `2.5E-3`, `-0`, `0.10`}
	tools := `[{"name":"zeta","input_schema":{"type":"object","properties":{"x":{"type":"number","default":1.0,"maximum":1E400}}}},` +
		`{"name":"alpha","input_schema":{"type":"object"}}]`
	body := []byte(`{"model":"claude-sonnet-4-5","max_tokens":1024,"temperature":1.0,"top_p":0.10,` +
		`"metadata":{"n":12345678901234567,"e":1e+5,"f":2.5E-3,"z":-0},"tools":` + tools + `,"messages":[` +
		`{"role":"user","content":[` + bigToolResult("t1") + `]}]}`)
	for _, tc := range []struct {
		name string
		auth http.Header
	}{
		{"oauth: live zone only", oauthAnthropic},
		// payg sorts tools and adds cache_control, re-serialising the body.
		{"payg: cache stabilisation re-serialises", paygAnthropic},
	} {
		postJSON(t, p, pathAnthropicMessages, body, tc.auth)
		got, _ := up.last(t)
		if len(got) >= len(body) {
			t.Errorf("%s: not compressed", tc.name)
		}
		for _, lit := range append(literals, `1E400`) {
			if !bytes.Contains(got, []byte(lit)) {
				t.Errorf("%s: literal %s not forwarded as written", tc.name, lit)
			}
		}
		if tc.auth.Get("X-Api-Key") != "" {
			if !bytes.Contains(got, []byte(`"name":"alpha"`)) || bytes.Index(got, []byte(`"alpha"`)) > bytes.Index(got, []byte(`"zeta"`)) {
				t.Errorf("%s: tools not sorted by name", tc.name)
			}
			if !bytes.Contains(got, []byte(`"cache_control":{"type":"ephemeral"}}]`)) {
				t.Errorf("%s: no cache_control on the last tool", tc.name)
			}
		} else {
			diffOutsideStrings(t, body, got, liveZoneSlots(t, "anthropic", body))
		}
	}
}

func TestSeveralCompletionsRequestUntouched(t *testing.T) {
	up := startRecorder(t, nil)
	p := startProxy(t, Config{Upstream: up.URL, Compression: true})
	body := []byte(`{"model":"gpt-4o","n":3,"messages":[{"role":"user","content":"x"},` +
		`{"role":"tool","tool_call_id":"c","content":` + jsonString(rowsJSON(1500)) + `}]}`)
	postJSON(t, p, pathChatCompletions, body, oauthOpenAI)
	if got, _ := up.last(t); !bytes.Equal(got, body) {
		t.Error("an n:3 request was modified")
	}
}

func TestResponsesToolOutputCompressedOtherItemsUntouched(t *testing.T) {
	up := startRecorder(t, nil)
	p := startProxy(t, Config{Upstream: up.URL, Compression: true})
	keep := []string{
		`{"type":"reasoning","id":"rs_1","encrypted_content":"gAAAAABo` + strings.Repeat("x", 600) + `"}`,
		`{"type":"function_call","call_id":"call_1","name":"rows","arguments":"{\"limit\":1500}"}`,
		`{"type":"message","role":"user","content":[{"type":"input_text","text":` + jsonString(rowsJSON(50)) + `}]}`,
	}
	body := []byte(`{"model":"gpt-4o","input":[` + strings.Join(keep, ",") +
		`,{"type":"function_call_output","call_id":"call_1","output":` + jsonString(rowsJSON(1500)) + `}]}`)
	postJSON(t, p, pathResponses, body, oauthOpenAI)
	got, _ := up.last(t)
	if len(got) >= len(body)*6/10 {
		t.Errorf("function_call_output not compressed: %d → %d bytes", len(body), len(got))
	}
	changed := diffOutsideStrings(t, body, got, func(p jsonPath) bool { return p.String() == ".input[3].output" })
	if len(changed) != 1 {
		t.Errorf("changed %v, want only the output", changed)
	}
}

// TestStreamedResponsesByteEqual: the compression path only changes the
// request; SSE and JSON responses reach the client as the upstream sent them.
func TestStreamedResponsesByteEqual(t *testing.T) {
	stream := "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"usage\":{\"input_tokens\":10,\"cache_read_input_tokens\":30}}}\n\n" +
		": ping\n\n" +
		"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"h\u00e9llo \u2713\"}}\r\n\r\n" +
		"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
	up := startRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 0; i < len(stream); i += 7 { // odd-sized writes split events and runes
			_, _ = io.WriteString(w, stream[i:min(i+7, len(stream))])
			http.NewResponseController(w).Flush()
		}
	})
	p := startProxy(t, Config{Upstream: up.URL, Compression: true})
	body := []byte(`{"model":"claude-sonnet-4-5","max_tokens":16,"stream":true,"messages":[{"role":"user","content":[` + bigToolResult("t") + `]}]}`)
	res, got := postJSON(t, p, pathAnthropicMessages, body, oauthAnthropic)
	if res.Header.Get("Content-Type") != "text/event-stream" || string(got) != stream {
		t.Errorf("client got %q (%s), want the upstream's stream byte for byte", got, res.Header.Get("Content-Type"))
	}
}

func TestNonJSONBodyForwardedUnchangedAndCounted(t *testing.T) {
	up := startRecorder(t, nil)
	p := startProxy(t, Config{Upstream: up.URL, Compression: true})
	for _, body := range [][]byte{[]byte(`{"model":"x","messages":[`), []byte("not json at all"), {}, []byte(`{"a":1}{"b":2}`)} {
		res, _ := postJSON(t, p, pathAnthropicMessages, body, oauthAnthropic)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%q: status %d", body, res.StatusCode)
		}
		if got, _ := up.last(t); !bytes.Equal(got, body) {
			t.Errorf("%q forwarded as %q", body, got)
		}
	}
	if got := counterValue(t, p.srv.metrics.failures, failNotJSON); got != 4 {
		t.Errorf("not_json failures = %v, want 4", got)
	}
	if recs := p.logs.records(t, "compression failed; forwarding the original body"); len(recs) != 4 || recs[0]["level"] != "WARN" {
		t.Errorf("want 4 warn lines, got %v", recs)
	}
}

func TestCompressionBodyLimitAnswers413(t *testing.T) {
	up := startRecorder(t, nil)
	p := startProxy(t, Config{Upstream: up.URL, Compression: true, MaxBodyBytes: 1 << 20, CompressionMaxBodyBytes: 1024})
	body := []byte(`{"model":"x","messages":[{"role":"user","content":` + jsonString(strings.Repeat("a", 4096)) + `}]}`)
	res, msg := postJSON(t, p, pathAnthropicMessages, body, nil)
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(msg), "1024-byte limit") {
		t.Errorf("status %d %q, want 413 naming the limit", res.StatusCode, msg)
	}
	// The general cap applies to nothing here: a streamed path takes it.
	res, _ = postJSON(t, p, "/v1/other", body, nil)
	if res.StatusCode != http.StatusOK {
		t.Errorf("streamed path: status %d", res.StatusCode)
	}
	up.mu.Lock()
	n := len(up.bodies)
	up.mu.Unlock()
	if n != 1 {
		t.Errorf("upstream saw %d requests, want only the streamed one", n)
	}
}

// failingStore refuses every write, as a full disk or a lost Redis would.
type failingStore struct{ *memstore.Store }

func (failingStore) Put(context.Context, string, []byte) error { return errStoreDown }

var errStoreDown = errors.New("store is down")

// TestStoreFailureRevertsOnlyTheBlock: a block whose original cannot be
// stored keeps its original bytes; the request still goes through.
func TestStoreFailureRevertsOnlyTheBlock(t *testing.T) {
	up := startRecorder(t, nil)
	p := startProxy(t, Config{Upstream: up.URL, Compression: true, Store: failingStore{memstore.New(0, 0)}})
	body := []byte(`{"model":"claude-sonnet-4-5","max_tokens":8,"messages":[{"role":"user","content":[` + bigToolResult("t") + `]}]}`)
	res, _ := postJSON(t, p, pathAnthropicMessages, body, oauthAnthropic)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if got, _ := up.last(t); !bytes.Equal(got, body) {
		t.Error("a block whose original could not be stored was rewritten")
	}
	if got := counterValue(t, p.srv.metrics.failures, failCompressorError); got != 1 {
		t.Errorf("compressor_error failures = %v, want 1", got)
	}
}

// TestOpenAIRequestsAreReversible: with a store, a compressed OpenAI Chat
// or Responses tool result reaches the upstream ending in a CCR marker,
// the request carries the headroom_retrieve tool (the retrieval layer
// injects it because it sees the marker), and GET /v1/retrieve/{hash}
// returns the exact original. The reference stores Anthropic originals
// only; this proxy keeps every one.
func TestOpenAIRequestsAreReversible(t *testing.T) {
	rows := rowsJSON(1500)
	for _, c := range []struct {
		name, path, body string
		// slot extracts the compressed string and the tool names.
		slot func(t *testing.T, got []byte) (string, []string)
	}{
		{"chat", pathChatCompletions, `{"model":"gpt-4o","messages":[{"role":"user","content":"list the users"},` +
			`{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"list_users","arguments":"{}"}}]},` +
			`{"role":"tool","tool_call_id":"call_1","content":` + jsonString(rows) + `}]}`,
			func(t *testing.T, got []byte) (string, []string) {
				var v struct {
					Messages []struct {
						Content string `json:"content"`
					} `json:"messages"`
					Tools []struct {
						Function struct {
							Name string `json:"name"`
						} `json:"function"`
					} `json:"tools"`
				}
				if err := json.Unmarshal(got, &v); err != nil || len(v.Messages) != 3 {
					t.Fatalf("upstream body: %v", err)
				}
				var names []string
				for _, tl := range v.Tools {
					names = append(names, tl.Function.Name)
				}
				return v.Messages[2].Content, names
			}},
		{"responses", pathResponses, `{"model":"gpt-4o","input":[{"type":"message","role":"user","content":"list the users"},` +
			`{"type":"function_call","call_id":"call_1","name":"list_users","arguments":"{}"},` +
			`{"type":"function_call_output","call_id":"call_1","output":` + jsonString(rows) + `}]}`,
			func(t *testing.T, got []byte) (string, []string) {
				var v struct {
					Input []struct {
						Output string `json:"output"`
					} `json:"input"`
					Tools []struct {
						Name string `json:"name"`
					} `json:"tools"`
				}
				if err := json.Unmarshal(got, &v); err != nil || len(v.Input) != 3 {
					t.Fatalf("upstream body: %v", err)
				}
				var names []string
				for _, tl := range v.Tools {
					names = append(names, tl.Name)
				}
				return v.Input[2].Output, names
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			up := startRecorder(t, nil)
			p := startProxy(t, Config{Upstream: up.URL, Compression: true, Store: memstore.New(0, 0)})
			if res, _ := postJSON(t, p, c.path, []byte(c.body), oauthOpenAI); res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			got, _ := up.last(t)
			if len(got) >= len(c.body) {
				t.Fatalf("upstream body not smaller: %d → %d bytes", len(c.body), len(got))
			}
			slot, tools := c.slot(t, got)
			m := regexp.MustCompile(`\n<<ccr:([0-9a-f]{24})>>$`).FindStringSubmatch(slot)
			if m == nil {
				t.Fatalf("compressed slot has no CCR marker on its last line: …%q", slot[max(0, len(slot)-80):])
			}
			if !slices.Contains(tools, retrieve.ToolName) {
				t.Errorf("tools %v lack %s", tools, retrieve.ToolName)
			}
			res, original := getFrom(t, "", p.URL+retrievePrefix+m[1], nil)
			if res.StatusCode != http.StatusOK || string(original) != rows {
				t.Fatalf("GET %s: %d, %d bytes; want 200 with the %d-byte original", m[1], res.StatusCode, len(original), len(rows))
			}
		})
	}
}

// TestOpenAIWithoutStoreHasNoMarker: without a store nothing could resolve
// a marker, so none is written and no tool is added.
func TestOpenAIWithoutStoreHasNoMarker(t *testing.T) {
	up := startRecorder(t, nil)
	p := startProxy(t, Config{Upstream: up.URL, Compression: true})
	body := []byte(`{"model":"gpt-4o","messages":[{"role":"tool","tool_call_id":"call_1","content":` + jsonString(rowsJSON(1500)) + `}]}`)
	postJSON(t, p, pathChatCompletions, body, oauthOpenAI)
	got, _ := up.last(t)
	if len(got) >= len(body) || bytes.Contains(got, []byte("<<ccr:")) || bytes.Contains(got, []byte(retrieve.ToolName)) {
		t.Fatalf("%d → %d bytes, marker %v, tool %v", len(body), len(got),
			bytes.Contains(got, []byte("<<ccr:")), bytes.Contains(got, []byte(retrieve.ToolName)))
	}
}
