package smartcrusher

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/internal/pycompat"
)

// Crushers for arrays of strings and numbers and for wide objects. Arrays of
// at most passthroughItems elements are returned unchanged.
const passthroughItems = 8

// minAdaptiveK is the smallest budget the adaptive sizer returns.
const minAdaptiveK = 3

// kSplit sizes a budget for items and splits it between the head and the
// tail (first/last fractions, rounded half-even, at least one each).
func (c *Crusher) kSplit(items []string, bias float64) (total, first, last int) {
	total = optimalK(items, bias, minAdaptiveK, c.cfg.MaxItemsAfterCrush)
	first = max(1, truncUint(pycompat.RoundHalfEven(float64(total)*c.cfg.FirstFraction)))
	last = max(1, truncUint(pycompat.RoundHalfEven(float64(total)*c.cfg.LastFraction)))
	first = min(first, total)
	last = min(last, max(0, total-first))
	return total, first, last
}

// crushStrings keeps the head, the tail, strings with error keywords and
// strings of anomalous length, then samples evenly (skipping repeats) up to
// the budget. It returns kept indices ascending and the strategy text.
func (c *Crusher) crushStrings(strs []string, bias float64) ([]int, string) {
	n := len(strs)
	if n <= passthroughItems {
		return allIndices(n), "string:passthrough"
	}
	total, first, last := c.kSplit(strs, bias)
	keep := newIndexSet(n)
	errs := 0
	for i, s := range strs {
		if containsErrorKeyword(s) {
			keep.add(i)
			errs++
		}
	}
	lengths := make([]float64, n)
	for i, s := range strs {
		lengths[i] = float64(pycompat.CharLen(s))
	}
	anomalies := 0
	if m, ok := mean(lengths); ok {
		if sd, ok := sampleStdev(lengths); ok && sd > 0 {
			thr := float64(c.cfg.VarianceThreshold * sd)
			for i, l := range lengths {
				if math.Abs(l-m) > thr {
					anomalies++
					keep.add(i)
				}
			}
		}
	}
	for i := 0; i < min(first, n); i++ {
		keep.add(i)
	}
	for i := max(0, n-last); i < n; i++ {
		keep.add(i)
	}
	seen := make(map[string]bool, total)
	for _, i := range keep.sorted() {
		seen[strs[i]] = true
	}
	dedup := 0
	if remaining := total - keep.size; remaining > 0 {
		stride := max(1, (n-1)/(remaining+1))
		limit := total + errs + anomalies
		for i := 0; i < n; i += stride {
			if keep.size >= limit {
				break
			}
			if keep.has(i) {
				continue
			}
			if seen[strs[i]] {
				dedup++
				continue
			}
			keep.add(i)
			seen[strs[i]] = true
		}
	}
	kept := keep.sorted()
	var b strings.Builder
	b.WriteString("string:adaptive(")
	b.WriteString(strconv.Itoa(n))
	b.WriteString("->")
	b.WriteString(strconv.Itoa(len(kept)))
	if dedup > 0 {
		b.WriteString(",dedup=")
		b.WriteString(strconv.Itoa(dedup))
	}
	if errs > 0 {
		b.WriteString(",errors=")
		b.WriteString(strconv.Itoa(errs))
	}
	b.WriteByte(')')
	return kept, b.String()
}

// crushNumbers keeps the head, the tail, outliers and change points, then
// samples evenly up to the budget; the strategy text carries summary
// statistics of the finite values.
func (c *Crusher) crushNumbers(items []jsonx.Value, bias float64) ([]int, string) {
	n := len(items)
	if n <= passthroughItems {
		return allIndices(n), "number:passthrough"
	}
	vals := make([]float64, n)
	finiteAt := make([]bool, n)
	var finite []float64
	for i, v := range items {
		if x, ok := v.Float(); ok {
			vals[i], finiteAt[i] = x, true
			finite = append(finite, x)
		}
	}
	if len(finite) == 0 {
		return allIndices(n), "number:no_finite"
	}
	lits := make([]string, n)
	for i, v := range items {
		lits[i], _ = v.Literal()
	}
	total, first, last := c.kSplit(lits, bias)
	m, _ := mean(finite)
	med, _ := median(finite)
	sd := 0.0
	if len(finite) > 1 {
		sd, _ = sampleStdev(finite)
	}
	sorted := slices.Clone(finite)
	slices.SortFunc(sorted, totalCmp)
	p25, p75 := percentileLinear(sorted, 0.25), percentileLinear(sorted, 0.75)

	keep := newIndexSet(n)
	outliers := 0
	if sd > 0 {
		thr := float64(c.cfg.VarianceThreshold * sd)
		for i := range items {
			if finiteAt[i] && math.Abs(vals[i]-m) > thr {
				outliers++
				keep.add(i)
			}
		}
	}
	changes := 0
	if c.cfg.PreserveChangePoints && n > 10 {
		for i := changeWindow; i < n-changeWindow; i++ {
			left := finiteWindow(vals, finiteAt, i-changeWindow, i)
			right := finiteWindow(vals, finiteAt, i, i+changeWindow)
			if len(left) == 0 || len(right) == 0 {
				continue
			}
			lm, _ := mean(left)
			rm, _ := mean(right)
			if sd > 0 && math.Abs(rm-lm) > float64(c.cfg.VarianceThreshold*sd) {
				changes++
				keep.add(i)
			}
		}
	}
	for i := 0; i < min(first, n); i++ {
		keep.add(i)
	}
	for i := max(0, n-last); i < n; i++ {
		keep.add(i)
	}
	if remaining := total - keep.size; remaining > 0 {
		stride := max(1, (n-1)/(remaining+1))
		limit := total + outliers
		for i := 0; i < n && keep.size < limit; i += stride {
			keep.add(i)
		}
	}
	kept := keep.sorted()

	mn, mx := finite[0], finite[0]
	for _, x := range finite[1:] {
		mn, mx = math.Min(mn, x), math.Max(mx, x)
	}
	var b strings.Builder
	b.WriteString("number:adaptive(")
	b.WriteString(strconv.Itoa(n))
	b.WriteString("->")
	b.WriteString(strconv.Itoa(len(kept)))
	b.WriteString(",min=" + formatNumberRepr(mn))
	b.WriteString(",max=" + formatNumberRepr(mx))
	b.WriteString(",mean=" + formatG(m))
	b.WriteString(",median=" + formatG(med))
	b.WriteString(",stddev=" + formatG(sd))
	b.WriteString(",p25=" + formatG(p25))
	b.WriteString(",p75=" + formatG(p75))
	if outliers > 0 {
		b.WriteString(",outliers=" + strconv.Itoa(outliers))
	}
	if changes > 0 {
		b.WriteString(",change_points=" + strconv.Itoa(changes))
	}
	b.WriteByte(')')
	return kept, b.String()
}

func finiteWindow(vals []float64, ok []bool, from, to int) []float64 {
	var out []float64
	for i := from; i < to; i++ {
		if ok[i] {
			out = append(out, vals[i])
		}
	}
	return out
}

func allIndices(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// objectSmallTokens is the rough token size at or below which a key is
// always kept (the reference's 50/4).
const objectSmallTokens = 50 / 4

// crushObject thins a wide object's keys: it keeps keys whose values carry
// error keywords, small keys, the first and last keys, and evenly spaced
// others up to the adaptive budget. ok is false for a passthrough.
func (c *Crusher) crushObject(members []jsonx.Member, bias float64) ([]jsonx.Member, string, bool) {
	n := len(members)
	if n <= passthroughItems {
		return members, "", false
	}
	vals := make([]string, n)
	tokens := make([]int, n)
	totalTokens := 0
	for i, m := range members {
		vals[i] = jsonx.Compact(m.Value)
		tokens[i] = len(vals[i])/4 + len(m.Key)/4 + 2
		totalTokens += tokens[i]
	}
	if totalTokens < c.cfg.MinTokensToCrush {
		return members, "", false
	}
	kv := make([]string, n)
	for i, m := range members {
		kv[i] = m.Key + ": " + vals[i]
	}
	kTotal := optimalK(kv, bias, minAdaptiveK, c.cfg.MaxItemsAfterCrush)
	if kTotal >= n {
		return members, "", false
	}
	isErr := make([]bool, n)
	keep := newIndexSet(n)
	for i := range members {
		if containsErrorKeyword(vals[i]) {
			isErr[i] = true
			keep.add(i)
		}
		if tokens[i] <= objectSmallTokens {
			keep.add(i)
		}
	}
	first := max(1, truncUint(pycompat.RoundHalfEven(float64(kTotal)*c.cfg.FirstFraction)))
	last := max(1, truncUint(pycompat.RoundHalfEven(float64(kTotal)*c.cfg.LastFraction)))
	for i := 0; i < min(first, n); i++ {
		keep.add(i)
	}
	for i := max(0, n-last); i < n; i++ {
		keep.add(i)
	}
	if remaining := kTotal - keep.size; remaining > 0 {
		stride := max(1, (n-1)/(remaining+1))
		for i := 0; i < n; i += stride {
			errKept := 0
			for j := range members {
				if keep.has(j) && isErr[j] {
					errKept++
				}
			}
			if keep.size >= kTotal+errKept {
				break
			}
			keep.add(i)
		}
	}
	out := make([]jsonx.Member, 0, keep.size)
	for _, i := range keep.sorted() {
		out = append(out, members[i])
	}
	return out, "object:adaptive(" + strconv.Itoa(n) + "->" + strconv.Itoa(len(out)) + " keys)", true
}

func itoa(n int) string { return strconv.Itoa(n) }
