package parity

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// kind is the JSON type of a parsed value.
type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

func (k kind) String() string {
	switch k {
	case kindNull:
		return "null"
	case kindBool:
		return "boolean"
	case kindNumber:
		return "number"
	case kindString:
		return "string"
	case kindArray:
		return "array"
	default:
		return "object"
	}
}

// value is a parsed JSON value. The harness keeps its own small parser instead
// of sharing the production JSON model so that a bug there cannot hide itself
// by breaking both sides of a comparison in the same way.
type value struct {
	kind    kind
	boolean bool
	// text is the literal token of a number, or the decoded bytes of a string.
	// Lone UTF-16 surrogates from \uD800-style escapes are kept as their
	// 3-byte generalized-UTF-8 form so that two identical escapes compare equal
	// and differ from U+FFFD.
	text    string
	items   []value  // array elements
	members []member // object members in source order
	// start and end delimit the value's bytes in the parsed document.
	start, end int
}

type member struct {
	key string
	val value
}

// lookup returns the member value for key.
func (v *value) lookup(key string) (*value, bool) {
	for i := range v.members {
		if v.members[i].key == key {
			return &v.members[i].val, true
		}
	}
	return nil, false
}

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 10000

// SyntaxError reports malformed JSON and where it was found.
type SyntaxError struct {
	Offset int // byte offset from the start of the document
	Line   int // 1-based line of Offset
	Column int // 1-based byte column of Offset within its line
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at line %d, column %d (byte %d): %s", e.Line, e.Column, e.Offset, e.Msg)
}

// parseJSON parses one JSON document. Beyond RFC 8259 it accepts the tokens
// NaN, Infinity and -Infinity, which Python's json module writes by default
// and which a Python-recorded fixture may therefore contain. Duplicate object
// keys, invalid UTF-8 and trailing data are errors.
func parseJSON(data []byte) (value, error) {
	// One copy of the document lets every number literal and escape-free
	// string share its memory instead of allocating its own.
	p := parser{data: string(data)}
	p.skipSpace()
	v, err := p.value(0)
	if err != nil {
		return value{}, err
	}
	p.skipSpace()
	if p.pos != len(p.data) {
		return value{}, p.errorf("unexpected data after the top-level value")
	}
	return v, nil
}

type parser struct {
	data string
	pos  int
}

func (p *parser) errorf(format string, args ...any) error {
	line, col := 1, 1
	for _, c := range []byte(p.data[:p.pos]) {
		col++
		if c == '\n' {
			line, col = line+1, 1
		}
	}
	return &SyntaxError{Offset: p.pos, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) literal(word string) bool {
	if strings.HasPrefix(p.data[p.pos:], word) {
		p.pos += len(word)
		return true
	}
	return false
}

func (p *parser) value(depth int) (value, error) {
	if depth > maxDepth {
		return value{}, p.errorf("nesting deeper than %d", maxDepth)
	}
	if p.pos >= len(p.data) {
		return value{}, p.errorf("unexpected end of input")
	}
	start := p.pos
	var v value
	var err error
	switch c := p.data[p.pos]; {
	case c == '{':
		v, err = p.object(depth)
	case c == '[':
		v, err = p.array(depth)
	case c == '"':
		var s string
		s, err = p.str()
		v = value{kind: kindString, text: s}
	case c == 't' && p.literal("true"):
		v = value{kind: kindBool, boolean: true}
	case c == 'f' && p.literal("false"):
		v = value{kind: kindBool}
	case c == 'n' && p.literal("null"):
		v = value{kind: kindNull}
	case c == 'N' && p.literal("NaN"), c == 'I' && p.literal("Infinity"), c == '-' && p.literal("-Infinity"):
		v = value{kind: kindNumber, text: p.data[start:p.pos]}
	case c == '-' || ('0' <= c && c <= '9'):
		v, err = p.number()
	default:
		return value{}, p.errorf("unexpected character %q", c)
	}
	if err != nil {
		return value{}, err
	}
	v.start, v.end = start, p.pos
	return v, nil
}

// indexThreshold is the member count above which object key checks switch
// from a linear scan to a map, keeping large objects linear overall.
const indexThreshold = 16

func (p *parser) object(depth int) (value, error) {
	p.pos++ // '{'
	v := value{kind: kindObject}
	var seen map[string]struct{}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return v, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return value{}, p.errorf("expected a string object key")
		}
		keyAt := p.pos
		key, err := p.str()
		if err != nil {
			return value{}, err
		}
		dup := false
		switch {
		case seen != nil:
			_, dup = seen[key]
		case len(v.members) >= indexThreshold:
			seen = make(map[string]struct{}, 2*len(v.members))
			for _, m := range v.members {
				seen[m.key] = struct{}{}
			}
			_, dup = seen[key]
		default:
			_, dup = v.lookup(key)
		}
		if dup {
			p.pos = keyAt
			return value{}, p.errorf("duplicate object key %q", key)
		}
		if seen != nil {
			seen[key] = struct{}{}
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return value{}, p.errorf("expected ':' after object key")
		}
		p.pos++
		p.skipSpace()
		val, err := p.value(depth + 1)
		if err != nil {
			return value{}, err
		}
		v.members = append(v.members, member{key: key, val: val})
		p.skipSpace()
		if p.pos >= len(p.data) {
			return value{}, p.errorf("unexpected end of input in object")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return v, nil
		default:
			return value{}, p.errorf("expected ',' or '}' in object")
		}
	}
}

func (p *parser) array(depth int) (value, error) {
	p.pos++ // '['
	v := value{kind: kindArray}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return v, nil
	}
	for {
		p.skipSpace()
		item, err := p.value(depth + 1)
		if err != nil {
			return value{}, err
		}
		v.items = append(v.items, item)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return value{}, p.errorf("unexpected end of input in array")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			return v, nil
		default:
			return value{}, p.errorf("expected ',' or ']' in array")
		}
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// number scans an RFC 8259 number and keeps its literal token.
func (p *parser) number() (value, error) {
	start := p.pos
	if p.data[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(p.data) && p.data[p.pos] == '0':
		p.pos++
	case p.pos < len(p.data) && isDigit(p.data[p.pos]):
		for p.pos < len(p.data) && isDigit(p.data[p.pos]) {
			p.pos++
		}
	default:
		return value{}, p.errorf("expected a digit in number")
	}
	if p.pos < len(p.data) && p.data[p.pos] == '.' {
		p.pos++
		if p.pos >= len(p.data) || !isDigit(p.data[p.pos]) {
			return value{}, p.errorf("expected a digit after the decimal point")
		}
		for p.pos < len(p.data) && isDigit(p.data[p.pos]) {
			p.pos++
		}
	}
	if p.pos < len(p.data) && (p.data[p.pos] == 'e' || p.data[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.data) && (p.data[p.pos] == '+' || p.data[p.pos] == '-') {
			p.pos++
		}
		if p.pos >= len(p.data) || !isDigit(p.data[p.pos]) {
			return value{}, p.errorf("expected a digit in exponent")
		}
		for p.pos < len(p.data) && isDigit(p.data[p.pos]) {
			p.pos++
		}
	}
	return value{kind: kindNumber, text: p.data[start:p.pos]}, nil
}

// str scans a string literal and returns its decoded bytes.
func (p *parser) str() (string, error) {
	p.pos++ // opening quote
	start := p.pos
	// Fast path: no escapes.
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c == '"' {
			s := p.data[start:p.pos]
			if !utf8.ValidString(s) {
				return "", p.invalidUTF8(start)
			}
			p.pos++
			return s, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		p.pos++
	}
	buf := append([]byte(nil), p.data[start:p.pos]...)
	for {
		if p.pos >= len(p.data) {
			return "", p.errorf("unterminated string")
		}
		c := p.data[p.pos]
		switch {
		case c == '"':
			if !utf8.ValidString(p.data[start:p.pos]) {
				return "", p.invalidUTF8(start)
			}
			p.pos++
			return string(buf), nil
		case c < 0x20:
			return "", p.errorf("control character %#02x in string", c)
		case c != '\\':
			buf = append(buf, c)
			p.pos++
			continue
		}
		p.pos++ // backslash
		if p.pos >= len(p.data) {
			return "", p.errorf("unterminated escape")
		}
		e := p.data[p.pos]
		p.pos++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, err := p.hex4()
			if err != nil {
				return "", err
			}
			if 0xD800 <= r && r < 0xDC00 && p.pos+6 <= len(p.data) && p.data[p.pos] == '\\' && p.data[p.pos+1] == 'u' {
				save := p.pos
				p.pos += 2
				lo, err := p.hex4()
				if err != nil {
					return "", err
				}
				if 0xDC00 <= lo && lo < 0xE000 {
					r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
				} else {
					p.pos = save
				}
			}
			buf = appendCodePoint(buf, r)
		default:
			p.pos -= 2
			return "", p.errorf("invalid escape %q", "\\"+string(e))
		}
	}
}

func (p *parser) invalidUTF8(start int) error {
	for i := start; i < p.pos; {
		r, size := utf8.DecodeRuneInString(p.data[i:p.pos])
		if r == utf8.RuneError && size == 1 {
			p.pos = i
			break
		}
		i += size
	}
	return p.errorf("invalid UTF-8 in string")
}

func (p *parser) hex4() (rune, error) {
	if p.pos+4 > len(p.data) {
		return 0, p.errorf("truncated \\u escape")
	}
	var r rune
	for _, c := range []byte(p.data[p.pos : p.pos+4]) {
		r <<= 4
		switch {
		case '0' <= c && c <= '9':
			r |= rune(c - '0')
		case 'a' <= c && c <= 'f':
			r |= rune(c-'a') + 10
		case 'A' <= c && c <= 'F':
			r |= rune(c-'A') + 10
		default:
			return 0, p.errorf("invalid hex digit %q in \\u escape", c)
		}
	}
	p.pos += 4
	return r, nil
}

// appendCodePoint appends r as UTF-8; a lone surrogate, which utf8 refuses to
// encode, is written in the generalized 3-byte form so it survives comparison.
func appendCodePoint(buf []byte, r rune) []byte {
	if 0xD800 <= r && r < 0xE000 {
		return append(buf, 0xED, byte(0x80|(r>>6)&0x3F), byte(0x80|r&0x3F))
	}
	return utf8.AppendRune(buf, r)
}
