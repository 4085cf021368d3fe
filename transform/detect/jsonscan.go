package detect

import (
	"unicode/utf8"
)

// The JSON tier must accept exactly the texts the reference accepts: it
// parses with serde_json into a Value, built with the arbitrary_precision and
// raw_value features. This scanner checks that grammar without building
// anything, and reports only what detection needs: the number of top-level
// items and whether each of them is an object. Its rules, all from
// serde_json, differ from encoding/json in places:
//   - nesting is limited: the 128th open container is an error;
//   - escapes must pair UTF-16 surrogates (a lone surrogate is an error);
//   - number size is not checked (arbitrary_precision keeps the digits);
//   - an object whose first key is one of serde_json's private marker keys
//     is not an object: {"$serde_json::private::Number":"1"} is the number 1
//     and {"$serde_json::private::RawValue":"<json>"} is whatever <json>
//     parses to; either form must then close immediately.
//
// Invalid UTF-8, which a Rust &str cannot hold, is rejected inside strings.

// serdeRecursionLimit is serde_json's default remaining_depth.
const serdeRecursionLimit = 128

// Marker keys through which serde_json's Value deserializer smuggles
// arbitrary-precision numbers and raw values.
const (
	serdeNumberToken = "$serde_json::private::Number"
	serdeRawToken    = "$serde_json::private::RawValue"
)

// jsonArrayShape parses s as one complete JSON document and, when it is an
// array, returns its length and whether every element is an object.
func jsonArrayShape(s string) (items int, allObjects bool, ok bool) {
	p := jsonScanner{s: s}
	p.skipSpace()
	if !p.eat('[') || !p.enter() {
		return 0, false, false
	}
	allObjects = true
	p.skipSpace()
	if !p.eat(']') {
		for {
			isObject, ok := p.value()
			if !ok {
				return 0, false, false
			}
			items++
			allObjects = allObjects && isObject
			p.skipSpace()
			if p.eat(']') {
				break
			}
			if !p.eat(',') {
				return 0, false, false
			}
		}
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return 0, false, false
	}
	return items, items > 0 && allObjects, true
}

// parseJSONDocument validates s as a complete JSON document (surrounding
// whitespace allowed) and reports whether its value is an object.
func parseJSONDocument(s string) (isObject bool, ok bool) {
	p := jsonScanner{s: s}
	isObject, ok = p.value()
	if !ok {
		return false, false
	}
	p.skipSpace()
	return isObject, p.i == len(p.s)
}

type jsonScanner struct {
	s     string
	i     int
	depth int
}

func (p *jsonScanner) skipSpace() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonScanner) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *jsonScanner) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// enter accounts for one more open container.
func (p *jsonScanner) enter() bool {
	p.depth++
	return p.depth < serdeRecursionLimit
}

// value parses one value after optional whitespace and reports whether the
// Value it deserialises to is an object.
func (p *jsonScanner) value() (isObject bool, ok bool) {
	p.skipSpace()
	switch c := p.peek(); {
	case c == '{':
		p.i++
		return p.object()
	case c == '[':
		p.i++
		return false, p.array()
	case c == '"':
		_, _, ok := p.str()
		return false, ok
	case c == '-' || ('0' <= c && c <= '9'):
		return false, p.number()
	case c == 't':
		return false, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return false, p.literal("null")
	}
	return false, false
}

func (p *jsonScanner) literal(word string) bool {
	if len(p.s)-p.i >= len(word) && p.s[p.i:p.i+len(word)] == word {
		p.i += len(word)
		return true
	}
	return false
}

// array parses the rest of an array whose '[' was consumed.
func (p *jsonScanner) array() bool {
	if !p.enter() {
		return false
	}
	p.skipSpace()
	if !p.eat(']') {
		for {
			if _, ok := p.value(); !ok {
				return false
			}
			p.skipSpace()
			if p.eat(']') {
				break
			}
			if !p.eat(',') {
				return false
			}
		}
	}
	p.depth--
	return true
}

// object parses the rest of an object whose '{' was consumed.
func (p *jsonScanner) object() (isObject bool, ok bool) {
	if !p.enter() {
		return false, false
	}
	p.skipSpace()
	if p.eat('}') {
		p.depth--
		return true, true
	}
	if p.peek() != '"' {
		return false, false
	}
	key, escaped, ok := p.str()
	if !ok || !p.colon() {
		return false, false
	}
	switch marker := markerKey(key, escaped); marker {
	case serdeNumberToken, serdeRawToken:
		isObject, ok := p.markerValue(marker)
		if !ok {
			return false, false
		}
		// The marker must be the object's only entry.
		p.skipSpace()
		if !p.eat('}') {
			return false, false
		}
		p.depth--
		return isObject, true
	}
	if _, ok := p.value(); !ok {
		return false, false
	}
	for {
		p.skipSpace()
		if p.eat('}') {
			break
		}
		if !p.eat(',') {
			return false, false
		}
		p.skipSpace()
		if p.peek() != '"' {
			return false, false
		}
		if _, _, ok := p.str(); !ok || !p.colon() {
			return false, false
		}
		if _, ok := p.value(); !ok {
			return false, false
		}
	}
	p.depth--
	return true, true
}

func (p *jsonScanner) colon() bool {
	p.skipSpace()
	return p.eat(':')
}

// markerKey returns the decoded key when it is one of serde_json's marker
// keys and "" otherwise.
func markerKey(raw string, escaped bool) string {
	key := raw
	if escaped {
		if len(raw) > 6*len(serdeRawToken) { // longer than any escaped spelling
			return ""
		}
		key = string(decodeJSONString(raw))
	}
	if key == serdeNumberToken || key == serdeRawToken {
		return key
	}
	return ""
}

// markerValue parses the string value of a marker entry and reports whether
// the Value it stands for is an object.
func (p *jsonScanner) markerValue(marker string) (isObject bool, ok bool) {
	p.skipSpace()
	if p.peek() != '"' {
		return false, false
	}
	raw, escaped, ok := p.str()
	if !ok {
		return false, false
	}
	text := raw
	if escaped {
		text = string(decodeJSONString(raw))
	}
	if marker == serdeNumberToken {
		q := jsonScanner{s: text}
		return false, q.number() && q.i == len(text)
	}
	// A raw value is parsed afresh, with its own recursion budget.
	return parseJSONDocument(text)
}

// number consumes `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
func (p *jsonScanner) number() bool {
	p.eat('-')
	switch c := p.peek(); {
	case c == '0':
		p.i++
		if d := p.peek(); '0' <= d && d <= '9' {
			return false // serde_json rejects leading zeros
		}
	case '1' <= c && c <= '9':
		p.digits()
	default:
		return false
	}
	if p.eat('.') && p.digits() == 0 {
		return false
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		p.i++
		if c := p.peek(); c == '+' || c == '-' {
			p.i++
		}
		if p.digits() == 0 {
			return false
		}
	}
	return true
}

func (p *jsonScanner) digits() int {
	start := p.i
	for p.i < len(p.s) && '0' <= p.s[p.i] && p.s[p.i] <= '9' {
		p.i++
	}
	return p.i - start
}

// str consumes a string token starting at '"' and returns its raw contents
// (between the quotes) and whether they contain escapes.
func (p *jsonScanner) str() (raw string, escaped bool, ok bool) {
	p.i++ // opening quote
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			raw = p.s[start:p.i]
			p.i++
			return raw, escaped, true
		case c == '\\':
			escaped = true
			p.i++
			if !p.escape() {
				return "", false, false
			}
		case c < 0x20:
			return "", false, false
		case c < utf8.RuneSelf:
			p.i++
		default:
			r, size := utf8.DecodeRuneInString(p.s[p.i:])
			if r == utf8.RuneError && size == 1 {
				return "", false, false
			}
			p.i += size
		}
	}
	return "", false, false
}

// escape validates one escape sequence after its backslash.
func (p *jsonScanner) escape() bool {
	switch p.peek() {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		p.i++
		return true
	case 'u':
		p.i++
	default:
		return false
	}
	n, ok := p.hex4()
	switch {
	case !ok:
		return false
	case n >= 0xDC00 && n <= 0xDFFF:
		return false // a trailing surrogate cannot come first
	case n < 0xD800 || n > 0xDBFF:
		return true
	}
	// A leading surrogate must be followed by an escaped trailing one.
	if !p.eat('\\') || !p.eat('u') {
		return false
	}
	n2, ok := p.hex4()
	return ok && n2 >= 0xDC00 && n2 <= 0xDFFF
}

func (p *jsonScanner) hex4() (rune, bool) {
	if len(p.s)-p.i < 4 {
		return 0, false
	}
	var n rune
	for _, c := range []byte(p.s[p.i : p.i+4]) {
		v, ok := hexDigit(c)
		if !ok {
			return 0, false
		}
		n = n<<4 | v
	}
	p.i += 4
	return n, true
}

func hexDigit(c byte) (rune, bool) {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0'), true
	case 'a' <= c && c <= 'f':
		return rune(c-'a') + 10, true
	case 'A' <= c && c <= 'F':
		return rune(c-'A') + 10, true
	}
	return 0, false
}

// decodeJSONString decodes the contents of a string token that the scanner
// has already validated.
func decodeJSONString(raw string) []byte {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		e := raw[i+1]
		i += 2
		switch e {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			q := jsonScanner{s: raw, i: i}
			r, _ := q.hex4()
			if r >= 0xD800 && r <= 0xDBFF {
				q.i += 2 // the validated "\u" of the trailing surrogate
				lo, _ := q.hex4()
				r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
			}
			out = utf8.AppendRune(out, r)
			i = q.i
		default: // '"', '\\', '/'
			out = append(out, e)
		}
	}
	return out
}
