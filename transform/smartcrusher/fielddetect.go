package smartcrusher

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/internal/pycompat"
)

// Statistical detectors for ID-like and score-like columns. The thresholds
// are the reference's; drifting any of them changes which arrays are
// crushable.

// detectID reports whether a column looks like an identifier and how sure
// the guess is.
func detectID(f *fieldStats) (bool, float64) {
	if f.uniqueRatio < 0.9 {
		return false, 0
	}
	if f.typ == fieldString {
		var sample []string
		for _, v := range f.values[:min(20, len(f.values))] {
			if s, ok := v.Str(); ok {
				sample = append(sample, s)
			}
		}
		if len(sample) > 0 {
			uuids := 0
			var entropy float64
			for _, s := range sample {
				if isUUID(s) {
					uuids++
				}
			}
			if float64(uuids)/float64(len(sample)) > 0.8 {
				return true, 0.95
			}
			for _, s := range sample {
				entropy += stringEntropy(s)
			}
			if entropy/float64(len(sample)) > 0.7 && f.uniqueRatio > 0.95 {
				return true, 0.8
			}
		}
	}
	if f.typ == fieldNumeric {
		if isSequential(f.values, true) && f.uniqueRatio > 0.95 {
			return true, 0.9
		}
		if f.hasMean && f.maxV-f.minV > 0 && f.uniqueRatio > 0.95 {
			return true, 0.85
		}
	}
	if f.uniqueRatio > 0.98 {
		return true, 0.7
	}
	return false, 0
}

// detectScore reports whether a numeric column looks like a relevance
// score (bounded range, not sequential, usually sorted descending).
func detectScore(f *fieldStats, items []jsonx.Value) (bool, float64) {
	if f.typ != fieldNumeric || !f.hasMean {
		return false, 0
	}
	mn, mx := f.minV, f.maxV
	in := func(x, lo, hi float64) bool { return x >= lo && x <= hi }
	conf := 0.0
	switch {
	case in(mn, 0, 1) && in(mx, 0, 1):
		conf += 0.4
	case in(mn, 0, 10) && in(mx, 0, 10):
		conf += 0.3
	case in(mn, 0, 100) && in(mx, 0, 100):
		conf += 0.25
	case mn >= -1 && mx <= 1:
		conf += 0.35
	default:
		return false, 0
	}
	var sample []jsonx.Value
	for _, it := range items[:min(50, len(items))] {
		if v, ok := it.Get(f.name); ok {
			sample = append(sample, v)
		}
	}
	if isSequential(sample, true) {
		return false, 0
	}
	var ordered []float64
	for _, it := range items {
		if v, ok := it.Get(f.name); ok {
			if x, ok := v.Float(); ok {
				ordered = append(ordered, x)
			}
		}
	}
	if len(ordered) >= 5 {
		desc := 0
		for i := 1; i < len(ordered); i++ {
			if ordered[i-1] >= ordered[i] {
				desc++
			}
		}
		if float64(desc)/float64(len(ordered)-1) > 0.7 {
			conf += 0.3
		}
	}
	head := ordered[:min(20, len(ordered))]
	fractional := 0
	for _, x := range head {
		if x != math.Trunc(x) {
			fractional++
		}
	}
	if len(head) > 0 && float64(fractional) > float64(len(head))*0.3 {
		conf += 0.1
	}
	return conf >= 0.4, math.Min(conf, 0.95)
}

// isUUID checks the 8-4-4-4-12 hex shape only.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if c != '-' {
				return false
			}
			continue
		}
		if !(isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) {
			return false
		}
	}
	return true
}

// stringEntropy is the Shannon entropy of s's characters divided by its
// maximum for that many distinct characters; 0 for fewer than two.
func stringEntropy(s string) float64 {
	n := utf8.RuneCountInString(s)
	if n < 2 {
		return 0
	}
	freq := make(map[rune]int, n)
	var order []rune // sum in first-seen order; the reference's order is unspecified
	for _, r := range s {
		if freq[r] == 0 {
			order = append(order, r)
		}
		freq[r]++
	}
	var h float64
	for _, r := range order {
		p := float64(freq[r]) / float64(n)
		if p > 0 {
			h -= float64(p * math.Log2(p))
		}
	}
	maxH := math.Log2(float64(min(len(freq), n)))
	if maxH > 0 {
		return h / maxH
	}
	return 0
}

// parseIntLikeReference mirrors the reference's emulation of Python int()
// for sequence detection: Unicode-trimmed, optional sign, ASCII digits,
// underscores allowed except leading, trailing or doubled, within i64.
func parseIntLikeReference(s string) (float64, bool) {
	t := pycompat.Trim(s)
	if t == "" {
		return 0, false
	}
	if strings.Contains(t, "_") {
		if t[0] == '_' || t[len(t)-1] == '_' || strings.Contains(t, "__") {
			return 0, false
		}
		t = strings.ReplaceAll(t, "_", "")
	}
	i, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return 0, false
	}
	return float64(i), true
}

// isSequential reports whether values look like consecutive IDs: at least
// five numbers (strings parsing as integers count, but at least one must be
// a real JSON number), sorted gaps mostly in [0.5, 2], and — with
// checkOrder — mostly ascending in the original order.
func isSequential(values []jsonx.Value, checkOrder bool) bool {
	if len(values) < 5 {
		return false
	}
	nums := make([]float64, 0, len(values))
	realNumber := false
	for _, v := range values {
		switch v.Kind() {
		case jsonx.Number:
			if x, ok := v.Float(); ok {
				nums = append(nums, x)
				realNumber = true
			}
		case jsonx.String:
			s, _ := v.Str()
			if x, ok := parseIntLikeReference(s); ok {
				nums = append(nums, x)
			}
		}
	}
	if len(nums) < 5 || !realNumber {
		return false
	}
	sorted := slices.Clone(nums)
	slices.SortStableFunc(sorted, func(a, b float64) int {
		switch {
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	})
	inRange := func(d float64) bool { return d >= 0.5 && d <= 2.0 }
	var sum float64
	consistent := 0
	for i := 1; i < len(sorted); i++ {
		d := sorted[i] - sorted[i-1]
		sum += d
		if inRange(d) {
			consistent++
		}
	}
	diffs := len(sorted) - 1
	if !inRange(sum / float64(diffs)) {
		return false
	}
	if !(float64(consistent)/float64(diffs) > 0.8) {
		return false
	}
	if checkOrder {
		asc := 0
		for i := 1; i < len(nums); i++ {
			if nums[i-1] <= nums[i] {
				asc++
			}
		}
		return float64(asc)/float64(len(nums)-1) > 0.7
	}
	return true
}
