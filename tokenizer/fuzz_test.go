package tokenizer

import (
	"testing"
	"unicode/utf8"
)

// FuzzCount checks the Counter contract on arbitrary bytes, including invalid
// UTF-8, for every encoding and the estimator:
//   - Count("") == 0, and 1 <= Count(s) for non-empty s;
//   - a BPE token holds at least one byte of the U+FFFD-repaired text, so
//     Count(s) <= len(string([]rune(s)));
//   - invalid bytes count exactly as their U+FFFD replacements;
//   - the estimator never exceeds the code-point count when it assumes at
//     least one code point per token, and never decreases when text grows.
func FuzzCount(f *testing.F) {
	for _, s := range []string{"", "hello", "a\n \nb", "<|endoftext|>", "\xff\xfe", "héllo wörld", "🚀 ✨ 中文", "I'LL  \t\r\n x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		repaired := string([]rune(s))
		for _, enc := range Encodings {
			b := mustBPE(t, enc)
			n := b.Count(s)
			switch {
			case s == "" && n != 0:
				t.Fatalf("%s: Count(\"\") = %d", enc, n)
			case s != "" && n < 1:
				t.Fatalf("%s: Count(%q) = %d, want >= 1", enc, s, n)
			case n > len(repaired):
				t.Fatalf("%s: Count(%q) = %d tokens for %d bytes", enc, s, n, len(repaired))
			}
			if !utf8.ValidString(s) {
				if r := b.Count(repaired); r != n {
					t.Fatalf("%s: Count(%q) = %d but its repaired form counts %d", enc, s, n, r)
				}
			}
		}
		chars := utf8.RuneCountInString(s)
		for _, e := range []Estimator{{}, {cpt: ClaudeCharsPerToken}} {
			n := e.Count(s)
			if (s == "") != (n == 0) || n > max(chars, 1) {
				t.Fatalf("Estimator(%v).Count(%q) = %d for %d chars", e.CharsPerToken(), s, n, chars)
			}
			if longer := e.Count(s + "x"); longer < n {
				t.Fatalf("Estimator(%v): appending a char lowered the count from %d to %d", e.CharsPerToken(), n, longer)
			}
		}
	})
}

// FuzzMergeEquivalence pins the heap merge to the scan merge, the
// straightforward transcription of tiktoken's algorithm, on pieces short
// enough for both.
func FuzzMergeEquivalence(f *testing.F) {
	for _, s := range []string{"ab", "aaaaaaa", "antidisestablishmentarianism", " \n \n", "ababababababab", "中文字符", "\xff\xfe\xfd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, piece string) {
		if len(piece) < 2 || len(piece) >= heapMergeThreshold {
			return
		}
		for _, enc := range Encodings {
			b := mustBPE(t, enc)
			b.load()
			if s, h := b.mergeScan(piece), b.mergeHeap(piece); s != h {
				t.Fatalf("%s: piece %q: scan %d parts, heap %d", enc, piece, s, h)
			}
		}
	})
}

// FuzzForModel checks that any model name yields a usable counter that agrees
// with EncodingForModel.
func FuzzForModel(f *testing.F) {
	for _, s := range []string{"", "gpt-4o-mini", "CLAUDE-3", "gemini", "\u212Aclaude", "o1\xff", "text-davinci-002"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, model string) {
		c := ForModel(model)
		if c == nil {
			t.Fatalf("ForModel(%q) = nil", model)
		}
		enc, ok := EncodingForModel(model)
		b, isBPE := c.(*BPE)
		if ok != isBPE || (isBPE && b.Encoding() != enc) {
			t.Fatalf("ForModel(%q) = %#v but EncodingForModel = %q, %v", model, c, enc, ok)
		}
		if c.Count("") != 0 || c.Count(model+"x") < 1 {
			t.Fatalf("ForModel(%q) counter breaks the empty/non-empty contract", model)
		}
	})
}
