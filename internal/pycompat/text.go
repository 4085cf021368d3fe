// Package pycompat holds the string and number semantics of the reference
// (Rust std and CPython) that parity fixtures depend on and that Go's
// standard library spells differently: character counts versus byte
// lengths, Rust's lines(), lowercasing and regex \w, half-even rounding,
// `as usize`, and the float formats of Rust's Display, Rust's {:.N},
// serde_json and Python's repr.
package pycompat

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// CharLen returns the number of Unicode scalar values in s (Python len(str),
// Rust s.chars().count()). Each invalid UTF-8 byte counts as one.
func CharLen(s string) int { return utf8.RuneCountInString(s) }

// Lines splits s like Rust's str::lines: on '\n', dropping one '\r' before
// each '\n' (a final "\r" with no newline stays), with no final empty piece
// when s ends with a newline. "" yields no lines. (Python's str.split("\n")
// is strings.Split.)
func Lines(s string) []string {
	if s == "" {
		return nil
	}
	n := strings.Count(s, "\n")
	if s[len(s)-1] != '\n' {
		n++
	}
	out := make([]string, 0, n)
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s) // a final '\r' without '\n' stays
			break
		}
		out = append(out, strings.TrimSuffix(s[:i], "\r"))
		s = s[i+1:]
	}
	return out
}

// SplitWhitespace splits s on runs of Unicode White_Space and drops empty
// pieces, like Rust's split_whitespace. Go's unicode.IsSpace is exactly the
// White_Space property, so this is strings.Fields; the name records the
// intent. Python's str.split() differs only in also splitting on
// U+001C..U+001F.
func SplitWhitespace(s string) []string { return strings.Fields(s) }

// Trim strips leading and trailing Unicode White_Space (Rust str::trim).
func Trim(s string) string { return strings.TrimFunc(s, unicode.IsSpace) }

// TrimStart strips leading Unicode White_Space (Rust str::trim_start).
func TrimStart(s string) string { return strings.TrimLeftFunc(s, unicode.IsSpace) }

// IsPyWhitespace reports whether r counts as whitespace for Python's
// str.isspace/str.split/str.strip: White_Space plus the information
// separators U+001C..U+001F.
func IsPyWhitespace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1C && r <= 0x1F)
}

// IsWordRune reports whether r is a word character of Rust regex's Unicode
// \w (UTS #18 Annex C), which the reference's \b and \w patterns use:
// Alphabetic (letters, letter numbers, Other_Alphabetic), marks, decimal
// digits, connector punctuation and join controls. Python's re \w is a
// different set.
func IsWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		// ASCII letters are exactly the bytes that OR 0x20 maps into a..z.
		return r == '_' || '0' <= r && r <= '9' || 'a' <= r|0x20 && r|0x20 <= 'z'
	}
	return unicode.In(r, unicode.L, unicode.Nl, unicode.Other_Alphabetic, unicode.M, unicode.Nd, unicode.Pc, unicode.Join_Control)
}
