package relevance

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"Hello WORLD", []string{"hello", "world"}},
		{"hello, world!", []string{"hello", "world"}},
		{"user 12345 logged in 99 times", []string{"user", "12345", "logged", "in", "99", "times"}},
		{"snake_case and CamelCase", []string{"snake_case", "and", "camelcase"}},
		{"12345abc", []string{"12345abc"}},
		// A UUID is one token, lowercased, with no boundary needed around it.
		{"find 550E8400-E29B-41D4-A716-446655440000 fast", []string{"find", "550e8400-e29b-41d4-a716-446655440000", "fast"}},
		{"id=550e8400-e29b-41d4-a716-446655440000x", []string{"id", "550e8400-e29b-41d4-a716-446655440000", "x"}},
		// A word run that starts earlier swallows the UUID's first group.
		{"x550e8400-e29b-41d4-a716-446655440000", []string{"x550e8400", "e29b", "41d4", "a716", "446655440000"}},
		{"550e8400-e29b-41d4-a716-44665544000", []string{"550e8400", "e29b", "41d4", "a716", "44665544000"}},
		// Non-ASCII letters separate tokens and are dropped.
		{"café naïve 東京", []string{"caf", "na", "ve"}},
		{"ab\xffcd", []string{"ab", "cd"}},
		{"ＡＢＣ ΣΟΦΙΑ", nil},
		// Full lowercase mapping: İ becomes "i" + U+0307, splitting the word;
		// KELVIN SIGN becomes an ASCII k.
		{"İstanbul", []string{"i", "stanbul"}},
		{"5 \u212A", []string{"5", "k"}},
		// Decimal digits of any script count for the numeric-ID pattern, and
		// Unicode word rules decide its boundaries.
		{"order ١٢٣٤٥ shipped", []string{"order", "١٢٣٤٥", "shipped"}},
		{"١٢٣", nil},
		{"1234٥", []string{"1234٥"}},
		{"x١٢٣٤", []string{"x"}},
		{"١٢٣٤x", []string{"x"}},
		{"é1234", []string{"1234"}},
		{"\u03011234 ok", []string{"1234", "ok"}},
	}
	for _, tt := range tests {
		if got := Tokenize(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// On ASCII text Unicode and ASCII regex semantics coincide, so Go's regexp
// running the reference pattern is an independent oracle there.
var referenceTokenPattern = regexp.MustCompile(
	`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\b\d{4,}\b|[a-zA-Z0-9_]+`)

func checkTokenize(t *testing.T, text string) {
	t.Helper()
	got := Tokenize(text)
	if again := Tokenize(text); !slices.Equal(got, again) {
		t.Fatalf("Tokenize(%q) not deterministic: %q then %q", text, got, again)
	}
	lowered := lowerForTokens(text)
	rest := lowered
	for _, tok := range got {
		if tok == "" {
			t.Fatalf("Tokenize(%q) produced an empty token", text)
		}
		if !validToken(tok) {
			t.Fatalf("Tokenize(%q) produced %q, which no alternative matches", text, tok)
		}
		i := strings.Index(rest, tok)
		if i < 0 {
			t.Fatalf("Tokenize(%q): token %q not found in order in %q", text, tok, lowered)
		}
		rest = rest[i+len(tok):]
	}
	ascii := true
	for i := 0; i < len(text); i++ {
		ascii = ascii && text[i] < utf8.RuneSelf
	}
	if ascii {
		want := referenceTokenPattern.FindAllString(strings.ToLower(text), -1)
		if !slices.Equal(got, want) {
			t.Fatalf("Tokenize(%q) = %q, regexp oracle says %q", text, got, want)
		}
	}
}

func validToken(tok string) bool {
	if referenceTokenPattern.FindString(tok) == tok && tok != "" {
		return true
	}
	n := 0
	for _, r := range tok {
		if !unicode.Is(unicode.Nd, r) {
			return false
		}
		n++
	}
	return n >= 4
}

func FuzzTokenize(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string) {
		checkTokenize(t, text)
	})
}

func TestLowerForTokensKeepsLowercaseInput(t *testing.T) {
	s := "already lowercase ascii 123"
	if got := lowerForTokens(s); got != s {
		t.Fatalf("lowerForTokens(%q) = %q", s, got)
	}
	if n := testing.AllocsPerRun(100, func() { lowerForTokens(s) }); n != 0 {
		t.Errorf("lowerForTokens allocated %v times on input needing no change", n)
	}
	if got := lowerForTokens("MiXeD\xffİ"); got != "mixed\xffi\u0307" {
		t.Errorf("lowerForTokens kept %q", got)
	}
}

func TestCountNumericIDs(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"look up records 12345 and 67890", 2},
		{"show record 12345", 1},
		{"show record 123", 0},
		{"record é12345", 0}, // é is a word character: no boundary before 1
		{"record 12345é", 0},
		{"record ١٢٣٤٥", 1},
		{"a1234 1234b 2024-01-01 5678", 2}, // 2024 and 5678; 01 is too short
	}
	for _, tt := range tests {
		if got := countNumericIDs(tt.in, 10); got != tt.want {
			t.Errorf("countNumericIDs(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
