package detect

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// TestUnicodeClassesMatchRust checks the spelled-out classes rune by rune
// against the properties Rust's regex crate defines \s and \w by.
func TestUnicodeClassesMatchRust(t *testing.T) {
	space := regexp.MustCompile(`^[` + spaceClass + `]$`)
	word := regexp.MustCompile(`^[` + wordClass + `]$`)
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
	}
}

// structuralTagsRE is the reference's pattern, which countStructuralTags
// replaces.
var structuralTagsRE = regexp.MustCompile(`(?i)<(div|span|script|style|link|meta|nav|header|footer|aside|article|section|main)[` + spaceClass + `>]`)

func TestStructuralTagCountMatchesRegexp(t *testing.T) {
	for _, in := range []string{
		"",
		"<div>",
		"<div><div >",
		"<DIV>\n<Span\t<nav>",
		"<div",
		"<divx>",
		"<<div>>",
		"<div<div>",
		"<lin\u212a>",         // KELVIN SIGN folds to k
		"<\u017fection\u3000", // LONG S folds to s; ideographic space
		"<header><head><footer\u00a0<main\u2028<article\n<aside>",
		"<di\xffv><div\xff<div>",
		strings.Repeat("<span>", 100),
	} {
		want := len(structuralTagsRE.FindAllStringIndex(in, -1))
		if got := countStructuralTags(in); got != want {
			t.Errorf("countStructuralTags(%q) = %d, regexp says %d", in, got, want)
		}
	}
}

func TestWordBoundedMatchesUnicodeBoundaries(t *testing.T) {
	re := wordBounded(`ERROR|FAIL|FAILED`)
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"ERROR", true},
		{"an error.", true},
		{"[Error]", true},
		{"FAILED:", true},
		{"failures", false},
		{"ERRORS", false},
		{"_ERROR", false},      // '_' is a word character
		{"éERROR", false},      // so is é
		{"ERROR٣", false},      // and every Nd digit
		{"ERROR\u200d", false}, // and ZERO WIDTH JOINER (Join_Control)
		{"\u00a0ERROR\u3000", true},
		{"x ERROR y", true},
	} {
		if got := re.MatchString(c.in); got != c.want {
			t.Errorf("%q: match = %v, want %v", c.in, got, c.want)
		}
	}
}
