package parity

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Difference locates the first place where an actual JSON value departs from
// the expected one.
type Difference struct {
	// Path is a JSONPath-style location such as $.output.stats[3].count.
	Path string
	// Expected and Actual are compact JSON renderings of the two values at
	// Path, shortened around the first differing byte when they are long.
	// A side that has no value at Path reads "<absent>".
	Expected, Actual string
	// Detail explains differences the renderings alone do not make obvious,
	// e.g. where two long strings first differ. Often empty.
	Detail string
}

func (d *Difference) String() string {
	s := fmt.Sprintf("%s: expected %s, actual %s", d.Path, d.Expected, d.Actual)
	if d.Detail != "" {
		s += " (" + d.Detail + ")"
	}
	return s
}

// Compare parses two JSON documents and returns nil when they are equal under
// the harness's equality, or the first Difference found, with paths rooted at
// root (for example "$.output"). A document that does not parse is an error,
// not a difference. Equality is:
//
//   - objects: the same set of keys with equal values; key order is ignored;
//   - arrays: the same length and equal elements in order;
//   - strings: identical decoded bytes (escapes are resolved, so "\u00e9"
//     equals "é");
//   - null and booleans: by value;
//   - two integer literals (an optional '-' and digits only): the same
//     integer, compared digit by digit, so integers beyond 2^53 are never
//     rounded together; "-0" equals "0";
//   - an integer literal never equals a literal with a fraction or exponent:
//     1 and 1.0 differ, as int and float do in Python's json.dumps and as
//     the literals do in serde_json's comparison;
//   - two non-integer literals (including NaN, Infinity and -Infinity) are
//     parsed to float64 with round-to-nearest and are equal when the results
//     have the same bits or are both NaN. So 1e-05 equals 1e-5, 0.1 equals
//     0.10000000000000001, 1.0 equals 1.00 and 1e2 equals 100.0, while 0.0
//     and -0.0 differ (Python prints them differently). Literals beyond the
//     float64 range parse to ±Inf.
func Compare(expected, actual []byte, root string) (*Difference, error) {
	want, err := parseJSON(expected)
	if err != nil {
		return nil, fmt.Errorf("expected: %w", err)
	}
	got, err := parseJSON(actual)
	if err != nil {
		return nil, fmt.Errorf("actual: %w", err)
	}
	return diffValues(&want, &got, root), nil
}

// numbersEqual implements the number rule documented on Compare.
func numbersEqual(a, b string) bool {
	aInt, bInt := isIntegerLiteral(a), isIntegerLiteral(b)
	switch {
	case aInt && bInt:
		return canonicalInteger(a) == canonicalInteger(b)
	case aInt != bInt:
		return false
	}
	x, y := parseFloatLiteral(a), parseFloatLiteral(b)
	if math.IsNaN(x) || math.IsNaN(y) {
		return math.IsNaN(x) && math.IsNaN(y)
	}
	return math.Float64bits(x) == math.Float64bits(y)
}

func isIntegerLiteral(s string) bool {
	return !strings.ContainsAny(s, ".eEIN")
}

// canonicalInteger maps "-0" to "0"; JSON forbids leading zeros, so every
// other integer already has exactly one literal.
func canonicalInteger(s string) string {
	if s == "-0" {
		return "0"
	}
	return s
}

func parseFloatLiteral(s string) float64 {
	switch s {
	case "NaN":
		return math.NaN()
	case "Infinity":
		return math.Inf(1)
	case "-Infinity":
		return math.Inf(-1)
	}
	// The parser admitted only RFC 8259 number syntax, so the only possible
	// error is ErrRange, for which ParseFloat already returns ±Inf or 0.
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

const absent = "<absent>"

// diffValues returns the first difference between want and got, with its
// path rooted at root.
func diffValues(want, got *value, root string) *Difference {
	d := diffAt(want, got)
	if d != nil {
		d.Path = root + d.Path
	}
	return d
}

// diffAt compares two values and returns the first difference with a path
// relative to them. Path steps are prepended while the recursion unwinds, so
// equal documents build no path strings at all.
func diffAt(want, got *value) *Difference {
	if want.kind != got.kind {
		return &Difference{Expected: render(want), Actual: render(got),
			Detail: fmt.Sprintf("%s vs %s", want.kind, got.kind)}
	}
	switch want.kind {
	case kindNull:
		return nil
	case kindBool:
		if want.boolean != got.boolean {
			return &Difference{Expected: render(want), Actual: render(got)}
		}
	case kindNumber:
		if !numbersEqual(want.text, got.text) {
			d := &Difference{Expected: want.text, Actual: got.text}
			if isIntegerLiteral(want.text) != isIntegerLiteral(got.text) {
				d.Detail = "integer vs float literal"
			}
			return d
		}
	case kindString:
		if want.text != got.text {
			return stringDifference(want.text, got.text)
		}
	case kindArray:
		for i := range min(len(want.items), len(got.items)) {
			if d := diffAt(&want.items[i], &got.items[i]); d != nil {
				d.Path = indexPath(i) + d.Path
				return d
			}
		}
		n := min(len(want.items), len(got.items))
		if len(want.items) == len(got.items) {
			return nil
		}
		detail := fmt.Sprintf("array lengths %d vs %d", len(want.items), len(got.items))
		switch {
		case len(want.items) > n:
			return &Difference{Path: indexPath(n), Expected: render(&want.items[n]), Actual: absent, Detail: detail}
		case len(got.items) > n:
			return &Difference{Path: indexPath(n), Expected: absent, Actual: render(&got.items[n]), Detail: detail}
		}
	case kindObject:
		inGot := newMemberFinder(got)
		for i := range want.members {
			m := &want.members[i]
			other, ok := inGot.find(m.key)
			if !ok {
				return &Difference{Path: keyPath(m.key), Expected: render(&m.val), Actual: absent}
			}
			if d := diffAt(&m.val, other); d != nil {
				d.Path = keyPath(m.key) + d.Path
				return d
			}
		}
		// Every expected key was found in got, so a size difference means
		// got has extra keys; only then look for the first of them.
		if len(got.members) == len(want.members) {
			return nil
		}
		inWant := newMemberFinder(want)
		for i := range got.members {
			m := &got.members[i]
			if _, ok := inWant.find(m.key); !ok {
				return &Difference{Path: keyPath(m.key), Expected: absent, Actual: render(&m.val)}
			}
		}
	}
	return nil
}

// memberFinder looks keys up in an object; past indexThreshold members it
// uses a map, so comparing two big objects is linear rather than quadratic.
type memberFinder struct {
	obj   *value
	index map[string]int
}

func newMemberFinder(obj *value) memberFinder {
	f := memberFinder{obj: obj}
	if len(obj.members) > indexThreshold {
		f.index = make(map[string]int, len(obj.members))
		for i := range obj.members {
			f.index[obj.members[i].key] = i
		}
	}
	return f
}

func (f memberFinder) find(key string) (*value, bool) {
	if f.index == nil {
		return f.obj.lookup(key)
	}
	i, ok := f.index[key]
	if !ok {
		return nil, false
	}
	return &f.obj.members[i].val, true
}

// indexPath is the path step for array element i.
func indexPath(i int) string { return "[" + strconv.Itoa(i) + "]" }

// keyPath is the path step for a member: .name for identifier-like keys,
// ["..."] otherwise.
func keyPath(key string) string {
	ident := key != ""
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && isDigit(c)) {
			ident = false
			break
		}
	}
	if ident {
		return "." + key
	}
	var b strings.Builder
	b.WriteByte('[')
	writeQuoted(&b, key)
	b.WriteByte(']')
	return b.String()
}

// renderLimit bounds each rendered value so a diff stays one readable line.
const renderLimit = 160

// stringContext is how many bytes of context to show on each side of the
// first differing byte of two long strings.
const stringContext = 40

func stringDifference(want, got string) *Difference {
	at := 0
	for at < len(want) && at < len(got) && want[at] == got[at] {
		at++
	}
	d := &Difference{}
	if len(want) <= renderLimit && len(got) <= renderLimit {
		d.Expected, d.Actual = quote(want), quote(got)
	} else {
		d.Expected, d.Actual = window(want, at), window(got, at)
	}
	d.Detail = fmt.Sprintf("strings first differ at byte %d; lengths %d vs %d", at, len(want), len(got))
	return d
}

// window renders s around byte offset at, widened to UTF-8 boundaries, with
// an ellipsis outside the quotes wherever text was cut.
func window(s string, at int) string {
	lo, hi := max(at-stringContext, 0), min(at+stringContext, len(s))
	for lo > 0 && !utf8.RuneStart(s[lo]) {
		lo--
	}
	for hi < len(s) && !utf8.RuneStart(s[hi]) {
		hi++
	}
	var b strings.Builder
	if lo > 0 {
		b.WriteString("…")
	}
	writeQuoted(&b, s[lo:hi])
	if hi < len(s) {
		b.WriteString("…")
	}
	return b.String()
}

func quote(s string) string {
	var b strings.Builder
	writeQuoted(&b, s)
	return b.String()
}

// render writes v as compact JSON, cut after renderLimit bytes with the
// full compact size noted.
func render(v *value) string {
	var b strings.Builder
	writeCompact(&b, v)
	if b.Len() <= renderLimit {
		return b.String()
	}
	s := b.String()
	cut := renderLimit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s…(%d bytes)", s[:cut], len(s))
}

func writeCompact(b *strings.Builder, v *value) {
	switch v.kind {
	case kindNull:
		b.WriteString("null")
	case kindBool:
		b.WriteString(strconv.FormatBool(v.boolean))
	case kindNumber:
		b.WriteString(v.text)
	case kindString:
		writeQuoted(b, v.text)
	case kindArray:
		b.WriteByte('[')
		for i := range v.items {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCompact(b, &v.items[i])
		}
		b.WriteByte(']')
	case kindObject:
		b.WriteByte('{')
		for i := range v.members {
			if i > 0 {
				b.WriteByte(',')
			}
			writeQuoted(b, v.members[i].key)
			b.WriteByte(':')
			writeCompact(b, &v.members[i].val)
		}
		b.WriteByte('}')
	}
}

// writeQuoted writes s as a JSON string for display: non-ASCII text stays
// readable, control characters and lone surrogates are escaped.
func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
			i++
		case c == '\n':
			b.WriteString(`\n`)
			i++
		case c == '\r':
			b.WriteString(`\r`)
			i++
		case c == '\t':
			b.WriteString(`\t`)
			i++
		case c < 0x20 || c == 0x7F:
			fmt.Fprintf(b, `\u%04x`, c)
			i++
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				// Only a lone surrogate kept by appendCodePoint gets here.
				if c == 0xED && i+2 < len(s) {
					sur := rune(0xD000) | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F)
					fmt.Fprintf(b, `\u%04x`, sur)
					i += 3
					continue
				}
				fmt.Fprintf(b, `\x%02x`, c)
				i++
				continue
			}
			b.WriteString(s[i : i+size])
			i += size
		}
	}
	b.WriteByte('"')
}
