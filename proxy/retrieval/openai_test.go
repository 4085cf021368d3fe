package retrieval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/ccr/retrieve"
	"github.com/headroom-go/headroom/proxy/sse"
)

func chatRequest(marker string, stream bool) string {
	opts := ""
	if stream {
		opts = `"stream_options":{"include_usage":true},`
	}
	return `{"model":"gpt-test","stream":` + fmt.Sprint(stream) + `,` + opts +
		`"tools":[{"type":"function","function":{"name":"read_file","parameters":{"type":"object"}}}],` +
		`"messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"what is in the log?"},` +
		`{"role":"assistant","content":null,"tool_calls":[{"id":"call_c1","type":"function","function":{"name":"read_file","arguments":"{\"path\":\"app.log\"}"}}]},` +
		`{"role":"tool","tool_call_id":"call_c1","content":"ERROR x\n[40 lines compressed to 3. Retrieve more: hash=` + marker + `]"}]}`
}

func chatJSON(id, message, finish string, in, out int) string {
	return `{"id":"` + id + `","object":"chat.completion","created":1,"model":"gpt-test","choices":[{"index":0,"message":` + message +
		`,"finish_reason":"` + finish + `"}],"usage":{"prompt_tokens":` + fmt.Sprint(in) + `,"completion_tokens":` + fmt.Sprint(out) +
		`,"total_tokens":` + fmt.Sprint(in+out) + `,"prompt_tokens_details":{"cached_tokens":0}}}`
}

func chunk(id, choice string) string {
	return "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-test\",\"choices\":[" + choice + "]}\n\n"
}

func chatUsageChunk(id string, in, out int) string {
	return "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-test\",\"choices\":[],\"usage\":{\"prompt_tokens\":" +
		fmt.Sprint(in) + ",\"completion_tokens\":" + fmt.Sprint(out) + ",\"total_tokens\":" + fmt.Sprint(in+out) + "}}\n\n"
}

const chatDone = "data: [DONE]\n\n"

func chatToolStart(id string, idx int, callID, name string) string {
	return chunk(id, fmt.Sprintf(`{"index":0,"delta":{"tool_calls":[{"index":%d,"id":"%s","type":"function","function":{"name":"%s","arguments":""}}]},"finish_reason":null}`, idx, callID, name))
}

func chatToolArgs(id string, idx int, args string) string {
	return chunk(id, fmt.Sprintf(`{"index":0,"delta":{"tool_calls":[{"index":%d,"function":{"arguments":%s}}]},"finish_reason":null}`, idx, jsonStr(args)))
}

func chatText(id, text string) string {
	return chunk(id, `{"index":0,"delta":{"content":`+jsonStr(text)+`},"finish_reason":null}`)
}

func chatFinish(id, reason string) string {
	return chunk(id, `{"index":0,"delta":{},"finish_reason":"`+reason+`"}`)
}

func TestChatNonStreamingHit(t *testing.T) {
	store := newStore(t)
	key := putOriginal(t, store, logOriginal)
	call := `{"role":"assistant","content":null,"tool_calls":[{"id":"call_r1","type":"function","function":{"name":"headroom_retrieve","arguments":"{\"hash\":\"` + key + `\"}"}}]}`
	first := chatJSON("c1", call, "tool_calls", 100, 20)
	final := chatJSON("c2", `{"role":"assistant","content":"INFO z."}`, "stop", 150, 30)
	up := newUpstream(t, jsonTurn(first), jsonTurn(final))
	p := newTestProxy(t, store, up.srv.URL, nil)
	_, _, got := p.post(t, "/v1/chat/completions", chatRequest(key, false))
	want := strings.Replace(final, `"usage":{"prompt_tokens":150,"completion_tokens":30,"total_tokens":180,`,
		`"usage":{"prompt_tokens":250,"completion_tokens":50,"total_tokens":300,`, 1)
	if string(got) != want {
		t.Fatalf("client got\n%s\nwant\n%s", got, want)
	}
	reqs := up.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d upstream requests", len(reqs))
	}
	var cont struct {
		Messages []json.RawMessage `json:"messages"`
	}
	if err := json.Unmarshal(reqs[1], &cont); err != nil {
		t.Fatal(err)
	}
	if len(cont.Messages) != 6 || string(cont.Messages[4]) != call {
		t.Fatalf("continuation messages: %s", reqs[1])
	}
	var toolMsg map[string]string
	if err := json.Unmarshal(cont.Messages[5], &toolMsg); err != nil || toolMsg["role"] != "tool" || toolMsg["tool_call_id"] != "call_r1" ||
		!strings.Contains(toolMsg["content"], "INFO z: the full original log") {
		t.Fatalf("tool message %s", cont.Messages[5])
	}
}

func TestChatStreamRetrievalIsInvisibleToTheClient(t *testing.T) {
	store := newStore(t)
	key := putOriginal(t, store, logOriginal)
	role := chunk("c1", `{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}`)
	round1 := []string{role, chatText("c1", "Checking."), chatToolStart("c1", 0, "call_r1", retrieve.ToolName),
		chatToolArgs("c1", 0, `{"hash":`), chatToolArgs("c1", 0, `"`+key+`"}`), chatFinish("c1", "tool_calls"),
		chatUsageChunk("c1", 100, 20), chatDone}
	role2 := chunk("c2", `{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}`)
	round2 := []string{role2, chatText("c2", "INFO z."), chatFinish("c2", "stop"), chatUsageChunk("c2", 150, 30), chatDone}
	up := newUpstream(t, sseTurn(round1...), sseTurn(round2...))
	p := newTestProxy(t, store, up.srv.URL, nil)
	_, _, got := p.post(t, "/v1/chat/completions", chatRequest(key, true))

	want := role + chatText("c1", "Checking.") + role2 + chatText("c2", "INFO z.") + chatFinish("c2", "stop") +
		chatUsageChunk("c2", 250, 50) + chatDone
	if string(got) != want {
		t.Fatalf("client got\n%s\nwant\n%s", got, want)
	}
	reqs := up.requests()
	var cont struct {
		Messages []json.RawMessage `json:"messages"`
	}
	if len(reqs) != 2 || json.Unmarshal(reqs[1], &cont) != nil {
		t.Fatalf("%d upstream requests", len(reqs))
	}
	wantTurn := `{"role":"assistant","content":"Checking.","tool_calls":[{"id":"call_r1","type":"function","function":{"name":"headroom_retrieve","arguments":"{\"hash\":\"` + key + `\"}"}}]}`
	if string(cont.Messages[4]) != wantTurn {
		t.Fatalf("assistant turn\n%s\nwant\n%s", cont.Messages[4], wantTurn)
	}
}

func TestChatStreamMixedCallsPassAsSent(t *testing.T) {
	store := newStore(t)
	key := putOriginal(t, store, logOriginal)
	round1 := []string{chatToolStart("c1", 0, "call_r1", retrieve.ToolName), chatToolArgs("c1", 0, `{"hash":"`+key+`"}`),
		chatToolStart("c1", 1, "call_c2", "read_file"), chatToolArgs("c1", 1, `{"path":"x"}`), chatFinish("c1", "tool_calls"), chatDone}
	up := newUpstream(t, sseTurn(round1...))
	p := newTestProxy(t, store, up.srv.URL, nil)
	_, _, got := p.post(t, "/v1/chat/completions", chatRequest(key, true))
	if string(got) != strings.Join(round1, "") {
		t.Fatalf("client got\n%s", got)
	}
	if st := p.rt.Stats(); st.Mixed != 1 || st.Rounds != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestChatStreamMissAndFailureEndsWithErrorChunk(t *testing.T) {
	store := newStore(t)
	const absent = "feedfacefeedfacefeedface"
	round1 := []string{chatToolStart("c1", 0, "call_r1", retrieve.ToolName), chatToolArgs("c1", 0, `{"hash":"`+absent+`"}`),
		chatFinish("c1", "tool_calls"), chatDone}
	refused := modelTurn{status: 500, ctype: "application/json",
		pieces: []string{`{"error":{"message":"upstream broke","type":"server_error","code":null}}`}}
	up := newUpstream(t, sseTurn(round1...), refused)
	p := newTestProxy(t, store, up.srv.URL, nil)
	_, _, got := p.post(t, "/v1/chat/completions", chatRequest(absent, true))
	want := "data: {\"error\":{\"message\":\"upstream broke\",\"type\":\"server_error\",\"code\":null}}\n\n"
	if string(got) != want {
		t.Fatalf("client got\n%q\nwant\n%q", got, want)
	}
	reqs := up.requests()
	if len(reqs) != 2 || !bytes.Contains(reqs[1], []byte(`\"status\": \"missing\"`)) {
		t.Fatalf("continuation did not report the miss")
	}
	if st := p.rt.Stats(); st.Misses != 1 || st.ContinuationFailures != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// --- OpenAI Responses ---------------------------------------------------

func responsesRequest(marker string, stream bool) string {
	return `{"model":"gpt-test","stream":` + fmt.Sprint(stream) + `,"tools":[{"type":"function","name":"read_file","parameters":{"type":"object"}}],` +
		`"input":[{"role":"user","content":"what is in the log?"},` +
		`{"type":"function_call","call_id":"call_c1","name":"read_file","arguments":"{}"},` +
		`{"type":"function_call_output","call_id":"call_c1","output":"ERROR x\n[40 lines compressed to 3. Retrieve more: hash=` + marker + `]"}]}`
}

func rEv(typ, rest string) string {
	return "event: " + typ + "\ndata: {\"type\":\"" + typ + "\"," + rest + "}\n\n"
}

func TestResponsesNonStreamingHit(t *testing.T) {
	store := newStore(t)
	key := putOriginal(t, store, logOriginal)
	fc := `{"id":"fc_1","type":"function_call","status":"completed","name":"headroom_retrieve","call_id":"call_r1","arguments":"{\"hash\":\"` + key + `\"}"}`
	first := `{"id":"resp_1","object":"response","status":"completed","output":[` + fc + `],"usage":{"input_tokens":100,"output_tokens":20,"total_tokens":120}}`
	final := `{"id":"resp_2","object":"response","status":"completed","output":[{"id":"msg_2","type":"message","role":"assistant","content":[{"type":"output_text","text":"INFO z."}]}],"usage":{"input_tokens":150,"output_tokens":30,"total_tokens":180}}`
	up := newUpstream(t, jsonTurn(first), jsonTurn(final))
	p := newTestProxy(t, store, up.srv.URL, nil)
	_, _, got := p.post(t, "/v1/responses", responsesRequest(key, false))
	want := strings.Replace(final, `{"input_tokens":150,"output_tokens":30,"total_tokens":180}`, `{"input_tokens":250,"output_tokens":50,"total_tokens":300}`, 1)
	if string(got) != want {
		t.Fatalf("client got\n%s\nwant\n%s", got, want)
	}
	reqs := up.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d upstream requests", len(reqs))
	}
	// The injected tool has the Responses API's flat shape.
	if !bytes.Contains(reqs[0], []byte(`{"type":"function","name":"headroom_retrieve","description":`)) {
		t.Fatalf("tool not injected in the Responses shape: %s", reqs[0])
	}
	var cont struct {
		Input []json.RawMessage `json:"input"`
	}
	if err := json.Unmarshal(reqs[1], &cont); err != nil {
		t.Fatal(err)
	}
	if len(cont.Input) != 5 || string(cont.Input[3]) != fc || !bytes.Contains(cont.Input[4], []byte(`"type":"function_call_output","call_id":"call_r1"`)) {
		t.Fatalf("continuation input: %s", reqs[1])
	}
}

func TestResponsesStreamRetrievalIsInvisibleToTheClient(t *testing.T) {
	store := newStore(t)
	key := putOriginal(t, store, logOriginal)
	reasoning := `{"id":"rs_1","type":"reasoning","summary":[]}`
	fcDone := `{"id":"fc_1","type":"function_call","status":"completed","name":"headroom_retrieve","call_id":"call_r1","arguments":"{\"hash\":\"` + key + `\"}"}`
	round1 := []string{
		rEv("response.created", `"sequence_number":0,"response":{"id":"resp_1","status":"in_progress","output":[]}`),
		rEv("response.output_item.added", `"sequence_number":1,"output_index":0,"item":`+reasoning),
		rEv("response.output_item.done", `"sequence_number":2,"output_index":0,"item":`+reasoning),
		rEv("response.output_item.added", `"sequence_number":3,"output_index":1,"item":{"id":"fc_1","type":"function_call","status":"in_progress","name":"headroom_retrieve","call_id":"call_r1","arguments":""}`),
		rEv("response.function_call_arguments.delta", `"sequence_number":4,"item_id":"fc_1","output_index":1,"delta":`+jsonStr(`{"hash":"`+key+`"}`)),
		rEv("response.output_item.done", `"sequence_number":5,"output_index":1,"item":`+fcDone),
		rEv("response.completed", `"sequence_number":6,"response":{"id":"resp_1","status":"completed","output":[`+reasoning+`,`+fcDone+`],"usage":{"input_tokens":100,"output_tokens":20,"total_tokens":120}}`),
	}
	msg := `{"id":"msg_2","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"INFO z."}]}`
	round2 := []string{
		rEv("response.created", `"sequence_number":0,"response":{"id":"resp_2","status":"in_progress","output":[]}`),
		rEv("response.in_progress", `"sequence_number":1,"response":{"id":"resp_2","status":"in_progress","output":[]}`),
		rEv("response.output_item.added", `"sequence_number":2,"output_index":0,"item":{"id":"msg_2","type":"message","status":"in_progress","role":"assistant","content":[]}`),
		rEv("response.output_text.delta", `"sequence_number":3,"item_id":"msg_2","output_index":0,"content_index":0,"delta":"INFO z."`),
		rEv("response.output_item.done", `"sequence_number":4,"output_index":0,"item":`+msg),
		rEv("response.completed", `"sequence_number":5,"response":{"id":"resp_2","status":"completed","output":[`+msg+`],"usage":{"input_tokens":150,"output_tokens":30,"total_tokens":180}}`),
	}
	up := newUpstream(t, sseTurn(round1...), sseTurn(round2...))
	p := newTestProxy(t, store, up.srv.URL, nil)
	_, _, got := p.post(t, "/v1/responses", responsesRequest(key, true))
	if bytes.Contains(got, []byte(retrieve.ToolName)) {
		t.Fatalf("client saw the retrieval:\n%s", got)
	}
	if !bytes.HasPrefix(got, []byte(strings.Join(round1[:3], ""))) {
		t.Fatalf("client stream does not start with the upstream bytes:\n%s", got)
	}
	evs := framedEvents(t, got)
	st := sse.NewResponsesStream(sse.Options{})
	lastSeq := int64(-1)
	for i, e := range evs {
		d, err := st.Decode(&e)
		if err != nil {
			t.Fatalf("event %d does not decode: %v\n%s", i, err, e.Data)
		}
		if d.SequenceNumber <= lastSeq {
			t.Fatalf("sequence number %d after %d", d.SequenceNumber, lastSeq)
		}
		lastSeq = d.SequenceNumber
	}
	items := st.Items()
	if len(items) != 2 || items[0].Type != "reasoning" || items[1].Type != "message" || items[1].OutputIndex != 1 || items[1].Text != "INFO z." {
		t.Fatalf("client items %+v", items)
	}
	last := evs[len(evs)-1]
	wantCompleted := `{"type":"response.completed","sequence_number":6,"response":{"id":"resp_2","status":"completed","output":[` +
		reasoning + `,` + msg + `],"usage":{"input_tokens":250,"output_tokens":50,"total_tokens":300}}}`
	if string(last.Data) != wantCompleted {
		t.Fatalf("terminal event\n%s\nwant\n%s", last.Data, wantCompleted)
	}
	if sum := st.Summary(); sum.Status != sse.StatusCompleted {
		t.Fatalf("summary %+v", sum)
	}
}
