package jsonx

import (
	"slices"
	"strings"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// AppendCompact appends v in serde_json's to_string format: no whitespace,
// keys in stored order, numbers as their literals, and only '"', '\\' and
// control characters escaped (\b \t \n \f \r, else \u00xx lowercase). '/',
// '<', '>', '&', U+007F, U+2028/U+2029 and all non-ASCII text are written
// raw. The reference hashes these bytes for CCR keys, so they must not drift.
//
// Strings that are not valid UTF-8 (only possible for values built by hand;
// the parser rejects them) have each bad byte written as U+FFFD so the
// output is always valid JSON.
func AppendCompact(dst []byte, v Value) []byte {
	switch v.kind {
	case Null:
		return append(dst, "null"...)
	case Bool:
		if v.b {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case Number:
		return append(dst, v.s...)
	case String:
		return AppendCompactString(dst, v.s)
	case Array:
		dst = append(dst, '[')
		for i := range v.arr {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendCompact(dst, v.arr[i])
		}
		return append(dst, ']')
	case Object:
		dst = append(dst, '{')
		for i := range v.obj {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendCompactString(dst, v.obj[i].Key)
			dst = append(dst, ':')
			dst = AppendCompact(dst, v.obj[i].Value)
		}
		return append(dst, '}')
	}
	return dst
}

// Compact returns AppendCompact's bytes as a string.
func Compact(v Value) string {
	return string(AppendCompact(make([]byte, 0, 64), v))
}

// AppendCompactString appends s as a JSON string token in the compact
// writer's escaping.
func AppendCompactString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size > 1 {
				i += size
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i++
			start = i
			continue
		}
		dst = append(dst, s[start:i]...)
		dst = appendShortEscape(dst, c)
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendShortEscape escapes '"', '\\' or a control byte the way both
// serde_json and Python do.
func appendShortEscape(dst []byte, c byte) []byte {
	switch c {
	case '"':
		return append(dst, '\\', '"')
	case '\\':
		return append(dst, '\\', '\\')
	case '\b':
		return append(dst, '\\', 'b')
	case '\t':
		return append(dst, '\\', 't')
	case '\n':
		return append(dst, '\\', 'n')
	case '\f':
		return append(dst, '\\', 'f')
	case '\r':
		return append(dst, '\\', 'r')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
}

// PyDumpOptions are the json.dumps keyword arguments the Python writer
// honours. The zero value is json.dumps(obj) with Python's defaults.
type PyDumpOptions struct {
	// SortKeys is sort_keys=True: object keys ordered by code point, which
	// for UTF-8 text is byte order.
	SortKeys bool
	// RawUnicode is ensure_ascii=False: non-ASCII text written as UTF-8.
	// When false (Python's default) every code point above U+007E becomes
	// \uXXXX with lowercase hex, astral ones as a surrogate pair.
	RawUnicode bool
	// Indent > 0 is indent=N: newline plus N spaces per nesting level, empty
	// containers as [] and {}. 0 is indent=None, a single line.
	// (json.dumps(indent=0), newlines without spaces, is not offered.)
	Indent int
	// ItemSep and KeySep are separators=(ItemSep, KeySep). Empty selects
	// Python's default: ", " (or "," when indenting) and ": ".
	ItemSep, KeySep string
}

// AppendPython appends v exactly as Python's json.dumps would write the
// equivalent object (numbers use their literal text).
func AppendPython(dst []byte, v Value, o PyDumpOptions) []byte {
	w := pyWriter{opts: o, item: o.ItemSep, key: o.KeySep}
	if w.item == "" {
		w.item = ", "
		if o.Indent > 0 {
			w.item = ","
		}
	}
	if w.key == "" {
		w.key = ": "
	}
	return w.write(dst, v, 0)
}

// PythonDumps returns AppendPython's bytes as a string.
func PythonDumps(v Value, o PyDumpOptions) string {
	return string(AppendPython(make([]byte, 0, 64), v, o))
}

// AppendPySortKeys appends json.dumps(v, sort_keys=True): the form the
// reference hashes for item dedup and anchor value keys.
func AppendPySortKeys(dst []byte, v Value) []byte {
	return AppendPython(dst, v, PyDumpOptions{SortKeys: true})
}

type pyWriter struct {
	opts      PyDumpOptions
	item, key string
}

func (w *pyWriter) newline(dst []byte, level int) []byte {
	dst = append(dst, '\n')
	for k := 0; k < level*w.opts.Indent; k++ {
		dst = append(dst, ' ')
	}
	return dst
}

func (w *pyWriter) write(dst []byte, v Value, level int) []byte {
	switch v.kind {
	case Null, Bool, Number:
		return AppendCompact(dst, v)
	case String:
		return AppendPythonString(dst, v.s, !w.opts.RawUnicode)
	case Array:
		if len(v.arr) == 0 {
			return append(dst, '[', ']')
		}
		dst = append(dst, '[')
		for i := range v.arr {
			if i > 0 {
				dst = append(dst, w.item...)
			}
			if w.opts.Indent > 0 {
				dst = w.newline(dst, level+1)
			}
			dst = w.write(dst, v.arr[i], level+1)
		}
		if w.opts.Indent > 0 {
			dst = w.newline(dst, level)
		}
		return append(dst, ']')
	case Object:
		if len(v.obj) == 0 {
			return append(dst, '{', '}')
		}
		dst = append(dst, '{')
		var small [smallObject]int32
		order := w.memberOrder(v.obj, small[:0])
		for i := range v.obj {
			m := &v.obj[i]
			if order != nil {
				m = &v.obj[order[i]]
			}
			if i > 0 {
				dst = append(dst, w.item...)
			}
			if w.opts.Indent > 0 {
				dst = w.newline(dst, level+1)
			}
			dst = AppendPythonString(dst, m.Key, !w.opts.RawUnicode)
			dst = append(dst, w.key...)
			dst = w.write(dst, m.Value, level+1)
		}
		if w.opts.Indent > 0 {
			dst = w.newline(dst, level)
		}
		return append(dst, '}')
	}
	return dst
}

// smallObject is the member count up to which key sorting uses a stack
// buffer; item hashing sorts every object, so this keeps it allocation-free.
const smallObject = 16

// memberOrder returns the index order in which to write members, or nil
// for stored order (no sorting requested, or already sorted).
func (w *pyWriter) memberOrder(members []Member, buf []int32) []int32 {
	if !w.opts.SortKeys {
		return nil
	}
	sorted := true
	for i := 1; i < len(members); i++ {
		if members[i-1].Key > members[i].Key {
			sorted = false
			break
		}
	}
	if sorted {
		return nil
	}
	order := buf
	if cap(order) < len(members) {
		order = make([]int32, 0, len(members))
	}
	for i := range members {
		order = append(order, int32(i))
	}
	if len(order) <= smallObject {
		// Insertion sort: no closure, so the stack buffer does not escape.
		for i := 1; i < len(order); i++ {
			for j := i; j > 0 && members[order[j-1]].Key > members[order[j]].Key; j-- {
				order[j-1], order[j] = order[j], order[j-1]
			}
		}
		return order
	}
	slices.SortStableFunc(order, func(a, b int32) int {
		return strings.Compare(members[a].Key, members[b].Key)
	})
	return order
}

// AppendPythonString appends s as json.dumps writes a str. With ensureASCII
// every code point above U+007E is escaped (lowercase hex, surrogate pairs
// for astral planes); without it only '"', '\\' and controls are. Invalid
// UTF-8 bytes are treated as U+FFFD.
func AppendPythonString(dst []byte, s string, ensureASCII bool) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < 0x7F {
			i++
			continue
		}
		if c < 0x20 || c == '"' || c == '\\' {
			dst = append(dst, s[start:i]...)
			dst = appendShortEscape(dst, c)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !ensureASCII {
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, "\uFFFD"...)
				start = i + 1
			}
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		if r >= 0x10000 {
			r -= 0x10000
			dst = appendU4(dst, 0xD800+uint32(r>>10))
			dst = appendU4(dst, 0xDC00+uint32(r&0x3FF))
		} else {
			dst = appendU4(dst, uint32(r))
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendU4(dst []byte, n uint32) []byte {
	return append(dst, '\\', 'u',
		hexDigits[n>>12&0xF], hexDigits[n>>8&0xF], hexDigits[n>>4&0xF], hexDigits[n&0xF])
}
