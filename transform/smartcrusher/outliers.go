package smartcrusher

import (
	"math"
	"slices"
	"sort"

	"github.com/headroom-go/headroom/internal/jsonx"
)

// errorKeywords mark an item as an error the crusher must keep.
var errorKeywords = [...]string{
	"error", "exception", "failed", "failure", "critical", "fatal",
	"crash", "panic", "abort", "timeout", "denied", "rejected",
}

// containsErrorKeyword reports whether the lowercased s contains an error
// keyword. The reference lowercases with full Unicode rules, but the only
// non-ASCII characters that lowercase to ASCII are U+0130 (to "i" plus a
// combining dot, which then cannot be followed by a keyword letter) and
// the Kelvin sign (to "k", in no keyword), so folding ASCII alone gives
// identical answers without allocating.
func containsErrorKeyword(s string) bool {
	for i := 0; i < len(s); i++ {
		switch lowerASCII(s[i]) {
		case 'e', 'f', 'c', 'p', 'a', 't', 'd', 'r':
		default:
			continue
		}
		for _, kw := range errorKeywords {
			if hasFoldPrefix(s[i:], kw) {
				return true
			}
		}
	}
	return false
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// hasFoldPrefix reports whether s starts with the lowercase ASCII word kw,
// ignoring ASCII case.
func hasFoldPrefix(s, kw string) bool {
	if len(s) < len(kw) {
		return false
	}
	for j := 0; j < len(kw); j++ {
		if lowerASCII(s[j]) != kw[j] {
			return false
		}
	}
	return true
}

// errorItems returns the indices of object items whose compact rendering
// contains an error keyword (the "keep_errors" constraint).
func errorItems(items []jsonx.Value, strs []string) []int {
	var out []int
	for i, it := range items {
		if it.Kind() != jsonx.Object {
			continue
		}
		if containsErrorKeyword(strs[i]) {
			out = append(out, i)
		}
	}
	return out
}

// Key-frequency bounds: a key in at least commonShare of the items is
// common, one in under rareShare is rare.
const (
	commonShare = 0.8
	rareShare   = 0.2
)

// structuralOutliers returns, ascending, the items holding a rare key and
// the items whose value in a common low-cardinality column is outside the
// values covering 80% of rows (the "keep_structural_outliers" constraint).
func structuralOutliers(items []jsonx.Value) []int {
	n := len(items)
	if n < 5 {
		return nil
	}
	freq := make(map[string]int)
	for _, it := range items {
		for _, m := range it.Members() {
			freq[m.Key]++
		}
	}
	var common []string
	rare := make(map[string]bool)
	for k, c := range freq {
		if float64(c) >= float64(n)*commonShare {
			common = append(common, k)
		}
		if float64(c) < float64(n)*rareShare {
			rare[k] = true
		}
	}
	mark := make([]bool, n)
	for i, it := range items {
		for _, m := range it.Members() {
			if rare[m.Key] {
				mark[i] = true
				break
			}
		}
	}
	slices.Sort(common)
	for _, i := range rareStatusValues(items, common) {
		mark[i] = true
	}
	var out []int
	for i, m := range mark {
		if m {
			out = append(out, i)
		}
	}
	return out
}

// statusNone stands for null when counting a column's values.
const statusNone = "__none__"

// Cardinality bounds for a status-like column, and how few values must
// cover the top share of rows.
const (
	statusMinDistinct = 2
	statusMaxDistinct = 50
	statusTopShare    = 0.8
	statusMaxTop      = 5
)

// statusString stringifies a non-null value for status counting.
func statusString(v jsonx.Value) string {
	switch v.Kind() {
	case jsonx.Bool:
		if b, _ := v.Bool(); b {
			return "true"
		}
		return "false"
	case jsonx.Number:
		lit, _ := v.Literal()
		return lit
	case jsonx.String:
		s, _ := v.Str()
		return s
	case jsonx.Null:
		return statusNone
	}
	return jsonx.Compact(v)
}

func rareStatusValues(items []jsonx.Value, common []string) []int {
	var out []int
	for _, field := range common {
		var vals []jsonx.Value
		for _, it := range items {
			if v, ok := it.Get(field); ok {
				vals = append(vals, v)
			}
		}
		distinct := make(map[string]struct{})
		counts := make(map[string]int)
		for _, v := range vals {
			s := statusString(v)
			if !v.IsNull() {
				distinct[s] = struct{}{}
			}
			counts[s]++
		}
		if len(distinct) < statusMinDistinct || len(distinct) > statusMaxDistinct || len(counts) == 0 {
			continue
		}
		type vc struct {
			v string
			c int
		}
		sorted := make([]vc, 0, len(counts))
		for v, c := range counts {
			sorted = append(sorted, vc{v, c})
		}
		sort.Slice(sorted, func(i, j int) bool {
			if sorted[i].c != sorted[j].c {
				return sorted[i].c > sorted[j].c
			}
			return sorted[i].v < sorted[j].v
		})
		threshold := int(math.Ceil(float64(len(vals)) * statusTopShare))
		top := make(map[string]bool)
		cum := 0
		for _, e := range sorted {
			cum += e.c
			top[e.v] = true
			if cum >= threshold {
				break
			}
		}
		if len(top) > statusMaxTop {
			continue
		}
		for i, it := range items {
			v, ok := it.Get(field)
			if !ok {
				continue
			}
			if !top[statusString(v)] {
				out = append(out, i)
			}
		}
	}
	return out
}
