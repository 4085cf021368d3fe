package sse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"
)

// Provider names the wire format of a stream.
type Provider uint8

// The providers whose streams have a state machine.
const (
	ProviderNone            Provider = iota // not a known LLM stream
	ProviderAnthropic                       // Anthropic Messages (/v1/messages)
	ProviderOpenAIChat                      // OpenAI Chat Completions (/v1/chat/completions)
	ProviderOpenAIResponses                 // OpenAI Responses (/v1/responses)
)

// String returns the provider's metric label: "anthropic", "openai_chat",
// "openai_responses", or "none".
func (p Provider) String() string {
	switch p {
	case ProviderAnthropic:
		return "anthropic"
	case ProviderOpenAIChat:
		return "openai_chat"
	case ProviderOpenAIResponses:
		return "openai_responses"
	}
	return "none"
}

// ProviderForPath maps a request path to the stream format its response
// uses. Only exact paths match; anything else is ProviderNone, so a stream
// on an unknown route is passed through without a state machine.
func ProviderForPath(path string) Provider {
	switch path {
	case "/v1/messages":
		return ProviderAnthropic
	case "/v1/chat/completions":
		return ProviderOpenAIChat
	case "/v1/responses":
		return ProviderOpenAIResponses
	}
	return ProviderNone
}

// IsEventStream reports whether a Content-Type header value has the media
// type text/event-stream (case-insensitive, parameters ignored).
func IsEventStream(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "text/event-stream")
}

// Status is how far a stream got.
type Status uint8

// Stream statuses. Only StatusCompleted means the provider's usage figures
// are final.
const (
	StatusOpen       Status = iota // no terminal event seen
	StatusCompleted                // Anthropic message_stop, OpenAI Chat [DONE], Responses response.completed
	StatusIncomplete               // Responses response.incomplete
	StatusFailed                   // Responses response.failed
	StatusErrored                  // a provider error event
)

// String returns the status as a lower-case word ("open", "completed", ...).
func (s Status) String() string {
	switch s {
	case StatusCompleted:
		return "completed"
	case StatusIncomplete:
		return "incomplete"
	case StatusFailed:
		return "failed"
	case StatusErrored:
		return "errored"
	}
	return "open"
}

// Terminal reports whether the provider ended the stream on purpose
// (completed, incomplete or failed), as opposed to open or errored.
func (s Status) Terminal() bool {
	return s == StatusCompleted || s == StatusIncomplete || s == StatusFailed
}

// Usage is the token accounting a provider reports in a stream.
type Usage struct {
	// InputTokens is the provider's input figure. For Anthropic it
	// excludes cache reads and writes; for OpenAI it includes cached
	// tokens (InputIncludesCached is then true).
	InputTokens int64
	// OutputTokens is the number of generated tokens.
	OutputTokens int64
	// CacheReadTokens were read from the provider's prompt cache
	// (Anthropic cache_read_input_tokens, OpenAI cached_tokens).
	CacheReadTokens int64
	// CacheCreationTokens were written to the prompt cache (Anthropic
	// cache_creation_input_tokens; always zero for OpenAI).
	CacheCreationTokens int64
	// ReasoningTokens is OpenAI's reasoning_tokens detail (part of
	// OutputTokens); zero for Anthropic.
	ReasoningTokens int64
	// InputIncludesCached is true when InputTokens counts cached tokens.
	InputIncludesCached bool
}

// UncachedInputTokens returns the input tokens that were neither read from
// nor written to the cache, or -1 when the provider reported more cached
// tokens than input tokens (inconsistent usage).
func (u Usage) UncachedInputTokens() int64 {
	if !u.InputIncludesCached {
		return u.InputTokens
	}
	if u.CacheReadTokens > u.InputTokens {
		return -1
	}
	return u.InputTokens - u.CacheReadTokens
}

// CacheHitRate returns cache reads / (uncached input + cache reads + cache
// writes), the share of the prompt served from the provider's cache. It
// reports false when there was no input or the usage is inconsistent.
func (u Usage) CacheHitRate() (float64, bool) {
	uncached := u.UncachedInputTokens()
	if uncached < 0 {
		return 0, false
	}
	// Sum in float64: three huge counts would overflow int64.
	den := float64(uncached) + float64(u.CacheReadTokens) + float64(u.CacheCreationTokens)
	if den <= 0 {
		return 0, false
	}
	return float64(u.CacheReadTokens) / den, true
}

// ToolCall is a tool invocation the model streamed.
type ToolCall struct {
	// Type is the provider's kind: Anthropic "tool_use",
	// "server_tool_use" or "mcp_tool_use"; Chat "function"; Responses
	// "function_call", "custom_tool_call" or "mcp_call".
	Type string
	// ID is the id the tool result must refer to (Anthropic block id, Chat
	// tool call id, Responses call_id; Responses mcp_call has only ItemID).
	ID string
	// ItemID is the Responses output item id; empty elsewhere.
	ItemID string
	// Name is the tool name.
	Name string
	// Arguments is the streamed input: JSON text for function tools, free
	// text for Responses custom tools. It is cut short when the stream's
	// accumulation limit was reached (Summary.Truncated).
	Arguments string
	// Choice is the Chat choice index; zero elsewhere.
	Choice int
	// Index is the Anthropic content block index, Chat tool call index, or
	// Responses output index (-1 when the stream gave none).
	Index int
	// Complete is true once the provider closed the call (Anthropic
	// content_block_stop, Responses output_item.done; Chat tool calls are
	// complete when their choice has a finish reason).
	Complete bool
}

// ProviderError is an error the provider reported inside the stream.
type ProviderError struct {
	Type    string // e.g. Anthropic "overloaded_error"; OpenAI error type
	Code    string // OpenAI error code, when given
	Message string
}

// Error formats the provider error.
func (e *ProviderError) Error() string {
	kind := e.Type
	if kind == "" {
		kind = e.Code
	}
	return fmt.Sprintf("provider stream error %s: %s", kind, e.Message)
}

// Summary is what a stream showed about a request, for metrics and logs.
type Summary struct {
	Provider Provider
	// ID and Model are the provider's message / completion / response id
	// and the model that answered.
	ID, Model string
	// Status is how far the stream got.
	Status Status
	// StopReason is Anthropic's stop_reason, Chat's finish_reason (lowest
	// choice index that has one) or the Responses status word.
	StopReason string
	// IncompleteReason is the Responses incomplete_details.reason.
	IncompleteReason string
	// ServiceTier is the last service tier the stream reported (OpenAI).
	ServiceTier string
	// Usage is valid when HasUsage is set.
	Usage    Usage
	HasUsage bool
	// ToolCalls lists tool invocations in stream order.
	ToolCalls []ToolCall
	// Outputs counts content blocks (Anthropic), choices (Chat) or output
	// items (Responses).
	Outputs int
	// Events counts framed events the state machine accepted.
	Events int
	// Error is the provider's in-stream error, if any.
	Error *ProviderError

	// UnknownEvents counts events with unrecognised names.
	UnknownEvents int
	// MalformedEvents counts events whose payload could not be decoded or
	// lacked a required field; they were skipped.
	MalformedEvents int
	// FramingErrors counts events the framer rejected (oversized, invalid
	// UTF-8). Set by Tee.
	FramingErrors int
	// Problems holds the first few problem descriptions, for logs.
	Problems []string
	// Truncated is set when the state machine stopped accumulating text or
	// arguments at its memory limit, or tracked no more outputs.
	Truncated bool

	// DroppedChunks and DroppedBytes count chunks the Tee did not hand to
	// the parser because its queue was full; the parser resynchronised
	// after each gap, so counts and usage may be incomplete. Set by Tee.
	DroppedChunks, DroppedBytes int64
	// Bytes is the number of bytes the client read through the Tee.
	Bytes int64
	// StreamErr tells how the byte stream ended: nil after a clean EOF on
	// an event boundary; an error wrapping ErrTruncated when it stopped
	// inside an event; ErrClosedEarly when the body was closed before EOF;
	// otherwise the read error. Set by Tee.
	StreamErr error
}

// LogAttrs returns the summary as log attributes for a "sse stream
// closed" line.
func (s *Summary) LogAttrs() []slog.Attr {
	attrs := []slog.Attr{
		slog.String("provider", s.Provider.String()),
		slog.String("status", s.Status.String()),
		slog.String("model", s.Model),
		slog.String("stop_reason", s.StopReason),
		slog.Bool("has_usage", s.HasUsage),
		slog.Int64("input_tokens", s.Usage.InputTokens),
		slog.Int64("output_tokens", s.Usage.OutputTokens),
		slog.Int64("cache_read_input_tokens", s.Usage.CacheReadTokens),
		slog.Int64("cache_creation_input_tokens", s.Usage.CacheCreationTokens),
		slog.Int("outputs", s.Outputs),
		slog.Int("tool_calls", len(s.ToolCalls)),
		slog.Int("events", s.Events),
	}
	if s.ServiceTier != "" {
		attrs = append(attrs, slog.String("service_tier", s.ServiceTier))
	}
	if s.IncompleteReason != "" {
		attrs = append(attrs, slog.String("incomplete_reason", s.IncompleteReason))
	}
	if s.Error != nil {
		attrs = append(attrs, slog.String("provider_error", clip(s.Error.Error())))
	}
	if n := s.UnknownEvents + s.MalformedEvents + s.FramingErrors; n > 0 {
		attrs = append(attrs, slog.Int("unknown_events", s.UnknownEvents),
			slog.Int("malformed_events", s.MalformedEvents),
			slog.Int("framing_errors", s.FramingErrors))
	}
	if s.DroppedChunks > 0 {
		attrs = append(attrs, slog.Int64("dropped_chunks", s.DroppedChunks),
			slog.Int64("dropped_bytes", s.DroppedBytes))
	}
	if s.StreamErr != nil {
		attrs = append(attrs, slog.String("stream_error", s.StreamErr.Error()))
	}
	return attrs
}

// Errors a state machine's Decode returns for events it skips. The summary
// counts them; none of them stops the stream.
var (
	// ErrUnknownEvent: the event name is not part of the provider's format.
	ErrUnknownEvent = errors.New("sse: unknown event")
	// ErrMalformedEvent: the payload is not the JSON the event requires.
	ErrMalformedEvent = errors.New("sse: malformed event")
	// ErrLimit: the event would exceed a per-stream memory limit.
	ErrLimit = errors.New("sse: stream state limit reached")
)

// Defaults for Options.
const (
	// DefaultMaxAccumulated caps the text and argument bytes one state
	// machine keeps for a stream.
	DefaultMaxAccumulated = 1 << 20
	// DefaultMaxOutputs caps the content blocks, choices, items, tool
	// calls per choice and parts per item one state machine tracks.
	DefaultMaxOutputs = 1024
)

// maxProblems bounds Summary.Problems and the warnings logged per stream,
// so a hostile stream cannot flood logs.
const maxProblems = 8

// Options configures a state machine. The zero value is ready to use.
type Options struct {
	// MaxAccumulated caps the bytes of text, thinking, signatures and tool
	// arguments kept for the whole stream; beyond it appends are dropped
	// and Summary.Truncated is set. Zero means DefaultMaxAccumulated.
	MaxAccumulated int
	// MaxOutputs caps the number of blocks / choices / items, tool calls
	// per choice and parts per item tracked. Zero means DefaultMaxOutputs.
	MaxOutputs int
	// Logger receives warnings (event=sse_unknown_event,
	// sse_partial_json_unparseable, sse_anthropic_error_event,
	// sse_event_malformed), at most a few per stream. Nil logs nothing.
	Logger *slog.Logger
}

// Parser is a provider state machine as the Tee drives it.
type Parser interface {
	// Observe feeds one framed event. Bad events are counted in the
	// summary, never fatal. The event is passed by value so that the
	// caller's copy stays on its stack.
	Observe(ev Event)
	// Summary returns the stream as seen so far.
	Summary() Summary
}

// NewParser returns the state machine for a provider's streams.
func NewParser(p Provider, o Options) (Parser, error) {
	switch p {
	case ProviderAnthropic:
		return NewAnthropicStream(o), nil
	case ProviderOpenAIChat:
		return NewChatStream(o), nil
	case ProviderOpenAIResponses:
		return NewResponsesStream(o), nil
	}
	return nil, fmt.Errorf("sse: no state machine for provider %v", p)
}

// tracker holds what every state machine shares: the summary being built,
// the accumulation budget and rate-limited warnings.
type tracker struct {
	sum       Summary
	left      int // accumulation budget remaining
	maxOut    int
	log       *slog.Logger
	warnCount int
}

func newTracker(p Provider, o Options) tracker {
	t := tracker{sum: Summary{Provider: p}, left: o.MaxAccumulated, maxOut: o.MaxOutputs, log: o.Logger}
	if t.left <= 0 {
		t.left = DefaultMaxAccumulated
	}
	if t.maxOut <= 0 {
		t.maxOut = DefaultMaxOutputs
	}
	return t
}

// grow appends s to dst within the accumulation budget.
func (t *tracker) grow(dst []byte, s string) []byte {
	if len(s) > t.left {
		s = s[:t.left]
		t.sum.Truncated = true
	}
	t.left -= len(s)
	return append(dst, s...)
}

// growRaw appends raw JSON text within the budget, all or nothing, so a
// kept value is never cut mid-token.
func (t *tracker) growRaw(dst []byte, b []byte) ([]byte, bool) {
	if len(b) > t.left {
		t.sum.Truncated = true
		return dst, false
	}
	t.left -= len(b)
	return append(dst, b...), true
}

// problem records a skipped event and returns err for Decode to return.
// event is the log event name.
func (t *tracker) problem(err error, event, detail string) error {
	switch {
	case errors.Is(err, ErrUnknownEvent):
		t.sum.UnknownEvents++
	case errors.Is(err, ErrMalformedEvent):
		t.sum.MalformedEvents++
	case errors.Is(err, ErrLimit):
		t.sum.Truncated = true
	}
	full := fmt.Errorf("%w: %s", err, clip(detail))
	t.note(event, full.Error())
	return full
}

// note adds a problem description and logs it, within the per-stream cap.
func (t *tracker) note(event, msg string) {
	if len(t.sum.Problems) < maxProblems {
		t.sum.Problems = append(t.sum.Problems, msg)
	}
	t.warn(event, msg)
}

// warn logs one warning, within the per-stream cap.
func (t *tracker) warn(event, msg string) {
	if t.log == nil || t.warnCount >= maxProblems {
		return
	}
	t.warnCount++
	t.log.LogAttrs(context.Background(), slog.LevelWarn, "sse: "+event,
		slog.String("event", event),
		slog.String("provider", t.sum.Provider.String()),
		slog.String("detail", msg))
}

// clipLen bounds strings taken from the stream before they reach logs.
const clipLen = 160

// clip shortens s to about clipLen bytes on a rune boundary.
func clip(s string) string {
	if len(s) <= clipLen {
		return s
	}
	n := clipLen
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
