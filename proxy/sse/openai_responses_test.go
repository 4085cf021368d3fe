package sse

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func runResponses(t testing.TB, o Options, stream string, splits ...int) (*ResponsesStream, []ResponsesEvent, []error) {
	t.Helper()
	s := NewResponsesStream(o)
	evs, errs := decodeAll(t, s.Decode, stream, splits...)
	return s, evs, errs
}

func TestResponsesTextStreamWithReasoning(t *testing.T) {
	s, evs, errs := runResponses(t, Options{}, readStream(t, "responses_text.sse"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if e := evs[0]; e.Type != ResponsesCreated || e.Response == nil || e.Response.ServiceTier != "auto" || e.SequenceNumber != 0 {
		t.Errorf("created %+v", e)
	}
	if e := evs[12]; e.Type != ResponsesOutputTextDelta || e.Delta != " world" || e.OutputIndex != 1 || e.ContentIndex != 0 ||
		e.ItemID != "msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b" || e.SequenceNumber != 12 {
		t.Errorf("delta %+v", e)
	}
	items := s.Items()
	if len(items) != 2 {
		t.Fatalf("items %+v", items)
	}
	if r := items[0]; r.Type != "reasoning" || r.ReasoningSummary != "**Greeting** The user said hi; answer briefly." || !r.Complete || r.OutputIndex != 0 {
		t.Errorf("reasoning item %+v", r)
	}
	m := items[1]
	if m.Type != "message" || m.Role != "assistant" || m.Status != "completed" || m.Text != "Hello world ☀️" || !m.Complete ||
		len(m.Parts) != 1 || m.Parts[0].Type != "output_text" {
		t.Errorf("message item %+v", m)
	}
	sum := s.Summary()
	if sum.Status != StatusCompleted || sum.StopReason != "completed" || sum.ID != "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b" ||
		sum.Model != "o4-mini-2025-04-16" {
		t.Errorf("summary %+v", sum)
	}
	// The tier reported at completion (the one actually used) wins over
	// the request-time "auto".
	if sum.ServiceTier != "default" {
		t.Errorf("service tier %q", sum.ServiceTier)
	}
	want := Usage{InputTokens: 1200, OutputTokens: 85, CacheReadTokens: 1024, ReasoningTokens: 64, InputIncludesCached: true}
	if !sum.HasUsage || sum.Usage != want {
		t.Errorf("usage %+v", sum.Usage)
	}
	if rate, ok := sum.Usage.CacheHitRate(); !ok || rate != 1024.0/1200.0 {
		t.Errorf("rate %v %v", rate, ok)
	}
}

func TestResponsesFunctionCall(t *testing.T) {
	s, evs, errs := runResponses(t, Options{}, readStream(t, "responses_function_call.sse"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if it := evs[1].Item; it == nil || it.Type != "function_call" || it.Name != "get_weather" || it.CallID != "call_12345xyz" {
		t.Errorf("added item %+v", evs[1].Item)
	}
	if evs[5].Arguments != `{"location":"Paris, France"}` {
		t.Errorf("arguments.done %q", evs[5].Arguments)
	}
	sum := s.Summary()
	want := ToolCall{Type: "function_call", ID: "call_12345xyz", ItemID: "fc_12345xyz", Name: "get_weather",
		Arguments: `{"location":"Paris, France"}`, Index: 0, Complete: true}
	if len(sum.ToolCalls) != 1 || sum.ToolCalls[0] != want {
		t.Errorf("tool calls %+v", sum.ToolCalls)
	}
}

// Spec acceptance: an upstream that uses the bare output_item.* names.
func TestResponsesBareItemEventNames(t *testing.T) {
	stream := sseText(
		[2]string{"response.created", `{"type":"response.created","response":{"id":"resp_test","model":"gpt-5","status":"in_progress"}}`},
		[2]string{"output_item.added", `{"type":"output_item.added","output_index":0,"item":{"id":"msg_1","type":"message","role":"assistant"}}`},
		[2]string{"content_part.added", `{"item_id":"msg_1","output_index":0,"part_index":0,"part":{"type":"output_text","text":""}}`},
		[2]string{"output_text.delta", `{"type":"output_text.delta","item_id":"msg_1","content_index":0,"delta":"Hello"}`},
		[2]string{"response.output_text.delta", `{"type":"response.output_text.delta","item_id":"msg_1","content_index":0,"delta":" world"}`},
		[2]string{"output_item.done", `{"type":"output_item.done","output_index":0,"item":{"id":"msg_1","type":"message","status":"completed"}}`},
		[2]string{"response.completed", `{"type":"response.completed","response":{"id":"resp_test","status":"completed","usage":{"input_tokens":5,"output_tokens":2}}}`},
	)
	s, _, errs := runResponses(t, Options{}, stream)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	sum := s.Summary()
	items := s.Items()
	if sum.ID != "resp_test" || sum.Status != StatusCompleted || len(items) != 1 {
		t.Fatalf("summary %+v items %+v", sum, items)
	}
	if it := items[0]; it.ID != "msg_1" || !it.Complete || it.Text != "Hello world" || it.Status != "completed" {
		t.Errorf("item %+v", it)
	}
}

func TestResponsesItemsKeyedByIDOutOfOrder(t *testing.T) {
	stream := sseText(
		[2]string{"response.output_item.added", `{"output_index":0,"item":{"id":"fc_a","type":"function_call","call_id":"call_a","name":"first","arguments":""}}`},
		[2]string{"response.output_item.added", `{"output_index":1,"item":{"id":"fc_b","type":"function_call","call_id":"call_b","name":"headroom_retrieve","arguments":""}}`},
		[2]string{"response.function_call_arguments.delta", `{"item_id":"fc_b","output_index":1,"delta":"{\"hash\":"}`},
		[2]string{"response.function_call_arguments.delta", `{"item_id":"fc_a","output_index":0,"delta":"{}"}`},
		[2]string{"response.function_call_arguments.delta", `{"item_id":"fc_b","output_index":1,"delta":"\"h1\"}"}`},
		[2]string{"response.output_item.done", `{"output_index":1,"item":{"id":"fc_b","type":"function_call","status":"completed","call_id":"call_b","name":"headroom_retrieve","arguments":"{\"hash\":\"h1\"}"}}`},
		// A done with arguments only fills in when no deltas came.
		[2]string{"response.function_call_arguments.done", `{"item_id":"fc_c","output_index":2,"arguments":"{\"x\":1}"}`},
		[2]string{"response.output_item.done", `{"output_index":0,"item":{"id":"fc_a","type":"function_call","status":"completed","call_id":"call_a","name":"first","arguments":"{}"}}`},
	)
	s, _, errs := runResponses(t, Options{}, stream)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	calls := s.Summary().ToolCalls
	if len(calls) != 2 {
		t.Fatalf("calls %+v", calls)
	}
	if calls[0].ItemID != "fc_a" || calls[0].Arguments != "{}" || !calls[0].Complete {
		t.Errorf("call a %+v", calls[0])
	}
	if calls[1].Name != "headroom_retrieve" || calls[1].ID != "call_b" || calls[1].Arguments != `{"hash":"h1"}` || calls[1].Index != 1 {
		t.Errorf("call b %+v", calls[1])
	}
	if items := s.Items(); len(items) != 3 || items[2].ID != "fc_c" || items[2].Arguments != `{"x":1}` {
		t.Errorf("items %+v", items)
	}
	if s.Summary().Status != StatusOpen {
		t.Error("no terminal event, status should be open")
	}
}

func TestResponsesTerminalStatuses(t *testing.T) {
	incomplete := sseText(
		[2]string{"response.created", `{"response":{"id":"r1","status":"in_progress","service_tier":"auto"}}`},
		[2]string{"response.incomplete", `{"response":{"id":"r1","status":"incomplete","service_tier":"priority","incomplete_details":{"reason":"max_output_tokens"},"usage":{"input_tokens":9,"output_tokens":100}}}`},
	)
	s, _, errs := runResponses(t, Options{}, incomplete)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	sum := s.Summary()
	if sum.Status != StatusIncomplete || sum.IncompleteReason != "max_output_tokens" || sum.ServiceTier != "priority" || sum.StopReason != "incomplete" || !sum.HasUsage {
		t.Errorf("incomplete summary %+v", sum)
	}

	failed := sseText([2]string{"response.failed", `{"response":{"id":"r2","status":"failed","error":{"code":"server_error","message":"The model failed to generate a response."}}}`})
	s, _, _ = runResponses(t, Options{}, failed)
	sum = s.Summary()
	if sum.Status != StatusFailed || sum.Error == nil || sum.Error.Code != "server_error" || !sum.Status.Terminal() {
		t.Errorf("failed summary %+v", sum)
	}

	errored := sseText([2]string{"error", `{"type":"error","code":"ERR_SOMETHING","message":"Something went wrong","param":null,"sequence_number":1}`})
	s, evs, _ := runResponses(t, Options{}, errored)
	sum = s.Summary()
	if sum.Status != StatusErrored || sum.Status.Terminal() || evs[0].Error == nil || evs[0].Error.Code != "ERR_SOMETHING" || evs[0].Error.Message != "Something went wrong" {
		t.Errorf("error summary %+v event %+v", sum, evs[0].Error)
	}

	created := sseText([2]string{"response.created", `{"response":{"id":"r3","status":"in_progress"}}`})
	s, _, _ = runResponses(t, Options{}, created)
	if sum := s.Summary(); sum.Status != StatusOpen || sum.Outputs != 0 || sum.ID != "r3" {
		t.Errorf("created-only summary %+v", sum)
	}
}

func TestResponsesSkipsBadEvents(t *testing.T) {
	log, logs := newTestLogger()
	stream := "data: {\"type\":\"response.created\"}\n\n" + sseText(
		[2]string{"response.web_search_call.searching", `{"item_id":"ws_1"}`},
		[2]string{"response.output_text.delta", `not json`},
		[2]string{"response.output_text.delta", `{"delta":"orphan"}`},
		[2]string{"response.output_item.added", `{"item":{"type":"message"}}`},
		[2]string{"response.completed", `{"type":"response.completed"}`},
	)
	s, _, errs := runResponses(t, Options{Logger: log}, stream)
	var unknown, malformed int
	for _, err := range errs {
		switch {
		case errors.Is(err, ErrUnknownEvent):
			unknown++
		case errors.Is(err, ErrMalformedEvent):
			malformed++
		}
	}
	if unknown != 2 || malformed != 4 {
		t.Errorf("unknown %d malformed %d: %v", unknown, malformed, errs)
	}
	if sum := s.Summary(); sum.Status != StatusOpen || sum.Outputs != 0 {
		t.Errorf("summary %+v", sum)
	}
	if !strings.Contains(logs.String(), "response.web_search_call.searching") {
		t.Error("unknown event name not logged")
	}
}

func TestResponsesAnySplitGivesSameState(t *testing.T) {
	for _, name := range []string{"responses_text.sse", "responses_function_call.sse"} {
		stream := readStream(t, name)
		ref, _, _ := runResponses(t, Options{}, stream)
		for i := 0; i <= len(stream); i += 3 {
			s, _, _ := runResponses(t, Options{}, stream, i)
			if !reflect.DeepEqual(s.Summary(), ref.Summary()) || !reflect.DeepEqual(s.Items(), ref.Items()) {
				t.Fatalf("%s split at %d: state differs", name, i)
			}
		}
	}
}

func TestNewParserAndRouting(t *testing.T) {
	for path, want := range map[string]Provider{
		"/v1/messages": ProviderAnthropic, "/v1/chat/completions": ProviderOpenAIChat,
		"/v1/responses": ProviderOpenAIResponses, "/v1/messages/count_tokens": ProviderNone, "/v1/Messages": ProviderNone,
	} {
		if got := ProviderForPath(path); got != want {
			t.Errorf("ProviderForPath(%q) = %v want %v", path, got, want)
		}
	}
	for ct, want := range map[string]bool{
		"text/event-stream": true, "Text/Event-Stream; charset=utf-8": true, " text/event-stream ;x=y": true,
		"application/json": false, "text/event-streams": false, "": false,
	} {
		if IsEventStream(ct) != want {
			t.Errorf("IsEventStream(%q) != %v", ct, want)
		}
	}
	if _, err := NewParser(ProviderNone, Options{}); err == nil {
		t.Error("NewParser(ProviderNone) succeeded")
	}
	for _, p := range []Provider{ProviderAnthropic, ProviderOpenAIChat, ProviderOpenAIResponses} {
		if ps, err := NewParser(p, Options{}); err != nil || ps.Summary().Provider != p {
			t.Errorf("NewParser(%v): %v", p, err)
		}
	}
}
