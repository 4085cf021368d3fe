package pycompat

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// RustLower lowercases s exactly like Rust's str::to_lowercase (and, for
// these cases, Python's str.lower). It differs from strings.ToLower in the
// two places Unicode's full case mapping does: U+0130 (İ) becomes "i̇" (two
// code points), and a capital sigma that ends a word becomes final sigma ς.
// Lengths and n-grams of lowercased text feed hashes and thresholds in the
// reference, so the difference is observable.
func RustLower(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return lowerUnicode(s)
		}
	}
	return strings.ToLower(s)
}

func lowerUnicode(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	for i, r := range s {
		switch r {
		case '\u0130':
			b.WriteString("i\u0307")
		case 'Σ':
			if casedSkippingIgnorable(s[:i], true) && !casedSkippingIgnorable(s[i+len("Σ"):], false) {
				b.WriteRune('ς')
			} else {
				b.WriteRune('σ')
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// casedSkippingIgnorable reports whether the first rune of s (the last one
// when backward) that is not Case_Ignorable is Cased: the two halves of
// Unicode's Final_Sigma condition.
func casedSkippingIgnorable(s string, backward bool) bool {
	for s != "" {
		var r rune
		var size int
		if backward {
			r, size = utf8.DecodeLastRuneInString(s)
			s = s[:len(s)-size]
		} else {
			r, size = utf8.DecodeRuneInString(s)
			s = s[size:]
		}
		if !caseIgnorable(r) {
			return isCased(r)
		}
	}
	return false
}

func isCased(r rune) bool {
	return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) ||
		unicode.Is(unicode.Other_Lowercase, r) || unicode.Is(unicode.Other_Uppercase, r)
}

// caseIgnorable approximates the Case_Ignorable property: the general
// categories Mn, Me, Cf, Lm and Sk plus the Word_Break MidLetter,
// MidNumLet and Single_Quote characters.
func caseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', '\u00B7', '\u0387', '\u055F', '\u05F4', '\u2018', '\u2019',
		'\u2024', '\u2027', '\uFE13', '\uFE52', '\uFE55', '\uFF07', '\uFF0E', '\uFF1A':
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}

// AppendASCIILower appends s to dst with only A–Z folded, as Rust's
// to_ascii_lowercase does; every other byte, UTF-8 included, is copied.
func AppendASCIILower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
