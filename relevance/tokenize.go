package relevance

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/headroom-go/headroom/internal/pycompat"
)

// Tokenize returns the BM25 tokens of text in order, duplicates kept.
//
// The text is lowercased with Unicode's full lowercase mapping, then split
// into the non-overlapping leftmost matches of, in order of preference at
// each position:
//
//  1. a UUID: 8-4-4-4-12 hex digits with dashes;
//  2. a numeric ID: four or more decimal digits (any script) standing as a
//     whole word under Unicode word rules;
//  3. a run of ASCII letters, digits and underscores.
//
// Everything else, including non-ASCII letters, separates tokens and is
// dropped. This is the reference's regex
// `UUID|\b\d{4,}\b|[a-zA-Z0-9_]+` run with Unicode-aware \b and \d, which Go's
// regexp cannot express (its \b and \d are ASCII), so the scan is written out
// by hand; tokenize_test.go pins the differences. Character classes come from
// Go's unicode tables (unicode.Version), so a digit or letter added in a later
// Unicode version than Go's may classify differently from the reference.
func Tokenize(text string) []string {
	var toks []string
	eachToken(lowerForTokens(text), func(tok string) { toks = append(toks, tok) })
	return toks
}

// eachToken calls fn with every token of s, which must already be lowercased
// by lowerForTokens. Tokens are substrings of s.
func eachToken(s string, fn func(string)) {
	for p := 0; p < len(s); {
		if end := uuidEnd(s, p); end > 0 {
			fn(s[p:end])
			p = end
			continue
		}
		if end := numericIDEnd(s, p); end > 0 {
			fn(s[p:end])
			p = end
			continue
		}
		if isASCIIWord(s[p]) {
			end := p + 1
			for end < len(s) && isASCIIWord(s[end]) {
				end++
			}
			fn(s[p:end])
			p = end
			continue
		}
		// Regex positions are character boundaries: step over a whole
		// character (or one byte of invalid UTF-8).
		if s[p] < utf8.RuneSelf {
			p++
		} else {
			_, size := utf8.DecodeRuneInString(s[p:])
			p += size
		}
	}
}

// uuidLen is the length of the canonical 8-4-4-4-12 textual UUID.
const uuidLen = 36

// uuidEnd returns p+36 when a UUID starts at s[p], else 0. No boundaries are
// required on either side, as in the reference pattern.
func uuidEnd(s string, p int) int {
	if len(s)-p < uuidLen || !isHex(s[p]) {
		return 0
	}
	for i := range uuidLen {
		c := s[p+i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return 0
			}
		default:
			if !isHex(c) {
				return 0
			}
		}
	}
	return p + uuidLen
}

// numericIDEnd returns the end of a `\b\d{4,}\b` match starting at s[p]
// (Unicode \d and \b), else 0. Backtracking cannot help: a shorter digit run
// ends between two digits, where there is no word boundary, so only the
// maximal run can match.
func numericIDEnd(s string, p int) int {
	r, size := rune(s[p]), 1
	if r >= utf8.RuneSelf {
		r, size = utf8.DecodeRuneInString(s[p:])
	}
	if !isDecimalDigit(r) {
		return 0
	}
	if p > 0 {
		prev, _ := utf8.DecodeLastRuneInString(s[:p])
		if pycompat.IsWordRune(prev) {
			return 0
		}
	}
	end, n := p+size, 1
	for end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		if !isDecimalDigit(r) {
			if pycompat.IsWordRune(r) {
				return 0
			}
			break
		}
		end += size
		n++
	}
	if n < 4 {
		return 0
	}
	return end
}

// countNumericIDs counts non-overlapping `\b\d{4,}\b` matches in s, stopping
// at limit.
func countNumericIDs(s string, limit int) int {
	n := 0
	for p := 0; p < len(s) && n < limit; {
		if end := numericIDEnd(s, p); end > 0 {
			n++
			p = end
			continue
		}
		_, size := utf8.DecodeRuneInString(s[p:])
		p += size
	}
	return n
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func isASCIIWord(c byte) bool {
	return c == '_' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

func isDecimalDigit(r rune) bool {
	if r < utf8.RuneSelf {
		return '0' <= r && r <= '9'
	}
	return unicode.Is(unicode.Nd, r)
}

// dottedCapitalI is the one character whose unconditional full lowercase
// mapping is two characters: U+0130 becomes "i" plus U+0307 COMBINING DOT
// ABOVE. Go's unicode.ToLower gives the simple mapping "i"; the reference's
// lowercasing gives the pair, which splits "İstanbul" into "i" and "stanbul".
const (
	dottedCapitalI      = '\u0130'
	dottedCapitalILower = "i\u0307"
)

// lowerForTokens lowercases s the way the reference does before tokenizing
// (Unicode full lowercase mapping). It returns s itself when nothing changes,
// which is the common case for tool output and costs no allocation. Invalid
// UTF-8 bytes are kept as they are; they never become part of a token.
//
// The one context-sensitive mapping, final sigma, is not reproduced: both
// sigma forms are non-ASCII letters, so the choice never changes a token.
func lowerForTokens(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			break
		}
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteByte(c)
		case r == dottedCapitalI:
			b.WriteString(dottedCapitalILower)
		default:
			b.WriteRune(unicode.ToLower(r))
		}
		i += size
	}
	return b.String()
}
