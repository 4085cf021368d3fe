package sse

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// runAnthropic frames stream (split at splits) and decodes every event.
func runAnthropic(t testing.TB, o Options, stream string, splits ...int) (*AnthropicStream, []AnthropicEvent, []error) {
	t.Helper()
	s := NewAnthropicStream(o)
	evs, errs := decodeAll(t, s.Decode, stream, splits...)
	return s, evs, errs
}

func TestAnthropicTextStream(t *testing.T) {
	s, evs, errs := runAnthropic(t, Options{}, readStream(t, "anthropic_text.sse"))
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
	}
	wantTypes := []string{"message_start", "content_block_start", "ping", "content_block_delta",
		"content_block_delta", "content_block_stop", "message_delta", "message_stop"}
	if !reflect.DeepEqual(types, wantTypes) {
		t.Fatalf("types %v", types)
	}
	if m := evs[0].Message; m == nil || m.ID != "msg_01XFDUDYJgAACzvnptvVoYEL" || m.Role != "assistant" {
		t.Errorf("message_start decoded as %+v", evs[0].Message)
	}
	if evs[3].Index != 0 || evs[3].Delta.Type != AnthropicTextDelta || evs[3].Delta.Text != "Hello" {
		t.Errorf("first delta %+v", evs[3])
	}
	if evs[6].StopReason != "end_turn" || evs[6].Usage == nil || evs[6].Usage.OutputTokens != 42 {
		t.Errorf("message_delta %+v", evs[6])
	}

	sum := s.Summary()
	if sum.ID != "msg_01XFDUDYJgAACzvnptvVoYEL" || sum.Model != "claude-sonnet-4-5-20250929" {
		t.Errorf("id/model %q %q", sum.ID, sum.Model)
	}
	if sum.Status != StatusCompleted || sum.StopReason != "end_turn" || !sum.HasUsage {
		t.Errorf("status %v stop %q usage %v", sum.Status, sum.StopReason, sum.HasUsage)
	}
	if want := (Usage{InputTokens: 100, OutputTokens: 42}); sum.Usage != want {
		t.Errorf("usage %+v want %+v", sum.Usage, want)
	}
	if sum.Events != 8 || sum.Outputs != 1 || len(sum.ToolCalls) != 0 {
		t.Errorf("events %d outputs %d tools %d", sum.Events, sum.Outputs, len(sum.ToolCalls))
	}
	blocks := s.Blocks()
	if len(blocks) != 1 || blocks[0].Text != "Hello, world! 👋" || !blocks[0].Complete || blocks[0].Type != "text" {
		t.Errorf("blocks %+v", blocks)
	}
	if rate, ok := sum.Usage.CacheHitRate(); !ok || rate != 0 {
		t.Errorf("hit rate %v %v, want 0 true", rate, ok)
	}
}

func TestAnthropicToolUseStream(t *testing.T) {
	s, evs, errs := runAnthropic(t, Options{}, readStream(t, "anthropic_tool_use.sse"))
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	// The events a retrieval loop would act on: the tool block's start
	// (name and id) and its input fragments, by index.
	var start *AnthropicContentBlock
	var fragments []string
	for _, e := range evs {
		if e.Index != 2 {
			continue
		}
		if e.Block != nil {
			start = e.Block
		}
		if e.Delta.Type != "" {
			fragments = append(fragments, e.Delta.PartialJSON)
		}
	}
	if start == nil || start.Type != "tool_use" || start.Name != "get_weather" || start.ID != "toolu_01T1x1fJ34qAmk2tNTrN7Up6" || string(start.Input) != "{}" {
		t.Fatalf("tool block start %+v", start)
	}
	if len(fragments) != 4 || fragments[1] != `{"location": "Zü` {
		t.Fatalf("fragments %q", fragments)
	}

	blocks := s.Blocks()
	if len(blocks) != 3 {
		t.Fatalf("%d blocks", len(blocks))
	}
	if b := blocks[0]; b.Type != "thinking" || b.Thinking != "The user wants the weather; I should call get_weather." ||
		b.Signature != "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds+/Ak==" {
		t.Errorf("thinking block %+v", b)
	}
	if b := blocks[1]; b.Text != "Let me check the weather in Zürich." {
		t.Errorf("text block %+v", b)
	}
	tool := blocks[2]
	var input map[string]string
	if err := json.Unmarshal([]byte(tool.Input), &input); err != nil || !tool.InputValid || !tool.Complete {
		t.Fatalf("tool input %q valid=%v complete=%v: %v", tool.Input, tool.InputValid, tool.Complete, err)
	}
	if input["location"] != "Zürich, CH" || input["unit"] != "celsius" {
		t.Errorf("tool input %v", input)
	}

	sum := s.Summary()
	want := ToolCall{Type: "tool_use", ID: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", Name: "get_weather",
		Arguments: tool.Input, Index: 2, Complete: true}
	if len(sum.ToolCalls) != 1 || sum.ToolCalls[0] != want {
		t.Errorf("tool calls %+v", sum.ToolCalls)
	}
	if sum.StopReason != "tool_use" || sum.Status != StatusCompleted {
		t.Errorf("stop %q status %v", sum.StopReason, sum.Status)
	}
	wantUsage := Usage{InputTokens: 200, OutputTokens: 89, CacheReadTokens: 800, CacheCreationTokens: 50}
	if sum.Usage != wantUsage {
		t.Errorf("usage %+v", sum.Usage)
	}
	if rate, ok := sum.Usage.CacheHitRate(); !ok || rate != 800.0/1050.0 {
		t.Errorf("hit rate %v %v", rate, ok)
	}
}

func TestAnthropicErrorEventMidStream(t *testing.T) {
	log, logs := newTestLogger()
	s, evs, errs := runAnthropic(t, Options{Logger: log}, readStream(t, "anthropic_error.sse"))
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	last := evs[len(evs)-1]
	if last.Type != AnthropicError || last.Error == nil || last.Error.Type != "overloaded_error" || last.Error.Message != "Overloaded" {
		t.Fatalf("error event %+v", last)
	}
	sum := s.Summary()
	if sum.Status != StatusErrored || sum.Error == nil || sum.Error.Type != "overloaded_error" {
		t.Errorf("summary status %v error %v", sum.Status, sum.Error)
	}
	if b := s.Blocks(); len(b) != 1 || b[0].Complete || b[0].Text != "Partial" {
		t.Errorf("blocks %+v", b)
	}
	if !strings.Contains(logs.String(), `"event":"sse_anthropic_error_event"`) {
		t.Errorf("no sse_anthropic_error_event log: %s", logs)
	}
}

func TestAnthropicCitationsAndInterleavedBlocks(t *testing.T) {
	stream := sseText(
		[2]string{"message_start", `{"type":"message_start","message":{"id":"m","model":"c","usage":{"input_tokens":5}}}`},
		[2]string{"content_block_start", `{"type":"content_block_start","index":1,"content_block":{"type":"text","text":"B:"}}`},
		[2]string{"content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`},
		[2]string{"content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"citations_delta","citation":{"type":"char_location","cited_text":"x","document_index":0,"start_char_index":0,"end_char_index":1}}}`},
		[2]string{"content_block_delta", `{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":" two"}}`},
		[2]string{"content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"one"}}`},
		[2]string{"content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"citations_delta","citation":{"type":"web_search_result_location","url":"https://example.com","title":"E","cited_text":"y"}}}`},
		[2]string{"content_block_stop", `{"type":"content_block_stop","index":1}`},
		[2]string{"content_block_stop", `{"type":"content_block_stop","index":0}`},
	)
	s, _, errs := runAnthropic(t, Options{}, stream)
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	blocks := s.Blocks()
	if len(blocks) != 2 || blocks[0].Index != 1 || blocks[1].Index != 0 {
		t.Fatalf("blocks %+v", blocks)
	}
	if blocks[0].Text != "B: two" || blocks[1].Text != "one" || !blocks[0].Complete || !blocks[1].Complete {
		t.Errorf("texts %q %q", blocks[0].Text, blocks[1].Text)
	}
	if c := blocks[1].Citations; len(c) != 2 || !strings.Contains(string(c[1]), "https://example.com") {
		t.Errorf("citations %s", c)
	}
	if sum := s.Summary(); sum.Status != StatusOpen {
		t.Errorf("no message_stop yet, status %v", sum.Status)
	}
}

func TestAnthropicUsageKeepsLargestValuePerField(t *testing.T) {
	stream := sseText(
		[2]string{"message_start", `{"type":"message_start","message":{"id":"m","model":"c","usage":{"input_tokens":10,"cache_read_input_tokens":0,"output_tokens":1}}}`},
		[2]string{"message_delta", `{"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"input_tokens":10,"cache_read_input_tokens":3,"output_tokens":5}}`},
		[2]string{"message_delta", `{"type":"message_delta","delta":{},"usage":{"output_tokens":4}}`},
	)
	s, _, errs := runAnthropic(t, Options{}, stream)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	sum := s.Summary()
	if want := (Usage{InputTokens: 10, OutputTokens: 5, CacheReadTokens: 3}); sum.Usage != want {
		t.Errorf("usage %+v want %+v", sum.Usage, want)
	}
	if sum.StopReason != "max_tokens" {
		t.Errorf("stop reason %q", sum.StopReason)
	}
}

func TestAnthropicSkipsBadEventsAndCountsThem(t *testing.T) {
	log, logs := newTestLogger()
	stream := "data: {\"type\":\"message_start\"}\n\n" + sseText(
		[2]string{"future_event", `{}`},
		[2]string{"content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"n","input":{}}}`},
		[2]string{"content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"hologram_delta","x":1}}`},
		[2]string{"content_block_delta", `{"type":"content_block_delta","delta":{"type":"text_delta","text":"no index"}}`},
		[2]string{"content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"a\": tru"}}`},
		[2]string{"content_block_stop", `{"type":"content_block_stop","index":0}`},
		[2]string{"content_block_stop", `{"type":"content_block_stop","index":9}`},
		[2]string{"message_delta", `not json`},
		[2]string{"message_delta", `{"usage":{"output_tokens":-4}}`},
	)
	s, _, errs := runAnthropic(t, Options{Logger: log}, stream)
	var unknown, malformed int
	for _, err := range errs {
		switch {
		case errors.Is(err, ErrUnknownEvent):
			unknown++
		case errors.Is(err, ErrMalformedEvent):
			malformed++
		default:
			t.Errorf("unexpected error %v", err)
		}
	}
	// Unknown: unnamed event, future_event, hologram_delta. Malformed:
	// missing index, stop for an unknown block, bad JSON, negative usage.
	if unknown != 3 || malformed != 4 {
		t.Errorf("unknown %d malformed %d: %v", unknown, malformed, errs)
	}
	sum := s.Summary()
	if sum.UnknownEvents != 3 || sum.MalformedEvents != 4 || len(sum.Problems) != maxProblems {
		t.Errorf("summary counts unknown %d malformed %d problems %d", sum.UnknownEvents, sum.MalformedEvents, len(sum.Problems))
	}
	if tc := sum.ToolCalls; len(tc) != 1 || tc[0].Arguments != `{"a": tru` || !tc[0].Complete {
		t.Errorf("tool calls %+v", tc)
	}
	if b := s.Blocks(); b[0].InputValid {
		t.Error("truncated tool input reported valid")
	}
	out := logs.String()
	for _, want := range []string{`"event":"sse_unknown_event"`, `"event":"sse_partial_json_unparseable"`, `"event":"sse_event_malformed"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s", want)
		}
	}
	if n := strings.Count(out, "\n"); n > maxProblems {
		t.Errorf("%d warnings logged for one stream, cap %d", n, maxProblems)
	}
}

func TestAnthropicAccumulationIsBounded(t *testing.T) {
	var evs [][2]string
	evs = append(evs, [2]string{"content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`})
	chunk := strings.Repeat("w", 1000)
	for range 50 {
		evs = append(evs, [2]string{"content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"` + chunk + `"}}`})
	}
	s, _, errs := runAnthropic(t, Options{MaxAccumulated: 4096}, sseText(evs...))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if b := s.Blocks(); len(b[0].Text) != 4096 {
		t.Errorf("kept %d bytes, limit 4096", len(b[0].Text))
	}
	if !s.Summary().Truncated {
		t.Error("Truncated not set")
	}
}

func TestAnthropicBlockCountIsBounded(t *testing.T) {
	var evs [][2]string
	for i := range 10 {
		evs = append(evs, [2]string{"content_block_start",
			`{"type":"content_block_start","index":` + strings.Repeat("9", i+1) + `,"content_block":{"type":"text"}}`})
	}
	s, _, errs := runAnthropic(t, Options{MaxOutputs: 4}, sseText(evs...))
	if len(s.Blocks()) != 4 || len(errs) != 6 || !errors.Is(errs[0], ErrLimit) || !s.Summary().Truncated {
		t.Fatalf("blocks %d errs %v", len(s.Blocks()), errs)
	}
}

// The state after a stream must not depend on how it was chunked.
func TestAnthropicAnySplitGivesSameState(t *testing.T) {
	for _, name := range []string{"anthropic_text.sse", "anthropic_tool_use.sse", "anthropic_error.sse"} {
		stream := readStream(t, name)
		ref, _, _ := runAnthropic(t, Options{}, stream)
		for i := 0; i <= len(stream); i++ {
			s, _, _ := runAnthropic(t, Options{}, stream, i)
			if !reflect.DeepEqual(s.Summary(), ref.Summary()) || !reflect.DeepEqual(s.Blocks(), ref.Blocks()) {
				t.Fatalf("%s split at %d: state differs", name, i)
			}
		}
	}
}
