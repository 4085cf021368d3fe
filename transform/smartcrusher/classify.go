package smartcrusher

import (
	"math"
	"unicode"
	"unicode/utf8"

	"github.com/headroom-go/headroom/internal/jsonx"
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

// Opaque-string thresholds (the reference's ClassifyConfig defaults).
const (
	opaqueMinBytes       = 256
	base64MinBytes       = 64
	base64AlphabetShare  = 0.95
	base64MinDistinct    = 16
	htmlMinTagOpens      = 3
	opaqueKindBase64     = "base64"
	opaqueKindHTML       = "html"
	opaqueKindLongString = "string"
)

// opaqueKind classifies a string that is not a JSON container: longer
// than opaqueMinBytes it is "base64", "html" or a long "string".
func opaqueKind(s string) (string, bool) {
	if len(s) <= opaqueMinBytes {
		return "", false
	}
	if looksBase64(s) {
		return opaqueKindBase64, true
	}
	if looksHTML(s) {
		return opaqueKindHTML, true
	}
	return opaqueKindLongString, true
}

func looksBase64(s string) bool {
	if len(s) < base64MinBytes {
		return false
	}
	alphabet := 0
	for _, r := range s {
		switch {
		case r == '<' || r == '>' || unicode.IsSpace(r):
			return false
		case r < utf8.RuneSelf && (isDigit(byte(r)) || (r|0x20 >= 'a' && r|0x20 <= 'z') ||
			r == '+' || r == '/' || r == '=' || r == '_' || r == '-'):
			alphabet++
		}
	}
	// Characters over bytes, as the reference computes it.
	if float64(alphabet)/float64(len(s)) < base64AlphabetShare {
		return false
	}
	distinct := make(map[rune]struct{}, base64MinDistinct)
	for _, r := range s {
		distinct[r] = struct{}{}
		if len(distinct) >= base64MinDistinct {
			return true
		}
	}
	return false
}

func looksHTML(s string) bool {
	opens, tags := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] != '<' {
			continue
		}
		opens++
		if i+1 < len(s) {
			c := s[i+1]
			if (c|0x20 >= 'a' && c|0x20 <= 'z') || c == '/' || c == '!' {
				tags++
			}
		}
	}
	return opens >= htmlMinTagOpens && tags >= htmlMinTagOpens
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
