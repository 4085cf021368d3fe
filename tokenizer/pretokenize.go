package tokenizer

import (
	"sync"
	"unicode"
	"unicode/utf8"
)

// Pre-tokenization cuts text into the pieces byte-pair encoding works on.
// tiktoken publishes each encoding's cut as a regular expression; the
// functions here are hand-written equivalents of those expressions, each
// alternative in the published order, with the backtracking they would do
// worked out in advance. A regexp2 run of the published patterns is kept in
// the tests as the reference, and an equivalence test plus a fuzz target pin
// the two to each other piece by piece.
//
// Every function takes a valid UTF-8 text and the byte offset where a piece
// starts (i < len(text)) and returns the offset where that piece ends, which
// is always past i. They allocate nothing.

// charClass holds the Unicode facts the patterns test, as bits.
type charClass uint8

const (
	clUpper       charClass = 1 << iota // Lu, Lt
	clLower                             // Ll
	clOtherLetter                       // Lm, Lo
	clMark                              // Mn, Mc, Me (\p{M})
	clNumber                            // Nd, Nl, No (\p{N})
	clSpace                             // \s: unicode.IsSpace, which is what regexp2 tests
	clNewline                           // '\r' or '\n'; always set together with clSpace
)

const (
	// clLetter is \p{L}.
	clLetter = clUpper | clLower | clOtherLetter
	// clUpperOrUncased and clLowerOrUncased are o200k_base's two word
	// classes, [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] and [\p{Ll}\p{Lm}\p{Lo}\p{M}].
	// They overlap in clUncased, which is what makes o200k's word rules
	// backtrack.
	clUpperOrUncased = clUpper | clOtherLetter | clMark
	clLowerOrUncased = clLower | clOtherLetter | clMark
	clUncased        = clOtherLetter | clMark
)

// isPrefix reports membership of [^\r\n\p{L}\p{N}], the one optional
// character allowed before a word. Note that it holds marks and spaces.
func (c charClass) isPrefix() bool { return c&(clLetter|clNumber|clNewline) == 0 }

// isPunct reports membership of [^\s\p{L}\p{N}]. It holds marks too.
func (c charClass) isPunct() bool { return c&(clLetter|clNumber|clSpace) == 0 }

func classify(r rune) charClass {
	var c charClass
	switch {
	case unicode.Is(unicode.Lu, r), unicode.Is(unicode.Lt, r):
		c = clUpper
	case unicode.Is(unicode.Ll, r):
		c = clLower
	case unicode.Is(unicode.Lm, r), unicode.Is(unicode.Lo, r):
		c = clOtherLetter
	case unicode.Is(unicode.M, r):
		c = clMark
	case unicode.Is(unicode.N, r):
		c = clNumber
	}
	if unicode.IsSpace(r) {
		c |= clSpace
	}
	if r == '\r' || r == '\n' {
		c |= clNewline
	}
	return c
}

// The classes of ASCII are tabled at init; the rest of the Basic
// Multilingual Plane gets a table on first use (64 KiB, a few milliseconds
// to build) because classifying a rune through the unicode range tables
// costs several binary searches. Runes above it are classified each time.
//
// The ASCII table has 256 entries so that indexing it with any byte needs no
// bounds check; the upper half is never read as a class.
var asciiClasses = func() (t [256]charClass) {
	for r := range rune(utf8.RuneSelf) {
		t[r] = classify(r)
	}
	return t
}()

const bmpSize = 0x10000

var bmpClasses = sync.OnceValue(func() *[bmpSize]charClass {
	t := new([bmpSize]charClass)
	for r := range rune(bmpSize) {
		t[r] = classify(r)
	}
	return t
})

// classAt returns the class and byte length of the rune at text[i:]. The
// loops below repeat its ASCII branch inline because the compiler will not
// inline it.
func classAt(text string, i int) (charClass, int) {
	if c := text[i]; c < utf8.RuneSelf {
		return asciiClasses[c], 1
	}
	return classAtNonASCII(text, i)
}

func classAtNonASCII(text string, i int) (charClass, int) {
	r, size := utf8.DecodeRuneInString(text[i:])
	if r < bmpSize {
		return bmpClasses()[r], size
	}
	return classify(r), size
}

// runEnd returns the end of the run of runes in any of classes starting at i.
func runEnd(text string, i int, classes charClass) int {
	for i < len(text) {
		c, size := asciiClasses[text[i]], 1
		if text[i] >= utf8.RuneSelf {
			c, size = classAtNonASCII(text, i)
		}
		if c&classes == 0 {
			break
		}
		i += size
	}
	return i
}

// contractionLen returns the byte length of 's, 't, 're, 've, 'm, 'll or 'd
// at text[i:], or 0. With fold the letters match in either case, and "s"
// also matches U+017F LATIN SMALL LETTER LONG S: that is its simple case
// folding, which both tiktoken's engine and regexp2 apply under (?i).
func contractionLen(text string, i int, fold bool) int {
	if i+1 >= len(text) || text[i] != '\'' {
		return 0
	}
	lower := func(c byte) byte {
		if fold && 'A' <= c && c <= 'Z' {
			return c + ('a' - 'A')
		}
		return c
	}
	switch lower(text[i+1]) {
	case 's', 't', 'm', 'd':
		return 2
	case 'r', 'v':
		if i+2 < len(text) && lower(text[i+2]) == 'e' {
			return 3
		}
	case 'l':
		if i+2 < len(text) && lower(text[i+2]) == 'l' {
			return 3
		}
	case longS[0]:
		if fold && i+2 < len(text) && text[i+2] == longS[1] {
			return 1 + len(longS)
		}
	}
	return 0
}

const longS = "\u017f"

// whitespaceEnd ends a piece starting with whitespace at i. It is the tail
// shared by every pattern,
//
//	\s*[\r\n]+|\s+(?!\S)|\s+
//
// where newlines says whether the first alternative is present (it is not in
// GPT-2's pattern).
//
// \s*[\r\n]+ matches through the last newline of the whitespace run, because
// \s* first takes the whole run and then gives back until a newline follows.
// \s+(?!\S) takes the whole run at the end of the text; elsewhere it gives
// back the run's last rune, which may then lead the next piece (" word"). A
// run of one rune has nothing to give back and falls through to \s+.
func whitespaceEnd(text string, i int, c0 charClass, size0 int, newlines bool) int {
	// The first rune is taken unexamined: callers reach this only with
	// whitespace at i, and every piece must move past its start.
	last, j, afterNewline := i, i+size0, -1
	if c0&clNewline != 0 {
		afterNewline = j
	}
	for j < len(text) {
		c, size := asciiClasses[text[j]], 1
		if text[j] >= utf8.RuneSelf {
			c, size = classAtNonASCII(text, j)
		}
		if c&clSpace == 0 {
			break
		}
		last = j
		j += size
		if c&clNewline != 0 {
			afterNewline = j
		}
	}
	switch {
	case newlines && afterNewline >= 0:
		return afterNewline
	case j == len(text) || last == i:
		return j
	default:
		return last
	}
}

// punctTail says which bytes may follow a run of [^\s\p{L}\p{N}].
type punctTail uint8

const (
	tailNone          punctTail = iota // GPT-2: nothing
	tailNewlines                       // cl100k_base: [\r\n]*
	tailNewlinesSlash                  // o200k_base: [\r\n/]*
)

func (t punctTail) has(b byte) bool {
	switch t {
	case tailNewlines:
		return b == '\r' || b == '\n'
	case tailNewlinesSlash:
		return b == '\r' || b == '\n' || b == '/'
	}
	return false
}

// punctEnd matches ` ?[^\s\p{L}\p{N}]+` and then tail's run of bytes at i,
// or returns -1 if no such piece starts there.
func punctEnd(text string, i int, c0 charClass, size0 int, tail punctTail) int {
	j := -1
	if text[i] == ' ' && i+1 < len(text) {
		if c1, size1 := classAt(text, i+1); c1.isPunct() {
			j = i + 1 + size1
		}
	}
	if j < 0 {
		if !c0.isPunct() {
			return -1
		}
		j = i + size0
	}
	for j < len(text) {
		c, size := asciiClasses[text[j]], 1
		if text[j] >= utf8.RuneSelf {
			c, size = classAtNonASCII(text, j)
		}
		if !c.isPunct() {
			break
		}
		j += size
	}
	for j < len(text) && tail.has(text[j]) {
		j++
	}
	return j
}

// o200kNext implements o200k_base's pattern:
//
//	[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//	|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//	|\p{N}{1,3}
//	| ?[^\s\p{L}\p{N}]+[\r\n/]*
//	|\s*[\r\n]+
//	|\s+(?!\S)
//	|\s+
func o200kNext(text string, i int) int {
	c0, size0 := classAt(text, i)
	// The optional prefix is tried first, and given back if the word
	// cannot match after it; only a mark can be both the prefix and the
	// start of a word. The second word rule is tried only when the first
	// fails both ways.
	if c0.isPrefix() && i+size0 < len(text) {
		if end, ok := o200kLowerWord(text, i+size0); ok {
			return end + contractionLen(text, end, true)
		}
	}
	if end, ok := o200kLowerWord(text, i); ok {
		return end + contractionLen(text, end, true)
	}
	if c0.isPrefix() && i+size0 < len(text) {
		if c1, _ := classAt(text, i+size0); c1&clUpperOrUncased != 0 {
			end := o200kUpperWord(text, i+size0)
			return end + contractionLen(text, end, true)
		}
	}
	if c0&clUpperOrUncased != 0 {
		end := o200kUpperWord(text, i)
		return end + contractionLen(text, end, true)
	}
	if c0&clNumber != 0 {
		return numberEnd(text, i)
	}
	if end := punctEnd(text, i, c0, size0, tailNewlinesSlash); end >= 0 {
		return end
	}
	return whitespaceEnd(text, i, c0, size0, true)
}

// o200kLowerWord matches [upper-or-uncased]*[lower-or-uncased]+ at s. The
// greedy first run is given back one rune at a time until a rune of the
// second class follows. If the first run is followed by a lowercase letter,
// the second run continues from there without giving anything back;
// otherwise the word ends just after the first run's last uncased rune (Lm,
// Lo or a mark), because a second run starting there stops at the next rune,
// which is Lu or Lt, or at the end of the first run.
func o200kLowerWord(text string, s int) (end int, ok bool) {
	u, afterBoth := s, -1
	var c charClass
	for u < len(text) {
		var size int
		c, size = asciiClasses[text[u]], 1
		if text[u] >= utf8.RuneSelf {
			c, size = classAtNonASCII(text, u)
		}
		if c&clUpperOrUncased == 0 {
			break
		}
		u += size
		if c&clUncased != 0 {
			afterBoth = u
		}
	}
	if u < len(text) && c&clLowerOrUncased != 0 {
		return runEnd(text, u, clLowerOrUncased), true
	}
	if afterBoth >= 0 {
		return afterBoth, true
	}
	return 0, false
}

// o200kUpperWord matches [upper-or-uncased]+[lower-or-uncased]* at s, which
// must hold a rune of the first class. Nothing after either run can fail, so
// nothing is given back.
func o200kUpperWord(text string, s int) int {
	return runEnd(text, runEnd(text, s, clUpperOrUncased), clLowerOrUncased)
}

// maxNumberRunes is the 3 of \p{N}{1,3} in cl100k_base and o200k_base: long
// numbers are cut into runs of at most three digits.
const maxNumberRunes = 3

// numberEnd matches \p{N}{1,3} at i, which must be a number.
func numberEnd(text string, i int) int {
	for n := 0; i < len(text) && n < maxNumberRunes; n++ {
		c, size := asciiClasses[text[i]], 1
		if text[i] >= utf8.RuneSelf {
			c, size = classAtNonASCII(text, i)
		}
		if c&clNumber == 0 {
			break
		}
		i += size
	}
	return i
}

// cl100kNext implements cl100k_base's pattern:
//
//	(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}
//	| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
func cl100kNext(text string, i int) int {
	if n := contractionLen(text, i, true); n > 0 {
		return i + n
	}
	c0, size0 := classAt(text, i)
	if c0.isPrefix() && i+size0 < len(text) {
		if c1, _ := classAt(text, i+size0); c1&clLetter != 0 {
			return runEnd(text, i+size0, clLetter)
		}
	}
	if c0&clLetter != 0 {
		return runEnd(text, i, clLetter)
	}
	if c0&clNumber != 0 {
		return numberEnd(text, i)
	}
	if end := punctEnd(text, i, c0, size0, tailNewlines); end >= 0 {
		return end
	}
	return whitespaceEnd(text, i, c0, size0, true)
}

// gpt2Next implements the pattern p50k_base and r50k_base share with GPT-2:
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
func gpt2Next(text string, i int) int {
	if n := contractionLen(text, i, false); n > 0 {
		return i + n
	}
	c0, size0 := classAt(text, i)
	if text[i] == ' ' && i+1 < len(text) {
		c1, _ := classAt(text, i+1)
		switch {
		case c1&clLetter != 0:
			return runEnd(text, i+1, clLetter)
		case c1&clNumber != 0:
			return runEnd(text, i+1, clNumber)
		}
	}
	switch {
	case c0&clLetter != 0:
		return runEnd(text, i, clLetter)
	case c0&clNumber != 0:
		return runEnd(text, i, clNumber)
	}
	if end := punctEnd(text, i, c0, size0, tailNone); end >= 0 {
		return end
	}
	return whitespaceEnd(text, i, c0, size0, false)
}
