// Package signals classifies single lines by how important they are to keep
// when a compressor has to drop text: error and warning lines, TODO-style
// markers, security-relevant words, markdown structure.
//
// A [Detector] scores one line in a [Context] and returns a [Signal] carrying
// a category, a priority (what callers rank by) and a confidence (what the
// [Tiered] combinator uses to decide whether to ask the next tier). The only
// tier that exists today is the [KeywordDetector]; [Default] gives the
// reference preset built from it. A future tier (an ML classification head,
// say) is added by composition: put it in a [Tiered] slice, nothing else
// changes.
//
// Keyword matching is defined on ASCII bytes: word characters are
// [A-Za-z0-9_] and every other byte, including every byte of a multi-byte
// UTF-8 sequence, is a word boundary. This is deliberate (the reference
// implementation is ASCII-only too) and keeps detection independent of
// Unicode table versions.
package signals

import "fmt"

// Context says where a line came from. It selects which keyword tables apply:
// markdown structure matters in prose but not in a diff hunk, security words
// matter in a diff but not in grep output.
type Context uint8

// The contexts a line can be scored in. The zero value is [Text].
const (
	// Text is free-form prose.
	Text Context = iota
	// Search is grep/ripgrep output.
	Search
	// Diff is a unified diff.
	Diff
	// Log is log output.
	Log
)

var contextNames = [...]string{Text: "text", Search: "search", Diff: "diff", Log: "log"}

// String returns the lowercase name used by configuration and the reference's
// Python bridge ("text", "search", "diff", "log").
func (c Context) String() string {
	if int(c) < len(contextNames) {
		return contextNames[c]
	}
	return fmt.Sprintf("Context(%d)", uint8(c))
}

// ParseContext is the inverse of [Context.String]. Names are matched exactly;
// anything else is an error rather than a guess.
func ParseContext(name string) (Context, error) {
	for i, n := range contextNames {
		if n == name {
			return Context(i), nil
		}
	}
	return 0, fmt.Errorf("signals: unknown context %q (want text, search, diff or log)", name)
}

// Category says why a line earned its priority. The zero value, [NoCategory],
// means no detector recognised anything.
type Category uint8

// The categories a detector can report.
const (
	// NoCategory marks a neutral signal: nothing matched.
	NoCategory Category = iota
	// Error lines: failures, exceptions, crashes, timeouts.
	Error
	// Warning lines.
	Warning
	// Importance markers: TODO, FIXME, NOTE and friends.
	Importance
	// Security-relevant lines (only detected in [Diff] context).
	Security
	// Markdown structure: headers, bold, blockquotes (only in [Text]).
	Markdown
)

var categoryNames = [...]string{
	NoCategory: "", Error: "error", Warning: "warning",
	Importance: "importance", Security: "security", Markdown: "markdown",
}

// String returns the lowercase category name, or "" for [NoCategory].
func (c Category) String() string {
	if int(c) < len(categoryNames) {
		return categoryNames[c]
	}
	return fmt.Sprintf("Category(%d)", uint8(c))
}

// Signal is one detector's verdict on one line.
//
// Priority and Confidence are float32 because the reference computes them in
// single precision and consumers (log and search compressors) add them into
// float32 scores; widening here would change their rounding.
type Signal struct {
	// Category is what matched, or NoCategory.
	Category Category
	// Priority ranks lines for keeping: 0 drop first, 1 keep at all costs.
	Priority float32
	// Confidence is how sure the detector is: 0 means it has no information.
	Confidence float32
}

// Matched reports whether the detector recognised something in the line.
func (s Signal) Matched() bool { return s.Category != NoCategory }

// Detector scores single lines.
//
// Contract: Score is deterministic, never fails and never panics on any input
// (including invalid UTF-8 and the empty string, which score as neutral
// unless the detector has a reason not to). It returns the zero Signal when
// it has no opinion. Implementations must be safe for concurrent use: one
// detector is shared by every compressor goroutine. Score is called once per
// line of every compressed payload, so it should be cheap (a keyword scan,
// not a model call per line).
type Detector interface {
	Score(line string, ctx Context) Signal
}
