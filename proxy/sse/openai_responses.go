package sse

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// OpenAI Responses stream event types, as ResponsesEvent.Type reports
// them. Item-level events are also accepted without the "response."
// prefix, and the older reasoning_summary names as the _text ones.
const (
	ResponsesCreated             = "response.created"
	ResponsesInProgress          = "response.in_progress"
	ResponsesQueued              = "response.queued"
	ResponsesCompleted           = "response.completed"
	ResponsesFailed              = "response.failed"
	ResponsesIncomplete          = "response.incomplete"
	ResponsesOutputItemAdded     = "response.output_item.added"
	ResponsesOutputItemDone      = "response.output_item.done"
	ResponsesContentPartAdded    = "response.content_part.added"
	ResponsesContentPartDone     = "response.content_part.done"
	ResponsesOutputTextDelta     = "response.output_text.delta"
	ResponsesOutputTextDone      = "response.output_text.done"
	ResponsesRefusalDelta        = "response.refusal.delta"
	ResponsesRefusalDone         = "response.refusal.done"
	ResponsesFunctionArgsDelta   = "response.function_call_arguments.delta"
	ResponsesFunctionArgsDone    = "response.function_call_arguments.done"
	ResponsesCustomInputDelta    = "response.custom_tool_call_input.delta"
	ResponsesCustomInputDone     = "response.custom_tool_call_input.done"
	ResponsesReasoningDelta      = "response.reasoning_summary_text.delta"
	ResponsesReasoningDone       = "response.reasoning_summary_text.done"
	ResponsesReasoningPartAdded  = "response.reasoning_summary_part.added"
	ResponsesReasoningPartDone   = "response.reasoning_summary_part.done"
	ResponsesOutputTextAnnotated = "response.output_text.annotation.added"
	ResponsesError               = "error"
)

// canonicalResponsesType maps a wire event name to its canonical type, or
// "" when the name is not part of the format this machine understands.
func canonicalResponsesType(name string) string {
	switch name {
	case ResponsesCreated, ResponsesInProgress, ResponsesQueued, ResponsesCompleted,
		ResponsesFailed, ResponsesIncomplete, ResponsesError:
		return name
	case "reasoning_summary.delta", "response.reasoning_summary.delta":
		return ResponsesReasoningDelta
	case "reasoning_summary.done", "response.reasoning_summary.done":
		return ResponsesReasoningDone
	}
	full := name
	if !strings.HasPrefix(full, "response.") {
		full = "response." + name
	}
	switch full {
	case ResponsesOutputItemAdded, ResponsesOutputItemDone, ResponsesContentPartAdded,
		ResponsesContentPartDone, ResponsesOutputTextDelta, ResponsesOutputTextDone,
		ResponsesRefusalDelta, ResponsesRefusalDone, ResponsesFunctionArgsDelta,
		ResponsesFunctionArgsDone, ResponsesCustomInputDelta, ResponsesCustomInputDone,
		ResponsesReasoningDelta, ResponsesReasoningDone, ResponsesReasoningPartAdded,
		ResponsesReasoningPartDone, ResponsesOutputTextAnnotated:
		return full
	}
	return ""
}

// ResponsesEvent is one decoded OpenAI Responses stream event. Integer
// fields are -1 when the event did not carry them.
type ResponsesEvent struct {
	// Type is the canonical event type (a Responses* constant).
	Type string
	// SequenceNumber is the event's sequence_number.
	SequenceNumber int64
	// ItemID, OutputIndex, ContentIndex and SummaryIndex address the
	// output item, content part and reasoning summary part.
	ItemID                                  string
	OutputIndex, ContentIndex, SummaryIndex int
	// Delta is the fragment of a *.delta event.
	Delta string
	// Text is the full text of output_text.done / refusal.done /
	// reasoning_summary_text.done.
	Text string
	// Arguments is the full arguments of function_call_arguments.done
	// (or input of custom_tool_call_input.done).
	Arguments string
	// Item is set for output_item.added / output_item.done.
	Item *ResponsesItemInfo
	// Part is set for content_part.added / content_part.done.
	Part *ResponsesPart
	// Response is set for the envelope events (created, in_progress,
	// queued, completed, failed, incomplete).
	Response *ResponsesEnvelope
	// Error is set for an error event.
	Error *ProviderError
}

// ResponsesItemInfo is an output item as output_item.added/done carries it.
type ResponsesItemInfo struct {
	// ID is the item id; Type is e.g. "message", "function_call",
	// "custom_tool_call", "reasoning", "web_search_call".
	ID, Type, Status, Role string
	// Name, CallID and Arguments are set for tool calls (Arguments holds
	// a custom tool's input).
	Name, CallID, Arguments string
}

// ResponsesPart is one content part of an item.
type ResponsesPart struct {
	Index int
	Type  string
	Text  string
}

// ResponsesEnvelope is the response object of an envelope event.
type ResponsesEnvelope struct {
	ID, Model, Status, ServiceTier string
	// IncompleteReason is incomplete_details.reason.
	IncompleteReason string
	// Usage is set when the response carried usage (normally only
	// response.completed / incomplete / failed).
	Usage *Usage
	// Error is the response's error object (response.failed).
	Error *ProviderError
}

// ResponsesItem is the accumulated state of one output item.
type ResponsesItem struct {
	ID, Type, Status, Role, Name, CallID string
	// OutputIndex is the item's position in the response output (-1 if
	// never given).
	OutputIndex int
	// Arguments is the function call arguments (custom tool input).
	Arguments string
	// Text is the item's output text: its parts' text in part order.
	Text string
	// Parts are the item's content parts in index order.
	Parts []ResponsesPart
	// ReasoningSummary is the concatenated reasoning summary text.
	ReasoningSummary string
	// Complete is set by output_item.done.
	Complete bool
}

type responsesItem struct {
	id, typ, status, role, name, callID string
	outputIndex                         int
	args                                []byte
	parts                               []*responsesPart
	reasoning                           []byte
	complete                            bool
}

type responsesPart struct {
	index int
	typ   string
	text  []byte
}

// ResponsesStream is the state machine for an OpenAI Responses stream.
// Every event must be named and carry a JSON object. Items are keyed by
// their id, never by position, so interleaved and out-of-order items are
// fine. response.completed, response.failed and response.incomplete are
// terminal; an error event sets StatusErrored.
type ResponsesStream struct {
	t        tracker
	items    []*responsesItem
	usage    Usage
	hasUsage bool
}

var _ Parser = (*ResponsesStream)(nil)

// NewResponsesStream returns a state machine for one stream.
func NewResponsesStream(o Options) *ResponsesStream {
	return &ResponsesStream{t: newTracker(ProviderOpenAIResponses, o)}
}

type responsesItemWire struct {
	ID        string  `json:"id"`
	Type      string  `json:"type"`
	Status    string  `json:"status"`
	Role      string  `json:"role"`
	Name      string  `json:"name"`
	CallID    string  `json:"call_id"`
	Arguments *string `json:"arguments"`
	Input     *string `json:"input"` // custom_tool_call
}

type responsesUsageWire struct {
	InputTokens        *int64 `json:"input_tokens"`
	OutputTokens       *int64 `json:"output_tokens"`
	InputTokensDetails *struct {
		CachedTokens *int64 `json:"cached_tokens"`
	} `json:"input_tokens_details"`
	OutputTokensDetails *struct {
		ReasoningTokens *int64 `json:"reasoning_tokens"`
	} `json:"output_tokens_details"`
}

type responsesWire struct {
	SequenceNumber *int64             `json:"sequence_number"`
	ItemID         string             `json:"item_id"`
	OutputIndex    *int               `json:"output_index"`
	ContentIndex   *int               `json:"content_index"`
	PartIndex      *int               `json:"part_index"`
	SummaryIndex   *int               `json:"summary_index"`
	Delta          *string            `json:"delta"`
	Text           string             `json:"text"`
	Refusal        string             `json:"refusal"`
	Arguments      *string            `json:"arguments"`
	Input          *string            `json:"input"`
	Item           *responsesItemWire `json:"item"`
	Part           *struct {
		Type    string `json:"type"`
		Text    string `json:"text"`
		Refusal string `json:"refusal"`
	} `json:"part"`
	Response *struct {
		ID                string              `json:"id"`
		Model             string              `json:"model"`
		Status            string              `json:"status"`
		ServiceTier       *string             `json:"service_tier"`
		Usage             *responsesUsageWire `json:"usage"`
		IncompleteDetails *struct {
			Reason string `json:"reason"`
		} `json:"incomplete_details"`
		Error *openAIErrorWire `json:"error"`
	} `json:"response"`
	// Top-level fields of an error event.
	Code    json.RawMessage `json:"code"`
	Message string          `json:"message"`
	ErrType string          `json:"type"`
}

func optIndex(p *int) int {
	if p == nil || *p < 0 {
		return -1
	}
	return *p
}

// Observe implements Parser.
func (s *ResponsesStream) Observe(ev Event) { _, _ = s.Decode(&ev) }

// Decode decodes one framed event, updates the stream state and returns
// the typed event. An event it skips (unnamed, unknown, malformed, over a
// limit) yields an error wrapping ErrUnknownEvent, ErrMalformedEvent or
// ErrLimit; the returned event then holds what was decoded (at least Type
// when the name is known).
func (s *ResponsesStream) Decode(ev *Event) (ResponsesEvent, error) {
	out := ResponsesEvent{SequenceNumber: -1, OutputIndex: -1, ContentIndex: -1, SummaryIndex: -1}
	if ev.Name == "" {
		return out, s.t.problem(ErrUnknownEvent, "sse_unknown_event", "event without an event name")
	}
	out.Type = canonicalResponsesType(ev.Name)
	if out.Type == "" {
		return out, s.t.problem(ErrUnknownEvent, "sse_unknown_event", "event "+ev.Name)
	}
	var w responsesWire
	if err := json.Unmarshal(ev.Data, &w); err != nil {
		return out, s.malformed(ev.Name + ": " + err.Error())
	}
	if w.SequenceNumber != nil {
		out.SequenceNumber = *w.SequenceNumber
	}
	out.ItemID = w.ItemID
	out.OutputIndex = optIndex(w.OutputIndex)
	out.ContentIndex = optIndex(w.ContentIndex)
	if out.ContentIndex < 0 {
		out.ContentIndex = optIndex(w.PartIndex)
	}
	out.SummaryIndex = optIndex(w.SummaryIndex)
	if w.Delta != nil {
		out.Delta = *w.Delta
	}
	if err := s.apply(&w, &out); err != nil {
		return out, err
	}
	s.t.sum.Events++
	return out, nil
}

func (s *ResponsesStream) malformed(detail string) error {
	return s.t.problem(ErrMalformedEvent, "sse_event_malformed", detail)
}

func (s *ResponsesStream) apply(w *responsesWire, out *ResponsesEvent) error {
	switch out.Type {
	case ResponsesCreated, ResponsesInProgress, ResponsesQueued,
		ResponsesCompleted, ResponsesFailed, ResponsesIncomplete:
		return s.applyEnvelope(w, out)

	case ResponsesError:
		pe := &ProviderError{Type: w.ErrType, Message: w.Message}
		if pe.Type == ResponsesError {
			pe.Type = "" // the event's own type field, not an error kind
		}
		(&openAIErrorWire{Code: w.Code}).fillCode(pe)
		out.Error = pe
		s.t.sum.Error = pe
		s.t.sum.Status = StatusErrored
		s.t.warn("sse_provider_error_event", clip(pe.Error()))
		return nil

	case ResponsesOutputItemAdded, ResponsesOutputItemDone:
		iw := w.Item
		if iw == nil || iw.ID == "" {
			return s.malformed(out.Type + " without an item id")
		}
		info := &ResponsesItemInfo{ID: iw.ID, Type: iw.Type, Status: iw.Status, Role: iw.Role,
			Name: iw.Name, CallID: iw.CallID}
		if iw.Arguments != nil {
			info.Arguments = *iw.Arguments
		} else if iw.Input != nil {
			info.Arguments = *iw.Input
		}
		out.Item, out.ItemID = info, iw.ID
		it, err := s.item(iw.ID)
		if err != nil {
			return err
		}
		// Insert or refresh: the done event's copy is authoritative for
		// metadata, and its arguments fill in when no deltas were seen.
		it.typ = pick(iw.Type, it.typ)
		it.status = pick(iw.Status, it.status)
		it.role = pick(iw.Role, it.role)
		it.name = pick(iw.Name, it.name)
		it.callID = pick(iw.CallID, it.callID)
		if out.OutputIndex >= 0 {
			it.outputIndex = out.OutputIndex
		}
		if len(it.args) == 0 && info.Arguments != "" {
			it.args = s.t.grow(it.args, info.Arguments)
		}
		if out.Type == ResponsesOutputItemDone {
			it.complete = true
		}
		return nil
	}

	// Everything else addresses an existing (or not yet announced) item.
	if out.ItemID == "" {
		return s.malformed(out.Type + " without item_id")
	}
	it, err := s.item(out.ItemID)
	if err != nil {
		return err
	}
	switch out.Type {
	case ResponsesContentPartAdded, ResponsesContentPartDone:
		if w.Part == nil {
			return s.malformed(out.Type + " without part")
		}
		text := pick(w.Part.Text, w.Part.Refusal)
		out.Part = &ResponsesPart{Index: max(out.ContentIndex, 0), Type: w.Part.Type, Text: text}
		p, err := s.part(it, out.Part.Index)
		if err != nil {
			return err
		}
		p.typ = pick(w.Part.Type, p.typ)
		if len(p.text) == 0 && text != "" {
			p.text = s.t.grow(p.text, text)
		}
	case ResponsesOutputTextDelta, ResponsesRefusalDelta:
		p, err := s.part(it, max(out.ContentIndex, 0))
		if err != nil {
			return err
		}
		p.text = s.t.grow(p.text, out.Delta)
	case ResponsesOutputTextDone, ResponsesRefusalDone:
		out.Text = pick(w.Text, w.Refusal)
	case ResponsesFunctionArgsDelta, ResponsesCustomInputDelta:
		it.args = s.t.grow(it.args, out.Delta)
	case ResponsesFunctionArgsDone, ResponsesCustomInputDone:
		full := w.Arguments
		if full == nil {
			full = w.Input
		}
		if full != nil {
			out.Arguments = *full
			if len(it.args) == 0 {
				it.args = s.t.grow(it.args, *full)
			}
		}
	case ResponsesReasoningDelta:
		it.reasoning = s.t.grow(it.reasoning, out.Delta)
	case ResponsesReasoningDone:
		out.Text = w.Text
	}
	return nil
}

func (s *ResponsesStream) applyEnvelope(w *responsesWire, out *ResponsesEvent) error {
	r := w.Response
	if r == nil {
		return s.malformed(out.Type + " without response")
	}
	env := &ResponsesEnvelope{ID: r.ID, Model: r.Model, Status: r.Status}
	if r.ServiceTier != nil {
		env.ServiceTier = *r.ServiceTier
	}
	if r.IncompleteDetails != nil {
		env.IncompleteReason = r.IncompleteDetails.Reason
	}
	if r.Error != nil {
		env.Error = r.Error.providerError()
	}
	if r.Usage != nil {
		u, err := responsesUsage(r.Usage)
		if err != nil {
			return s.malformed(err.Error())
		}
		env.Usage = &u
		s.usage, s.hasUsage = u, true
	}
	out.Response = env
	sum := &s.t.sum
	sum.ID = pick(r.ID, sum.ID)
	sum.Model = pick(r.Model, sum.Model)
	sum.ServiceTier = pick(env.ServiceTier, sum.ServiceTier) // the latest wins
	if env.IncompleteReason != "" {
		sum.IncompleteReason = env.IncompleteReason
	}
	switch out.Type {
	case ResponsesCompleted:
		sum.Status = StatusCompleted
	case ResponsesFailed:
		sum.Status = StatusFailed
		if env.Error != nil {
			sum.Error = env.Error
		}
	case ResponsesIncomplete:
		sum.Status = StatusIncomplete
	}
	if out.Type == ResponsesCompleted || out.Type == ResponsesFailed || out.Type == ResponsesIncomplete {
		sum.StopReason = pick(r.Status, sum.Status.String())
	}
	return nil
}

func responsesUsage(w *responsesUsageWire) (Usage, error) {
	u := Usage{InputIncludesCached: true}
	err := setTokens("input_tokens", w.InputTokens, &u.InputTokens)
	err = cmpErr(err, setTokens("output_tokens", w.OutputTokens, &u.OutputTokens))
	if d := w.InputTokensDetails; d != nil {
		err = cmpErr(err, setTokens("cached_tokens", d.CachedTokens, &u.CacheReadTokens))
	}
	if d := w.OutputTokensDetails; d != nil {
		err = cmpErr(err, setTokens("reasoning_tokens", d.ReasoningTokens, &u.ReasoningTokens))
	}
	return u, err
}

// pick returns v unless it is empty, then old.
func pick(v, old string) string {
	if v != "" {
		return v
	}
	return old
}

func (s *ResponsesStream) item(id string) (*responsesItem, error) {
	for _, it := range s.items {
		if it.id == id {
			return it, nil
		}
	}
	if len(s.items) >= s.t.maxOut {
		return nil, s.t.problem(ErrLimit, "sse_output_limit", fmt.Sprintf("more than %d output items", s.t.maxOut))
	}
	it := &responsesItem{id: id, outputIndex: -1}
	s.items = append(s.items, it)
	return it, nil
}

func (s *ResponsesStream) part(it *responsesItem, index int) (*responsesPart, error) {
	for _, p := range it.parts {
		if p.index == index {
			return p, nil
		}
	}
	if len(it.parts) >= s.t.maxOut {
		return nil, s.t.problem(ErrLimit, "sse_output_limit", fmt.Sprintf("item %s: more than %d parts", clip(it.id), s.t.maxOut))
	}
	p := &responsesPart{index: index}
	it.parts = append(it.parts, p)
	return p, nil
}

// Items returns the output items in order of first appearance.
func (s *ResponsesStream) Items() []ResponsesItem {
	out := make([]ResponsesItem, len(s.items))
	for i, it := range s.items {
		ri := ResponsesItem{ID: it.id, Type: it.typ, Status: it.status, Role: it.role,
			Name: it.name, CallID: it.callID, OutputIndex: it.outputIndex,
			Arguments: string(it.args), ReasoningSummary: string(it.reasoning), Complete: it.complete}
		parts := slices.Clone(it.parts)
		slices.SortStableFunc(parts, func(a, b *responsesPart) int { return a.index - b.index })
		var text strings.Builder
		for _, p := range parts {
			ri.Parts = append(ri.Parts, ResponsesPart{Index: p.index, Type: p.typ, Text: string(p.text)})
			text.Write(p.text)
		}
		ri.Text = text.String()
		out[i] = ri
	}
	return out
}

// isResponsesToolCall reports whether an item type is a model-issued
// named tool call.
func isResponsesToolCall(typ string) bool {
	return typ == "function_call" || typ == "custom_tool_call" || typ == "mcp_call"
}

// Summary implements Parser.
func (s *ResponsesStream) Summary() Summary {
	sum := s.t.sum
	sum.Problems = slices.Clone(sum.Problems)
	sum.Usage, sum.HasUsage = s.usage, s.hasUsage
	sum.Outputs = len(s.items)
	for _, it := range s.items {
		if isResponsesToolCall(it.typ) {
			sum.ToolCalls = append(sum.ToolCalls, ToolCall{Type: it.typ, ID: it.callID, ItemID: it.id,
				Name: it.name, Arguments: string(it.args), Index: it.outputIndex, Complete: it.complete})
		}
	}
	return sum
}
