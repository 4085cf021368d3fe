package jsonx

import (
	"fmt"
	"sync"
	"unicode/utf8"
)

// MaxDepth is the container nesting at which parsing fails. serde_json
// refuses the 128th nested array/object ("recursion limit exceeded"), and a
// document it refuses is passed through untouched by the reference, so the
// same limit keeps our decisions identical (and bounds our stack).
const MaxDepth = 128

// SyntaxError describes why a document is not JSON. Offset is the byte
// offset in the input where the problem was noticed.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("jsonx: %s at offset %d", e.Msg, e.Offset)
}

// Parse parses one JSON document (surrounded by optional JSON whitespace).
// It accepts what serde_json accepts when parsing a Rust &str into a Value:
// no control characters inside strings, paired surrogate escapes only,
// nesting below MaxDepth, valid UTF-8. Number literals are normalised the
// way serde_json's arbitrary_precision scanner stores them: an exponent is
// written "e" with an explicit sign ("1E5" → "1e+5") and "-0" becomes "0"
// (an integer that fits i64/u64 is re-printed); everything else is kept
// verbatim. Parse never panics.
func Parse(data []byte) (Value, error) {
	return ParseString(string(data))
}

// ParseString is Parse for a string. Unescaped strings in the result share
// memory with s, so parsing a string allocates only for containers and
// escaped text.
func ParseString(s string) (Value, error) {
	return parseString(s, false)
}

// ParseVerbatim is Parse without serde's number normalisation: every number
// keeps the exact token the input spelled ("1E5", "-0", "1.50"). Callers
// that re-serialise a request they only meant to reorder (the proxy's cache
// rewrites) use it so that no number changes on the wire; parity code that
// must reproduce serde_json's output uses Parse.
func ParseVerbatim(data []byte) (Value, error) {
	return parseString(string(data), true)
}

func parseString(s string, verbatim bool) (Value, error) {
	p := parserPool.Get().(*parser)
	defer p.release()
	p.s, p.i, p.depth, p.verbatim = s, 0, 0, verbatim
	p.skipWS()
	v, err := p.value()
	if err != nil {
		return Value{}, err
	}
	p.skipWS()
	if p.i < len(p.s) {
		return Value{}, p.errf("trailing characters")
	}
	return v, nil
}

// maxPooledScratch caps the scratch a pooled parser keeps, so one huge
// document does not pin its buffers for the life of the process.
const maxPooledScratch = 1 << 12

var parserPool = sync.Pool{New: func() any { return new(parser) }}

func (p *parser) release() {
	p.s = ""
	if cap(p.vals) > maxPooledScratch || cap(p.mems) > maxPooledScratch || cap(p.buf) > 16*maxPooledScratch {
		return
	}
	parserPool.Put(p)
}

// Valid reports whether s is a document Parse accepts.
func Valid(s string) bool {
	_, err := ParseString(s)
	return err == nil
}

type parser struct {
	s     string
	i     int
	depth int
	// verbatim keeps number tokens exactly as written (ParseVerbatim).
	verbatim bool
	// Scratch stacks: each container collects its children here and copies
	// them out at the end, so a container costs exactly one allocation.
	vals []Value
	mems []Member
	buf  []byte // unescaping scratch
}

func (p *parser) errf(format string, args ...any) error {
	return &SyntaxError{Offset: p.i, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) skipWS() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) value() (Value, error) {
	if p.i >= len(p.s) {
		return Value{}, p.errf("unexpected end of input while parsing a value")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.str()
		if err != nil {
			return Value{}, err
		}
		return Value{kind: String, s: s}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return p.literal("true", Value{kind: Bool, b: true})
	case c == 'f':
		return p.literal("false", Value{kind: Bool})
	case c == 'n':
		return p.literal("null", Value{})
	default:
		return Value{}, p.errf("expected value, found %q", rune(c))
	}
}

func (p *parser) literal(word string, v Value) (Value, error) {
	if len(p.s)-p.i >= len(word) && p.s[p.i:p.i+len(word)] == word {
		p.i += len(word)
		return v, nil
	}
	return Value{}, p.errf("expected %q", word)
}

func (p *parser) enter() error {
	p.depth++
	if p.depth >= MaxDepth {
		return p.errf("recursion limit exceeded")
	}
	return nil
}

func (p *parser) array() (Value, error) {
	if err := p.enter(); err != nil {
		return Value{}, err
	}
	p.i++ // '['
	base := len(p.vals)
	p.skipWS()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		p.depth--
		return Value{kind: Array, arr: []Value{}}, nil
	}
	for {
		p.skipWS()
		v, err := p.value()
		if err != nil {
			p.vals = p.vals[:base]
			return Value{}, err
		}
		p.vals = append(p.vals, v)
		p.skipWS()
		if p.i >= len(p.s) {
			p.vals = p.vals[:base]
			return Value{}, p.errf("unexpected end of input while parsing a list")
		}
		c := p.s[p.i]
		p.i++
		if c == ']' {
			break
		}
		if c != ',' {
			p.i--
			p.vals = p.vals[:base]
			return Value{}, p.errf("expected ',' or ']'")
		}
	}
	items := make([]Value, len(p.vals)-base)
	copy(items, p.vals[base:])
	clear(p.vals[base:]) // drop references held by the scratch stack
	p.vals = p.vals[:base]
	p.depth--
	return Value{kind: Array, arr: items}, nil
}

func (p *parser) object() (Value, error) {
	if err := p.enter(); err != nil {
		return Value{}, err
	}
	p.i++ // '{'
	base := len(p.mems)
	fail := func(err error) (Value, error) {
		clear(p.mems[base:])
		p.mems = p.mems[:base]
		return Value{}, err
	}
	p.skipWS()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		p.depth--
		return Value{kind: Object, obj: []Member{}}, nil
	}
	dup := false
	for {
		p.skipWS()
		if p.i >= len(p.s) {
			return fail(p.errf("unexpected end of input while parsing an object"))
		}
		if p.s[p.i] != '"' {
			return fail(p.errf("key must be a string"))
		}
		key, err := p.str()
		if err != nil {
			return fail(err)
		}
		p.skipWS()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return fail(p.errf("expected ':'"))
		}
		p.i++
		p.skipWS()
		v, err := p.value()
		if err != nil {
			return fail(err)
		}
		// Duplicate keys are rare; detect them cheaply for small objects and
		// resolve them once at the end.
		if !dup && len(p.mems)-base <= indexThreshold {
			for j := base; j < len(p.mems); j++ {
				if p.mems[j].Key == key {
					dup = true
					break
				}
			}
		} else if !dup {
			dup = true // large object: let the builder check precisely
		}
		p.mems = append(p.mems, Member{Key: key, Value: v})
		p.skipWS()
		if p.i >= len(p.s) {
			return fail(p.errf("unexpected end of input while parsing an object"))
		}
		c := p.s[p.i]
		p.i++
		if c == '}' {
			break
		}
		if c != ',' {
			p.i--
			return fail(p.errf("expected ',' or '}'"))
		}
	}
	var members []Member
	if dup {
		var ob ObjectBuilder
		for _, m := range p.mems[base:] {
			ob.Set(m.Key, m.Value)
		}
		members = ob.members
	} else {
		members = make([]Member, len(p.mems)-base)
		copy(members, p.mems[base:])
	}
	clear(p.mems[base:])
	p.mems = p.mems[:base]
	p.depth--
	return Value{kind: Object, obj: members}, nil
}

// str parses a string token starting at the opening quote.
func (p *parser) str() (string, error) {
	p.i++ // opening quote
	start := p.i
	// Fast path: no escapes, so the result is a substring of the input.
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			s := p.s[start:p.i]
			p.i++
			return s, nil
		case c == '\\':
			return p.strEscaped(start)
		case c < 0x20:
			return "", p.errf("control character (\\u0000-\\u001F) found while parsing a string")
		case c < utf8.RuneSelf:
			p.i++
		default:
			r, size := utf8.DecodeRuneInString(p.s[p.i:])
			if r == utf8.RuneError && size <= 1 {
				return "", p.errf("invalid UTF-8 in string")
			}
			p.i += size
		}
	}
	return "", p.errf("unexpected end of input while parsing a string")
}

func (p *parser) strEscaped(start int) (string, error) {
	buf := append(p.buf[:0], p.s[start:p.i]...)
	defer func() { p.buf = buf[:0] }()
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return string(buf), nil
		case c == '\\':
			p.i++
			if p.i >= len(p.s) {
				return "", p.errf("unexpected end of input while parsing a string")
			}
			e := p.s[p.i]
			p.i++
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
				r, err := p.unicodeEscape()
				if err != nil {
					return "", err
				}
				buf = utf8.AppendRune(buf, r)
			default:
				p.i--
				return "", p.errf("invalid escape")
			}
		case c < 0x20:
			return "", p.errf("control character (\\u0000-\\u001F) found while parsing a string")
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			p.i++
		default:
			r, size := utf8.DecodeRuneInString(p.s[p.i:])
			if r == utf8.RuneError && size <= 1 {
				return "", p.errf("invalid UTF-8 in string")
			}
			buf = append(buf, p.s[p.i:p.i+size]...)
			p.i += size
		}
	}
	return "", p.errf("unexpected end of input while parsing a string")
}

// unicodeEscape decodes the XXXX of \uXXXX (p.i just past the 'u') and, for
// a leading surrogate, the trailing \uXXXX it requires; like serde_json on a
// &str, a lone surrogate of either kind is an error.
func (p *parser) unicodeEscape() (rune, error) {
	n, err := p.hex4()
	if err != nil {
		return 0, err
	}
	if n >= 0xDC00 && n <= 0xDFFF {
		return 0, p.errf("lone trailing surrogate in hex escape")
	}
	if n < 0xD800 || n > 0xDBFF {
		return rune(n), nil
	}
	if p.i+1 >= len(p.s) || p.s[p.i] != '\\' || p.s[p.i+1] != 'u' {
		return 0, p.errf("unexpected end of hex escape")
	}
	p.i += 2
	n2, err := p.hex4()
	if err != nil {
		return 0, err
	}
	if n2 < 0xDC00 || n2 > 0xDFFF {
		return 0, p.errf("lone leading surrogate in hex escape")
	}
	return rune((n-0xD800)<<10|(n2-0xDC00)) + 0x10000, nil
}

func (p *parser) hex4() (uint32, error) {
	var n uint32
	for k := 0; k < 4; k++ {
		if p.i >= len(p.s) {
			return 0, p.errf("unexpected end of input in hex escape")
		}
		c := p.s[p.i]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, p.errf("invalid escape")
		}
		n = n<<4 | uint32(d)
		p.i++
	}
	return n, nil
}

// number scans a number token with serde_json's grammar and returns it with
// its literal normalised (see Parse).
func (p *parser) number() (Value, error) {
	start := p.i
	end, err := scanNumber(p.s, p.i)
	if err != nil {
		p.i = end
		return Value{}, err
	}
	p.i = end
	if p.verbatim {
		return Value{kind: Number, s: p.s[start:end]}, nil
	}
	return Value{kind: Number, s: normalizeNumber(p.s[start:end])}, nil
}

// scanNumber returns the end of the number token at s[i:].
func scanNumber(s string, i int) (int, error) {
	bad := func(at int, msg string) (int, error) {
		return at, &SyntaxError{Offset: at, Msg: msg}
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i >= len(s) {
		return bad(i, "unexpected end of input while parsing a number")
	}
	switch c := s[i]; {
	case c == '0':
		i++
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			return bad(i, "invalid number")
		}
	case c >= '1' && c <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return bad(i, "invalid number")
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return bad(i, "invalid number")
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return bad(i, "invalid number")
		}
	}
	return i, nil
}

func isNumberLiteral(s string) bool {
	end, err := scanNumber(s, 0)
	return err == nil && end == len(s)
}

// normalizeNumber rewrites a valid number token the way serde_json's
// arbitrary_precision scanner stores it.
func normalizeNumber(lit string) string {
	if lit == "-0" {
		return "0"
	}
	e := -1
	for k := 0; k < len(lit); k++ {
		if lit[k] == 'e' || lit[k] == 'E' {
			e = k
			break
		}
	}
	if e < 0 {
		return lit
	}
	if lit[e] == 'e' && e+1 < len(lit) && (lit[e+1] == '+' || lit[e+1] == '-') {
		return lit
	}
	out := make([]byte, 0, len(lit)+1)
	out = append(out, lit[:e]...)
	out = append(out, 'e')
	rest := lit[e+1:]
	if rest[0] != '+' && rest[0] != '-' {
		out = append(out, '+')
	}
	out = append(out, rest...)
	return string(out)
}
