package sse

import (
	"encoding/json"
	"fmt"
	"slices"
)

// ChatChunk is one decoded OpenAI Chat Completions stream chunk.
type ChatChunk struct {
	// Done is set for the "[DONE]" sentinel; no other field is then set.
	Done bool
	// ID, Model, SystemFingerprint and ServiceTier are the chunk's
	// envelope fields ("" when absent or null).
	ID, Model, SystemFingerprint, ServiceTier string
	// Choices are the per-choice deltas in this chunk.
	Choices []ChatChoiceDelta
	// Usage is set on the usage chunk (requests with
	// stream_options.include_usage get one, with no choices, at the end).
	Usage *Usage
	// Error is set when the chunk is an in-stream error object.
	Error *ProviderError
}

// ChatChoiceDelta is one choice's delta in a chunk. A field that was
// absent or null is "".
type ChatChoiceDelta struct {
	Index                  int
	Role, Content, Refusal string
	ToolCalls              []ChatToolCallDelta
	FinishReason           string
}

// ChatToolCallDelta is a fragment of a tool call. The first fragment of a
// call carries ID, Type and Name; later ones only argument text.
type ChatToolCallDelta struct {
	Index          int
	ID, Type, Name string
	Arguments      string
	HasID, HasName bool // the fragment set these fields (non-null)
	HasType        bool
	HasArguments   bool // arguments was a JSON string (not absent/null)
}

// ChatChoice is the accumulated state of one choice.
type ChatChoice struct {
	Index                  int
	Role, Content, Refusal string
	ToolCalls              []ChatToolCall
	FinishReason           string
}

// ChatToolCall is the accumulated state of one tool call.
type ChatToolCall struct {
	Index          int
	ID, Type, Name string
	// Arguments is the concatenated arguments text (JSON when complete).
	Arguments string
}

type chatChoice struct {
	index            int
	role             string
	content, refusal []byte
	calls            []*chatToolCall
	finish           string
}

type chatToolCall struct {
	index          int
	id, typ, name  string
	args           []byte
	idSet, nameSet bool
	typSet         bool
}

// ChatStream is the state machine for an OpenAI Chat Completions stream.
// Chunks are unnamed data events; choices are keyed by their index and
// tool calls by their own index within the choice. A tool call's id, type
// and name come from the first chunk that has them: later chunks never
// overwrite them. "[DONE]" completes the stream.
type ChatStream struct {
	t       tracker
	choices []*chatChoice
	usage   Usage
	hasUse  bool
}

var _ Parser = (*ChatStream)(nil)

// NewChatStream returns a state machine for one stream.
func NewChatStream(o Options) *ChatStream {
	return &ChatStream{t: newTracker(ProviderOpenAIChat, o)}
}

type openAIErrorWire struct {
	Type    string          `json:"type"`
	Code    json.RawMessage `json:"code"` // a string or a number
	Message string          `json:"message"`
}

func (e *openAIErrorWire) providerError() *ProviderError {
	pe := &ProviderError{Type: e.Type, Message: e.Message}
	e.fillCode(pe)
	return pe
}

// fillCode sets pe.Code from a code that may be a string or a number.
func (e *openAIErrorWire) fillCode(pe *ProviderError) {
	var code string
	if json.Unmarshal(e.Code, &code) == nil {
		pe.Code = code
	} else if len(e.Code) > 0 && string(e.Code) != "null" {
		pe.Code = string(e.Code)
	}
}

type chatUsageWire struct {
	PromptTokens        *int64 `json:"prompt_tokens"`
	CompletionTokens    *int64 `json:"completion_tokens"`
	PromptTokensDetails *struct {
		CachedTokens *int64 `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails *struct {
		ReasoningTokens *int64 `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

type chatToolCallWire struct {
	Index    *int    `json:"index"`
	ID       *string `json:"id"`
	Type     *string `json:"type"`
	Function *struct {
		Name      *string `json:"name"`
		Arguments *string `json:"arguments"`
	} `json:"function"`
}

type chatDeltaWire struct {
	Role      *string            `json:"role"`
	Content   *string            `json:"content"`
	Refusal   *string            `json:"refusal"`
	ToolCalls []chatToolCallWire `json:"tool_calls"`
}

type chatWire struct {
	ID                *string `json:"id"`
	Model             *string `json:"model"`
	SystemFingerprint *string `json:"system_fingerprint"`
	ServiceTier       *string `json:"service_tier"`
	Choices           []struct {
		Index        *int           `json:"index"`
		Delta        *chatDeltaWire `json:"delta"`
		FinishReason *string        `json:"finish_reason"`
	} `json:"choices"`
	Usage *chatUsageWire   `json:"usage"`
	Error *openAIErrorWire `json:"error"`
}

// Observe implements Parser.
func (s *ChatStream) Observe(ev Event) { _, _ = s.Decode(&ev) }

// Decode decodes one framed event, updates the stream state and returns
// the chunk. A named event is unexpected and counted as unknown, but still
// decoded. A chunk or part of one that it skips yields an error wrapping
// ErrMalformedEvent or ErrLimit; the returned chunk then holds what was
// decoded. A choice or tool call without an index is dropped.
func (s *ChatStream) Decode(ev *Event) (ChatChunk, error) {
	var firstErr error
	if ev.Name != "" {
		firstErr = s.t.problem(ErrUnknownEvent, "sse_unknown_event", "named event "+ev.Name+" in a chat stream")
	}
	if ev.IsDone() {
		s.t.sum.Events++
		if s.t.sum.Status == StatusOpen {
			s.t.sum.Status = StatusCompleted
		}
		return ChatChunk{Done: true}, firstErr
	}
	var w chatWire
	if err := json.Unmarshal(ev.Data, &w); err != nil {
		return ChatChunk{}, s.t.problem(ErrMalformedEvent, "sse_event_malformed", "chat chunk: "+err.Error())
	}
	var out ChatChunk
	keep := func(dst *string, v *string) string {
		if v != nil && *v != "" {
			if *dst == "" {
				*dst = *v
			}
			return *v
		}
		return ""
	}
	out.ID = keep(&s.t.sum.ID, w.ID)
	out.Model = keep(&s.t.sum.Model, w.Model)
	var fp string
	out.SystemFingerprint = keep(&fp, w.SystemFingerprint)
	if w.ServiceTier != nil && *w.ServiceTier != "" {
		out.ServiceTier = *w.ServiceTier
		s.t.sum.ServiceTier = *w.ServiceTier // the latest wins
	}
	if w.Error != nil {
		out.Error = w.Error.providerError()
		s.t.sum.Error = out.Error
		s.t.sum.Status = StatusErrored
		s.t.warn("sse_provider_error_event", clip(out.Error.Error()))
	}
	if w.Usage != nil {
		u, err := chatUsage(w.Usage)
		if err != nil {
			firstErr = cmpErr(firstErr, s.t.problem(ErrMalformedEvent, "sse_event_malformed", err.Error()))
		} else {
			out.Usage = &u
			s.usage, s.hasUse = u, true
		}
	}
	for _, c := range w.Choices {
		if c.Index == nil || *c.Index < 0 {
			firstErr = cmpErr(firstErr, s.t.problem(ErrMalformedEvent, "sse_event_malformed", "choice without a valid index"))
			continue
		}
		d := ChatChoiceDelta{Index: *c.Index}
		ch := s.choice(d.Index)
		if ch == nil {
			firstErr = cmpErr(firstErr, s.t.problem(ErrLimit, "sse_output_limit", fmt.Sprintf("more than %d choices", s.t.maxOut)))
			continue
		}
		if c.FinishReason != nil {
			d.FinishReason = *c.FinishReason
			ch.finish = *c.FinishReason
		}
		if c.Delta != nil {
			if err := s.applyDelta(ch, &d, c.Delta); err != nil {
				firstErr = cmpErr(firstErr, err)
			}
		}
		out.Choices = append(out.Choices, d)
	}
	s.t.sum.Events++
	return out, firstErr
}

// applyDelta folds one choice delta into the choice state.
func (s *ChatStream) applyDelta(ch *chatChoice, d *ChatChoiceDelta, w *chatDeltaWire) error {
	var firstErr error
	if w.Role != nil {
		d.Role = *w.Role
		if ch.role == "" {
			ch.role = *w.Role
		}
	}
	if w.Content != nil {
		d.Content = *w.Content
		ch.content = s.t.grow(ch.content, *w.Content)
	}
	if w.Refusal != nil {
		d.Refusal = *w.Refusal
		ch.refusal = s.t.grow(ch.refusal, *w.Refusal)
	}
	for _, tc := range w.ToolCalls {
		if tc.Index == nil || *tc.Index < 0 {
			firstErr = cmpErr(firstErr, s.t.problem(ErrMalformedEvent, "sse_event_malformed",
				fmt.Sprintf("choice %d: tool call without a valid index", ch.index)))
			continue
		}
		td := ChatToolCallDelta{Index: *tc.Index}
		call := s.toolCall(ch, td.Index)
		if call == nil {
			firstErr = cmpErr(firstErr, s.t.problem(ErrLimit, "sse_output_limit",
				fmt.Sprintf("choice %d: more than %d tool calls", ch.index, s.t.maxOut)))
			continue
		}
		if tc.ID != nil {
			td.ID, td.HasID = *tc.ID, true
			if !call.idSet {
				call.id, call.idSet = *tc.ID, true
			}
		}
		if tc.Type != nil {
			td.Type, td.HasType = *tc.Type, true
			if !call.typSet {
				call.typ, call.typSet = *tc.Type, true
			}
		}
		if f := tc.Function; f != nil {
			if f.Name != nil {
				td.Name, td.HasName = *f.Name, true
				if !call.nameSet {
					call.name, call.nameSet = *f.Name, true
				}
			}
			if f.Arguments != nil {
				td.Arguments, td.HasArguments = *f.Arguments, true
				call.args = s.t.grow(call.args, *f.Arguments)
			}
		}
		d.ToolCalls = append(d.ToolCalls, td)
	}
	return firstErr
}

func chatUsage(w *chatUsageWire) (Usage, error) {
	u := Usage{InputIncludesCached: true}
	err := setTokens("prompt_tokens", w.PromptTokens, &u.InputTokens)
	err = cmpErr(err, setTokens("completion_tokens", w.CompletionTokens, &u.OutputTokens))
	if d := w.PromptTokensDetails; d != nil {
		err = cmpErr(err, setTokens("cached_tokens", d.CachedTokens, &u.CacheReadTokens))
	}
	if d := w.CompletionTokensDetails; d != nil {
		err = cmpErr(err, setTokens("reasoning_tokens", d.ReasoningTokens, &u.ReasoningTokens))
	}
	return u, err
}

// setTokens copies a token count that is present, refusing negatives.
func setTokens(name string, v *int64, dst *int64) error {
	if v == nil {
		return nil
	}
	if *v < 0 {
		return fmt.Errorf("usage %s is negative", name)
	}
	*dst = *v
	return nil
}

// cmpErr keeps the first error.
func cmpErr(first, next error) error {
	if first != nil {
		return first
	}
	return next
}

func (s *ChatStream) choice(index int) *chatChoice {
	for _, c := range s.choices {
		if c.index == index {
			return c
		}
	}
	if len(s.choices) >= s.t.maxOut {
		return nil
	}
	c := &chatChoice{index: index}
	s.choices = append(s.choices, c)
	return c
}

func (s *ChatStream) toolCall(ch *chatChoice, index int) *chatToolCall {
	for _, c := range ch.calls {
		if c.index == index {
			return c
		}
	}
	if len(ch.calls) >= s.t.maxOut {
		return nil
	}
	c := &chatToolCall{index: index}
	ch.calls = append(ch.calls, c)
	return c
}

// Choices returns the accumulated choices in order of first appearance.
func (s *ChatStream) Choices() []ChatChoice {
	out := make([]ChatChoice, len(s.choices))
	for i, c := range s.choices {
		cc := ChatChoice{Index: c.index, Role: c.role, Content: string(c.content),
			Refusal: string(c.refusal), FinishReason: c.finish}
		for _, tc := range c.calls {
			cc.ToolCalls = append(cc.ToolCalls, ChatToolCall{Index: tc.index, ID: tc.id,
				Type: tc.typ, Name: tc.name, Arguments: string(tc.args)})
		}
		out[i] = cc
	}
	return out
}

// Summary implements Parser. StopReason is the finish reason of the
// lowest-indexed choice that has one.
func (s *ChatStream) Summary() Summary {
	sum := s.t.sum
	sum.Problems = slices.Clone(sum.Problems)
	sum.Usage, sum.HasUsage = s.usage, s.hasUse
	sum.Outputs = len(s.choices)
	best := -1
	for _, c := range s.choices {
		if c.finish != "" && (best < 0 || c.index < best) {
			best, sum.StopReason = c.index, c.finish
		}
		for _, tc := range c.calls {
			typ := tc.typ
			if typ == "" {
				typ = "function"
			}
			sum.ToolCalls = append(sum.ToolCalls, ToolCall{Type: typ, ID: tc.id, Name: tc.name,
				Arguments: string(tc.args), Choice: c.index, Index: tc.index, Complete: c.finish != ""})
		}
	}
	return sum
}
