package smartcrusher

import (
	"regexp"
	"strings"

	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/internal/pycompat"
	"github.com/headroom-go/headroom/relevance"
)

// Scorer rates how relevant each item (its compact JSON) is to a query.
// ScoreBatch returns one score in [0, 1] per item, in order; it must be
// deterministic and safe for concurrent use. The crusher keeps items
// scoring at least Config.RelevanceThreshold when a query is given.
type Scorer interface {
	ScoreBatch(items []string, query string) []float64
}

// RelevanceScorer adapts a relevance.Scorer (BM25, Hybrid) to Scorer,
// keeping only each result's score.
func RelevanceScorer(s relevance.Scorer) Scorer { return relevanceScorer{s} }

type relevanceScorer struct{ s relevance.Scorer }

func (r relevanceScorer) ScoreBatch(items []string, query string) []float64 {
	res := r.s.ScoreBatch(items, query)
	out := make([]float64, len(res))
	for i, x := range res {
		out[i] = x.Score
	}
	return out
}

// Query anchor patterns. Go's RE2 classes (\b, \d) are ASCII where the
// reference's are Unicode; for ASCII queries they agree.
var (
	uuidRE     = regexp.MustCompile(`\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b`)
	numericRE  = regexp.MustCompile(`\b\d{4,}\b`)
	hostnameRE = regexp.MustCompile(`\b[a-zA-Z0-9][-a-zA-Z0-9]*\.[a-zA-Z0-9][-a-zA-Z0-9]*(?:\.[a-zA-Z]{2,})?\b`)
	quotedRE   = regexp.MustCompile(`['"]([^'"]{1,50})['"]`)
	emailRE    = regexp.MustCompile(`\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b`)
)

// hostnameFalsePositives are abbreviations the hostname pattern matches.
var hostnameFalsePositives = map[string]bool{"e.g": true, "i.e": true, "etc.": true}

// extractQueryAnchors pulls exact-match anchors out of a query: UUIDs,
// numbers of four or more digits, hostnames, short quoted strings and
// emails, lowercased.
func extractQueryAnchors(q string) []string {
	if q == "" {
		return nil
	}
	set := make(map[string]bool)
	for _, m := range uuidRE.FindAllString(q, -1) {
		set[pycompat.RustLower(m)] = true
	}
	for _, m := range numericRE.FindAllString(q, -1) {
		set[m] = true
	}
	for _, m := range hostnameRE.FindAllString(q, -1) {
		if lc := pycompat.RustLower(m); !hostnameFalsePositives[lc] {
			set[lc] = true
		}
	}
	for _, m := range quotedRE.FindAllStringSubmatch(q, -1) {
		if len(pycompat.Trim(m[1])) >= 2 {
			set[pycompat.RustLower(m[1])] = true
		}
	}
	for _, m := range emailRE.FindAllString(q, -1) {
		set[pycompat.RustLower(m)] = true
	}
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	return out
}

// itemMatchesAnchors reports whether any anchor occurs in the lowercased
// Python repr of the item.
func itemMatchesAnchors(item jsonx.Value, anchors []string) bool {
	if len(anchors) == 0 {
		return false
	}
	var b strings.Builder
	writePyRepr(&b, item)
	s := pycompat.RustLower(b.String())
	for _, a := range anchors {
		if strings.Contains(s, a) {
			return true
		}
	}
	return false
}

// writePyRepr writes the reference's approximation of Python's repr of a
// parsed JSON value: None/True/False, literal numbers, strings in single
// quotes without escaping, ", " and ": " separators, insertion order.
func writePyRepr(b *strings.Builder, v jsonx.Value) {
	switch v.Kind() {
	case jsonx.Null:
		b.WriteString("None")
	case jsonx.Bool:
		if t, _ := v.Bool(); t {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case jsonx.Number:
		lit, _ := v.Literal()
		b.WriteString(lit)
	case jsonx.String:
		s, _ := v.Str()
		b.WriteByte('\'')
		b.WriteString(s)
		b.WriteByte('\'')
	case jsonx.Array:
		b.WriteByte('[')
		for i, it := range v.Items() {
			if i > 0 {
				b.WriteString(", ")
			}
			writePyRepr(b, it)
		}
		b.WriteByte(']')
	case jsonx.Object:
		b.WriteByte('{')
		for i, m := range v.Members() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('\'')
			b.WriteString(m.Key)
			b.WriteString("': ")
			writePyRepr(b, m.Value)
		}
		b.WriteByte('}')
	}
}
