package sse

import (
	"bytes"
	"encoding/json"
)

// The shape Anthropic serialises content_block_delta events in, compact
// and with keys in this order:
//
//	{"type":"content_block_delta","index":N,"delta":{"type":"text_delta","text":"..."}}
var (
	fastDeltaPrefix = []byte(`{"type":"content_block_delta","index":`)
	fastDeltaMid    = []byte(`,"delta":{"type":"`)
	fastDeltaSuffix = []byte(`}}`)
)

// fastDeltaKinds maps the rest of the delta header to the delta type and
// the wire field that carries its string.
var fastDeltaKinds = [...]struct {
	header []byte
	typ    string
	field  func(*anthropicDeltaWire) *string
}{
	{[]byte(`text_delta","text":`), AnthropicTextDelta, func(d *anthropicDeltaWire) *string { return &d.Text }},
	{[]byte(`input_json_delta","partial_json":`), AnthropicInputJSONDelta, func(d *anthropicDeltaWire) *string { return &d.PartialJSON }},
	{[]byte(`thinking_delta","thinking":`), AnthropicThinkingDelta, func(d *anthropicDeltaWire) *string { return &d.Thinking }},
	{[]byte(`signature_delta","signature":`), AnthropicSignatureDelta, func(d *anthropicDeltaWire) *string { return &d.Signature }},
}

// fastAnthropicDelta decodes a content_block_delta payload of exactly the
// shape above into w (with d as its delta) and reports whether it did.
// Anything else (other key order, whitespace, extra keys, other delta
// types) reports false and is left to encoding/json; when it reports true
// the result equals what encoding/json produces (see the equivalence test
// and FuzzAnthropicFastPath). data must be valid UTF-8, as the Framer
// guarantees; encoding/json would replace invalid bytes, this copies them.
func fastAnthropicDelta(data []byte, w *anthropicWire, d *anthropicDeltaWire) bool {
	rest, ok := bytes.CutPrefix(data, fastDeltaPrefix)
	if !ok {
		return false
	}
	index, n := 0, 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		index = index*10 + int(rest[n]-'0')
		n++
	}
	// At most 9 digits (no overflow), and no leading zero: JSON forbids it.
	if n == 0 || n > 9 || (n > 1 && rest[0] == '0') {
		return false
	}
	if rest, ok = bytes.CutPrefix(rest[n:], fastDeltaMid); !ok {
		return false
	}
	for _, k := range fastDeltaKinds {
		str, ok := bytes.CutPrefix(rest, k.header)
		if !ok {
			continue
		}
		end, escaped, ok := scanJSONString(str)
		if !ok || !bytes.Equal(str[end:], fastDeltaSuffix) {
			return false
		}
		dst := k.field(d)
		if escaped {
			if json.Unmarshal(str[:end], dst) != nil {
				return false
			}
		} else {
			*dst = string(str[1 : end-1])
		}
		d.Type, d.index = k.typ, index
		w.Index, w.Delta = &d.index, d
		return true
	}
	return false
}

// scanJSONString finds the end of the JSON string token that b starts
// with. It returns the index just past the closing quote and whether the
// string holds escapes; ok is false when b does not start with a complete
// string or it contains a raw control character (invalid JSON).
func scanJSONString(b []byte) (end int, escaped, ok bool) {
	if len(b) == 0 || b[0] != '"' {
		return 0, false, false
	}
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1, escaped, true
		case c == '\\':
			escaped = true
			i++ // the escaped byte cannot end the string
		case c < 0x20:
			return 0, false, false
		}
	}
	return 0, false, false
}
