package cachealign

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/headroom-go/headroom/internal/pycompat"
)

// The reference is Python, so every "is this whitespace / a digit / a word
// character" question below is answered the way CPython answers it for str,
// not the way Go's regexp (ASCII classes) would.

// pyStrip is str.strip() with no argument.
func pyStrip(s string) string { return strings.TrimFunc(s, pycompat.IsPyWhitespace) }

// pyRStrip is str.rstrip() with no argument.
func pyRStrip(s string) string { return strings.TrimRightFunc(s, pycompat.IsPyWhitespace) }

// pyBlank reports whether not s.strip(): empty or whitespace only.
func pyBlank(s string) bool {
	for _, r := range s {
		if !pycompat.IsPyWhitespace(r) {
			return false
		}
	}
	return true
}

// isPyDigit is re's \d on str: Unicode decimal digits (category Nd).
func isPyDigit(r rune) bool {
	if r < utf8.RuneSelf {
		return '0' <= r && r <= '9'
	}
	return unicode.Is(unicode.Nd, r)
}

// asciiWord is isPyWord for ASCII bytes.
var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = isPyWord(rune(c))
	}
	return t
}()

// isPyWord is re's \w on str: str.isalnum() or '_', which is exactly the
// letter and number categories plus the underscore (checked over every code
// point against CPython 3.11).
func isPyWord(r rune) bool {
	if r < utf8.RuneSelf {
		return r == '_' || '0' <= r && r <= '9' || 'a' <= r|0x20 && r|0x20 <= 'z'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

func isASCIIDigit(r rune) bool { return '0' <= r && r <= '9' }

func isHexDigit(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b|0x20 && b|0x20 <= 'f'
}

func isASCIIAlnum(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b|0x20 && b|0x20 <= 'z'
}

// runeBefore returns the code point that ends just before byte offset i, or
// -1 at the start of s. Invalid bytes read as utf8.RuneError, as everywhere
// in this package, so no input can panic.
func runeBefore(s string, i int) rune {
	if i <= 0 {
		return -1
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return r
}

// runeAt returns the code point starting at byte offset i and its width,
// or (-1, 0) at the end of s.
func runeAt(s string, i int) (rune, int) {
	if i >= len(s) {
		return -1, 0
	}
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

// atWordBoundary is re's \b at byte offset i: the word-ness of the code
// points on either side differs. Like CPython, an empty string has no
// boundary at all.
func atWordBoundary(s string, i int) bool {
	if s == "" {
		return false
	}
	return wordBefore(s, i) != wordAt(s, i)
}

// wordBefore reports whether the code point ending at byte offset i is a
// word character (false at the start).
func wordBefore(s string, i int) bool {
	if i <= 0 {
		return false
	}
	if c := s[i-1]; c < utf8.RuneSelf {
		return asciiWord[c]
	}
	return isPyWord(runeBefore(s, i))
}

// wordAt reports whether the code point starting at byte offset i is a
// word character (false at the end).
func wordAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	if c := s[i]; c < utf8.RuneSelf {
		return asciiWord[c]
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return isPyWord(r)
}

// digitsAt consumes exactly n \d code points starting at i and returns the
// offset after them, or -1.
func digitsAt(s string, i, n int) int {
	for ; n > 0; n-- {
		r, w := runeAt(s, i)
		if r < 0 || !isPyDigit(r) {
			return -1
		}
		i += w
	}
	return i
}

// digitRunEnd consumes as many \d code points as there are from i.
func digitRunEnd(s string, i int) int {
	for {
		r, w := runeAt(s, i)
		if r < 0 || !isPyDigit(r) {
			return i
		}
		i += w
	}
}

// isWhitespaceRune is re's \s on str, which is str.isspace().
func isWhitespaceRune(r rune) bool { return pycompat.IsPyWhitespace(r) }
