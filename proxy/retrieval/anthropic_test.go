package retrieval

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/ccr/retrieve"
	"github.com/headroom-go/headroom/proxy/sse"
)

const logOriginal = "ERROR x\nWARN y\nINFO z: the full original log\n"

// framedEvents frames a client stream, failing on any framing error.
func framedEvents(t testing.TB, data []byte) []sse.Event {
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
			t.Fatalf("client stream does not frame: %v", err)
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

// checkAnthropicStream asserts the client stream is one well-formed
// Messages stream: one message_start first, content blocks numbered
// 0,1,2,... in order with every delta and stop inside its block, and a
// message_stop last (or an error event last). It returns the decoded
// stream.
func checkAnthropicStream(t testing.TB, data []byte) (*sse.AnthropicStream, []sse.Event) {
	t.Helper()
	evs := framedEvents(t, data)
	if len(evs) == 0 || evs[0].Name != sse.AnthropicMessageStart {
		t.Fatalf("stream does not start with message_start:\n%s", data)
	}
	st := sse.NewAnthropicStream(sse.Options{})
	open := -1
	next := 0
	for i, e := range evs {
		d, err := st.Decode(&e)
		if err != nil {
			t.Fatalf("event %d (%s) does not decode: %v", i, e.Name, err)
		}
		switch e.Name {
		case sse.AnthropicMessageStart:
			if i != 0 {
				t.Fatalf("second message_start at event %d", i)
			}
		case sse.AnthropicContentBlockStart:
			if open >= 0 || d.Index != next {
				t.Fatalf("block start %d while block %d open / expected %d", d.Index, open, next)
			}
			open = d.Index
			next++
		case sse.AnthropicContentBlockDelta:
			if d.Index != open {
				t.Fatalf("delta for block %d while block %d is open", d.Index, open)
			}
		case sse.AnthropicContentBlockStop:
			if d.Index != open {
				t.Fatalf("stop for block %d while block %d is open", d.Index, open)
			}
			open = -1
		case sse.AnthropicMessageStop, sse.AnthropicError:
			if i != len(evs)-1 {
				t.Fatalf("%s is not the last event", e.Name)
			}
		}
	}
	return st, evs
}

func TestAnthropicNonStreamingHitContinuesAndSumsUsage(t *testing.T) {
	store := newStore(t)
	key := putOriginal(t, store, logOriginal)
	first := anthropicJSON("msg_1", `[{"type":"text","text":"Let me look."},`+retrieveUse("toolu_r1", key)+`]`, "tool_use", 100, 20)
	final := anthropicJSON("msg_2", `[{"type":"text","text":"The log says INFO z."}]`, "end_turn", 150, 30)
	up := newUpstream(t, jsonTurn(first), jsonTurn(final))
	p := newTestProxy(t, store, up.srv.URL, nil)

	status, hdr, got := p.post(t, "/v1/messages", anthropicRequest(key, false))
	if status != 200 {
		t.Fatalf("status %d: %s", status, got)
	}
	want := strings.Replace(final, `"usage":{"input_tokens":150,"cache_read_input_tokens":0,"output_tokens":30}`,
		`"usage":{"input_tokens":250,"cache_read_input_tokens":0,"output_tokens":50}`, 1)
	if string(got) != want {
		t.Fatalf("client got\n%s\nwant\n%s", got, want)
	}
	if hdr.Get("Content-Length") != fmt.Sprint(len(want)) {
		t.Errorf("Content-Length %q, want %d", hdr.Get("Content-Length"), len(want))
	}
	reqs := up.requests()
	if len(reqs) != 2 {
		t.Fatalf("upstream saw %d requests, want 2", len(reqs))
	}
	// The continuation keeps the first request's bytes and only grows the
	// messages array.
	firstBody := reqs[0]
	cut := bytes.LastIndex(firstBody, []byte("]}"))
	if !bytes.HasPrefix(reqs[1], firstBody[:cut]) {
		t.Fatalf("continuation does not extend the first request byte for byte:\n%s\n%s", firstBody, reqs[1])
	}
	var cont struct {
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(reqs[1], &cont); err != nil {
		t.Fatal(err)
	}
	n := len(cont.Messages)
	if n != 5 || cont.Messages[3].Role != "assistant" || cont.Messages[4].Role != "user" {
		t.Fatalf("continuation messages: %+v", cont.Messages)
	}
	var results []struct {
		Type      string `json:"type"`
		ToolUseID string `json:"tool_use_id"`
		Content   string `json:"content"`
	}
	if err := json.Unmarshal(cont.Messages[4].Content, &results); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Hash            string `json:"hash"`
		OriginalContent string `json:"original_content"`
	}
	if len(results) != 1 || results[0].Type != "tool_result" || results[0].ToolUseID != "toolu_r1" || json.Unmarshal([]byte(results[0].Content), &res) != nil ||
		res.OriginalContent != logOriginal || res.Hash != key {
		t.Fatalf("tool result: %+v", results)
	}
	st := p.rt.Stats()
	if st.Hits != 1 || st.Rounds != 1 || st.Injections != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestAnthropicNonStreamingMissTellsTheModel(t *testing.T) {
	store := newStore(t)
	const absent = "0123456789abcdef01234567"
	first := anthropicJSON("msg_1", `[`+retrieveUse("toolu_r1", absent)+`]`, "tool_use", 100, 20)
	final := anthropicJSON("msg_2", `[{"type":"text","text":"It is gone; re-reading the file."}]`, "end_turn", 150, 30)
	up := newUpstream(t, jsonTurn(first), jsonTurn(final))
	p := newTestProxy(t, store, up.srv.URL, nil)

	_, _, got := p.post(t, "/v1/messages", anthropicRequest(absent, false))
	if bytes.Contains(got, []byte(retrieve.ToolName)) {
		t.Fatalf("client saw the retrieval: %s", got)
	}
	reqs := up.requests()
	if len(reqs) != 2 {
		t.Fatalf("upstream saw %d requests", len(reqs))
	}
	if !bytes.Contains(reqs[1], []byte(`\"status\": \"missing\"`)) || !bytes.Contains(reqs[1], []byte("Entry not found")) {
		t.Fatalf("continuation does not tell the model the hash is missing:\n%s", reqs[1])
	}
	if st := p.rt.Stats(); st.Misses != 1 || st.Hits != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestAnthropicMixedToolCallsPassUnchanged(t *testing.T) {
	store := newStore(t)
	key := putOriginal(t, store, logOriginal)
	first := anthropicJSON("msg_1", `[`+retrieveUse("toolu_r1", key)+`,{"type":"tool_use","id":"toolu_c2","name":"read_file","input":{"path":"b"}}]`, "tool_use", 100, 20)
	up := newUpstream(t, jsonTurn(first))
	p := newTestProxy(t, store, up.srv.URL, nil)
	_, _, got := p.post(t, "/v1/messages", anthropicRequest(key, false))
	if string(got) != first {
		t.Fatalf("client got\n%s\nwant the upstream answer unchanged", got)
	}
	if n := len(up.requests()); n != 1 {
		t.Fatalf("upstream saw %d requests, want 1", n)
	}
	if st := p.rt.Stats(); st.Mixed != 1 || st.Rounds != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestAnthropicRoundCapStopsTheLoop(t *testing.T) {
	store := newStore(t)
	key := putOriginal(t, store, logOriginal)
	looping := anthropicJSON("msg_n", `[`+retrieveUse("toolu_rN", key)+`]`, "tool_use", 10, 1)
	up := newUpstream(t, jsonTurn(looping))
	p := newTestProxy(t, store, up.srv.URL, nil)
	status, hdr, got := p.post(t, "/v1/messages", anthropicRequest(key, false))
	if n := len(up.requests()); n != DefaultMaxRounds+1 {
		t.Fatalf("upstream saw %d requests, want %d", n, DefaultMaxRounds+1)
	}
	// The client never receives the call to a tool it did not declare: the
	// exchange ends in Anthropic's error shape, as the streaming path does.
	if status != http.StatusBadGateway || hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, content type %q", status, hdr.Get("Content-Type"))
	}
	var e struct {
		Type  string `json:"type"`
		Error struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(got, &e); err != nil || e.Type != "error" || e.Error.Type != "api_error" ||
		!strings.Contains(e.Error.Message, "retrieval rounds") {
		t.Fatalf("client got %s (%v)", got, err)
	}
	if strings.Contains(string(got), "headroom_retrieve") || strings.Contains(string(got), "toolu_rN") {
		t.Fatalf("the retrieval call leaked to the client: %s", got)
	}
	if st := p.rt.Stats(); st.CapReached != 1 || st.Rounds != DefaultMaxRounds || st.Hits != DefaultMaxRounds {
		t.Fatalf("stats %+v", st)
	}
}

func TestAnthropicStreamWithoutRetrievalIsByteIdenticalAndUnbuffered(t *testing.T) {
	store := newStore(t)
	key := putOriginal(t, store, logOriginal)
	gate := make(chan struct{})
	turn := sseTurn(flat(aMessageStart("msg_1", 100), aTextBlock(0, "Hello", " world"), aMessageEnd("end_turn", 5))...)
	turn.gate = gate
	up := newUpstream(t, turn)
	p := newTestProxy(t, store, up.srv.URL, nil)

	// The upstream sends message_start and then waits; the client must
	// get that event before the upstream goes on.
	req := anthropicRequest(key, true)
	resp, err := p.srv.Client().Post(p.srv.URL+"/v1/messages", "application/json", strings.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	firstEvent := aMessageStart("msg_1", 100)
	buf := make([]byte, len(firstEvent))
	if _, err := ioReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	if string(buf) != firstEvent {
		t.Fatalf("first bytes %q", buf)
	}
	close(gate)
	rest, err := ioReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(buf) + string(rest); got != turn.body() {
		t.Fatalf("client got\n%s\nwant the upstream bytes\n%s", got, turn.body())
	}
}

func TestAnthropicStreamRetrievalIsInvisibleToTheClient(t *testing.T) {
	store := newStore(t)
	key := putOriginal(t, store, logOriginal)
	round1 := flat(aMessageStart("msg_1", 100), ": keep-alive\n\n", aTextBlock(0, "Let me ", "look."),
		aToolBlock(1, "toolu_r1", retrieve.ToolName, `{"ha`, `sh":"`+key+`"}`), aMessageEnd("tool_use", 20))
	round2 := flat(aMessageStart("msg_2", 150), ev("ping", `{"type":"ping"}`), aTextBlock(0, "The log says ", "INFO z."),
		aToolBlock(1, "toolu_c9", "read_file", `{"path":"next.log"}`), aMessageEnd("tool_use", 30))
	up := newUpstream(t, sseTurn(round1...), sseTurn(round2...))
	p := newTestProxy(t, store, up.srv.URL, nil)

	status, _, got := p.post(t, "/v1/messages", anthropicRequest(key, true))
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	if bytes.Contains(got, []byte(retrieve.ToolName)) || bytes.Contains(got, []byte("toolu_r1")) {
		t.Fatalf("client saw the retrieval:\n%s", got)
	}
	// Everything before the retrieval block reaches the client as sent.
	prefix := strings.Join(round1[:6], "")
	if !bytes.HasPrefix(got, []byte(prefix)) {
		t.Fatalf("client stream does not start with the upstream's bytes:\n%s", got)
	}
	st, _ := checkAnthropicStream(t, got)
	blocks := st.Blocks()
	if len(blocks) != 3 || blocks[0].Text != "Let me look." || blocks[1].Text != "The log says INFO z." ||
		blocks[2].Name != "read_file" || blocks[2].Input != `{"path":"next.log"}` || blocks[2].ID != "toolu_c9" {
		t.Fatalf("client blocks %+v", blocks)
	}
	sum := st.Summary()
	if sum.StopReason != "tool_use" || sum.Usage.InputTokens != 250 || sum.Usage.OutputTokens != 50 || sum.ID != "msg_1" {
		t.Fatalf("client summary %+v", sum)
	}
	reqs := up.requests()
	if len(reqs) != 2 || !bytes.Contains(reqs[1], []byte(`"stream":true`)) {
		t.Fatalf("continuation: %d requests", len(reqs))
	}
	var cont struct {
		Messages []json.RawMessage `json:"messages"`
	}
	if err := json.Unmarshal(reqs[1], &cont); err != nil {
		t.Fatal(err)
	}
	wantTurn := `{"role":"assistant","content":[{"type":"text","text":"Let me look."},{"type":"tool_use","id":"toolu_r1","name":"headroom_retrieve","input":{"hash":"` + key + `"}}]}`
	if got := string(cont.Messages[3]); got != wantTurn {
		t.Fatalf("assistant turn sent upstream\n%s\nwant\n%s", got, wantTurn)
	}
	if !bytes.Contains(cont.Messages[4], []byte("INFO z: the full original log")) {
		t.Fatalf("tool result lacks the original: %s", cont.Messages[4])
	}
}

func TestAnthropicStreamMixedCallsPassAsSent(t *testing.T) {
	store := newStore(t)
	key := putOriginal(t, store, logOriginal)
	round1 := flat(aMessageStart("msg_1", 100), aToolBlock(0, "toolu_r1", retrieve.ToolName, `{"hash":"`+key+`"}`),
		aToolBlock(1, "toolu_c1", "read_file", `{"path":"x"}`), aMessageEnd("tool_use", 20))
	up := newUpstream(t, sseTurn(round1...))
	p := newTestProxy(t, store, up.srv.URL, nil)
	_, _, got := p.post(t, "/v1/messages", anthropicRequest(key, true))
	if string(got) != strings.Join(round1, "") {
		t.Fatalf("client got\n%s\nwant the upstream bytes", got)
	}
	if st := p.rt.Stats(); st.Mixed != 1 || st.Rounds != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestAnthropicStreamContinuationFailureEndsWithErrorEvent(t *testing.T) {
	store := newStore(t)
	key := putOriginal(t, store, logOriginal)
	round1 := flat(aMessageStart("msg_1", 100), aTextBlock(0, "Checking."),
		aToolBlock(1, "toolu_r1", retrieve.ToolName, `{"hash":"`+key+`"}`), aMessageEnd("tool_use", 20))
	overloaded := modelTurn{status: 529, ctype: "application/json",
		pieces: []string{`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`}}
	up := newUpstream(t, sseTurn(round1...), overloaded)
	p := newTestProxy(t, store, up.srv.URL, nil)
	status, _, got := p.post(t, "/v1/messages", anthropicRequest(key, true))
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	_, evs := checkAnthropicStream(t, got)
	last := evs[len(evs)-1]
	if last.Name != sse.AnthropicError || string(last.Data) != `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}` {
		t.Fatalf("last event %s %s", last.Name, last.Data)
	}
	if bytes.Contains(got, []byte(retrieve.ToolName)) {
		t.Fatalf("client saw the retrieval:\n%s", got)
	}
	if st := p.rt.Stats(); st.ContinuationFailures != 1 || st.StreamErrors != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestAnthropicStreamRoundCapEndsWithErrorEvent(t *testing.T) {
	store := newStore(t)
	key := putOriginal(t, store, logOriginal)
	looping := flat(aMessageStart("msg_n", 10), aToolBlock(0, "toolu_rN", retrieve.ToolName, `{"hash":"`+key+`"}`), aMessageEnd("tool_use", 1))
	up := newUpstream(t, sseTurn(looping...))
	p := newTestProxy(t, store, up.srv.URL, func(c *Config) { c.MaxRounds = 2 })
	_, _, got := p.post(t, "/v1/messages", anthropicRequest(key, true))
	if n := len(up.requests()); n != 3 {
		t.Fatalf("upstream saw %d requests, want 3", n)
	}
	_, evs := checkAnthropicStream(t, got)
	if last := evs[len(evs)-1]; last.Name != sse.AnthropicError || !bytes.Contains(last.Data, []byte("retrieval rounds")) {
		t.Fatalf("last event %s %s", last.Name, last.Data)
	}
	if bytes.Contains(got, []byte(retrieve.ToolName)) {
		t.Fatalf("client saw the retrieval:\n%s", got)
	}
	if st := p.rt.Stats(); st.CapReached != 1 || st.Rounds != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestAnthropicStreamCutInsideRetrievalTurnEndsWithErrorEvent(t *testing.T) {
	store := newStore(t)
	key := putOriginal(t, store, logOriginal)
	cut := flat(aMessageStart("msg_1", 100), aToolBlock(0, "toolu_r1", retrieve.ToolName, `{"hash":"`+key+`"}`))
	up := newUpstream(t, sseTurn(cut...))
	p := newTestProxy(t, store, up.srv.URL, nil)
	_, _, got := p.post(t, "/v1/messages", anthropicRequest(key, true))
	_, evs := checkAnthropicStream(t, got)
	if last := evs[len(evs)-1]; last.Name != sse.AnthropicError {
		t.Fatalf("last event %s %s", last.Name, last.Data)
	}
	if n := len(up.requests()); n != 1 {
		t.Fatalf("upstream saw %d requests", n)
	}
}

func TestUnmarkedRequestsAreNotResolved(t *testing.T) {
	store := newStore(t)
	key := putOriginal(t, store, logOriginal)
	first := anthropicJSON("msg_1", `[`+retrieveUse("toolu_r1", key)+`]`, "tool_use", 100, 20)
	up := newUpstream(t, jsonTurn(first))
	// The client registered the tool itself: Inject leaves the request
	// alone and the client resolves its own calls.
	p := newTestProxy(t, store, up.srv.URL, nil)
	req := strings.Replace(anthropicRequest(key, false), `"tools":[`, `"tools":[{"name":"headroom_retrieve","description":"mcp","input_schema":{"type":"object"}},`, 1)
	_, _, got := p.post(t, "/v1/messages", req)
	if string(got) != first {
		t.Fatalf("client got %s", got)
	}
	if reqs := up.requests(); len(reqs) != 1 || string(reqs[0]) != req {
		t.Fatalf("upstream saw %d requests / body changed", len(reqs))
	}
	if st := p.rt.Stats(); st.ClientTool != 1 || st.Injections != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestAnthropicStreamOversizedHeldTurnEndsWithErrorEvent: once the events
// held behind a headroom_retrieve call outgrow MaxEventBytes the turn is
// dropped (memory stays bounded) and the client stream ends with an error
// event, never with the call it cannot answer; no continuation is sent.
// The upstream here streams on and never ends its turn: the client must
// still get its answer without waiting for it.
func TestAnthropicStreamOversizedHeldTurnEndsWithErrorEvent(t *testing.T) {
	store := newStore(t)
	key := putOriginal(t, store, logOriginal)
	parts := make([]string, 100)
	for i := range parts {
		parts[i] = strings.Repeat("x", 100)
	}
	head := flat(aMessageStart("msg_1", 100), aToolBlock(0, "toolu_r1", retrieve.ToolName, `{"hash":"`+key+`"}`),
		aTextBlock(1, parts...))
	never := make(chan struct{})
	turn := sseTurn(strings.Join(head, ""), strings.Join(aMessageEnd("tool_use", 20), ""))
	turn.gate = never
	up := newUpstream(t, turn)
	p := newTestProxy(t, store, up.srv.URL, func(c *Config) { c.MaxEventBytes = 4096 })
	_, _, got := p.post(t, "/v1/messages", anthropicRequest(key, true))
	_, evs := checkAnthropicStream(t, got)
	if last := evs[len(evs)-1]; last.Name != sse.AnthropicError || !bytes.Contains(last.Data, []byte("too large")) {
		t.Fatalf("last event %s %s", last.Name, last.Data)
	}
	if bytes.Contains(got, []byte(retrieve.ToolName)) {
		t.Fatalf("client saw the retrieval:\n%s", got)
	}
	if n := len(up.requests()); n != 1 {
		t.Fatalf("upstream saw %d requests, want 1", n)
	}
	if st := p.rt.Stats(); st.StreamErrors != 1 || st.Rounds != 0 {
		t.Fatalf("stats %+v", st)
	}
}
