package detect

import (
	"iter"
	"strconv"

	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/internal/pycompat"
)

// Kind is the JSON type of a metadata Value.
type Kind uint8

// Metadata value kinds. The zero Kind marks the zero Value, which no
// detector produces.
const (
	KindInt Kind = iota + 1
	KindBool
	KindString
)

// Value is one metadata value: an integer count, a flag or a name. It is a
// small tagged struct rather than an interface so that building a Result
// never allocates.
type Value struct {
	kind Kind
	b    bool
	n    int
	s    string
}

// IntValue returns an integer Value.
func IntValue(n int) Value { return Value{kind: KindInt, n: n} }

// BoolValue returns a boolean Value.
func BoolValue(b bool) Value { return Value{kind: KindBool, b: b} }

// StringValue returns a string Value.
func StringValue(s string) Value { return Value{kind: KindString, s: s} }

// Kind reports which of Int, Bool or Str holds v's value.
func (v Value) Kind() Kind { return v.kind }

// Int returns the integer held by v, or 0 when v is not KindInt.
func (v Value) Int() int { return v.n }

// Bool returns the flag held by v, or false when v is not KindBool.
func (v Value) Bool() bool { return v.b }

// Str returns the string held by v, or "" when v is not KindString.
func (v Value) Str() string { return v.s }

// AppendJSON appends v as a JSON token. The zero Value is written as null.
func (v Value) AppendJSON(dst []byte) []byte {
	switch v.kind {
	case KindInt:
		return strconv.AppendInt(dst, int64(v.n), 10)
	case KindBool:
		return strconv.AppendBool(dst, v.b)
	case KindString:
		return jsonx.AppendCompactString(dst, v.s)
	}
	return append(dst, "null"...)
}

// maxFields is the most metadata any detector reports (the build detector's
// pattern_matches, error_matches, total_lines).
const maxFields = 3

// Metadata is the small ordered key/value record a detector attaches to its
// verdict, e.g. {"header_matches": 3, "change_lines": 2} for a diff. Keys
// keep the order the reference inserts them in. The zero Metadata is empty.
type Metadata struct {
	n      int
	keys   [maxFields]string
	values [maxFields]Value
}

// add appends a field; detectors never exceed maxFields, so overflowing is a
// programming error and panics.
func (m *Metadata) add(key string, v Value) {
	m.keys[m.n] = key
	m.values[m.n] = v
	m.n++
}

// Len returns the number of fields.
func (m Metadata) Len() int { return m.n }

// All yields the fields in order.
func (m Metadata) All() iter.Seq2[string, Value] {
	return func(yield func(string, Value) bool) {
		for i := range m.n {
			if !yield(m.keys[i], m.values[i]) {
				return
			}
		}
	}
}

// Lookup returns the value stored under key.
func (m Metadata) Lookup(key string) (Value, bool) {
	for i := range m.n {
		if m.keys[i] == key {
			return m.values[i], true
		}
	}
	return Value{}, false
}

// AppendJSON appends m as a compact JSON object in field order.
func (m Metadata) AppendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	for i := range m.n {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonx.AppendCompactString(dst, m.keys[i])
		dst = append(dst, ':')
		dst = m.values[i].AppendJSON(dst)
	}
	return append(dst, '}')
}

// AppendJSON appends r as the reference serialises a detection result:
// {"content_type":TAG,"confidence":F,"metadata":{...}}, compact, with the
// confidence written the way serde_json writes an f64 (so 1 is "1.0").
func (r Result) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"content_type":`...)
	dst = jsonx.AppendCompactString(dst, r.Type.String())
	dst = append(dst, `,"confidence":`...)
	dst = pycompat.AppendSerdeFloat(dst, r.Confidence)
	dst = append(dst, `,"metadata":`...)
	dst = r.Metadata.AppendJSON(dst)
	return append(dst, '}')
}
