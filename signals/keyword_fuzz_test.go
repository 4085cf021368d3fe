package signals

import (
	"strings"
	"testing"
)

// naiveFirstWord is the matching rule written out directly from the spec,
// with no automaton: at each position take the longest keyword that starts
// there (ASCII case-insensitively); if it is a whole word report it,
// otherwise skip past it; if none starts there move one byte on.
func naiveFirstWord(line string, words []string, cats []Category) Category {
	lower := asciiLowerForTest(line)
	lowerWords := make([]string, len(words))
	for i, w := range words {
		lowerWords[i] = asciiLowerForTest(w)
	}
	for p := 0; p < len(line); {
		best := -1
		for i, w := range lowerWords {
			if strings.HasPrefix(lower[p:], w) && (best < 0 || len(w) > len(words[best])) {
				best = i
			}
		}
		if best < 0 {
			p++
			continue
		}
		end := p + len(words[best])
		before := p == 0 || !wordByteForTest(line[p-1])
		after := end == len(line) || !wordByteForTest(line[end])
		if before && after {
			return cats[best]
		}
		p = end
	}
	return NoCategory
}

func naiveCategory(tb KeywordTables, line string, ctx Context) Category {
	var words []string
	var cats []Category
	for _, w := range tb.Error {
		words, cats = append(words, w), append(cats, Error)
	}
	for _, w := range tb.Importance {
		words, cats = append(words, w), append(cats, Importance)
	}
	if c := naiveFirstWord(line, words, cats); c != NoCategory {
		return c
	}
	ctxWords, ctxCat := tb.Warning, Warning
	if ctx == Diff {
		ctxWords, ctxCat = tb.Security, Security
	}
	ctxCats := make([]Category, len(ctxWords))
	for i := range ctxCats {
		ctxCats[i] = ctxCat
	}
	if c := naiveFirstWord(line, ctxWords, ctxCats); c != NoCategory {
		return c
	}
	if ctx == Text {
		for _, p := range tb.MarkdownPrefixes {
			if strings.HasPrefix(line, p) {
				return Markdown
			}
		}
	}
	return NoCategory
}

func naiveContainsIndicator(tb KeywordTables, text string) bool {
	lower := asciiLowerForTest(text)
	for _, w := range tb.ErrorIndicators {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

func asciiLowerForTest(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 32
		}
		b.WriteByte(c)
	}
	return b.String()
}

func wordByteForTest(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// checkAgainstNaive compares the detector with the spec's rule on one line in
// every context, and checks that scoring is repeatable.
func checkAgainstNaive(t *testing.T, line string) {
	t.Helper()
	tb := DefaultKeywordTables()
	d := DefaultKeywordDetector()
	for _, ctx := range []Context{Text, Search, Diff, Log} {
		got := d.Score(line, ctx)
		if again := d.Score(line, ctx); again != got {
			t.Fatalf("Score(%q, %v) not deterministic: %+v then %+v", line, ctx, got, again)
		}
		if want := naiveCategory(tb, line, ctx); got.Category != want {
			t.Fatalf("Score(%q, %v) = %v, spec rule says %v", line, ctx, got.Category, want)
		}
		if got.Matched() != (got.Confidence == KeywordConfidence) || got.Matched() != (got.Priority > 0) {
			t.Fatalf("Score(%q, %v) = %+v: matched/confidence/priority disagree", line, ctx, got)
		}
	}
	if got, want := d.ContainsErrorIndicator(line), naiveContainsIndicator(tb, line); got != want {
		t.Fatalf("ContainsErrorIndicator(%q) = %v, spec rule says %v", line, got, want)
	}
}

func FuzzKeywordDetector(f *testing.F) {
	f.Fuzz(func(t *testing.T, line string) {
		checkAgainstNaive(t, line)
	})
}

// The automaton and the spec's rule must agree on every line of the shared
// corpus, not just on what the fuzzer happens to find.
func TestKeywordDetectorAgreesWithSpecRuleOnCorpus(t *testing.T) {
	lines := corpusLines(t)
	for _, l := range lines {
		checkAgainstNaive(t, l)
	}
	t.Logf("checked %d corpus lines", len(lines))
}
