package tokenizer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/dlclark/regexp2/v2"
)

// The pre-tokenizer patterns tiktoken publishes for each encoding. A
// backtracking engine (regexp2) running them is the reference the
// hand-written splitters are checked against; the patterns need look-ahead,
// which the standard library's regexp does not have.
const (
	o200kPattern = `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?` +
		`|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?` +
		`|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	cl100kPattern = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	gpt2Pattern   = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
)

// splitter pairs a hand-written pre-tokenizer with its reference.
type splitter struct {
	name string // the encodings that use it
	next func(text string, start int) int
	ref  *regexp2.Regexp
}

var splitters = []splitter{
	{"o200k_base", o200kNext, regexp2.MustCompile(o200kPattern, regexp2.None)},
	{"cl100k_base", cl100kNext, regexp2.MustCompile(cl100kPattern, regexp2.None)},
	{"p50k_base+r50k_base", gpt2Next, regexp2.MustCompile(gpt2Pattern, regexp2.None)},
}

// Every encoding must be cut by one of the splitters under test.
func TestEveryEncodingUsesATestedSplitter(t *testing.T) {
	for _, enc := range Encodings {
		b := mustBPE(t, enc)
		found := false
		for _, s := range splitters {
			found = found || strings.Contains(s.name, string(enc)) && sameFunc(b.next, s.next)
		}
		if !found {
			t.Errorf("%s: its splitter is not one of those checked against the published patterns", enc)
		}
	}
}

// sameFunc compares two top-level functions by what they do on a text that
// every pattern cuts differently.
func sameFunc(a, b func(string, int) int) bool {
	const probe = "x'LL  y\n \nz123456/\n"
	return slices.Equal(splitPieces(a, probe), splitPieces(b, probe))
}

// splitPieces cuts text (valid UTF-8) with a hand-written splitter.
func splitPieces(next func(string, int) int, text string) []string {
	var pieces []string
	for start := 0; start < len(text); {
		end := next(text, start)
		if end <= start || end > len(text) {
			pieces = append(pieces, "<no progress>")
			break
		}
		pieces = append(pieces, text[start:end])
		start = end
	}
	return pieces
}

// referencePieces cuts text with regexp2 running the published pattern.
// Unmatched gaps are returned too (marked), so that a pattern that skips
// text cannot agree with a splitter by accident.
func referencePieces(t testing.TB, re *regexp2.Regexp, text string) []string {
	t.Helper()
	runes := []rune(text)
	var pieces []string
	pos := 0
	err := re.FindRunesMatches(runes, 0, func(m regexp2.MatchView) bool {
		idx, length, _ := m.GroupRange(0)
		if idx > pos {
			pieces = append(pieces, "<gap "+string(runes[pos:idx])+">")
		}
		pieces = append(pieces, string(runes[idx:idx+length]))
		pos = idx + length
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if pos < len(runes) {
		pieces = append(pieces, "<gap "+string(runes[pos:])+">")
	}
	return pieces
}

// checkSplit fails t at the first piece where s and its reference disagree.
func checkSplit(t testing.TB, s splitter, text string) {
	t.Helper()
	if !utf8.ValidString(text) {
		text = replaceInvalidUTF8(text)
	}
	got, want := splitPieces(s.next, text), referencePieces(t, s.ref, text)
	if slices.Equal(got, want) {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	at := func(p []string) string {
		if i < len(p) {
			return p[i]
		}
		return "<end>"
	}
	t.Fatalf("%s: text %.80q: piece %d is %q, the published pattern cuts %q (pieces before it: %q)",
		s.name, text, i, at(got), at(want), got[max(0, i-3):i])
}

func TestSplitMatchesPublishedPatternOnOracleTexts(t *testing.T) {
	for _, s := range splitters {
		t.Run(s.name, func(t *testing.T) {
			for _, c := range loadOracle(t) {
				checkSplit(t, s, c.Text)
			}
		})
	}
}

func TestSplitMatchesPublishedPatternOnCorpus(t *testing.T) {
	dir := corpusDir()
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) == 0 {
		t.Skipf("no corpus files in %s (set HEADROOM_CORPUS)", dir)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range splitters {
			t.Run(filepath.Base(file)+"/"+s.name, func(t *testing.T) {
				checkSplit(t, s, string(data))
			})
		}
	}
}

// Cases where a pattern backtracks or where its alternatives compete, each
// checked against the reference and pinned to the pieces tiktoken's patterns
// are documented to produce.
func TestSplitTrickyCases(t *testing.T) {
	type want map[string][]string // splitter name -> pieces
	for _, c := range []struct {
		text string
		want want
	}{
		// \s*[\r\n]+ runs to the last newline of a whitespace run.
		{"a\n \nb", want{"o200k_base": {"a", "\n \n", "b"}, "cl100k_base": {"a", "\n \n", "b"}, "p50k_base+r50k_base": {"a", "\n ", "\n", "b"}}},
		// \s+(?!\S) leaves the last space to lead the next word.
		{"x   y", want{"o200k_base": {"x", "  ", " y"}, "cl100k_base": {"x", "  ", " y"}, "p50k_base+r50k_base": {"x", "  ", " y"}}},
		{"x   ", want{"o200k_base": {"x", "   "}, "cl100k_base": {"x", "   "}, "p50k_base+r50k_base": {"x", "   "}}},
		// Contractions fold case in cl100k/o200k only, including U+017F.
		{"I'LL it'ſ", want{"o200k_base": {"I'LL", " it'ſ"}, "cl100k_base": {"I", "'LL", " it", "'ſ"}, "p50k_base+r50k_base": {"I", "'", "LL", " it", "'", "ſ"}}},
		// o200k splits camel case: the cased run gives back its last rune.
		{"HTTPServer", want{"o200k_base": {"HTTPServer"}, "cl100k_base": {"HTTPServer"}, "p50k_base+r50k_base": {"HTTPServer"}}},
		{"camelCaseWord", want{"o200k_base": {"camel", "Case", "Word"}, "cl100k_base": {"camelCaseWord"}, "p50k_base+r50k_base": {"camelCaseWord"}}},
		{"ABC def", want{"o200k_base": {"ABC", " def"}, "cl100k_base": {"ABC", " def"}, "p50k_base+r50k_base": {"ABC", " def"}}},
		// Numbers: runs of three in cl100k/o200k, whole in GPT-2.
		{"1234567", want{"o200k_base": {"123", "456", "7"}, "cl100k_base": {"123", "456", "7"}, "p50k_base+r50k_base": {"1234567"}}},
		// Punctuation takes trailing newlines (and slashes in o200k).
		{"x.\n/y", want{"o200k_base": {"x", ".\n/", "y"}, "cl100k_base": {"x", ".\n", "/y"}, "p50k_base+r50k_base": {"x", ".", "\n", "/", "y"}}},
	} {
		for _, s := range splitters {
			checkSplit(t, s, c.text)
			if got := splitPieces(s.next, c.text); !slices.Equal(got, c.want[s.name]) {
				t.Errorf("%s: %q cut into %q, want %q", s.name, c.text, got, c.want[s.name])
			}
		}
	}
}

// The class bits must agree with the Unicode tables regexp2 reads for \p{..}
// and \s, for every code point.
func TestCharClassesMatchUnicodeTables(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		var c charClass
		if r < utf8.RuneSelf {
			c = asciiClasses[r]
		} else {
			var buf [utf8.UTFMax]byte
			n := utf8.EncodeRune(buf[:], r)
			var size int
			c, size = classAt(string(buf[:n]), 0)
			if size != n {
				t.Fatalf("%U: classAt size %d, want %d", r, size, n)
			}
		}
		for _, check := range []struct {
			name  string
			table *unicode.RangeTable
			bits  charClass
		}{
			{"L", unicode.L, clLetter},
			{"Lu|Lt", nil, clUpper},
			{"Ll", unicode.Ll, clLower},
			{"M", unicode.M, clMark},
			{"N", unicode.N, clNumber},
		} {
			var want bool
			if check.table != nil {
				want = unicode.Is(check.table, r)
			} else {
				want = unicode.In(r, unicode.Lu, unicode.Lt)
			}
			if got := c&check.bits != 0; got != want {
				t.Fatalf("%U: in %s = %v, unicode says %v", r, check.name, got, want)
			}
		}
		if got, want := c&clSpace != 0, unicode.IsSpace(r); got != want {
			t.Fatalf("%U: space = %v, unicode.IsSpace says %v", r, got, want)
		}
		if got, want := c&clNewline != 0, r == '\r' || r == '\n'; got != want {
			t.Fatalf("%U: newline = %v, want %v", r, got, want)
		}
	}
}

// FuzzSplitEquivalence pins every hand-written splitter to the published
// pattern it replaces, piece by piece, on text repaired as Count repairs it.
// Each input is checked twice: as it is, and spelled in classAlphabet, so
// that byte-level mutation also explores mixes of the Unicode classes the
// patterns tell apart rather than mostly ASCII.
func FuzzSplitEquivalence(f *testing.F) {
	for _, s := range []string{"hello world", "a\n \nb", "I'm  don'T"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var sb strings.Builder
		for i := 0; i < len(text); i++ {
			sb.WriteString(classAlphabet[int(text[i])%len(classAlphabet)])
		}
		for _, s := range splitters {
			checkSplit(t, s, text)
			checkSplit(t, s, sb.String())
		}
	})
}

// classAlphabet has a rune of every class the patterns distinguish (Lu, Ll,
// Lt, Lm, Lo, the three marks, the three number categories, ASCII and other
// whitespace, CR and LF, punctuation, symbols), plus the characters the
// patterns name literally: the apostrophe, the contraction letters in both
// cases with U+017F, and the slash.
var classAlphabet = []string{
	"a", "Z", "\u01c5", "\u02b0", "\u4e2d", "\u0301", "\u0903", "\u20dd",
	"5", "\u0665", "\u00bd", "\u216b", " ", " ", "\t", "\n", "\r", "\u00a0",
	"\u3000", "\u2028", "\v", "'", "'", "s", "S", "\u017f", "t", "T", "r",
	"e", "E", "v", "m", "l", "L", "d", "/", ".", "-", "\U0001f680", "\u200d",
	"\ufffd", "\U0001d400", "\U00010400", "\U00010428",
}
