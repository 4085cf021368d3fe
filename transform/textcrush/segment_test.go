package textcrush

import (
	"slices"
	"strings"
	"testing"
)

func TestSplitSegmentsBreaksAfterTerminatorAndWhitespace(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"blank lines only", "\n  \n\t\n", nil},
		{"one sentence", "Just one.", []string{"Just one."}},
		{"three terminators", "One. Two! Three? Four", []string{"One.", "Two!", "Three?", "Four"}},
		{"no whitespace after dot", "version 1.2.3 shipped.Next", []string{"version 1.2.3 shipped.Next"}},
		{"lines are boundaries", "first line\n  second line  \n\nthird", []string{"first line", "second line", "third"}},
		{"only the first whitespace is dropped", "Wait...   what?", []string{"Wait...", "what?"}},
		{"tab after terminator", "a.\tb", []string{"a.", "b"}},
		{"no-break space is whitespace", "a.\u00a0b", []string{"a.", "b"}},
		{"em space is whitespace", "a!\u2003b", []string{"a!", "b"}},
		{"CJK full stop is not a terminator", "句子。 下一句。", []string{"句子。 下一句。"}},
		{"lone terminators", ". . .", []string{".", ".", "."}},
		{"carriage returns trimmed", "a. b\r\nc\r", []string{"a.", "b", "c"}},
		{"invalid UTF-8 kept", "x\xff. y\xfe", []string{"x\xff.", "y\xfe"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := splitSegments(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("splitSegments(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCountWordsMatchesFields(t *testing.T) {
	for _, s := range []string{
		"", " ", "a", " a b  c ", "tab\tsep\nnew", "nbsp\u00a0sep", "ideographic\u3000space",
		"句子 0 描述", "bad\xffutf8 x", "\u2028line\u2029para",
	} {
		if got, want := countWords(s), len(strings.Fields(s)); got != want {
			t.Errorf("countWords(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestIsSalient(t *testing.T) {
	tests := []struct {
		word string
		want bool
	}{
		{"10.0.0.42", true},           // digit
		{"req-9182", true},            // digit
		{"ERROR", true},               // keyword and ALLCAPS
		{"error:", true},              // keyword after trimming punctuation
		{"(Traceback)", true},         // keyword, case-folded
		{"fixme", true},               // keyword
		{"failures", false},           // not a keyword, lowercase
		{"errors", false},             // plural is not a keyword
		{"HTTP", true},                // ALLCAPS
		{"A", false},                  // one letter only
		{"I/O", true},                 // two letters, both upper
		{"Go", false},                 // mixed case
		{"ÉCOLE", true},               // non-ASCII ALLCAPS
		{"auth.registry", true},       // dotted identifier
		{"_a._b", true},               // dotted, underscores start names
		{"über.straße", true},         // dotted, non-ASCII letters
		{".hidden", false},            // empty part before the dot
		{"end.", false},               // empty part after the dot
		{"a.(b)", false},              // part after the dot starts with '('
		{"plain", false},              // nothing special
		{"faİl", false},               // Rust lowercases İ to i + U+0307
		{"tracebac\u212a", true},      // Kelvin sign lowercases to ASCII k
		{"Σfail", false},              // lowercases to non-ASCII
		{"\u2160\u2161", true},        // Roman numerals: letter numbers, uppercase
		{"warning\u0301", true},       // a trailing combining mark is not alphanumeric: trimmed
		{"\u00aaa", false},            // ª is alphabetic (Lo), not uppercase
		{"exceptionexception", false}, // longer than any keyword
	}
	for _, tt := range tests {
		if got := isSalient(tt.word); got != tt.want {
			t.Errorf("isSalient(%q) = %v, want %v", tt.word, got, tt.want)
		}
	}
}

func TestSalienceAddsOneToWordCount(t *testing.T) {
	if got := salience("ERROR"); got != 0.5 {
		t.Errorf("salience(ERROR) = %v, want 1/2", got)
	}
	if got := salience("code 500 at host 10.0.0.1"); got != 2.0/6 {
		t.Errorf("salience = %v, want 2/6", got)
	}
	if got := salience(""); got != 0 {
		t.Errorf("salience(\"\") = %v", got)
	}
}

func TestShinglesAreDistinctWordWindows(t *testing.T) {
	x := newShingleIndex(0)
	// Windows of three over lowercased alphanumeric runs; the repeated
	// window "a a a" counts once.
	if got := len(x.shingles("A a a a, b")); got != 2 {
		t.Errorf("shingles: %d distinct windows, want 2 (a a a, a a b)", got)
	}
	// Fewer than three words: every window of every size.
	if got := len(x.shingles("Hello, world")); got != 3 {
		t.Errorf("two words: %d windows, want 3", got)
	}
	if got := len(x.shingles("...")); got != 0 {
		t.Errorf("no words: %d windows, want 0", got)
	}
	// Case and punctuation do not matter; word boundaries do.
	a := slices.Clone(x.shingles("The quick-brown fox"))
	b := x.shingles("the QUICK brown, FOX!")
	if !slices.Equal(a, b) {
		t.Errorf("case/punctuation variants differ: %v vs %v", a, b)
	}
	c := x.shingles("the quickbrown fox")
	if slices.Equal(a, c) {
		t.Errorf("joined words must differ")
	}
	// Underscores and digits are word characters; non-ASCII letters too.
	d := slices.Clone(x.shingles("snake_case v2 Über"))
	e := x.shingles("SNAKE_CASE V2 über")
	if !slices.Equal(d, e) || len(d) != 1 {
		t.Errorf("got %v and %v, want one equal window", d, e)
	}
}

func TestShingleCoverage(t *testing.T) {
	x := newShingleIndex(0)
	x.add(slices.Clone(x.shingles("one two three four")))
	sh := x.shingles("two three four five")
	if got := x.covered(sh); got != 1 || len(sh) != 2 {
		t.Errorf("covered %d of %d, want 1 of 2", got, len(sh))
	}
}
