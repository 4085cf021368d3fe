package detect

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
)

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

func TestWordsMatchAtUnicodeBoundaries(t *testing.T) {
	pat := words("ERROR", "FAIL", "FAILED")
	re := compile(pat.ref)
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
		if got := pat.match(c.in, trimLeftSpace(c.in)); got != c.want {
			t.Errorf("%q: match = %v, want %v", c.in, got, c.want)
		}
		if got := re.MatchString(c.in); got != c.want {
			t.Errorf("%q: regexp match = %v, want %v", c.in, got, c.want)
		}
	}
}

// allLinePatterns lists every fast line test with its reference regexp.
func allLinePatterns() []linePattern {
	pats := []linePattern{searchLine, diffHeader}
	pats = append(pats, logPatterns[:]...)
	for _, l := range languages {
		pats = append(pats, l.patterns...)
	}
	return pats
}

var linePatternOracles = func() []*regexp.Regexp {
	var res []*regexp.Regexp
	for _, p := range allLinePatterns() {
		res = append(res, compile(p.ref))
	}
	return res
}()

// checkLinePatterns fails when a fast line test and its regexp disagree.
func checkLinePatterns(t *testing.T, line string) {
	t.Helper()
	rest := trimLeftSpace(line)
	if want := strings.TrimLeftFunc(line, unicode.IsSpace); rest != want {
		t.Fatalf("trimLeftSpace(%q) = %q, want %q", line, rest, want)
	}
	for k, p := range allLinePatterns() {
		if got, want := p.match(line, rest), linePatternOracles[k].MatchString(line); got != want {
			t.Fatalf("pattern %s on %q: fast test says %v, regexp says %v", p.ref, line, got, want)
		}
	}
}

func TestLinePatternsMatchTheirRegexps(t *testing.T) {
	for _, line := range []string{
		"", " ", "x", "\u3000def f(x):", "  class A:", "import os", "from x import y", "async def f():",
		"@dataclass", " @ x", `  """doc`, "if __name__ == '__main__':", "function f() {", "const x = 1",
		"=> {", "async  function g", "module.exports = x", "interface A {", "type T = int", ": string",
		":number", ": voidx", "func (s *S) Do() {}", "func f()", "package main", "package com.x.y;",
		"fn main() {}", "pub struct S;", "#[derive(Debug)]", "public class A", "private  enum E",
		"protected interface I", "2024-01-01 x", " ２０２４-０１-０１", "[12:34:56] x", "[1:2:3]",
		"===", "--", "---x", "PASSED", "  FAILED x", "SKIPPED", "npm ERR! x", "yarn error", "cargo error:",
		"Traceback (most recent call last):", "  at com.x.Y(Y.java)", "at x(", "atx(", "ERROR", "error:",
		"xERROR", "ERRORx", "an Error.", "warning", "WARNINGS", "info", "debug\u200d", "trace_",
		"diff --git a b", "diff --cc x", "diff --combined x", "--- a/x", "@@ -1,2 +1,2 @@", "@@ -1 +1 @@",
		"@@@ -1,2 -1,2 +1,2 @@@", "@@  -١,٢\t+١,٢ @@", "a:1:", "a:1", ":1:", "a b:1:", "a:١:x", "a:x:1:",
		"a\u00a0b:1:", "\xff:1:", "def\xff x", "\xffERROR", "ERROR\xff",
	} {
		checkLinePatterns(t, line)
	}
}

// TestWordLettersFoldOnlyWithinASCII guards hasWord's ASCII comparison: it
// is exact only while no letter of the words has a non-ASCII case partner
// (as 'k' and 's' do).
func TestWordLettersFoldOnlyWithinASCII(t *testing.T) {
	for _, p := range logPatterns[:3] {
		for _, r := range p.ref {
			if !unicode.IsLetter(r) || r > unicode.MaxASCII {
				continue
			}
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				if f > unicode.MaxASCII {
					t.Errorf("%q in %s folds to %U", r, p.ref, f)
				}
			}
		}
	}
}
