package sse

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Anthropic Messages stream event names.
const (
	AnthropicMessageStart      = "message_start"
	AnthropicContentBlockStart = "content_block_start"
	AnthropicContentBlockDelta = "content_block_delta"
	AnthropicContentBlockStop  = "content_block_stop"
	AnthropicMessageDelta      = "message_delta"
	AnthropicMessageStop       = "message_stop"
	AnthropicPing              = "ping"
	AnthropicError             = "error"
)

// AnthropicEvent is one decoded Anthropic Messages stream event.
type AnthropicEvent struct {
	// Type is the event name (one of the Anthropic* constants).
	Type string
	// Index is the content block index of content_block_* events, -1
	// otherwise.
	Index int
	// Message is set for message_start.
	Message *AnthropicMessage
	// Block is set for content_block_start: the block as announced.
	Block *AnthropicContentBlock
	// Delta is set for content_block_delta (zero otherwise).
	Delta AnthropicDelta
	// StopReason and StopSequence are set from a message_delta.
	StopReason, StopSequence string
	// Usage is set when a message_start or message_delta carried usage.
	Usage *Usage
	// Error is set for an error event.
	Error *ProviderError
}

// AnthropicMessage is the envelope announced by message_start.
type AnthropicMessage struct {
	ID, Model, Role string
}

// AnthropicContentBlock is a content block as content_block_start
// announces it.
type AnthropicContentBlock struct {
	// Type is "text", "thinking", "redacted_thinking", "tool_use",
	// "server_tool_use", "mcp_tool_use", a tool result type, ...
	Type string
	// ID and Name identify tool-use blocks.
	ID, Name string
	// Text and Thinking are the initial text of text and thinking blocks.
	Text, Thinking string
	// Input is the initial input of a tool-use block (usually {}); the
	// real input follows as input_json_delta fragments.
	Input json.RawMessage
}

// Anthropic content_block_delta types.
const (
	AnthropicTextDelta      = "text_delta"
	AnthropicThinkingDelta  = "thinking_delta"
	AnthropicInputJSONDelta = "input_json_delta"
	AnthropicSignatureDelta = "signature_delta"
	AnthropicCitationsDelta = "citations_delta"
)

// AnthropicDelta is the delta of a content_block_delta event.
type AnthropicDelta struct {
	// Type is the delta type (one of the Anthropic*Delta constants).
	Type string
	// Text, Thinking, PartialJSON and Signature carry the fragment for
	// their delta type.
	Text, Thinking, PartialJSON, Signature string
	// Citation is the citation object of a citations_delta.
	Citation json.RawMessage
}

// AnthropicBlock is the accumulated state of one content block.
type AnthropicBlock struct {
	Index    int
	Type     string
	ID, Name string
	// Text, Thinking and Signature are the concatenated fragments
	// (including initial text from content_block_start).
	Text, Thinking, Signature string
	// Input is a tool-use block's input JSON: the concatenated
	// input_json_delta fragments, or the start input when none came.
	Input string
	// Citations are the citation objects of citations_delta events.
	Citations []json.RawMessage
	// Complete is set by content_block_stop.
	Complete bool
	// InputValid reports, once Complete, whether Input parses as JSON.
	InputValid bool
}

type anthropicBlock struct {
	index                     int
	typ, id, name             string
	text, thinking, signature []byte
	startInput, input         []byte
	citations                 []json.RawMessage
	complete, inputValid      bool
}

// AnthropicStream is the state machine for an Anthropic Messages stream.
// Every event must be named (event: line); blocks are keyed by index, so
// interleaved and out-of-order block events are fine. Token usage keeps,
// per field, the largest value seen in message_start and message_delta.
type AnthropicStream struct {
	t        tracker
	blocks   []*anthropicBlock
	usage    Usage
	hasUsage bool
	slowOnly bool // test seam: skip the fast path
}

var _ Parser = (*AnthropicStream)(nil)

// NewAnthropicStream returns a state machine for one stream.
func NewAnthropicStream(o Options) *AnthropicStream {
	return &AnthropicStream{t: newTracker(ProviderAnthropic, o)}
}

type anthropicUsageWire struct {
	InputTokens         *int64 `json:"input_tokens"`
	OutputTokens        *int64 `json:"output_tokens"`
	CacheCreationTokens *int64 `json:"cache_creation_input_tokens"`
	CacheReadTokens     *int64 `json:"cache_read_input_tokens"`
}

// anthropicDeltaWire is the delta of content_block_delta and of
// message_delta (stop_reason, stop_sequence).
type anthropicDeltaWire struct {
	Type         string          `json:"type"`
	Text         string          `json:"text"`
	Thinking     string          `json:"thinking"`
	PartialJSON  string          `json:"partial_json"`
	Signature    string          `json:"signature"`
	Citation     json.RawMessage `json:"citation"`
	StopReason   *string         `json:"stop_reason"`
	StopSequence *string         `json:"stop_sequence"`

	index int // the fast path's storage for anthropicWire.Index
}

type anthropicWire struct {
	Index   *int `json:"index"`
	Message *struct {
		ID    string              `json:"id"`
		Model string              `json:"model"`
		Role  string              `json:"role"`
		Usage *anthropicUsageWire `json:"usage"`
	} `json:"message"`
	ContentBlock *struct {
		Type     string          `json:"type"`
		ID       string          `json:"id"`
		Name     string          `json:"name"`
		Text     string          `json:"text"`
		Thinking string          `json:"thinking"`
		Input    json.RawMessage `json:"input"`
	} `json:"content_block"`
	Delta *anthropicDeltaWire `json:"delta"`
	Usage *anthropicUsageWire `json:"usage"`
	Error *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

// Observe implements Parser.
func (s *AnthropicStream) Observe(ev Event) { _, _ = s.Decode(&ev) }

// Decode decodes one framed event, updates the stream state and returns
// the typed event. An event it skips (unnamed, unknown, malformed, over a
// limit) yields an error wrapping ErrUnknownEvent, ErrMalformedEvent or
// ErrLimit; the returned event then holds what was decoded (at least Type).
func (s *AnthropicStream) Decode(ev *Event) (AnthropicEvent, error) {
	out := AnthropicEvent{Type: ev.Name, Index: -1}
	switch ev.Name {
	case "":
		return out, s.t.problem(ErrUnknownEvent, "sse_unknown_event", "event without an event name")
	case AnthropicPing:
		s.t.sum.Events++
		return out, nil
	case AnthropicMessageStop:
		s.t.sum.Events++
		if s.t.sum.Status == StatusOpen {
			s.t.sum.Status = StatusCompleted
		}
		return out, nil
	case AnthropicMessageStart, AnthropicContentBlockStart, AnthropicContentBlockDelta,
		AnthropicContentBlockStop, AnthropicMessageDelta, AnthropicError:
	default:
		return out, s.t.problem(ErrUnknownEvent, "sse_unknown_event", "event "+ev.Name)
	}
	// Most events of a stream are content_block_delta: decode them without
	// reflection, and keep their wire structs on the stack (the general
	// decoder's must live on the heap).
	var fastWire anthropicWire
	var fastDelta anthropicDeltaWire
	var w *anthropicWire
	if ev.Name == AnthropicContentBlockDelta && !s.slowOnly && fastAnthropicDelta(ev.Data, &fastWire, &fastDelta) {
		w = &fastWire
	} else {
		slow := new(anthropicWire)
		if err := json.Unmarshal(ev.Data, slow); err != nil {
			return out, s.t.problem(ErrMalformedEvent, "sse_event_malformed", ev.Name+": "+err.Error())
		}
		w = slow
	}
	if err := s.apply(w, &out); err != nil {
		return out, err
	}
	s.t.sum.Events++
	return out, nil
}

func (s *AnthropicStream) apply(w *anthropicWire, out *AnthropicEvent) error {
	switch out.Type {
	case AnthropicMessageStart:
		if w.Message == nil {
			return s.malformed("message_start without message")
		}
		m := w.Message
		out.Message = &AnthropicMessage{ID: m.ID, Model: m.Model, Role: m.Role}
		s.t.sum.ID, s.t.sum.Model = m.ID, m.Model
		return s.mergeUsage(m.Usage, out)

	case AnthropicContentBlockStart, AnthropicContentBlockDelta, AnthropicContentBlockStop:
		if w.Index == nil || *w.Index < 0 {
			return s.malformed(out.Type + " without a valid index")
		}
		out.Index = *w.Index
		return s.applyBlock(w, out)

	case AnthropicMessageDelta:
		if d := w.Delta; d != nil {
			if d.StopReason != nil {
				out.StopReason = *d.StopReason
				s.t.sum.StopReason = *d.StopReason
			}
			if d.StopSequence != nil {
				out.StopSequence = *d.StopSequence
			}
		}
		return s.mergeUsage(w.Usage, out)

	case AnthropicError:
		pe := &ProviderError{}
		if w.Error != nil {
			pe.Type, pe.Message = w.Error.Type, w.Error.Message
		}
		out.Error = pe
		s.t.sum.Error = pe
		s.t.sum.Status = StatusErrored
		s.t.warn("sse_anthropic_error_event", clip(pe.Error()))
	}
	return nil
}

func (s *AnthropicStream) applyBlock(w *anthropicWire, out *AnthropicEvent) error {
	b := s.block(out.Index)
	switch out.Type {
	case AnthropicContentBlockStart:
		cb := w.ContentBlock
		if cb == nil {
			return s.malformed("content_block_start without content_block")
		}
		out.Block = &AnthropicContentBlock{Type: cb.Type, ID: cb.ID, Name: cb.Name,
			Text: cb.Text, Thinking: cb.Thinking, Input: cb.Input}
		if b == nil {
			if b = s.newBlock(out.Index); b == nil {
				return s.t.problem(ErrLimit, "sse_output_limit", fmt.Sprintf("more than %d content blocks", s.t.maxOut))
			}
		}
		b.typ, b.id, b.name = cb.Type, cb.ID, cb.Name
		b.text = s.t.grow(b.text, cb.Text)
		b.thinking = s.t.grow(b.thinking, cb.Thinking)
		if len(cb.Input) > 0 {
			b.startInput, _ = s.t.growRaw(b.startInput[:0], cb.Input)
		}
		return nil

	case AnthropicContentBlockDelta:
		d := w.Delta
		if d == nil {
			return s.malformed("content_block_delta without delta")
		}
		out.Delta = AnthropicDelta{Type: d.Type, Text: d.Text, Thinking: d.Thinking,
			PartialJSON: d.PartialJSON, Signature: d.Signature, Citation: d.Citation}
		switch d.Type {
		case AnthropicTextDelta, AnthropicThinkingDelta, AnthropicInputJSONDelta,
			AnthropicSignatureDelta, AnthropicCitationsDelta:
		default:
			return s.t.problem(ErrUnknownEvent, "sse_unknown_event", "content_block_delta type "+d.Type)
		}
		if b == nil {
			// A delta before its start: keep it under the index anyway.
			if b = s.newBlock(out.Index); b == nil {
				return s.t.problem(ErrLimit, "sse_output_limit", fmt.Sprintf("more than %d content blocks", s.t.maxOut))
			}
		}
		switch d.Type {
		case AnthropicTextDelta:
			b.text = s.t.grow(b.text, d.Text)
		case AnthropicThinkingDelta:
			b.thinking = s.t.grow(b.thinking, d.Thinking)
		case AnthropicInputJSONDelta:
			b.input = s.t.grow(b.input, d.PartialJSON)
		case AnthropicSignatureDelta:
			b.signature = s.t.grow(b.signature, d.Signature)
		case AnthropicCitationsDelta:
			if len(b.citations) >= s.t.maxOut {
				s.t.sum.Truncated = true
			} else if c, ok := s.t.growRaw(nil, d.Citation); ok && len(c) > 0 {
				b.citations = append(b.citations, c)
			}
		}
		return nil

	default: // content_block_stop
		if b == nil {
			return s.malformed(fmt.Sprintf("content_block_stop for unknown block %d", out.Index))
		}
		b.complete = true
		if isAnthropicToolUse(b.typ) {
			b.inputValid = json.Valid(b.finalInput())
			if !b.inputValid {
				s.t.note("sse_partial_json_unparseable",
					fmt.Sprintf("block %d (%s) input is not valid JSON", b.index, clip(b.name)))
			}
		}
		return nil
	}
}

func (s *AnthropicStream) malformed(detail string) error {
	return s.t.problem(ErrMalformedEvent, "sse_event_malformed", detail)
}

func (s *AnthropicStream) block(index int) *anthropicBlock {
	for _, b := range s.blocks {
		if b.index == index {
			return b
		}
	}
	return nil
}

func (s *AnthropicStream) newBlock(index int) *anthropicBlock {
	if len(s.blocks) >= s.t.maxOut {
		return nil
	}
	b := &anthropicBlock{index: index}
	s.blocks = append(s.blocks, b)
	return b
}

// mergeUsage keeps the largest value per field: message_start carries the
// input figures and a provisional output count, message_delta the
// cumulative output count (and, in newer API versions, the input figures
// again).
func (s *AnthropicStream) mergeUsage(u *anthropicUsageWire, out *AnthropicEvent) error {
	if u == nil {
		return nil
	}
	fields := [...]struct {
		v   *int64
		dst *int64
	}{
		{u.InputTokens, &s.usage.InputTokens},
		{u.OutputTokens, &s.usage.OutputTokens},
		{u.CacheCreationTokens, &s.usage.CacheCreationTokens},
		{u.CacheReadTokens, &s.usage.CacheReadTokens},
	}
	for _, f := range fields {
		if f.v != nil && *f.v < 0 {
			return s.malformed(fmt.Sprintf("%s usage has a negative token count", out.Type))
		}
	}
	var ev Usage
	for i, f := range fields {
		if f.v == nil {
			continue
		}
		*f.dst = max(*f.dst, *f.v)
		switch i {
		case 0:
			ev.InputTokens = *f.v
		case 1:
			ev.OutputTokens = *f.v
		case 2:
			ev.CacheCreationTokens = *f.v
		case 3:
			ev.CacheReadTokens = *f.v
		}
	}
	s.hasUsage = true
	out.Usage = &ev
	return nil
}

func (b *anthropicBlock) finalInput() []byte {
	if len(b.input) > 0 {
		return b.input
	}
	return b.startInput
}

// isAnthropicToolUse reports whether a block type is a tool invocation:
// client tools (tool_use) and Anthropic-run ones (server_tool_use,
// mcp_tool_use).
func isAnthropicToolUse(typ string) bool {
	return typ == "tool_use" || strings.HasSuffix(typ, "_tool_use")
}

// Blocks returns the content blocks in order of first appearance.
func (s *AnthropicStream) Blocks() []AnthropicBlock {
	out := make([]AnthropicBlock, len(s.blocks))
	for i, b := range s.blocks {
		out[i] = AnthropicBlock{
			Index: b.index, Type: b.typ, ID: b.id, Name: b.name,
			Text: string(b.text), Thinking: string(b.thinking), Signature: string(b.signature),
			Input: string(b.finalInput()), Citations: slices.Clone(b.citations),
			Complete: b.complete, InputValid: b.inputValid,
		}
	}
	return out
}

// Summary implements Parser.
func (s *AnthropicStream) Summary() Summary {
	sum := s.t.sum
	sum.Problems = slices.Clone(sum.Problems)
	sum.Usage, sum.HasUsage = s.usage, s.hasUsage
	sum.Outputs = len(s.blocks)
	for _, b := range s.blocks {
		if isAnthropicToolUse(b.typ) {
			sum.ToolCalls = append(sum.ToolCalls, ToolCall{
				Type: b.typ, ID: b.id, Name: b.name, Arguments: string(b.finalInput()),
				Index: b.index, Complete: b.complete,
			})
		}
	}
	return sum
}
