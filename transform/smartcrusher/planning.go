package smartcrusher

import (
	"crypto/md5"
	"encoding/binary"
	"math"
	"sort"
	"unicode/utf8"

	"github.com/headroom-go/headroom/internal/jsonx"
)

// indexSet is a set of item indices over one array; iteration is ascending,
// like the reference's BTreeSet.
type indexSet struct {
	mark []bool
	size int
}

func newIndexSet(n int) *indexSet { return &indexSet{mark: make([]bool, n)} }

func (s *indexSet) add(i int) {
	if i >= 0 && i < len(s.mark) && !s.mark[i] {
		s.mark[i] = true
		s.size++
	}
}

func (s *indexSet) has(i int) bool { return i >= 0 && i < len(s.mark) && s.mark[i] }

func (s *indexSet) addAll(idx []int) {
	for _, i := range idx {
		s.add(i)
	}
}

func (s *indexSet) sorted() []int {
	out := make([]int, 0, s.size)
	for i, m := range s.mark {
		if m {
			out = append(out, i)
		}
	}
	return out
}

// arrayCtx is the per-array state the planner shares: the items, their
// compact renderings, cached content hashes and the analysis.
type arrayCtx struct {
	items []jsonx.Value
	strs  []string
	h     *hashes
	a     *analysis
	query string
	max   int // the adaptive budget
}

// plan returns the indices to keep, per the analysis strategy.
func (c *Crusher) plan(ctx *arrayCtx) []int {
	switch ctx.a.strategy {
	case strategySkip:
		all := make([]int, len(ctx.items))
		for i := range all {
			all[i] = i
		}
		return all
	case strategyTimeSeries:
		return c.planTimeSeries(ctx)
	case strategyCluster:
		return c.planCluster(ctx)
	case strategyTopN:
		return c.planTopN(ctx)
	}
	return c.planSmartSample(ctx)
}

func (c *Crusher) applyConstraints(ctx *arrayCtx, keep *indexSet) {
	for _, con := range c.constraints {
		keep.addAll(con.MustKeep(ctx.items, ctx.strs))
	}
}

func (c *Crusher) planSmartSample(ctx *arrayCtx) []int {
	n := len(ctx.items)
	keep := newIndexSet(n)
	keep.addAll(selectAnchors(ctx.items, ctx.strs, ctx.h, ctx.max, anchorGeneric, ctx.query))
	c.applyConstraints(ctx, keep)
	keep.addAll(c.numericAnomalies(ctx.a.fields, ctx.items))
	if c.cfg.PreserveChangePoints {
		for _, f := range ctx.a.fields {
			for _, cp := range f.changePoints {
				for off := -1; off <= 1; off++ {
					keep.add(cp + off)
				}
			}
		}
	}
	c.applyQuerySignals(ctx, keep)
	return c.prioritize(ctx, keep)
}

func (c *Crusher) planTimeSeries(ctx *arrayCtx) []int {
	keep := newIndexSet(len(ctx.items))
	keep.addAll(selectAnchors(ctx.items, ctx.strs, ctx.h, ctx.max, anchorTimeSeries, ctx.query))
	for _, f := range ctx.a.fields {
		for _, cp := range f.changePoints {
			for off := -2; off <= 2; off++ {
				keep.add(cp + off)
			}
		}
	}
	c.applyConstraints(ctx, keep)
	c.applyQuerySignals(ctx, keep)
	return c.prioritize(ctx, keep)
}

// clusterPrefixChars is how much of a message identifies its cluster, and
// clusterKeep how many members of each cluster survive.
const (
	clusterPrefixChars = 50
	clusterKeep        = 2
)

func (c *Crusher) planCluster(ctx *arrayCtx) []int {
	keep := newIndexSet(len(ctx.items))
	keep.addAll(selectAnchors(ctx.items, ctx.strs, ctx.h, ctx.max, anchorLogs, ctx.query))
	c.applyConstraints(ctx, keep)
	var field *fieldStats
	best := 0.0
	for _, f := range ctx.a.fields {
		if f.typ == fieldString && f.uniqueRatio > best && f.uniqueRatio > 0.3 {
			field, best = f, f.uniqueRatio
		}
	}
	if field != nil {
		taken := make(map[uint32]int)
		for i, it := range ctx.items {
			var msg string
			if v, ok := it.Get(field.name); ok {
				msg, _ = v.Str()
			}
			// The reference keys clusters by 8 hex digits of the MD5 of the
			// first 50 characters: the first 4 bytes.
			end, chars := 0, 0
			for end < len(msg) && chars < clusterPrefixChars {
				_, size := utf8.DecodeRuneInString(msg[end:])
				end += size
				chars++
			}
			sum := md5.Sum([]byte(msg[:end]))
			k := binary.BigEndian.Uint32(sum[:4])
			if taken[k] < clusterKeep {
				taken[k]++
				keep.add(i)
			}
		}
	}
	c.applyQuerySignals(ctx, keep)
	return c.prioritize(ctx, keep)
}

// topNReserve is how many budget slots top_n leaves for constraints.
const topNReserve = 3

func (c *Crusher) planTopN(ctx *arrayCtx) []int {
	var field *fieldStats
	bestConf := 0.0
	for _, f := range ctx.a.fields {
		if ok, conf := detectScore(f, ctx.items); ok && conf > bestConf {
			field, bestConf = f, conf
		}
	}
	if field == nil {
		return c.planSmartSample(ctx)
	}
	type scored struct {
		idx   int
		score float64
	}
	order := make([]scored, len(ctx.items))
	for i, it := range ctx.items {
		order[i].idx = i
		if v, ok := it.Get(field.name); ok {
			order[i].score, _ = v.Float()
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].score > order[j].score })
	keep := newIndexSet(len(ctx.items))
	for _, s := range order[:min(max(0, ctx.max-topNReserve), len(order))] {
		keep.add(s.idx)
	}
	c.applyConstraints(ctx, keep)
	if ctx.query != "" {
		anchors := extractQueryAnchors(ctx.query)
		for i, it := range ctx.items {
			if !keep.has(i) && itemMatchesAnchors(it, anchors) {
				keep.add(i)
			}
		}
		if c.scorer != nil {
			scores := c.scorer.ScoreBatch(ctx.strs, ctx.query)
			high := math.Max(c.cfg.RelevanceThreshold*2, 0.5)
			added := 0
			for i, sc := range scores {
				if i < len(ctx.items) && !keep.has(i) && sc >= high {
					keep.add(i)
					if added++; added >= topNReserve {
						break
					}
				}
			}
		}
	}
	return keep.sorted()
}

// applyQuerySignals keeps items mentioning an anchor of the query (IDs,
// hosts, quoted strings, emails) and items the Scorer rates relevant.
func (c *Crusher) applyQuerySignals(ctx *arrayCtx, keep *indexSet) {
	if ctx.query == "" {
		return
	}
	anchors := extractQueryAnchors(ctx.query)
	for i, it := range ctx.items {
		if itemMatchesAnchors(it, anchors) {
			keep.add(i)
		}
	}
	if c.scorer == nil {
		return
	}
	for i, sc := range c.scorer.ScoreBatch(ctx.strs, ctx.query) {
		if i < len(ctx.items) && sc >= c.cfg.RelevanceThreshold {
			keep.add(i)
		}
	}
}

// prioritize dedups the kept set, fills it up to the budget with evenly
// spaced unseen items, and when it is over budget rebuilds it from the
// critical items (errors, outliers, anomalies), the ends, then the rest.
func (c *Crusher) prioritize(ctx *arrayCtx, keep *indexSet) []int {
	n := len(ctx.items)
	limit := ctx.max
	cur := keep
	if c.cfg.DedupIdenticalItems {
		cur = newIndexSet(n)
		seen := make(map[uint64]bool)
		for _, i := range keep.sorted() {
			k := ctx.h.of(i)
			if !seen[k] {
				seen[k] = true
				cur.add(i)
			}
		}
	}
	if cur.size < limit && cur.size < n {
		c.fill(ctx, cur, limit)
	}
	if cur.size <= limit {
		return cur.sorted()
	}

	pri := newIndexSet(n)
	pri.addAll(errorItems(ctx.items, ctx.strs))
	pri.addAll(structuralOutliers(ctx.items))
	pri.addAll(c.numericAnomalies(ctx.a.fields, ctx.items))
	remaining := max(0, limit-pri.size)
	for i := 0; i < min(3, n) && remaining > 0; i++ {
		if !pri.has(i) {
			pri.add(i)
			remaining--
		}
	}
	for i := max(0, n-2); i < n && remaining > 0; i++ {
		if !pri.has(i) {
			pri.add(i)
			remaining--
		}
	}
	for _, i := range cur.sorted() {
		if remaining == 0 {
			break
		}
		if !pri.has(i) {
			pri.add(i)
			remaining--
		}
	}
	return pri.sorted()
}

// fill adds evenly spaced items whose content is not yet kept until the
// set reaches limit.
func (c *Crusher) fill(ctx *arrayCtx, cur *indexSet, limit int) {
	remaining := limit - cur.size
	if remaining <= 0 {
		return
	}
	seen := make(map[uint64]bool, cur.size+remaining)
	var cands []int
	for i := range ctx.items {
		if cur.has(i) {
			seen[ctx.h.of(i)] = true
		} else {
			cands = append(cands, i)
		}
	}
	if len(cands) == 0 {
		return
	}
	step := max(1, len(cands)/(remaining+1))
	added := 0
	for off := 0; off < step && added < remaining; off++ {
		for i := off; i < len(cands) && added < remaining; i += step {
			idx := cands[i]
			k := ctx.h.of(idx)
			if !seen[k] {
				cur.add(idx)
				seen[k] = true
				added++
			}
		}
	}
}
