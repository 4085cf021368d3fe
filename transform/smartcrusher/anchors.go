package smartcrusher

import (
	"crypto/md5"
	"encoding/binary"
	"math"
	"sort"
	"strings"

	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/internal/pycompat"
)

// hashes lazily computes and caches each item's content hash for one
// array: the first 8 bytes of the MD5 the reference truncates to 16 hex
// digits (same equality, no hex strings).
type hashes struct {
	items []jsonx.Value
	sum   []uint64
	done  []bool
	buf   []byte
}

func newHashes(items []jsonx.Value) *hashes {
	return &hashes{items: items, sum: make([]uint64, len(items)), done: make([]bool, len(items))}
}

// of returns the hash of items[i]: containers hash their sort-keys Python
// JSON, strings their text, numbers their literal, booleans
// "true"/"false" and null "None".
func (h *hashes) of(i int) uint64 {
	if h.done[i] {
		return h.sum[i]
	}
	v := h.items[i]
	switch v.Kind() {
	case jsonx.Object, jsonx.Array:
		h.buf = jsonx.AppendPySortKeys(h.buf[:0], v)
	case jsonx.String:
		s, _ := v.Str()
		h.buf = append(h.buf[:0], s...)
	case jsonx.Number:
		lit, _ := v.Literal()
		h.buf = append(h.buf[:0], lit...)
	case jsonx.Bool:
		if b, _ := v.Bool(); b {
			h.buf = append(h.buf[:0], "true"...)
		} else {
			h.buf = append(h.buf[:0], "false"...)
		}
	default:
		h.buf = append(h.buf[:0], "None"...)
	}
	d := md5.Sum(h.buf)
	h.sum[i], h.done[i] = binary.BigEndian.Uint64(d[:8]), true
	return h.sum[i]
}

// anchorPattern selects the anchor weights.
type anchorPattern uint8

const (
	anchorGeneric anchorPattern = iota
	anchorSearch
	anchorLogs
	anchorTimeSeries
)

// Anchor selector settings (the reference's fixed AnchorConfig).
const (
	anchorBudgetShare   = 0.25
	anchorMinSlots      = 3
	anchorMaxSlots      = 12
	anchorQueryShift    = 0.15
	anchorCandidateMult = 3
)

var (
	recencyWords    = [...]string{"latest", "recent", "last", "newest", "current", "now"}
	historicalWords = [...]string{"first", "oldest", "earliest", "original", "initial", "beginning"}
)

type anchorWeights struct{ front, middle, back float64 }

func (w anchorWeights) normalize() anchorWeights {
	total := w.front + w.middle + w.back
	if total == 0 {
		return anchorWeights{0.5, 0.1, 0.4}
	}
	return anchorWeights{w.front / total, w.middle / total, w.back / total}
}

func baseWeights(p anchorPattern) anchorWeights {
	const (
		searchFront, searchBack = 0.75, 0.15
		logsFront, logsBack     = 0.15, 0.75
	)
	switch p {
	case anchorSearch:
		return anchorWeights{searchFront, 1 - searchFront - searchBack, searchBack}
	case anchorLogs:
		return anchorWeights{logsFront, 1 - logsFront - logsBack, logsBack}
	case anchorTimeSeries:
		return anchorWeights{0.45, 0.1, 0.45}
	}
	return anchorWeights{0.5, 0.1, 0.4}
}

// queryWeights shifts weight toward the end for "latest"-style queries and
// toward the start for "first"-style ones.
func queryWeights(w anchorWeights, query string) anchorWeights {
	if query == "" {
		return w
	}
	q := pycompat.RustLower(query)
	recent, historical := false, false
	for _, kw := range recencyWords {
		recent = recent || strings.Contains(q, kw)
	}
	for _, kw := range historicalWords {
		historical = historical || strings.Contains(q, kw)
	}
	switch {
	case recent && !historical:
		return anchorWeights{math.Max(0.1, w.front-anchorQueryShift), w.middle, math.Min(0.8, w.back+anchorQueryShift)}.normalize()
	case historical && !recent:
		return anchorWeights{math.Min(0.8, w.front+anchorQueryShift), w.middle, math.Max(0.1, w.back-anchorQueryShift)}.normalize()
	}
	return w
}

// anchorSelector picks positional anchors (front, back, and an
// information-dense middle) for one array, deduplicating identical objects.
type anchorSelector struct {
	items []jsonx.Value
	strs  []string // compact renderings
	h     *hashes
	seen  map[uint64]bool
}

// selectAnchors returns the anchor indices (unordered set as a mark slice
// is built by the caller).
func selectAnchors(items []jsonx.Value, strs []string, h *hashes, maxItems int, p anchorPattern, query string) []int {
	n := len(items)
	if n == 0 {
		return nil
	}
	if n <= maxItems {
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		return all
	}
	budget := min(min(anchorMaxSlots, max(anchorMinSlots, truncUint(float64(maxItems)*anchorBudgetShare))), n)
	if budget == 0 {
		return nil
	}
	w := queryWeights(baseWeights(p), query).normalize()
	front := max(1, truncUint(float64(budget)*w.front))
	back := max(1, truncUint(float64(budget)*w.back))
	middle := max(0, budget-(front+back))
	if total := front + middle + back; total > budget {
		excess := total - budget
		cut := min(middle, excess)
		middle -= cut
		excess -= cut
		if excess > 0 {
			back = max(1, max(0, back-excess))
		}
	}
	s := &anchorSelector{items: items, strs: strs, h: h, seen: make(map[uint64]bool)}
	var out []int
	frontSel := s.positional(0, min(front*2, n/3), front)
	out = append(out, frontSel...)
	backStart := max(max(0, n-back*2), 2*n/3)
	backSel := s.positional(backStart, n, back)
	out = append(out, backSel...)
	if middle > 0 {
		ms, me := len(frontSel), max(0, n-len(backSel))
		if me > ms {
			out = append(out, s.dense(ms, me, middle)...)
		}
	}
	return out
}

// include applies dedup: objects already selected (by content hash) are
// refused; other kinds always pass. With peek the item is not recorded.
func (s *anchorSelector) include(i int, peek bool) bool {
	if i >= len(s.items) {
		return false
	}
	if s.items[i].Kind() != jsonx.Object {
		return true
	}
	k := s.h.of(i)
	if s.seen[k] {
		return false
	}
	if !peek {
		s.seen[k] = true
	}
	return true
}

// positional spreads slots evenly over [start, end), nudging past
// duplicates by ±1, ±2.
func (s *anchorSelector) positional(start, end, slots int) []int {
	if slots == 0 || start >= end {
		return nil
	}
	size := end - start
	var out []int
	if slots >= size {
		for i := start; i < end; i++ {
			if s.include(i, false) {
				out = append(out, i)
			}
		}
		return out
	}
	step := float64(size) / float64(slots+1)
	for i := 0; i < slots; i++ {
		idx := min(start+truncUint(float64(i+1)*step), end-1)
		if s.include(idx, false) {
			out = append(out, idx)
			continue
		}
		for _, off := range [...]int{1, -1, 2, -2} {
			alt := idx + off
			if alt < start || alt >= end {
				continue
			}
			if s.include(alt, false) {
				out = append(out, alt)
				break
			}
		}
	}
	return out
}

// dense samples slots×3 evenly spaced candidates in [start, end), scores
// them by information density and keeps the best slots.
func (s *anchorSelector) dense(start, end, slots int) []int {
	size := end - start
	nc := min(slots*anchorCandidateMult, size)
	step := 1.0
	if nc > 0 {
		step = float64(size) / float64(nc+1)
	}
	region := newRegionStats(s.items[start:end], s.strs[start:end])
	type cand struct {
		idx   int
		score float64
	}
	var cands []cand
	for i := 0; i < nc; i++ {
		idx := min(start+truncUint(float64(i+1)*step), end-1)
		if !s.include(idx, true) {
			continue
		}
		score := 0.5
		if s.items[idx].Kind() == jsonx.Object {
			score = region.informationScore(s.items[idx], s.strs[idx])
		}
		cands = append(cands, cand{idx, score})
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	var out []int
	for _, c := range cands[:min(slots, len(cands))] {
		if s.include(c.idx, false) {
			out = append(out, c.idx)
		}
	}
	return out
}

// regionStats precomputes what the information score needs about a region.
type regionStats struct {
	total      int                       // items in the region (objects or not)
	valueCount map[string]map[string]int // key → value rendering → count
	minLen     int
	maxLen     int
	haveLen    bool
	objects    int
	keyFreq    map[string]int
	common     map[string]bool
	rare       map[string]bool
}

// uniquenessKey renders a value for rareness counting: raw text for
// strings, sort-keys Python JSON for everything else.
func uniquenessKey(v jsonx.Value) string {
	if s, ok := v.Str(); ok {
		return s
	}
	return string(jsonx.AppendPySortKeys(nil, v))
}

func newRegionStats(items []jsonx.Value, strs []string) *regionStats {
	r := &regionStats{total: len(items), valueCount: map[string]map[string]int{}, keyFreq: map[string]int{}}
	for i, it := range items {
		if it.Kind() != jsonx.Object {
			continue
		}
		r.objects++
		l := len(strs[i])
		if !r.haveLen {
			r.minLen, r.maxLen, r.haveLen = l, l, true
		} else {
			r.minLen, r.maxLen = min(r.minLen, l), max(r.maxLen, l)
		}
		for _, m := range it.Members() {
			r.keyFreq[m.Key]++
			vc := r.valueCount[m.Key]
			if vc == nil {
				vc = map[string]int{}
				r.valueCount[m.Key] = vc
			}
			vc[uniquenessKey(m.Value)]++
		}
	}
	r.common, r.rare = map[string]bool{}, map[string]bool{}
	nf := float64(r.objects)
	for k, c := range r.keyFreq {
		if float64(c) >= nf*commonShare {
			r.common[k] = true
		}
		if float64(c) < nf*rareShare {
			r.rare[k] = true
		}
	}
	return r
}

// informationScore = 0.4·value rareness + 0.3·relative length +
// 0.3·structural uniqueness, clamped to [0, 1].
func (r *regionStats) informationScore(item jsonx.Value, str string) float64 {
	if r.total == 0 {
		return 0
	}
	u := r.valueRareness(item)
	l := r.lengthScore(len(str))
	st := r.structural(item)
	score := float64(u*0.4) + float64(l*0.3) + float64(st*0.3)
	return math.Min(math.Max(score, 0), 1)
}

func (r *regionStats) valueRareness(item jsonx.Value) float64 {
	if r.total < 2 {
		return 0.5
	}
	var sum float64
	count := 0
	for _, m := range item.Members() {
		vc, ok := r.valueCount[m.Key]
		if !ok {
			continue
		}
		if c := vc[uniquenessKey(m.Value)]; c > 0 {
			sum += 1 - float64(c)/float64(r.total)
			count++
		}
	}
	if count == 0 {
		return 0.5
	}
	return sum / float64(count)
}

func (r *regionStats) lengthScore(l int) float64 {
	if r.total < 2 || !r.haveLen || r.maxLen == r.minLen {
		return 0.5
	}
	return (float64(l) - float64(r.minLen)) / (float64(r.maxLen) - float64(r.minLen))
}

func (r *regionStats) structural(item jsonx.Value) float64 {
	if r.objects < 2 {
		return 0.5
	}
	hasRare, haveCommon := 0, 0
	for _, m := range item.Members() {
		if r.rare[m.Key] {
			hasRare++
		}
		if r.common[m.Key] {
			haveCommon++
		}
	}
	u := 0.0
	if len(r.rare) > 0 {
		u += float64(0.5 * (float64(hasRare) / float64(len(r.rare))))
	}
	if len(r.common) > 0 {
		u += float64(0.5 * (float64(len(r.common)-haveCommon) / float64(len(r.common))))
	}
	return math.Min(u, 1)
}
