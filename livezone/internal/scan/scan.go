// Package scan indexes a JSON document in one pass: it validates the whole
// document with the rules serde_json applies to a request body and records,
// for every value and object key, its kind and exact byte range, so callers
// can navigate to a string literal and replace exactly its bytes.
//
// Nothing is decoded or copied during the pass; string text is decoded on
// demand by Doc.Text. The index is a flat slice of nodes in document order
// (a container is followed by its children, an object's children alternate
// key and value), linked to their next sibling, so a Doc can be reused across
// documents without allocating once its slice has grown.
package scan

import (
	"fmt"
	"math"
	"unicode/utf8"
)

// MaxDepth is the container nesting at which a document is refused. It
// matches internal/jsonx (and serde_json's recursion limit): the reference
// proxy passes a document it cannot parse through untouched, so refusing
// the same documents keeps our decisions identical.
const MaxDepth = 128

// Kind is the JSON type of a node.
type Kind uint8

// Node kinds.
const (
	Invalid Kind = iota // returned for out-of-range indices
	Object
	Array
	String
	Number
	True
	False
	Null
)

// Node is one value or object key. Start and End delimit its bytes in the
// source; for a string they include the quotes.
type Node struct {
	Start, End int32
	// Next is the index of the following sibling in the same container
	// (for an object key, its value; for a member value, the next key),
	// or -1.
	Next int32
	// Len is the number of children of a container: items of an array,
	// keys plus values of an object.
	Len  int32
	Kind Kind
	// Escaped reports a string containing backslash escapes, whose text
	// therefore differs from its raw bytes.
	Escaped bool
}

// SyntaxError says why a document is not accepted and where.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("scan: %s at offset %d", e.Msg, e.Offset)
}

// Doc is an indexed document. The zero value is ready for Parse; a Doc is
// not safe for concurrent use.
type Doc struct {
	src   []byte
	nodes []Node
	depth int
	pos   int
}

// Parse indexes src, replacing any earlier document. It accepts exactly
// what internal/jsonx.Parse accepts: one value surrounded by optional JSON
// whitespace, no control characters in strings, valid UTF-8, paired
// surrogate escapes only, nesting below MaxDepth. The Doc keeps a
// reference to src until the next Parse or Reset.
func (d *Doc) Parse(src []byte) error {
	if len(src) > math.MaxInt32 {
		return &SyntaxError{Offset: 0, Msg: "document larger than 2 GiB"}
	}
	d.src, d.nodes, d.depth, d.pos = src, d.nodes[:0], 0, 0
	d.skipWS()
	if err := d.value(); err != nil {
		d.nodes = d.nodes[:0]
		return err
	}
	d.skipWS()
	if d.pos < len(d.src) {
		d.nodes = d.nodes[:0]
		return d.errf("trailing characters")
	}
	return nil
}

// Reset drops the reference to the last document and keeps the index
// storage for reuse.
func (d *Doc) Reset() {
	d.src = nil
	d.nodes = d.nodes[:0]
}

// Cap reports how many nodes the Doc can index without growing.
func (d *Doc) Cap() int { return cap(d.nodes) }

// Src returns the indexed document.
func (d *Doc) Src() []byte { return d.src }

// Len returns the number of nodes.
func (d *Doc) Len() int { return len(d.nodes) }

// Node returns node i; an index outside the document gives a Node of kind
// Invalid.
func (d *Doc) Node(i int) Node {
	if i < 0 || i >= len(d.nodes) {
		return Node{Kind: Invalid, Next: -1}
	}
	return d.nodes[i]
}

// Kind returns the kind of node i (Invalid when out of range).
func (d *Doc) Kind(i int) Kind { return d.Node(i).Kind }

// FirstChild returns the index of the first child of container i, or -1.
func (d *Doc) FirstChild(i int) int {
	n := d.Node(i)
	if (n.Kind != Object && n.Kind != Array) || n.Len == 0 {
		return -1
	}
	return i + 1
}

// NextSibling returns the index of the sibling after node i, or -1.
func (d *Doc) NextSibling(i int) int { return int(d.Node(i).Next) }

// Field returns the value of key in object obj, taking the last member when
// the key repeats (serde_json's map semantics), and how many members have
// that key. It returns (-1, 0) when obj is not an object or lacks the key.
func (d *Doc) Field(obj int, key string) (val, count int) {
	val = -1
	if d.Kind(obj) != Object {
		return -1, 0
	}
	for k := d.FirstChild(obj); k >= 0; {
		v := int(d.nodes[k].Next)
		if d.StringEquals(k, key) {
			val = v
			count++
		}
		k = int(d.nodes[v].Next)
	}
	return val, count
}

// StringEquals reports whether node i is a string whose text is s. It does
// not allocate unless the literal is escaped.
func (d *Doc) StringEquals(i int, s string) bool {
	n := d.Node(i)
	if n.Kind != String {
		return false
	}
	raw := d.src[n.Start+1 : n.End-1]
	if !n.Escaped {
		return string(raw) == s
	}
	if len(raw) < len(s) {
		return false // escapes never make the text longer than the literal
	}
	var buf [64]byte
	return string(unescape(buf[:0], raw)) == s
}

// Text returns the decoded text of string node i, and false when i is not
// a string.
func (d *Doc) Text(i int) (string, bool) {
	n := d.Node(i)
	if n.Kind != String {
		return "", false
	}
	raw := d.src[n.Start+1 : n.End-1]
	if !n.Escaped {
		return string(raw), true
	}
	return string(unescape(make([]byte, 0, len(raw)), raw)), true
}

// Raw returns the source bytes of node i (nil when out of range).
func (d *Doc) Raw(i int) []byte {
	n := d.Node(i)
	if n.Kind == Invalid {
		return nil
	}
	return d.src[n.Start:n.End]
}

func (d *Doc) errf(format string, args ...any) error {
	return &SyntaxError{Offset: d.pos, Msg: fmt.Sprintf(format, args...)}
}

func (d *Doc) skipWS() {
	for d.pos < len(d.src) {
		switch d.src[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *Doc) push(k Kind) int {
	d.nodes = append(d.nodes, Node{Start: int32(d.pos), Next: -1, Kind: k})
	return len(d.nodes) - 1
}

func (d *Doc) value() error {
	if d.pos >= len(d.src) {
		return d.errf("unexpected end of input while parsing a value")
	}
	switch c := d.src[d.pos]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		return d.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	case c == 't':
		return d.literal("true", True)
	case c == 'f':
		return d.literal("false", False)
	case c == 'n':
		return d.literal("null", Null)
	default:
		return d.errf("expected value, found %q", rune(c))
	}
}

func (d *Doc) literal(word string, k Kind) error {
	if len(d.src)-d.pos < len(word) || string(d.src[d.pos:d.pos+len(word)]) != word {
		return d.errf("expected %q", word)
	}
	i := d.push(k)
	d.pos += len(word)
	d.nodes[i].End = int32(d.pos)
	return nil
}

func (d *Doc) enter() error {
	d.depth++
	if d.depth >= MaxDepth {
		return d.errf("recursion limit exceeded")
	}
	return nil
}

func (d *Doc) array() error {
	if err := d.enter(); err != nil {
		return err
	}
	self := d.push(Array)
	d.pos++ // '['
	d.skipWS()
	if d.pos < len(d.src) && d.src[d.pos] == ']' {
		d.pos++
		d.nodes[self].End = int32(d.pos)
		d.depth--
		return nil
	}
	prev, n := -1, int32(0)
	for {
		d.skipWS()
		idx := len(d.nodes)
		if err := d.value(); err != nil {
			return err
		}
		if prev >= 0 {
			d.nodes[prev].Next = int32(idx)
		}
		prev = idx
		n++
		d.skipWS()
		if d.pos >= len(d.src) {
			return d.errf("unexpected end of input while parsing a list")
		}
		c := d.src[d.pos]
		if c == ']' {
			d.pos++
			break
		}
		if c != ',' {
			return d.errf("expected ',' or ']'")
		}
		d.pos++
	}
	d.nodes[self].End = int32(d.pos)
	d.nodes[self].Len = n
	d.depth--
	return nil
}

func (d *Doc) object() error {
	if err := d.enter(); err != nil {
		return err
	}
	self := d.push(Object)
	d.pos++ // '{'
	d.skipWS()
	if d.pos < len(d.src) && d.src[d.pos] == '}' {
		d.pos++
		d.nodes[self].End = int32(d.pos)
		d.depth--
		return nil
	}
	prev, n := -1, int32(0)
	for {
		d.skipWS()
		if d.pos >= len(d.src) {
			return d.errf("unexpected end of input while parsing an object")
		}
		if d.src[d.pos] != '"' {
			return d.errf("key must be a string")
		}
		key := len(d.nodes)
		if err := d.str(); err != nil {
			return err
		}
		if prev >= 0 {
			d.nodes[prev].Next = int32(key)
		}
		d.skipWS()
		if d.pos >= len(d.src) || d.src[d.pos] != ':' {
			return d.errf("expected ':'")
		}
		d.pos++
		d.skipWS()
		val := len(d.nodes)
		if err := d.value(); err != nil {
			return err
		}
		d.nodes[key].Next = int32(val)
		prev = val
		n += 2
		d.skipWS()
		if d.pos >= len(d.src) {
			return d.errf("unexpected end of input while parsing an object")
		}
		c := d.src[d.pos]
		if c == '}' {
			d.pos++
			break
		}
		if c != ',' {
			return d.errf("expected ',' or '}'")
		}
		d.pos++
	}
	d.nodes[self].End = int32(d.pos)
	d.nodes[self].Len = n
	d.depth--
	return nil
}

// plain marks the ASCII bytes a string may contain without further
// checks: everything from 0x20 except '"' and '\\'.
var plain = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func (d *Doc) str() error {
	self := d.push(String)
	d.pos++ // opening quote
	src := d.src
	i := d.pos
	for i < len(src) {
		c := src[i]
		if c < utf8.RuneSelf {
			if plain[c] {
				i++
				continue
			}
			switch c {
			case '"':
				d.pos = i + 1
				d.nodes[self].End = int32(d.pos)
				return nil
			case '\\':
				d.nodes[self].Escaped = true
				d.pos = i
				if err := d.escape(); err != nil {
					return err
				}
				i = d.pos
				continue
			}
			d.pos = i
			return d.errf("control character (\\u0000-\\u001F) found while parsing a string")
		}
		r, size := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && size <= 1 {
			d.pos = i
			return d.errf("invalid UTF-8 in string")
		}
		i += size
	}
	d.pos = i
	return d.errf("unexpected end of input while parsing a string")
}

// escape checks the escape sequence at d.pos (the backslash) and moves past
// it.
func (d *Doc) escape() error {
	d.pos++
	if d.pos >= len(d.src) {
		return d.errf("unexpected end of input while parsing a string")
	}
	switch d.src[d.pos] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		d.pos++
		return nil
	case 'u':
		d.pos++
		n, err := d.hex4()
		if err != nil {
			return err
		}
		if n >= 0xDC00 && n <= 0xDFFF {
			return d.errf("lone trailing surrogate in hex escape")
		}
		if n < 0xD800 || n > 0xDBFF {
			return nil
		}
		if d.pos+1 >= len(d.src) || d.src[d.pos] != '\\' || d.src[d.pos+1] != 'u' {
			return d.errf("unexpected end of hex escape")
		}
		d.pos += 2
		n2, err := d.hex4()
		if err != nil {
			return err
		}
		if n2 < 0xDC00 || n2 > 0xDFFF {
			return d.errf("lone leading surrogate in hex escape")
		}
		return nil
	}
	return d.errf("invalid escape")
}

func (d *Doc) hex4() (uint32, error) {
	var n uint32
	for k := 0; k < 4; k++ {
		if d.pos >= len(d.src) {
			return 0, d.errf("unexpected end of input in hex escape")
		}
		v, ok := hexVal(d.src[d.pos])
		if !ok {
			return 0, d.errf("invalid escape")
		}
		n = n<<4 | v
		d.pos++
	}
	return n, nil
}

func hexVal(c byte) (uint32, bool) {
	switch {
	case c >= '0' && c <= '9':
		return uint32(c - '0'), true
	case c >= 'a' && c <= 'f':
		return uint32(c-'a') + 10, true
	case c >= 'A' && c <= 'F':
		return uint32(c-'A') + 10, true
	}
	return 0, false
}

func (d *Doc) number() error {
	self := d.push(Number)
	s, i := d.src, d.pos
	bad := func(at int) error {
		d.pos = at
		return d.errf("invalid number")
	}
	if s[i] == '-' {
		i++
	}
	if i >= len(s) {
		d.pos = i
		return d.errf("unexpected end of input while parsing a number")
	}
	switch c := s[i]; {
	case c == '0':
		i++
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			return bad(i)
		}
	case c >= '1' && c <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return bad(i)
	}
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return bad(i)
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return bad(i)
		}
	}
	d.pos = i
	d.nodes[self].End = int32(i)
	return nil
}

// unescape appends the text of a validated string literal body (without
// quotes) to dst.
func unescape(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			dst = append(dst, c)
			i++
			continue
		}
		e := raw[i+1]
		i += 2
		switch e {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := rune(hex4(raw[i:]))
			i += 4
			if r >= 0xD800 && r <= 0xDBFF {
				lo := rune(hex4(raw[i+2:]))
				i += 6
				r = (r-0xD800)<<10 | (lo - 0xDC00) + 0x10000
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\', '/'
			dst = append(dst, e)
		}
	}
	return dst
}

func hex4(b []byte) uint32 {
	var n uint32
	for _, c := range b[:4] {
		v, _ := hexVal(c)
		n = n<<4 | v
	}
	return n
}
