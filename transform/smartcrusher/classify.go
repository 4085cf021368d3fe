package smartcrusher

import (
	"math"

	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/transform/smartcrusher/compaction"
)

// arrayKind is what an array holds, deciding which crusher runs.
type arrayKind uint8

const (
	arrayEmpty arrayKind = iota
	arrayBools
	arrayDicts
	arrayStrings
	arrayNumbers
	arrayNested
	arrayMixed // any mix, or anything containing null
)

func classifyArray(items []jsonx.Value) arrayKind {
	if len(items) == 0 {
		return arrayEmpty
	}
	first := items[0].Kind()
	for _, it := range items[1:] {
		if it.Kind() != first {
			return arrayMixed
		}
	}
	switch first {
	case jsonx.Bool:
		return arrayBools
	case jsonx.Object:
		return arrayDicts
	case jsonx.String:
		return arrayStrings
	case jsonx.Number:
		return arrayNumbers
	case jsonx.Array:
		return arrayNested
	}
	return arrayMixed
}

// opaqueRules are the reference's default opaque-string rules, the same the
// compaction stage applies, so both write the same markers for a string.
var opaqueRules = compaction.DefaultClassifyConfig()

// opaqueKind classifies a string that is not a JSON container: longer than
// opaqueRules.OpaqueMinBytes it is "base64", "html" or a long "string".
func opaqueKind(s string) (string, bool) {
	k, ok := compaction.OpaqueKindOf(s, &opaqueRules)
	return string(k), ok
}

// mixedGroup is one type group of a mixed array, in first-seen order.
type mixedGroup struct {
	kind jsonx.Kind
	idx  []int
}

// crushMixed crushes each type group of a mixed array with its own crusher
// and keeps the union, in original order.
func (c *Crusher) crushMixed(st *crushState, items []jsonx.Value) ([]int, string) {
	n := len(items)
	if n <= passthroughItems {
		return allIndices(n), "mixed:passthrough"
	}
	var groups []*mixedGroup
	byKind := map[jsonx.Kind]*mixedGroup{}
	for i, it := range items {
		g := byKind[it.Kind()]
		if g == nil {
			g = &mixedGroup{kind: it.Kind()}
			byKind[it.Kind()] = g
			groups = append(groups, g)
		}
		g.idx = append(g.idx, i)
	}
	keep := newIndexSet(n)
	var parts []string
	for _, g := range groups {
		vals := pick(items, g.idx)
		if len(vals) < c.cfg.MinItemsToAnalyze {
			keep.addAll(g.idx)
			continue
		}
		switch g.kind {
		case jsonx.Object:
			r := c.crushArray(st, vals)
			kept := make(map[string]bool, len(r.kept))
			for _, v := range r.kept {
				kept[string(jsonx.AppendPySortKeys(nil, v))] = true
			}
			for i, v := range vals {
				if kept[string(jsonx.AppendPySortKeys(nil, v))] {
					keep.add(g.idx[i])
				}
			}
			parts = append(parts, "dict:"+itoa(len(vals))+"->"+itoa(len(r.kept)))
		case jsonx.String:
			strs := make([]string, len(vals))
			for i, v := range vals {
				strs[i], _ = v.Str()
			}
			keptIdx, _ := c.crushStrings(strs, st.bias)
			set := make(map[string]bool, len(keptIdx))
			for _, i := range keptIdx {
				set[strs[i]] = true
			}
			for i, s := range strs {
				if set[s] {
					keep.add(g.idx[i])
				}
			}
			parts = append(parts, "str:"+itoa(len(vals))+"->"+itoa(len(keptIdx)))
		case jsonx.Number:
			c.crushMixedNumbers(st, vals, g.idx, keep)
			parts = append(parts, "num:"+itoa(len(vals)))
		default:
			keep.addAll(g.idx)
		}
	}
	kept := keep.sorted()
	strat := "mixed:adaptive(" + itoa(n) + "->" + itoa(len(kept)) + ","
	for i, p := range parts {
		if i > 0 {
			strat += ","
		}
		strat += p
	}
	return kept, strat + ")"
}

// crushMixedNumbers keeps the head and tail of a number group plus its
// outliers.
func (c *Crusher) crushMixedNumbers(st *crushState, vals []jsonx.Value, idx []int, keep *indexSet) {
	lits := make([]string, len(vals))
	for i, v := range vals {
		lits[i], _ = v.Literal()
	}
	_, first, last := c.kSplit(lits, st.bias)
	first = min(first, len(vals))
	last = min(last, len(vals)-first)
	keep.addAll(idx[:first])
	keep.addAll(idx[len(idx)-last:])
	var finite []float64
	for _, v := range vals {
		if x, ok := v.Float(); ok {
			finite = append(finite, x)
		}
	}
	if len(finite) <= 1 {
		return
	}
	m, okM := mean(finite)
	sd, okS := sampleStdev(finite)
	if !okM || !okS || !(sd > 0) {
		return
	}
	thr := float64(c.cfg.VarianceThreshold * sd)
	for i, v := range vals {
		if x, ok := v.Float(); ok && math.Abs(x-m) > thr {
			keep.add(idx[i])
		}
	}
}
