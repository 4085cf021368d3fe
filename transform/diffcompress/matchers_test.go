package diffcompress

import (
	"regexp"
	"testing"
)

// The reference parses with Unicode-aware regexes. Go's RE2 spells the
// Unicode digit class \p{Nd} and its '.' also excludes only '\n', so these
// regexes state the reference's patterns exactly; the hand-written matchers
// must agree with them on every line.
var referencePatterns = []struct {
	name  string
	re    *regexp.Regexp
	match func(string) bool
}{
	{"file header", regexp.MustCompile(`^diff --git a/(.+) b/(.+)$|^diff --combined (.+)$|^diff --cc (.+)$`), isFileHeader},
	{"old file", regexp.MustCompile(`^--- (a/(.+)|/dev/null)$`), isOldFileLine},
	{"new file", regexp.MustCompile(`^\+\+\+ (b/(.+)|/dev/null)$`), isNewFileLine},
	{"binary", regexp.MustCompile(`^Binary files .+ differ$`), isBinaryLine},
	{"hunk header", regexp.MustCompile(`^(?:@@ -\p{Nd}+(?:,\p{Nd}+)? \+\p{Nd}+(?:,\p{Nd}+)? @@|` +
		`@@@ -\p{Nd}+(?:,\p{Nd}+)? -\p{Nd}+(?:,\p{Nd}+)? \+\p{Nd}+(?:,\p{Nd}+)? @@@|` +
		`@@@@ -\p{Nd}+(?:,\p{Nd}+)? -\p{Nd}+(?:,\p{Nd}+)? -\p{Nd}+(?:,\p{Nd}+)? \+\p{Nd}+(?:,\p{Nd}+)? @@@@)(.*)$`), isHunkHeader},
}

var matcherSamples = []string{
	"", "diff --git a/x b/x", "diff --git a/ b/x", "diff --git a/x b/", "diff --git a/x b/ b/y", "diff --git a/a b/c d",
	"diff --git a/x  b/y", "diff --combined x", "diff --combined ", "diff --cc f.c", "diff --cc ",
	"--- a/x", "--- a/", "--- /dev/null", "--- /dev/null ", "---", "+++ b/x", "+++ b/", "+++ /dev/null", "+++ a/x",
	"Binary files a/x and b/x differ", "Binary files  differ", "Binary files x differ", "Binary files x differ ",
	"@@ -1 +1 @@", "@@ -1,2 +3,4 @@ func()", "@@ -1, +1 @@", "@@ -1 +1 @", "@@@ -1 -2 +3 @@@", "@@@ -1 +3 @@@",
	"@@@@ -1 -2 -3 +4 @@@@x", "@@@@@ -1 -2 -3 -4 +5 @@@@@", "@@ -١٢ +٣ @@", "@@ -1 +1 @@@", "@@ -1,2,3 +1 @@",
	"@@  -1 +1 @@", "@@ +1 -1 @@", "@ -1 +1 @",
}

func TestMatchersAgreeWithReferenceRegexes(t *testing.T) {
	for _, p := range referencePatterns {
		for _, s := range matcherSamples {
			if got, want := p.match(s), p.re.MatchString(s); got != want {
				t.Errorf("%s(%q) = %v, regex says %v", p.name, s, got, want)
			}
		}
	}
}

func FuzzMatchers(f *testing.F) {
	for _, s := range matcherSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range referencePatterns {
			if got, want := p.match(s), p.re.MatchString(s); got != want {
				t.Fatalf("%s(%q) = %v, regex says %v", p.name, s, got, want)
			}
		}
	})
}

func TestNewStartLine(t *testing.T) {
	for header, want := range map[string]uint64{
		"@@ -1,2 +30,4 @@":               30,
		"@@@ -1 -2 +7 @@@":               7,
		"@@ -1 +x @@ +9":                 9,
		"@@ -1 + @@":                     0,
		"@@ -1 +٣ @@":                    0, // a Unicode digit matches \d but does not parse
		"@@ -1 +99999999999999999999 @@": 0,
	} {
		if got := newStartLine(header); got != want {
			t.Errorf("newStartLine(%q) = %d, want %d", header, got, want)
		}
	}
}

func TestPriorityWordsNeedUnicodeWordBoundaries(t *testing.T) {
	for text, want := range map[string]bool{
		"error: x":             true,
		"errors":               false,
		"runtimeerror":         false,
		"a_fix":                false,
		"(failure)":            true,
		"failures":             false,
		"éerror":               false, // é is a word character in Unicode
		"ошибка error":         true,
		"token":                true,
		"tokens and passwords": false,
		"x\u0301note":          false, // combining mark is a word character
	} {
		if got := containsPriorityWord(text); got != want {
			t.Errorf("containsPriorityWord(%q) = %v, want %v", text, got, want)
		}
	}
}
