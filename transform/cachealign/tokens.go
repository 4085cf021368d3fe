package cachealign

import (
	"fmt"

	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/tokenizer"
)

// Counter counts tokens for the aligner's metrics: one text (the stable
// prefix) and a whole message list (before and after alignment).
// Implementations must be deterministic and safe for concurrent use.
type Counter interface {
	CountText(text string) int
	// CountMessages fails on a message shape the counting rules cannot
	// read (the reference raises on those).
	CountMessages(messages jsonx.Value) (int, error)
}

// Per-message overheads of the reference's OpenAI token counter (ChatML
// framing), which the cache_aligner fixtures were recorded with.
const (
	chatMessageOverhead  = 4  // role and delimiters of every message
	chatReplyPriming     = 3  // the assistant reply header after the list
	chatNameOverhead     = 1  // a "name" field
	chatToolCallOverhead = 10 // structure of each tool call
	chatToolIDOverhead   = 2  // a "tool_call_id" field
	chatImageTokens      = 85 // an image_url part, at the low-detail estimate
)

// ChatCounter counts messages the way the reference's OpenAITokenCounter
// does for chat requests, with text counted by text.
type ChatCounter struct {
	Text tokenizer.Counter
}

var _ Counter = ChatCounter{}

// CountText counts text with the underlying tokenizer.
func (c ChatCounter) CountText(text string) int { return c.Text.Count(text) }

// CountMessages sums, per message: 4; the role; a non-empty string
// content, or for list content each text part, string part and image part
// (85); a non-empty name plus 1; each tool call's function name, arguments
// and id plus 10; a non-empty tool_call_id plus 2. Then 3 for the reply.
// Fields are tested for Python truthiness, and a present field of a type
// the reference cannot count is an error.
func (c ChatCounter) CountMessages(messages jsonx.Value) (int, error) {
	if messages.Kind() != jsonx.Array {
		return 0, fmt.Errorf("cachealign: messages must be an array, got %s", messages.Kind())
	}
	total := chatReplyPriming
	for i, m := range messages.Items() {
		n, err := c.countMessage(m)
		if err != nil {
			return 0, fmt.Errorf("cachealign: count message %d: %w", i, err)
		}
		total += n
	}
	return total, nil
}

func (c ChatCounter) countMessage(m jsonx.Value) (int, error) {
	if m.Kind() != jsonx.Object {
		return 0, fmt.Errorf("message is %s, not an object", m.Kind())
	}
	n := chatMessageOverhead
	role := jsonx.StringValue("")
	if v, ok := m.Get("role"); ok {
		role = v
	}
	k, err := c.countString(role, "role")
	if err != nil {
		return 0, err
	}
	n += k
	if content, ok := m.Get("content"); ok && truthy(content) {
		switch content.Kind() {
		case jsonx.String:
			s, _ := content.Str()
			n += c.Text.Count(s)
		case jsonx.Array:
			for _, part := range content.Items() {
				switch part.Kind() {
				case jsonx.Object:
					typ, _ := part.Get("type")
					switch t, _ := typ.Str(); {
					case typ.Kind() == jsonx.String && t == "text":
						text := jsonx.StringValue("")
						if v, ok := part.Get("text"); ok {
							text = v
						}
						k, err := c.countString(text, "text part")
						if err != nil {
							return 0, err
						}
						n += k
					case typ.Kind() == jsonx.String && t == "image_url":
						n += chatImageTokens
					}
				case jsonx.String:
					s, _ := part.Str()
					n += c.Text.Count(s)
				}
			}
		}
	}
	if name, ok := m.Get("name"); ok && truthy(name) {
		k, err := c.countString(name, "name")
		if err != nil {
			return 0, err
		}
		n += k + chatNameOverhead
	}
	if calls, ok := m.Get("tool_calls"); ok && truthy(calls) {
		if calls.Kind() != jsonx.Array {
			return 0, fmt.Errorf("tool_calls is %s, not an array", calls.Kind())
		}
		for _, tc := range calls.Items() {
			if tc.Kind() != jsonx.Object {
				return 0, fmt.Errorf("tool call is %s, not an object", tc.Kind())
			}
			fn := jsonx.ObjectValue(nil)
			if v, ok := tc.Get("function"); ok {
				fn = v
			}
			if fn.Kind() != jsonx.Object {
				return 0, fmt.Errorf("tool call function is %s, not an object", fn.Kind())
			}
			for _, f := range [...]struct {
				v    jsonx.Value
				what string
			}{{field(fn, "name"), "function name"}, {field(fn, "arguments"), "function arguments"}, {field(tc, "id"), "tool call id"}} {
				k, err := c.countString(f.v, f.what)
				if err != nil {
					return 0, err
				}
				n += k
			}
			n += chatToolCallOverhead
		}
	}
	if id, ok := m.Get("tool_call_id"); ok && truthy(id) {
		k, err := c.countString(id, "tool_call_id")
		if err != nil {
			return 0, err
		}
		n += k + chatToolIDOverhead
	}
	return n, nil
}

// field is dict.get(key, "").
func field(obj jsonx.Value, key string) jsonx.Value {
	if v, ok := obj.Get(key); ok {
		return v
	}
	return jsonx.StringValue("")
}

func (c ChatCounter) countString(v jsonx.Value, what string) (int, error) {
	s, ok := v.Str()
	if !ok {
		return 0, fmt.Errorf("%s is %s, not a string", what, v.Kind())
	}
	return c.Text.Count(s), nil
}

// truthy is Python's bool() of the decoded JSON value.
func truthy(v jsonx.Value) bool {
	switch v.Kind() {
	case jsonx.Null:
		return false
	case jsonx.Bool:
		b, _ := v.Bool()
		return b
	case jsonx.Number:
		f, ok := v.Float()
		return !ok || f != 0 // literals beyond float64 are huge, hence non-zero
	case jsonx.String:
		s, _ := v.Str()
		return s != ""
	default:
		return v.Len() > 0
	}
}
