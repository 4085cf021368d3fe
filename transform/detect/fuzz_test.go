package detect

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDetect checks the properties every verdict must have, and holds the
// hand-written fast paths to the slower general forms they replace.
func FuzzDetect(f *testing.F) {
	for _, seed := range []string{
		"", " \n", `[{"a":1}]`, "diff --git a/x b/x\n@@ -1,2 +1,2 @@\n-a\n+b",
		"<!doctype html><html><div>", "a.go:1:x", "ERROR boom", "def f():\n  pass",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r := Detect(in)
		if !(r.Confidence >= 0 && r.Confidence <= 1) {
			t.Fatalf("confidence %v out of [0,1]", r.Confidence)
		}
		if again := Detect(in); again != r {
			t.Fatalf("not deterministic: %+v then %+v", r, again)
		}
		out := r.AppendJSON(nil)
		if !json.Valid(out) {
			t.Fatalf("AppendJSON wrote invalid JSON: %s", out)
		}

		for line := range strings.SplitSeq(in, "\n") {
			checkLinePatterns(t, line)
		}
		if got, want := countStructuralTags(in), len(structuralTagsRE.FindAllStringIndex(in, -1)); got != want {
			t.Fatalf("countStructuralTags = %d, regexp says %d", got, want)
		}

		// The serde-compatible scanner is stricter than encoding/json only
		// where serde_json is: surrogate escapes, depth, marker keys and
		// invalid UTF-8.
		trimmed := strings.TrimSpace(in)
		if strings.HasPrefix(trimmed, "[") {
			_, _, ours := jsonArrayShape(trimmed)
			std := json.Valid([]byte(trimmed))
			if ours && !std {
				t.Fatalf("scanner accepts what encoding/json rejects: %q", trimmed)
			}
			special := strings.Contains(strings.ToLower(trimmed), `\ud`) ||
				strings.Count(trimmed, "[")+strings.Count(trimmed, "{") >= serdeRecursionLimit ||
				strings.Contains(trimmed, "serde_json") || strings.Contains(trimmed, `\u`) ||
				!utf8.ValidString(trimmed)
			if std && !ours && !special {
				t.Fatalf("scanner rejects valid JSON: %q", trimmed)
			}
		}
	})
}

// FuzzIsDiff holds IsDiff to a literal transcription of the upstream parser.
func FuzzIsDiff(f *testing.F) {
	for _, seed := range []string{
		"", "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n", "+++ x", "@@ -1 +1 @@",
		"--- a\n+++ b\n@@ -1,2 +1 @@\n--- c\n+++ d\n@@ -3 +3 @@\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		// The upstream parser takes &str. Its hunk-body loop, which the
		// oracle keeps, is quadratic in the number of hunk headers, so
		// large inputs would only slow the fuzzer down.
		if !utf8.ValidString(in) || len(in) > 1<<12 {
			return
		}
		if got, want := IsDiff(in), oracleIsDiff(in); got != want {
			t.Fatalf("IsDiff(%q) = %v, oracle says %v", in, got, want)
		}
	})
}
