package pycompat

import (
	"regexp"
	"testing"
	"unicode"
)

// The classes must agree rune by rune with the properties Rust's regex
// crate defines \s and \w by, and so with IsWordRune.
func TestRegexpClassesMatchRustProperties(t *testing.T) {
	space := regexp.MustCompile(`^[` + RegexpSpaceClass() + `]$`)
	word := regexp.MustCompile(`^[` + RegexpWordClass() + `]$`)
	nonWord := regexp.MustCompile(`^[^` + RegexpWordClass() + `]$`)
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue // not encodable in UTF-8
		}
		if r >= 0x40000 && r < 0xE0000 {
			r = 0xE0000 // unassigned planes: nothing to learn there
		}
		str := string(r)
		wantSpace := unicode.Is(unicode.White_Space, r)
		wantWord := unicode.In(r, unicode.L, unicode.Nl, unicode.Other_Alphabetic, unicode.M, unicode.Nd, unicode.Pc, unicode.Join_Control)
		if got := space.MatchString(str); got != wantSpace {
			t.Errorf("space class on %U = %v, want %v", r, got, wantSpace)
		}
		if got := word.MatchString(str); got != wantWord {
			t.Errorf("word class on %U = %v, want %v", r, got, wantWord)
		}
		if got := nonWord.MatchString(str); got == wantWord {
			t.Errorf("negated word class on %U = %v, want %v", r, got, !wantWord)
		}
		if got := IsWordRune(r); got != wantWord {
			t.Errorf("IsWordRune(%U) = %v, want %v", r, got, wantWord)
		}
	}
}
