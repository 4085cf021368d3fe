package sse

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func runChat(t testing.TB, o Options, stream string, splits ...int) (*ChatStream, []ChatChunk, []error) {
	t.Helper()
	s := NewChatStream(o)
	chunks, errs := decodeAll(t, s.Decode, stream, splits...)
	return s, chunks, errs
}

func TestChatTextStreamWithUsageChunk(t *testing.T) {
	s, chunks, errs := runChat(t, Options{}, readStream(t, "chat_text.sse"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(chunks) != 6 || !chunks[5].Done || chunks[4].Usage == nil || len(chunks[4].Choices) != 0 {
		t.Fatalf("chunks %+v", chunks)
	}
	if c := chunks[0]; c.SystemFingerprint != "fp_eb9dce56a8" || c.Choices[0].Role != "assistant" {
		t.Errorf("first chunk %+v", c)
	}
	choices := s.Choices()
	if len(choices) != 1 {
		t.Fatalf("choices %+v", choices)
	}
	if c := choices[0]; c.Role != "assistant" || c.Content != "hi there" || c.FinishReason != "stop" || c.Refusal != "" {
		t.Errorf("choice %+v", c)
	}
	sum := s.Summary()
	if sum.Status != StatusCompleted || sum.StopReason != "stop" || sum.ID != "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG" ||
		sum.Model != "gpt-4o-2024-08-06" || sum.ServiceTier != "default" {
		t.Errorf("summary %+v", sum)
	}
	if want := (Usage{InputTokens: 12, OutputTokens: 7, InputIncludesCached: true}); !sum.HasUsage || sum.Usage != want {
		t.Errorf("usage %+v", sum.Usage)
	}
}

func TestChatToolCallsKeepFirstIDAndNameAndConcatenateArguments(t *testing.T) {
	s, chunks, errs := runChat(t, Options{}, readStream(t, "chat_tools.sse"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	// The later fragment of call 1 carries explicit nulls: the delta
	// reports them as not set, and the accumulated call keeps its id/name.
	d := chunks[5].Choices[0].ToolCalls[0]
	if d.Index != 1 || d.HasID || d.HasName || !d.HasArguments || d.Arguments != `{"hash": "a1b2c3"}` {
		t.Errorf("null-id fragment %+v", d)
	}
	calls := s.Choices()[0].ToolCalls
	if len(calls) != 2 {
		t.Fatalf("calls %+v", calls)
	}
	var args map[string]string
	if err := json.Unmarshal([]byte(calls[0].Arguments), &args); err != nil || args["location"] != "Paris, France" {
		t.Errorf("call 0 arguments %q: %v", calls[0].Arguments, err)
	}
	if calls[0].ID != "call_DdmO9pD3xa9XTPNJ32zg2hcA" || calls[0].Name != "get_weather" || calls[0].Type != "function" {
		t.Errorf("call 0 %+v", calls[0])
	}
	if calls[1].ID != "call_2nd" || calls[1].Name != "headroom_retrieve" || calls[1].Arguments != `{"hash": "a1b2c3"}` {
		t.Errorf("call 1 %+v", calls[1])
	}
	sum := s.Summary()
	if sum.StopReason != "tool_calls" || len(sum.ToolCalls) != 2 || !sum.ToolCalls[1].Complete || sum.ToolCalls[1].Name != "headroom_retrieve" {
		t.Errorf("summary %+v", sum)
	}
	// OpenAI's prompt figure includes cached tokens.
	u := sum.Usage
	if u.InputTokens != 2006 || u.CacheReadTokens != 1920 || u.OutputTokens != 300 || u.UncachedInputTokens() != 86 {
		t.Errorf("usage %+v", u)
	}
	if rate, ok := u.CacheHitRate(); !ok || rate != 1920.0/2006.0 {
		t.Errorf("hit rate %v %v", rate, ok)
	}
}

func TestChatRefusalAndTwoChoices(t *testing.T) {
	stream := sseText(
		[2]string{"", `{"id":"c1","model":"gpt-4o","choices":[{"index":1,"delta":{"role":"assistant","content":"B"}},{"index":0,"delta":{"role":"assistant","content":"","refusal":"I'm sorry, "}}]}`},
		[2]string{"", `{"id":"c1","model":"gpt-4o","choices":[{"index":0,"delta":{"refusal":"I can't help with that."}}]}`},
		[2]string{"", `{"id":"c1","model":"gpt-4o","choices":[{"index":1,"delta":{"content":"ye"},"finish_reason":"length"}]}`},
		[2]string{"", `{"id":"c1","model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`},
		[2]string{"", `[DONE]`},
	)
	s, _, errs := runChat(t, Options{}, stream)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	choices := s.Choices()
	if len(choices) != 2 || choices[0].Index != 1 || choices[1].Index != 0 {
		t.Fatalf("choices %+v", choices)
	}
	if c := choices[1]; c.Refusal != "I'm sorry, I can't help with that." || c.Content != "" || c.FinishReason != "stop" {
		t.Errorf("refusal choice %+v", c)
	}
	if c := choices[0]; c.Content != "Bye" || c.FinishReason != "length" {
		t.Errorf("second choice %+v", c)
	}
	sum := s.Summary()
	if sum.StopReason != "stop" || sum.Outputs != 2 || sum.HasUsage || sum.Status != StatusCompleted {
		t.Errorf("summary stop %q outputs %d usage %v status %v", sum.StopReason, sum.Outputs, sum.HasUsage, sum.Status)
	}
}

func TestChatErrorChunkAndBadChunks(t *testing.T) {
	log, logs := newTestLogger()
	stream := sseText(
		[2]string{"", `{"id":"c","choices":[{"index":0,"delta":{"content":"par"}}]}`},
		[2]string{"message", `{"id":"c","choices":[{"index":0,"delta":{"content":"tial"}}]}`},
		[2]string{"", `{"choices":[{"delta":{"content":"no index"}}]}`},
		[2]string{"", `{"choices":[{"index":0,"delta":{"tool_calls":[{"function":{"arguments":"{}"}}]}}]}`},
		[2]string{"", `{"choices":[{"index":"zero"}]}`},
		[2]string{"", `{"error":{"message":"The server had an error while processing your request.","type":"server_error","code":null}}`},
	)
	s, chunks, errs := runChat(t, Options{Logger: log}, stream)
	var unknown, malformed int
	for _, err := range errs {
		switch {
		case errors.Is(err, ErrUnknownEvent):
			unknown++
		case errors.Is(err, ErrMalformedEvent):
			malformed++
		}
	}
	if unknown != 1 || malformed != 3 {
		t.Errorf("unknown %d malformed %d: %v", unknown, malformed, errs)
	}
	// The named event is unexpected but still decoded.
	if c := s.Choices()[0]; c.Content != "partial" || len(c.ToolCalls) != 0 {
		t.Errorf("choice %+v", c)
	}
	last := chunks[len(chunks)-1]
	if last.Error == nil || last.Error.Type != "server_error" || last.Error.Code != "" {
		t.Errorf("error chunk %+v", last.Error)
	}
	sum := s.Summary()
	if sum.Status != StatusErrored || sum.Error == nil || !strings.Contains(sum.Error.Message, "server had an error") {
		t.Errorf("summary %v %v", sum.Status, sum.Error)
	}
	if !strings.Contains(logs.String(), `"event":"sse_unknown_event"`) {
		t.Errorf("no sse_unknown_event log")
	}
}

func TestChatUsageWithMoreCachedThanPromptHasNoHitRate(t *testing.T) {
	s, _, errs := runChat(t, Options{}, sseText([2]string{"", `{"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":1,"prompt_tokens_details":{"cached_tokens":20}}}`}))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	u := s.Summary().Usage
	if _, ok := u.CacheHitRate(); ok || u.UncachedInputTokens() != -1 {
		t.Errorf("inconsistent usage gave a rate: %+v", u)
	}
}

func TestChatAnySplitGivesSameState(t *testing.T) {
	for _, name := range []string{"chat_text.sse", "chat_tools.sse"} {
		stream := readStream(t, name)
		ref, _, _ := runChat(t, Options{}, stream)
		for i := 0; i <= len(stream); i++ {
			s, _, _ := runChat(t, Options{}, stream, i)
			if !reflect.DeepEqual(s.Summary(), ref.Summary()) || !reflect.DeepEqual(s.Choices(), ref.Choices()) {
				t.Fatalf("%s split at %d: state differs", name, i)
			}
		}
	}
}
