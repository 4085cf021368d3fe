package signals

import (
	"strings"
	"testing"
)

// Priorities and confidence as the spec tables state them; written out here
// rather than read from the package so a changed constant fails the test.
var specPriority = map[Category]float32{
	Error:      0.95,
	Security:   0.85,
	Warning:    0.75,
	Importance: 0.6,
	Markdown:   0.45,
}

const specConfidence float32 = 0.7

func TestKeywordDetectorSpecExamples(t *testing.T) {
	d := DefaultKeywordDetector()
	tests := []struct {
		line string
		ctx  Context
		want Category
	}{
		// Examples pinned by the reference's own tests.
		{"ERROR: connection refused", Search, Error},
		{"FATAL: timeout connecting upstream", Diff, Error},
		{"auth request rejected", Diff, Error}, // universal words win before security
		{"input_tokens=512 output_tokens=256", Diff, NoCategory},
		{"missing auth header", Diff, Security},
		{"warning: deprecated API", Search, Warning},
		{"warning: deprecated API alone with no errors", Diff, NoCategory},
		{"# Section", Text, Markdown},
		{"# Section", Diff, NoCategory},
		{"# Important section", Text, Importance},
		{"the panicker showed up late", Search, NoCategory},
		{"the quick brown fox", Text, NoCategory},

		// Whole words only, and a rejected longest match is skipped whole.
		{"failures", Log, NoCategory},
		{"errors", Log, NoCategory},
		{"warnings", Log, NoCategory},
		{"failures then fail", Log, Error},
		{"ERROR,", Log, Error},
		{"x_error", Log, NoCategory},
		{"error_code", Log, NoCategory},
		{"error2", Log, NoCategory},
		{"2error", Log, NoCategory},
		{"[error]", Log, Error},
		{"error", Log, Error},
		{"failed", Log, Error},   // longest candidate wins over "fail"
		{"failure.", Log, Error}, // longest candidate "failure", not "fail"
		{"warn", Search, Warning},
		{"WARNING", Log, Warning},

		// ASCII case-insensitivity.
		{"Exception in thread main", Search, Error},
		{"eRrOr", Text, Error},
		{"ToDo: later", Diff, Importance},
		{"PASSWORD reset", Diff, Security},

		// Every non-ASCII byte is a boundary; non-ASCII letters do not fold.
		{"éerror", Log, Error},
		{"errorß", Log, Error},
		{"ＥＲＲＯＲ", Log, NoCategory},

		// The universal table is one automaton: the leftmost hit decides,
		// whichever of its two categories it belongs to.
		{"note: error follows", Log, Importance},
		{"error: see note", Log, Error},
		// The universal table is consulted before the context table even
		// when the context word comes first on the line.
		{"warning: fix later", Search, Importance},
		{"secret todo", Diff, Importance},

		// Context gating.
		{"warning only", Diff, NoCategory},
		{"secret value", Search, NoCategory},
		{"secret value", Text, NoCategory},
		{"secret value", Log, NoCategory},
		{"token leaked", Diff, NoCategory},
		{"## Heading", Text, Markdown},
		{"**bold**", Text, Markdown},
		{"> quoted", Text, Markdown},
		{"> quoted", Search, NoCategory},
		{"#Heading", Text, NoCategory},   // prefix needs the space
		{" # Heading", Text, NoCategory}, // no trimming
		{"##### deep", Text, NoCategory}, // "#### " is the longest prefix; "##### " starts with "####" then "#"
		{"", Text, NoCategory},
	}
	for _, tt := range tests {
		got := d.Score(tt.line, tt.ctx)
		if got.Category != tt.want {
			t.Errorf("Score(%q, %v).Category = %v, want %v", tt.line, tt.ctx, got.Category, tt.want)
			continue
		}
		if tt.want == NoCategory {
			if got != (Signal{}) {
				t.Errorf("Score(%q, %v) = %+v, want the zero neutral signal", tt.line, tt.ctx, got)
			}
			continue
		}
		if got.Priority != specPriority[tt.want] || got.Confidence != specConfidence {
			t.Errorf("Score(%q, %v) = %+v, want priority %v confidence %v",
				tt.line, tt.ctx, got, specPriority[tt.want], specConfidence)
		}
	}
}

func TestKeywordPrioritiesOrderCategories(t *testing.T) {
	d := DefaultKeywordDetector()
	order := []struct {
		line string
		ctx  Context
	}{
		{"fatal", Log},        // Error
		{"password", Diff},    // Security
		{"warn", Log},         // Warning
		{"todo", Log},         // Importance
		{"# heading", Text},   // Markdown
		{"all is well", Text}, // neutral
	}
	for i := 1; i < len(order); i++ {
		hi := d.Score(order[i-1].line, order[i-1].ctx)
		lo := d.Score(order[i].line, order[i].ctx)
		if !(hi.Priority > lo.Priority) {
			t.Errorf("%q (%v, %v) should outrank %q (%v, %v)",
				order[i-1].line, hi.Category, hi.Priority, order[i].line, lo.Category, lo.Priority)
		}
	}
}

func TestDefaultKeywordTablesMatchSpec(t *testing.T) {
	got := DefaultKeywordTables()
	want := map[string][]string{
		"error":      strings.Fields("error exception fail failed failure fatal critical crash panic abort timeout denied rejected"),
		"warning":    strings.Fields("warn warning"),
		"importance": strings.Fields("important note todo fixme hack xxx bug fix"),
		"security":   strings.Fields("security auth password secret"),
		"markdown":   {"# ", "## ", "### ", "#### ", "**", "> "},
		"indicators": strings.Fields("error fail exception traceback fatal panic crash"),
	}
	have := map[string][]string{
		"error": got.Error, "warning": got.Warning, "importance": got.Importance,
		"security": got.Security, "markdown": got.MarkdownPrefixes, "indicators": got.ErrorIndicators,
	}
	for name, w := range want {
		if strings.Join(have[name], "|") != strings.Join(w, "|") {
			t.Errorf("%s table = %q, want %q", name, have[name], w)
		}
	}
	// Callers get their own copy to edit.
	got.Error[0] = "changed"
	if DefaultKeywordTables().Error[0] != "error" {
		t.Error("DefaultKeywordTables shares its slices between calls")
	}
}

func TestContainsErrorIndicatorIsLaxSubstring(t *testing.T) {
	d := DefaultKeywordDetector()
	tests := []struct {
		text string
		want bool
	}{
		{"the request errored out", true},
		{"traceback follows", true},
		{"TRACEBACK (most recent call last)", true},
		{"kernel PANICKED", true},
		{"everything is fine", false},
		{"connection timeout", false}, // timeout is a Score word, not an indicator
		{"", false},
	}
	for _, tt := range tests {
		if got := d.ContainsErrorIndicator(tt.text); got != tt.want {
			t.Errorf("ContainsErrorIndicator(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestNewKeywordDetectorRejectsAmbiguousTables(t *testing.T) {
	bad := []struct {
		name string
		edit func(*KeywordTables)
		want string
	}{
		{"empty keyword", func(k *KeywordTables) { k.Warning = append(k.Warning, "") }, "empty keyword in warning table"},
		{"empty prefix", func(k *KeywordTables) { k.MarkdownPrefixes = []string{""} }, "empty markdown prefix"},
		{"duplicate across error and importance", func(k *KeywordTables) { k.Importance = append(k.Importance, "Error") }, `"Error" in importance table duplicates "error"`},
		{"duplicate within a table", func(k *KeywordTables) { k.Security = append(k.Security, "AUTH") }, `duplicates "auth"`},
	}
	for _, tt := range bad {
		tables := DefaultKeywordTables()
		tt.edit(&tables)
		_, err := NewKeywordDetector(tables)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to mention %q", tt.name, err, tt.want)
		}
	}
}

func TestKeywordDetectorCustomTables(t *testing.T) {
	// The same word may appear in tables that live in different automata:
	// which one fires is then decided by context, not by pattern order.
	d, err := NewKeywordDetector(KeywordTables{
		Error:    []string{"boom"},
		Warning:  []string{"careful", "time out"},
		Security: []string{"careful"},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		line string
		ctx  Context
		want Category
	}{
		{"BOOM!", Log, Error},
		{"be careful", Log, Warning},
		{"be careful", Diff, Security},
		{"a time out here", Search, Warning}, // keywords may contain non-word bytes
		{"time outs", Search, NoCategory},
		{"error", Log, NoCategory}, // default words are not implied
		{"# x", Text, NoCategory},  // no markdown prefixes configured
	}
	for _, tt := range tests {
		if got := d.Score(tt.line, tt.ctx).Category; got != tt.want {
			t.Errorf("Score(%q, %v) = %v, want %v", tt.line, tt.ctx, got, tt.want)
		}
	}
	if d.ContainsErrorIndicator("error") {
		t.Error("ContainsErrorIndicator with no indicators configured reported a hit")
	}
}

func TestContextNamesRoundTrip(t *testing.T) {
	for _, c := range []Context{Text, Search, Diff, Log} {
		got, err := ParseContext(c.String())
		if err != nil || got != c {
			t.Errorf("ParseContext(%q) = %v, %v; want %v", c.String(), got, err, c)
		}
	}
	for _, name := range []string{"", "Text", "code", "logs"} {
		if _, err := ParseContext(name); err == nil {
			t.Errorf("ParseContext(%q) succeeded, want an error", name)
		}
	}
	if Context(9).String() != "Context(9)" || Category(9).String() != "Category(9)" {
		t.Error("out-of-range values must still print something identifiable")
	}
	if Error.String() != "error" || NoCategory.String() != "" || Markdown.String() != "markdown" {
		t.Error("category names must be the lowercase bridge names")
	}
}

// The library's iterator costs three allocations per automaton consulted
// (iterator, prefilter state, one inside its search entry point) and one per
// candidate match; the detector itself must add nothing, in particular no
// copy of the line. A neutral Log line with no candidate
// consults two automata (universal, warning).
func TestKeywordScoreAllocationBudget(t *testing.T) {
	d := DefaultKeywordDetector()
	line := "2024-01-01 12:00:00 INFO request served in 12ms"
	allocs := testing.AllocsPerRun(200, func() { d.Score(line, Log) })
	if allocs > 6 {
		t.Errorf("Score allocated %v times per neutral line, budget 6", allocs)
	}
}
