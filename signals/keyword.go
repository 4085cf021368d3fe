package signals

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unsafe"

	ahocorasick "github.com/petar-dambovaliev/aho-corasick"
)

// KeywordConfidence is the confidence the keyword tier reports for every hit.
// It equals [EscalateThreshold], so in a [Tiered] stack a keyword hit ends the
// search; a more precise tier has to be placed before it to take precedence.
const KeywordConfidence float32 = 0.7

// Priorities per category. Errors outrank security words, which outrank
// warnings, importance markers and finally markdown structure.
const (
	errorPriority      float32 = 0.95
	securityPriority   float32 = 0.85
	warningPriority    float32 = 0.75
	importancePriority float32 = 0.6
	markdownPriority   float32 = 0.45
)

func priorityOf(c Category) float32 {
	switch c {
	case Error:
		return errorPriority
	case Warning:
		return warningPriority
	case Importance:
		return importancePriority
	case Security:
		return securityPriority
	case Markdown:
		return markdownPriority
	}
	return 0
}

// KeywordTables are the word lists a [KeywordDetector] matches. Words are
// matched ASCII-case-insensitively as whole words; the markdown prefixes are
// matched case-sensitively at the very start of the line.
type KeywordTables struct {
	// Error words fire in every context, in one table with Importance.
	Error []string
	// Warning words fire in Text, Search and Log contexts.
	Warning []string
	// Importance words fire in every context.
	Importance []string
	// Security words fire in Diff context only.
	Security []string
	// MarkdownPrefixes fire in Text context only, as line prefixes.
	MarkdownPrefixes []string
	// ErrorIndicators feed [KeywordDetector.ContainsErrorIndicator], a lax
	// substring test with no word boundaries.
	ErrorIndicators []string
}

// DefaultKeywordTables returns the reference keyword set. Relative to the
// older Python detector it adds abort/timeout/denied/rejected to the error
// words and drops "token" from the security words (it fired on every
// input_tokens/output_tokens metric line of an LLM proxy). Each call returns
// fresh slices, so callers may edit them before building a detector.
func DefaultKeywordTables() KeywordTables {
	return KeywordTables{
		Error: []string{
			"error", "exception", "fail", "failed", "failure", "fatal", "critical",
			"crash", "panic", "abort", "timeout", "denied", "rejected",
		},
		Warning:          []string{"warn", "warning"},
		Importance:       []string{"important", "note", "todo", "fixme", "hack", "xxx", "bug", "fix"},
		Security:         []string{"security", "auth", "password", "secret"},
		MarkdownPrefixes: []string{"# ", "## ", "### ", "#### ", "**", "> "},
		ErrorIndicators:  []string{"error", "fail", "exception", "traceback", "fatal", "panic", "crash"},
	}
}

// KeywordDetector is the pattern tier: Aho–Corasick automata over the keyword
// tables with an ASCII word-boundary filter. It is immutable after
// construction and safe for concurrent use.
//
// Scoring a line, in order:
//  1. the leftmost whole-word hit from the Error and Importance words (one
//     table, so "note: error" is Importance because "note" comes first);
//  2. in Diff context the leftmost Security word, in every other context the
//     leftmost Warning word;
//  3. in Text context only, a line starting with a markdown prefix;
//  4. otherwise neutral.
//
// A "whole word" is found the way the reference finds it: scan for the
// leftmost-longest keyword occurrence; if the bytes on either side of it are
// word characters ([A-Za-z0-9_]), discard it and resume the scan after its
// end. So "failures" matches nothing (the longest candidate "failure" is
// followed by "s" and the scan skips past it) while "ERROR," matches "error".
type KeywordDetector struct {
	universal  wordMatcher
	warning    wordMatcher
	security   wordMatcher
	markdown   []string
	indicators wordMatcher
}

var _ Detector = (*KeywordDetector)(nil)

// NewKeywordDetector builds a detector from t. It rejects empty keywords and
// prefixes (they would match everywhere) and a keyword listed twice within one
// automaton, ignoring ASCII case, because which of the two categories would
// win is then an accident of pattern order. Empty tables are allowed and
// simply never match.
func NewKeywordDetector(t KeywordTables) (*KeywordDetector, error) {
	universal, err := newWordMatcher(
		table{"error", Error, t.Error},
		table{"importance", Importance, t.Importance},
	)
	if err != nil {
		return nil, err
	}
	warning, err := newWordMatcher(table{"warning", Warning, t.Warning})
	if err != nil {
		return nil, err
	}
	security, err := newWordMatcher(table{"security", Security, t.Security})
	if err != nil {
		return nil, err
	}
	indicators, err := newWordMatcher(table{"error indicator", Error, t.ErrorIndicators})
	if err != nil {
		return nil, err
	}
	for _, p := range t.MarkdownPrefixes {
		if p == "" {
			return nil, errors.New("signals: empty markdown prefix")
		}
	}
	return &KeywordDetector{
		universal:  universal,
		warning:    warning,
		security:   security,
		markdown:   append([]string(nil), t.MarkdownPrefixes...),
		indicators: indicators,
	}, nil
}

var defaultKeywordDetector = sync.OnceValue(func() *KeywordDetector {
	d, err := NewKeywordDetector(DefaultKeywordTables())
	if err != nil {
		// The default tables are constants of this package; failing here is a
		// bug caught by every test run, not a runtime condition.
		panic(err)
	}
	return d
})

// DefaultKeywordDetector returns the detector for [DefaultKeywordTables]. The
// automata are built once per process and the same detector is returned to
// every caller.
func DefaultKeywordDetector() *KeywordDetector { return defaultKeywordDetector() }

// Score implements [Detector].
func (d *KeywordDetector) Score(line string, ctx Context) Signal {
	c := d.category(line, ctx)
	if c == NoCategory {
		return Signal{}
	}
	return Signal{Category: c, Priority: priorityOf(c), Confidence: KeywordConfidence}
}

func (d *KeywordDetector) category(line string, ctx Context) Category {
	if c := d.universal.firstWord(line); c != NoCategory {
		return c
	}
	switch ctx {
	case Diff:
		if c := d.security.firstWord(line); c != NoCategory {
			return c
		}
	case Text, Search, Log:
		if c := d.warning.firstWord(line); c != NoCategory {
			return c
		}
	}
	if ctx == Text {
		for _, p := range d.markdown {
			if strings.HasPrefix(line, p) {
				return Markdown
			}
		}
	}
	return NoCategory
}

// ContainsErrorIndicator reports whether text contains any error indicator
// as an ASCII-case-insensitive substring, with no word-boundary requirement:
// "the request errored out" is true. It is a cheap triage test, deliberately
// laxer than Score.
func (d *KeywordDetector) ContainsErrorIndicator(text string) bool {
	if d.indicators.cats == nil || text == "" {
		return false
	}
	return d.indicators.ac.IterByte(readOnlyBytes(text)).Next() != nil
}

// table is one keyword list and the category its words report.
type table struct {
	name  string
	cat   Category
	words []string
}

// wordMatcher is one automaton plus the category of each of its patterns.
// cats is nil when the automaton has no patterns.
type wordMatcher struct {
	ac   ahocorasick.AhoCorasick
	cats []Category
}

func newWordMatcher(tables ...table) (wordMatcher, error) {
	var patterns []string
	var cats []Category
	seen := make(map[string]string)
	for _, t := range tables {
		for _, w := range t.words {
			if w == "" {
				return wordMatcher{}, fmt.Errorf("signals: empty keyword in %s table", t.name)
			}
			key := asciiLower(w)
			if prev, dup := seen[key]; dup {
				return wordMatcher{}, fmt.Errorf("signals: keyword %q in %s table duplicates %q", w, t.name, prev)
			}
			seen[key] = w
			patterns = append(patterns, w)
			cats = append(cats, t.cat)
		}
	}
	if len(patterns) == 0 {
		return wordMatcher{}, nil
	}
	b := ahocorasick.NewAhoCorasickBuilder(ahocorasick.Opts{
		AsciiCaseInsensitive: true,
		MatchKind:            ahocorasick.LeftMostLongestMatch,
		DFA:                  true,
	})
	return wordMatcher{ac: b.Build(patterns), cats: cats}, nil
}

// firstWord returns the category of the first keyword occurrence, in
// non-overlapping leftmost-longest order, that stands as a whole ASCII word.
func (m *wordMatcher) firstWord(line string) Category {
	if m.cats == nil || line == "" {
		return NoCategory
	}
	it := m.ac.IterByte(readOnlyBytes(line))
	// The library's iterator resumes the search one byte after the start of
	// the previous match, not after its end, so it also reports matches that
	// overlap a rejected one. The reference skips a rejected match entirely;
	// dropping every match that starts before the last rejected end restores
	// that: the first match at or after that end is still the leftmost-longest
	// one there, because the search that found it began no later than the end.
	resume := 0
	for mt := it.Next(); mt != nil; mt = it.Next() {
		start, end := mt.Start(), mt.End()
		if start < resume {
			continue
		}
		if wholeWord(line, start, end) {
			return m.cats[mt.Pattern()]
		}
		resume = end
	}
	return NoCategory
}

// wholeWord reports whether line[start:end] has no ASCII word byte directly
// before or after it.
func wholeWord(line string, start, end int) bool {
	return (start == 0 || !isWordByte(line[start-1])) && (end == len(line) || !isWordByte(line[end]))
}

func isWordByte(b byte) bool {
	return b == '_' || ('0' <= b && b <= '9') || ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z')
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// readOnlyBytes views s as a byte slice without copying. The automaton only
// reads its haystack, and the slice never escapes the call that made it, so
// the string's immutability is not violated; copying every scored line would
// dominate the cost of scanning it.
func readOnlyBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
