package detect

import (
	"iter"
	"math"
	"strconv"
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
		return appendJSONString(dst, v.s)
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
		dst = appendJSONString(dst, m.keys[i])
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
	dst = appendJSONString(dst, r.Type.String())
	dst = append(dst, `,"confidence":`...)
	dst = appendFloat(dst, r.Confidence)
	dst = append(dst, `,"metadata":`...)
	dst = r.Metadata.AppendJSON(dst)
	return append(dst, '}')
}

// appendJSONString writes s as serde_json does: only '"', '\\' and control
// characters are escaped (controls without a short form as lowercase
// \u00XX); everything else, non-ASCII included, is copied as is.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// Bounds of the decimal exponent (10^(pos-1) <= |f| < 10^pos) inside which
// the ryu formatter used by serde_json writes plain decimal notation.
const (
	minPlainPos = -5
	maxPlainPos = 21
)

// appendFloat writes f like serde_json (ryu's shortest round-trip digits):
// integers keep a ".0", values in [1e-6, 1e21) use plain decimal notation,
// others use "de-7" / "d.ddde30" scientific notation without a '+' or
// zero padding. serde_json writes non-finite floats as null.
func appendFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	if f == 0 {
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	var buf [32]byte
	// 'e' with precision -1 gives the shortest digits as d.ddde±XX.
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	if e[0] == '-' {
		dst = append(dst, '-')
		e = e[1:]
	}
	mark := 0
	for e[mark] != 'e' {
		mark++
	}
	exp := 0
	for _, c := range e[mark+2:] { // skip the exponent's sign
		exp = exp*10 + int(c-'0')
	}
	if e[mark+1] == '-' {
		exp = -exp
	}
	var digits [20]byte
	nd := 0
	for _, c := range e[:mark] {
		if c != '.' {
			digits[nd] = c
			nd++
		}
	}
	pos := exp + 1 // digits[0] sits just left of 10^pos's decimal point
	switch {
	case nd <= pos && pos <= maxPlainPos:
		dst = append(dst, digits[:nd]...)
		for range pos - nd {
			dst = append(dst, '0')
		}
		return append(dst, '.', '0')
	case 0 < pos && pos <= maxPlainPos:
		dst = append(dst, digits[:pos]...)
		dst = append(dst, '.')
		return append(dst, digits[pos:nd]...)
	case minPlainPos <= pos && pos <= 0:
		dst = append(dst, '0', '.')
		for range -pos {
			dst = append(dst, '0')
		}
		return append(dst, digits[:nd]...)
	}
	dst = append(dst, digits[0])
	if nd > 1 {
		dst = append(dst, '.')
		dst = append(dst, digits[1:nd]...)
	}
	dst = append(dst, 'e')
	return strconv.AppendInt(dst, int64(pos-1), 10)
}
