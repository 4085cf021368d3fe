package tokenizer

import "math"

// Byte-pair merging repeatedly joins the adjacent pair of parts whose union
// has the lowest rank, leftmost first, until no adjacent union is a token.
// Only the number of resulting parts matters for counting.
//
// mergeScan finds each minimum with a linear scan: O(n²) but allocation-free
// and fastest for the short pieces that dominate real text. mergeHeap keeps
// the candidates in a min-heap ordered by (rank, offset), which picks the same
// pair at every step in O(n log n), so a single huge piece (a long run of
// letters, say) cannot stall a request. The equivalence is pinned by a fuzz target.

// heapMergeThreshold is the piece length in bytes from which mergeHeap is
// used; below it the scan's stack buffer holds every part.
const heapMergeThreshold = 128

const noRank = math.MaxUint32

func (b *BPE) rankOf(piece string) uint32 {
	if r, ok := b.ranks[piece]; ok {
		return r
	}
	return noRank
}

// mergeScan counts the parts of piece, which must be shorter than
// heapMergeThreshold.
func (b *BPE) mergeScan(piece string) int {
	type part struct {
		start int
		rank  uint32 // rank of this part joined with the next one
	}
	var buf [heapMergeThreshold + 1]part
	parts := buf[:len(piece)+1] // the last entry marks the end of the piece
	for i := range parts {
		parts[i] = part{start: i, rank: noRank}
	}
	// pairRank is the rank of parts[i] joined with parts[i+1].
	pairRank := func(i int) uint32 {
		if i+2 >= len(parts) {
			return noRank
		}
		return b.rankOf(piece[parts[i].start:parts[i+2].start])
	}
	for i := 0; i+2 < len(parts); i++ {
		parts[i].rank = pairRank(i)
	}
	for {
		best, bestRank := -1, uint32(noRank)
		for i := 0; i+1 < len(parts); i++ {
			if parts[i].rank < bestRank {
				best, bestRank = i, parts[i].rank
			}
		}
		if best < 0 {
			return len(parts) - 1
		}
		parts = append(parts[:best+1], parts[best+2:]...)
		parts[best].rank = pairRank(best)
		if best > 0 {
			parts[best-1].rank = pairRank(best - 1)
		}
	}
}

// mergeHeap counts the parts of piece of any length.
func (b *BPE) mergeHeap(piece string) int {
	n := int32(len(piece))
	// Parts are identified by their start offset; next/prev link the live
	// ones and rank[i] is the rank of part i joined with its successor.
	next := make([]int32, n)
	prev := make([]int32, n)
	rank := make([]uint32, n)
	for i := range n {
		next[i], prev[i] = i+1, i-1
	}
	// pairRank is the rank of part i joined with its successor; next[i] == n
	// means part i is the last one.
	pairRank := func(i int32) uint32 {
		j := next[i]
		if j >= n {
			return noRank
		}
		end := n
		if k := next[j]; k < n {
			end = k
		}
		return b.rankOf(piece[i:end])
	}
	h := make(mergeHeap, 0, n)
	for i := range n {
		rank[i] = pairRank(i)
		if rank[i] != noRank {
			h = append(h, mergeCandidate{rank[i], i})
		}
	}
	h.init()
	parts := int(n)
	for len(h) > 0 {
		c := h.pop()
		if rank[c.start] != c.rank {
			continue // stale: the part was merged away or re-ranked
		}
		i := c.start
		j := next[i]
		next[i] = next[j]
		if next[j] < n {
			prev[next[j]] = i
		}
		rank[j] = noRank
		parts--
		if rank[i] = pairRank(i); rank[i] != noRank {
			h.push(mergeCandidate{rank[i], i})
		}
		if p := prev[i]; p >= 0 {
			if rank[p] = pairRank(p); rank[p] != noRank {
				h.push(mergeCandidate{rank[p], p})
			}
		}
	}
	return parts
}

type mergeCandidate struct {
	rank  uint32
	start int32
}

// mergeHeap is a binary min-heap ordered by rank, then by offset so that the
// leftmost of equal ranks wins, as in the scan. A typed heap avoids
// container/heap's interface boxing on every push.
type mergeHeap []mergeCandidate

func (h mergeHeap) less(a, b int) bool {
	if h[a].rank != h[b].rank {
		return h[a].rank < h[b].rank
	}
	return h[a].start < h[b].start
}

func (h mergeHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h *mergeHeap) push(c mergeCandidate) {
	*h = append(*h, c)
	s := *h
	for i := len(s) - 1; i > 0; {
		parent := (i - 1) / 2
		if !s.less(i, parent) {
			break
		}
		s[i], s[parent] = s[parent], s[i]
		i = parent
	}
}

func (h *mergeHeap) pop() mergeCandidate {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	*h = s[:last]
	h.down(0)
	return top
}

func (h mergeHeap) down(i int) {
	for {
		child := 2*i + 1
		if child >= len(h) {
			return
		}
		if r := child + 1; r < len(h) && h.less(r, child) {
			child = r
		}
		if !h.less(child, i) {
			return
		}
		h[i], h[child] = h[child], h[i]
		i = child
	}
}
