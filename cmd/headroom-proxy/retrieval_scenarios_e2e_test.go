package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/headroom-go/headroom/proxy/sse"
)

// The scenarios below run the real headroom-proxy binary with compression
// on against a scripted loopback model. Every client request carries a
// large JSON-array tool result, so the proxy compresses it, stores the
// original and appends a retrieval marker; the model reads the marker
// from the body it receives and calls headroom_retrieve with it (or with
// a hash nobody stored). The assertions are on the exact bytes the client
// read and on every body the model received.

// absentHash is a well-formed hash that no store holds.
const absentHash = "0123456789abcdef01234567"

// playFunc answers the n-th upstream request (0-based) given its body:
// a content type and the payload. An SSE payload is written event by
// event with a flush after each.
type playFunc func(t *testing.T, n int, body []byte) (ctype, payload string)

// e2eModel is a loopback upstream that records every request body.
type e2eModel struct {
	t      *testing.T
	play   playFunc
	mu     sync.Mutex
	bodies [][]byte
}

func (m *e2eModel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	m.mu.Lock()
	n := len(m.bodies)
	m.bodies = append(m.bodies, body)
	m.mu.Unlock()
	ctype, payload := m.play(m.t, n, body)
	w.Header().Set("Content-Type", ctype)
	if ctype != "text/event-stream" {
		_, _ = io.WriteString(w, payload)
		return
	}
	fl := w.(http.Flusher)
	for _, ev := range strings.SplitAfter(payload, "\n\n") {
		_, _ = io.WriteString(w, ev)
		fl.Flush()
	}
}

func (m *e2eModel) requests() [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([][]byte(nil), m.bodies...)
}

// markerIn returns the hash of the first retrieval marker in body and
// checks the model was offered the tool; the scripted model cannot play
// its part otherwise.
func markerIn(t *testing.T, body []byte) string {
	t.Helper()
	key := markerKey.FindSubmatch(body)
	if key == nil {
		t.Errorf("upstream request carries no marker: %.400s", body)
		return absentHash
	}
	if !bytes.Contains(body, []byte(`"name":"headroom_retrieve"`)) {
		t.Errorf("upstream request carries a marker but not the tool: %.400s", body)
	}
	return string(key[1])
}

func anthropicReq(stream bool) string {
	return `{"model":"claude-sonnet-4-5","max_tokens":256,"stream":` + fmt.Sprint(stream) + `,` +
		`"tools":[{"name":"query","description":"query the fleet","input_schema":{"type":"object"}}],` +
		`"messages":[{"role":"user","content":"check the hosts"},` +
		`{"role":"assistant","content":[{"type":"tool_use","id":"toolu_q","name":"query","input":{}}]},` +
		`{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_q","content":` + jsonQuote(rows(300)) + `}]}]}`
}

func anthropicReply(id, content, stop string, in, out int) string {
	return fmt.Sprintf(`{"id":%q,"type":"message","role":"assistant","model":"claude-sonnet-4-5","content":%s,"stop_reason":%q,"stop_sequence":null,"usage":{"input_tokens":%d,"output_tokens":%d}}`,
		id, content, stop, in, out)
}

func retrieveUse(id, hash string) string {
	return `{"type":"tool_use","id":"` + id + `","name":"headroom_retrieve","input":{"hash":"` + hash + `"}}`
}

// conversation is the part of a request body the rounds are checked on.
type conversation struct {
	Messages []json.RawMessage `json:"messages"`
	Tools    []json.RawMessage `json:"tools"`
	Stream   bool              `json:"stream"`
}

func decodeConversation(t *testing.T, body []byte) conversation {
	t.Helper()
	var c conversation
	if err := json.Unmarshal(body, &c); err != nil {
		t.Fatalf("upstream request is not JSON: %v: %.300s", err, body)
	}
	return c
}

// checkRounds asserts that the upstream saw want requests, that the first
// was compressed (smaller than what the client sent; skipped for an empty
// clientBody, a request that arrives compressed already),
// and that every continuation kept the previous round's messages and
// tools byte for byte and appended exactly the model's turn and one
// result. It returns the decoded rounds.
func checkRounds(t *testing.T, reqs [][]byte, want int, clientBody string) []conversation {
	t.Helper()
	if len(reqs) != want {
		t.Fatalf("upstream saw %d requests, want %d", len(reqs), want)
	}
	if clientBody != "" && len(reqs[0]) >= len(clientBody) || bytes.Contains(reqs[0], []byte(`"host":"web-0","status":"ok","p99_ms":20},{"id":299`)) {
		t.Fatalf("first upstream request (%d bytes, client sent %d) was not compressed", len(reqs[0]), len(clientBody))
	}
	convs := make([]conversation, len(reqs))
	for i, b := range reqs {
		convs[i] = decodeConversation(t, b)
		if i == 0 {
			continue
		}
		prev, cur := convs[i-1], convs[i]
		if len(cur.Messages) != len(prev.Messages)+2 || cur.Stream != prev.Stream {
			t.Fatalf("round %d: %d messages (stream %v) after %d (stream %v)", i, len(cur.Messages), cur.Stream, len(prev.Messages), prev.Stream)
		}
		for j := range prev.Messages {
			if !bytes.Equal(prev.Messages[j], cur.Messages[j]) {
				t.Fatalf("round %d changed message %d:\n%s\nwas\n%s", i, j, cur.Messages[j], prev.Messages[j])
			}
		}
		if len(cur.Tools) != len(prev.Tools) {
			t.Fatalf("round %d: %d tools, was %d", i, len(cur.Tools), len(prev.Tools))
		}
		for j := range prev.Tools {
			if !bytes.Equal(prev.Tools[j], cur.Tools[j]) {
				t.Fatalf("round %d changed tool %d", i, j)
			}
		}
	}
	return convs
}

// toolResultText returns the text of the only tool_result in an Anthropic
// user message, checking it answers callID.
func toolResultText(t *testing.T, msg json.RawMessage, callID string) string {
	t.Helper()
	var m struct {
		Role    string `json:"role"`
		Content []struct {
			Type      string `json:"type"`
			ToolUseID string `json:"tool_use_id"`
			Content   string `json:"content"`
		} `json:"content"`
	}
	if err := json.Unmarshal(msg, &m); err != nil || m.Role != "user" || len(m.Content) != 1 ||
		m.Content[0].Type != "tool_result" || m.Content[0].ToolUseID != callID {
		t.Fatalf("not one tool_result answering %s: %s", callID, msg)
	}
	return m.Content[0].Content
}

// retrieved decodes a hit's tool-result text.
type retrieved struct {
	Hash      string `json:"hash"`
	Original  string `json:"original_content"`
	ItemCount int    `json:"original_item_count"`
	Status    string `json:"status"`
	Error     string `json:"error"`
}

func decodeResult(t *testing.T, text string) retrieved {
	t.Helper()
	var r retrieved
	if err := json.Unmarshal([]byte(text), &r); err != nil {
		t.Fatalf("tool result is not JSON: %v: %q", err, text)
	}
	return r
}

// metric returns the value of one sample line of the proxy's /metrics.
func metric(t *testing.T, base, series string) string {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	t.Fatalf("/metrics has no %s", series)
	return ""
}

// assertNoRetrieval fails when the client bytes mention the tool.
func assertNoRetrieval(t *testing.T, got []byte) {
	t.Helper()
	if bytes.Contains(got, []byte("headroom_retrieve")) || bytes.Contains(got, []byte("toolu_r")) || bytes.Contains(got, []byte("call_r")) {
		t.Fatalf("client saw the retrieval:\n%s", got)
	}
}

// clientEvents frames a client SSE body, failing on any framing error or
// a truncated last event.
func clientEvents(t *testing.T, data []byte) []sse.Event {
	t.Helper()
	var fr sse.Framer
	fr.Push(data)
	var out []sse.Event
	for {
		ev, err := fr.Next()
		if errors.Is(err, sse.ErrNeedMore) {
			break
		}
		if err != nil {
			t.Fatalf("client stream does not frame: %v\n%s", err, data)
		}
		ev.Data = append([]byte(nil), ev.Data...)
		ev.Raw = nil
		out = append(out, ev)
	}
	if err := fr.End(); err != nil {
		t.Fatalf("client stream: %v", err)
	}
	return out
}

// wellFormedAnthropic asserts one Messages stream: message_start once and
// first, content blocks opened 0,1,2,... with every delta and stop inside
// the open block, and message_stop (or error) last.
func wellFormedAnthropic(t *testing.T, data []byte) (*sse.AnthropicStream, []sse.Event) {
	t.Helper()
	evs := clientEvents(t, data)
	if len(evs) == 0 || evs[0].Name != sse.AnthropicMessageStart {
		t.Fatalf("stream does not start with message_start:\n%s", data)
	}
	st := sse.NewAnthropicStream(sse.Options{})
	open, next := -1, 0
	for i := range evs {
		e := evs[i]
		d, err := st.Decode(&e)
		if err != nil {
			t.Fatalf("event %d (%s) does not decode: %v\n%s", i, e.Name, err, data)
		}
		switch e.Name {
		case sse.AnthropicMessageStart:
			if i != 0 {
				t.Fatalf("second message_start at event %d:\n%s", i, data)
			}
		case sse.AnthropicContentBlockStart:
			if open >= 0 || d.Index != next {
				t.Fatalf("block %d starts while %d is open, expected %d:\n%s", d.Index, open, next, data)
			}
			open, next = d.Index, next+1
		case sse.AnthropicContentBlockDelta, sse.AnthropicContentBlockStop:
			if d.Index != open {
				t.Fatalf("%s for block %d while %d is open:\n%s", e.Name, d.Index, open, data)
			}
			if e.Name == sse.AnthropicContentBlockStop {
				open = -1
			}
		case sse.AnthropicMessageStop, sse.AnthropicError:
			if i != len(evs)-1 {
				t.Fatalf("%s is not the last event:\n%s", e.Name, data)
			}
		}
	}
	if open >= 0 {
		t.Fatalf("block %d never stopped:\n%s", open, data)
	}
	return st, evs
}

func aStart(id string, in int) string {
	return sseEvent("message_start", fmt.Sprintf(`{"type":"message_start","message":{"id":%q,"type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"usage":{"input_tokens":%d,"output_tokens":1}}}`, id, in))
}

func aText(idx int, text string) string {
	return sseEvent("content_block_start", fmt.Sprintf(`{"type":"content_block_start","index":%d,"content_block":{"type":"text","text":""}}`, idx)) +
		sseEvent("content_block_delta", fmt.Sprintf(`{"type":"content_block_delta","index":%d,"delta":{"type":"text_delta","text":%s}}`, idx, jsonQuote(text))) +
		sseEvent("content_block_stop", fmt.Sprintf(`{"type":"content_block_stop","index":%d}`, idx))
}

func aTool(idx int, id, name, input string) string {
	return sseEvent("content_block_start", fmt.Sprintf(`{"type":"content_block_start","index":%d,"content_block":{"type":"tool_use","id":%q,"name":%q,"input":{}}}`, idx, id, name)) +
		sseEvent("content_block_delta", fmt.Sprintf(`{"type":"content_block_delta","index":%d,"delta":{"type":"input_json_delta","partial_json":%s}}`, idx, jsonQuote(input))) +
		sseEvent("content_block_stop", fmt.Sprintf(`{"type":"content_block_stop","index":%d}`, idx))
}

func aEnd(stop string, out int) string {
	return sseEvent("message_delta", fmt.Sprintf(`{"type":"message_delta","delta":{"stop_reason":%q,"stop_sequence":null},"usage":{"output_tokens":%d}}`, stop, out)) +
		sseEvent("message_stop", `{"type":"message_stop"}`)
}

// storeEnv is the proxy environment for one scenario: compression on and
// the given store backend ("memory" or "sqlite" in a temporary file).
func storeEnv(t *testing.T, upstream, backend string) []string {
	env := []string{"HEADROOM_PROXY_UPSTREAM=" + upstream, "HEADROOM_PROXY_COMPRESSION=on", "HEADROOM_CCR_BACKEND=" + backend}
	if backend == "sqlite" {
		env = append(env, "HEADROOM_CCR_SQLITE_PATH="+filepath.Join(t.TempDir(), "ccr.db"))
	}
	return env
}

// compressedRows has the proxy at base compress a 300-row tool result
// through POST /v1/compress and returns the compressed text, which ends
// in a marker for the original the proxy stored. The OpenAI scenarios
// quote it in a Chat tool message: whether the proxy compresses Chat
// bodies itself does not matter to them, and the marker is a real one
// from the same store.
func compressedRows(t *testing.T, base string) string {
	t.Helper()
	body := `{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":[` +
		`{"type":"tool_result","tool_use_id":"t1","content":` + jsonQuote(rows(300)) + `}]}]}`
	got := post(t, base+"/v1/compress", body)
	var a struct {
		Messages []struct {
			Content []struct {
				Content string `json:"content"`
			} `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(got, &a); err != nil || len(a.Messages) != 1 || len(a.Messages[0].Content) != 1 {
		t.Fatalf("POST /v1/compress: %v %.300s", err, got)
	}
	text := a.Messages[0].Content[0].Content
	if markerKey.FindStringSubmatch(text) == nil {
		t.Fatalf("compressed rows carry no marker: %.300q", text)
	}
	return text
}

func chatReq(toolContent string, stream bool) string {
	opts := ""
	if stream {
		opts = `"stream_options":{"include_usage":true},`
	}
	return `{"model":"gpt-4o","stream":` + fmt.Sprint(stream) + `,` + opts +
		`"tools":[{"type":"function","function":{"name":"query","parameters":{"type":"object"}}}],` +
		`"messages":[{"role":"system","content":"ops bot"},{"role":"user","content":"check the hosts"},` +
		`{"role":"assistant","content":null,"tool_calls":[{"id":"call_q","type":"function","function":{"name":"query","arguments":"{}"}}]},` +
		`{"role":"tool","tool_call_id":"call_q","content":` + jsonQuote(toolContent) + `}]}`
}

func chatReply(id, message, finish string, in, out int) string {
	return fmt.Sprintf(`{"id":%q,"object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":%s,"finish_reason":%q}],"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}`,
		id, message, finish, in, out, in+out)
}

func chatRetrieveCall(hash string) string {
	return `{"role":"assistant","content":null,"tool_calls":[{"id":"call_r","type":"function","function":{"name":"headroom_retrieve","arguments":` +
		jsonQuote(`{"hash":"`+hash+`"}`) + `}}]}`
}

func chatChunk(id, choices string) string {
	return `data: {"id":"` + id + `","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[` + choices + "]}\n\n"
}

func chatDelta(id, delta, finish string) string {
	return chatChunk(id, `{"index":0,"delta":`+delta+`,"finish_reason":`+finish+`}`)
}

func chatUsage(id string, in, out int) string {
	return fmt.Sprintf(`data: {"id":%q,"object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}`+"\n\n",
		id, in, out, in+out)
}

const chatDoneEvent = "data: [DONE]\n\n"

// chatToolMessage checks the last Chat message answers call_r and returns
// its decoded text.
func chatToolMessage(t *testing.T, msg json.RawMessage) retrieved {
	t.Helper()
	var m struct {
		Role       string `json:"role"`
		ToolCallID string `json:"tool_call_id"`
		Content    string `json:"content"`
	}
	if err := json.Unmarshal(msg, &m); err != nil || m.Role != "tool" || m.ToolCallID != "call_r" {
		t.Fatalf("not a tool message answering call_r: %s", msg)
	}
	return decodeResult(t, m.Content)
}

func TestRetrievalScenariosThroughTheBinary(t *testing.T) {
	type scenario struct {
		name    string
		backend string
		play    playFunc
		// run sends the client request(s) and checks everything.
		run func(t *testing.T, base string, m *e2eModel)
	}
	scenarios := []scenario{
		{
			name: "anthropic non-streaming hit", backend: "sqlite",
			play: func(t *testing.T, n int, body []byte) (string, string) {
				if n == 0 {
					key := markerIn(t, body)
					return "application/json", anthropicReply("msg_1", `[{"type":"text","text":"Looking."},`+retrieveUse("toolu_r", key)+`]`, "tool_use", 100, 20)
				}
				return "application/json", anthropicReply("msg_2", `[{"type":"text","text":"All 300 hosts are ok."}]`, "end_turn", 150, 30)
			},
			run: func(t *testing.T, base string, m *e2eModel) {
				req := anthropicReq(false)
				got := post(t, base+"/v1/messages", req)
				assertNoRetrieval(t, got)
				// The final answer with the usage of both billed rounds.
				want := anthropicReply("msg_2", `[{"type":"text","text":"All 300 hosts are ok."}]`, "end_turn", 250, 50)
				if string(got) != want {
					t.Fatalf("client got\n%s\nwant\n%s", got, want)
				}
				convs := checkRounds(t, m.requests(), 2, req)
				key := markerIn(t, m.requests()[0])
				wantTurn := `{"role":"assistant","content":[{"type":"text","text":"Looking."},` + retrieveUse("toolu_r", key) + `]}`
				if got := string(convs[1].Messages[len(convs[1].Messages)-2]); got != wantTurn {
					t.Fatalf("assistant turn sent upstream\n%s\nwant\n%s", got, wantTurn)
				}
				r := decodeResult(t, toolResultText(t, convs[1].Messages[len(convs[1].Messages)-1], "toolu_r"))
				if r.Hash != key || r.Original != rows(300) || r.ItemCount != 300 {
					t.Fatalf("tool result: hash %q, %d items, original of %d bytes; want %s with the %d-byte original",
						r.Hash, r.ItemCount, len(r.Original), key, len(rows(300)))
				}
				if v := metric(t, base, `headroom_ccr_retrieval_calls_total{result="hit"}`); v != "1" {
					t.Errorf("hit counter %s", v)
				}
			},
		},
		{
			name: "anthropic non-streaming miss", backend: "memory",
			play: func(t *testing.T, n int, body []byte) (string, string) {
				if n == 0 {
					markerIn(t, body)
					return "application/json", anthropicReply("msg_1", `[`+retrieveUse("toolu_r", absentHash)+`]`, "tool_use", 100, 20)
				}
				if n > 1 {
					t.Errorf("the model was asked %d times; a miss must not loop", n+1)
				}
				return "application/json", anthropicReply("msg_2", `[{"type":"text","text":"The rows are gone; re-running the query."}]`, "end_turn", 150, 30)
			},
			run: func(t *testing.T, base string, m *e2eModel) {
				req := anthropicReq(false)
				got := post(t, base+"/v1/messages", req)
				assertNoRetrieval(t, got)
				want := anthropicReply("msg_2", `[{"type":"text","text":"The rows are gone; re-running the query."}]`, "end_turn", 250, 50)
				if string(got) != want {
					t.Fatalf("client got\n%s\nwant\n%s", got, want)
				}
				convs := checkRounds(t, m.requests(), 2, req)
				r := decodeResult(t, toolResultText(t, convs[1].Messages[len(convs[1].Messages)-1], "toolu_r"))
				if r.Hash != absentHash || r.Status != "missing" || r.Error == "" || r.Original != "" {
					t.Fatalf("tool result for an absent hash: %+v", r)
				}
				if v := metric(t, base, `headroom_ccr_retrieval_calls_total{result="missing"}`); v != "1" {
					t.Errorf("missing counter %s", v)
				}
			},
		},
		{
			name: "anthropic mixed tool calls pass unchanged", backend: "memory",
			play: func(t *testing.T, n int, body []byte) (string, string) {
				key := markerIn(t, body)
				return "application/json", anthropicReply("msg_1", `[`+retrieveUse("toolu_r", key)+`,{"type":"tool_use","id":"toolu_c","name":"query","input":{"host":"web-3"}}]`, "tool_use", 100, 20)
			},
			run: func(t *testing.T, base string, m *e2eModel) {
				req := anthropicReq(false)
				got := post(t, base+"/v1/messages", req)
				checkRounds(t, m.requests(), 1, req)
				key := markerIn(t, m.requests()[0])
				// The spec passes a turn that also calls a client tool to the
				// client as the model sent it: a continuation would need the
				// client tool's result.
				want := anthropicReply("msg_1", `[`+retrieveUse("toolu_r", key)+`,{"type":"tool_use","id":"toolu_c","name":"query","input":{"host":"web-3"}}]`, "tool_use", 100, 20)
				if string(got) != want {
					t.Fatalf("client got\n%s\nwant the upstream answer unchanged\n%s", got, want)
				}
				if v := metric(t, base, `headroom_ccr_retrieval_outcomes_total{outcome="mixed_tools"}`); v != "1" {
					t.Errorf("mixed_tools counter %s", v)
				}
			},
		},
		{
			name: "anthropic non-streaming round cap", backend: "sqlite",
			play: func(t *testing.T, n int, body []byte) (string, string) {
				key := markerIn(t, body)
				return "application/json", anthropicReply(fmt.Sprintf("msg_%d", n), `[`+retrieveUse(fmt.Sprintf("toolu_r%d", n), key)+`]`, "tool_use", 10, 1)
			},
			run: func(t *testing.T, base string, m *e2eModel) {
				req := anthropicReq(false)
				status, got := postStatus(t, base+"/v1/messages", req)
				// One request and at most three continuations.
				convs := checkRounds(t, m.requests(), 4, req)
				for i := 1; i < len(convs); i++ {
					r := decodeResult(t, toolResultText(t, convs[i].Messages[len(convs[i].Messages)-1], fmt.Sprintf("toolu_r%d", i-1)))
					if r.ItemCount != 300 {
						t.Fatalf("round %d answered %+v", i, r.Status)
					}
				}
				// After the cap the exchange ends in Anthropic's error shape
				// (502), as a stream does: the client never receives the call
				// to a tool it did not declare.
				if status != http.StatusBadGateway || !json.Valid(got) ||
					!strings.Contains(string(got), `"type":"error"`) || !strings.Contains(string(got), "retrieval rounds") {
					t.Fatalf("client got status %d: %s", status, got)
				}
				if strings.Contains(string(got), "headroom_retrieve") || strings.Contains(string(got), "toolu_r") {
					t.Fatalf("the retrieval call leaked to the client: %s", got)
				}
				if v := metric(t, base, `headroom_ccr_retrieval_outcomes_total{outcome="round_cap"}`); v != "1" {
					t.Errorf("round_cap counter %s", v)
				}
			},
		},
		{
			name: "anthropic streaming round cap", backend: "memory",
			play: func(t *testing.T, n int, body []byte) (string, string) {
				key := markerIn(t, body)
				return "text/event-stream", aStart(fmt.Sprintf("msg_%d", n), 10) +
					aTool(0, fmt.Sprintf("toolu_r%d", n), "headroom_retrieve", `{"hash":"`+key+`"}`) + aEnd("tool_use", 1)
			},
			run: func(t *testing.T, base string, m *e2eModel) {
				req := anthropicReq(true)
				got := post(t, base+"/v1/messages", req)
				assertNoRetrieval(t, got)
				checkRounds(t, m.requests(), 4, req)
				_, evs := wellFormedAnthropic(t, got)
				last := evs[len(evs)-1]
				if last.Name != sse.AnthropicError || !json.Valid(last.Data) || !bytes.Contains(last.Data, []byte("retrieval rounds")) {
					t.Fatalf("stream past the cap ends with %s %s; want an error event naming the cap", last.Name, last.Data)
				}
			},
		},
		{
			name: "anthropic streaming hit", backend: "sqlite",
			play: func(t *testing.T, n int, body []byte) (string, string) {
				if n == 0 {
					key := markerIn(t, body)
					return "text/event-stream", aStart("msg_1", 100) + aText(0, "Looking.") +
						aTool(1, "toolu_r", "headroom_retrieve", `{"hash":"`+key+`"}`) + aEnd("tool_use", 20)
				}
				return "text/event-stream", aStart("msg_2", 150) + sseEvent("ping", `{"type":"ping"}`) +
					aText(0, "All 300 hosts are ok.") + aEnd("end_turn", 30)
			},
			run: func(t *testing.T, base string, m *e2eModel) {
				req := anthropicReq(true)
				got := post(t, base+"/v1/messages", req)
				assertNoRetrieval(t, got)
				// What came before the retrieval block reaches the client
				// as the model sent it.
				if prefix := aStart("msg_1", 100) + aText(0, "Looking."); !bytes.HasPrefix(got, []byte(prefix)) {
					t.Fatalf("client stream does not start with the model's bytes:\n%s", got)
				}
				if !bytes.HasSuffix(got, []byte(sseEvent("message_stop", `{"type":"message_stop"}`))) {
					t.Fatalf("client stream does not end with message_stop:\n%s", got)
				}
				st, _ := wellFormedAnthropic(t, got)
				blocks := st.Blocks()
				if len(blocks) != 2 || blocks[0].Text != "Looking." || blocks[1].Text != "All 300 hosts are ok." {
					t.Fatalf("client blocks %+v", blocks)
				}
				if sum := st.Summary(); sum.StopReason != "end_turn" || sum.Usage.InputTokens != 250 || sum.Usage.OutputTokens != 50 {
					t.Fatalf("client summary %+v; want end_turn and the usage of both rounds", sum)
				}
				convs := checkRounds(t, m.requests(), 2, req)
				if !convs[1].Stream {
					t.Fatal("the continuation was not a stream")
				}
				key := markerIn(t, m.requests()[0])
				wantTurn := `{"role":"assistant","content":[{"type":"text","text":"Looking."},` + retrieveUse("toolu_r", key) + `]}`
				if got := string(convs[1].Messages[len(convs[1].Messages)-2]); got != wantTurn {
					t.Fatalf("assistant turn sent upstream\n%s\nwant\n%s", got, wantTurn)
				}
				if r := decodeResult(t, toolResultText(t, convs[1].Messages[len(convs[1].Messages)-1], "toolu_r")); r.Original != rows(300) {
					t.Fatalf("tool result lacks the original: %+v", r.Status)
				}
			},
		},
		{
			name: "openai chat non-streaming hit", backend: "sqlite",
			play: func(t *testing.T, n int, body []byte) (string, string) {
				if n == 0 {
					return "application/json", chatReply("c1", chatRetrieveCall(markerIn(t, body)), "tool_calls", 100, 20)
				}
				return "application/json", chatReply("c2", `{"role":"assistant","content":"All 300 hosts are ok."}`, "stop", 150, 30)
			},
			run: func(t *testing.T, base string, m *e2eModel) {
				compressed := compressedRows(t, base)
				key := markerKey.FindStringSubmatch(compressed)[1]
				got := post(t, base+"/v1/chat/completions", chatReq(compressed, false))
				assertNoRetrieval(t, got)
				want := chatReply("c2", `{"role":"assistant","content":"All 300 hosts are ok."}`, "stop", 250, 50)
				if string(got) != want {
					t.Fatalf("client got\n%s\nwant\n%s", got, want)
				}
				convs := checkRounds(t, m.requests(), 2, "")
				msgs := convs[1].Messages
				if string(msgs[len(msgs)-2]) != chatRetrieveCall(key) {
					t.Fatalf("assistant turn sent upstream\n%s\nwant\n%s", msgs[len(msgs)-2], chatRetrieveCall(key))
				}
				if r := chatToolMessage(t, msgs[len(msgs)-1]); r.Hash != key || r.Original != rows(300) || r.ItemCount != 300 {
					t.Fatalf("tool message: hash %q, %d items, %d-byte original", r.Hash, r.ItemCount, len(r.Original))
				}
			},
		},
		{
			name: "openai chat streaming hit", backend: "memory",
			play: func(t *testing.T, n int, body []byte) (string, string) {
				if n == 0 {
					key := markerIn(t, body)
					return "text/event-stream", chatDelta("c1", `{"role":"assistant","content":""}`, "null") +
						chatDelta("c1", `{"content":"Looking."}`, "null") +
						chatDelta("c1", `{"tool_calls":[{"index":0,"id":"call_r","type":"function","function":{"name":"headroom_retrieve","arguments":""}}]}`, "null") +
						chatDelta("c1", `{"tool_calls":[{"index":0,"function":{"arguments":"{\"hash\":"}}]}`, "null") +
						chatDelta("c1", `{"tool_calls":[{"index":0,"function":{"arguments":"\"`+key+`\"}"}}]}`, "null") +
						chatDelta("c1", `{}`, `"tool_calls"`) + chatUsage("c1", 100, 20) + chatDoneEvent
				}
				return "text/event-stream", chatDelta("c2", `{"role":"assistant","content":""}`, "null") +
					chatDelta("c2", `{"content":"All 300 hosts are ok."}`, "null") +
					chatDelta("c2", `{}`, `"stop"`) + chatUsage("c2", 150, 30) + chatDoneEvent
			},
			run: func(t *testing.T, base string, m *e2eModel) {
				compressed := compressedRows(t, base)
				key := markerKey.FindStringSubmatch(compressed)[1]
				got := post(t, base+"/v1/chat/completions", chatReq(compressed, true))
				assertNoRetrieval(t, got)
				evs := clientEvents(t, got)
				var text strings.Builder
				finishes := 0
				for i, e := range evs {
					if e.IsDone() {
						if i != len(evs)-1 {
							t.Fatalf("[DONE] is not the last event:\n%s", got)
						}
						continue
					}
					var c struct {
						Choices []struct {
							Delta struct {
								Content   string            `json:"content"`
								ToolCalls []json.RawMessage `json:"tool_calls"`
							} `json:"delta"`
							FinishReason *string `json:"finish_reason"`
						} `json:"choices"`
					}
					if err := json.Unmarshal(e.Data, &c); err != nil {
						t.Fatalf("chunk %d is not JSON: %v: %s", i, err, e.Data)
					}
					for _, ch := range c.Choices {
						text.WriteString(ch.Delta.Content)
						if len(ch.Delta.ToolCalls) > 0 {
							t.Fatalf("client got a tool call delta: %s", e.Data)
						}
						if ch.FinishReason != nil {
							finishes++
							if *ch.FinishReason != "stop" {
								t.Fatalf("client finish reason %q", *ch.FinishReason)
							}
						}
					}
				}
				if len(evs) == 0 || !evs[len(evs)-1].IsDone() || finishes != 1 || text.String() != "Looking.All 300 hosts are ok." {
					t.Fatalf("client stream (%d finishes, text %q):\n%s", finishes, text.String(), got)
				}
				// The usage chunk before [DONE] is the sum of the two rounds.
				if want := chatUsage("c2", 250, 50) + chatDoneEvent; !bytes.HasSuffix(got, []byte(want)) {
					t.Fatalf("client stream does not end with the summed usage:\n%s", got)
				}
				convs := checkRounds(t, m.requests(), 2, "")
				msgs := convs[1].Messages
				wantTurn := `{"role":"assistant","content":"Looking.","tool_calls":[{"id":"call_r","type":"function","function":{"name":"headroom_retrieve","arguments":` +
					jsonQuote(`{"hash":"`+key+`"}`) + `}}]}`
				if string(msgs[len(msgs)-2]) != wantTurn {
					t.Fatalf("assistant turn sent upstream\n%s\nwant\n%s", msgs[len(msgs)-2], wantTurn)
				}
				if r := chatToolMessage(t, msgs[len(msgs)-1]); r.Original != rows(300) {
					t.Fatalf("tool message lacks the original: %+v", r.Status)
				}
			},
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			m := &e2eModel{t: t, play: sc.play}
			up := httptest.NewServer(m)
			defer up.Close()
			base := startProxyProcess(t, storeEnv(t, up.URL, sc.backend)...)
			sc.run(t, base, m)
		})
	}
}

// postStatus is post for answers that may not be 200: it returns the status
// and the body.
func postStatus(t *testing.T, url, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer sk-test")
	res, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, got
}
