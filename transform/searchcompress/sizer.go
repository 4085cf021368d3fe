package searchcompress

import (
	"compress/zlib"
	"crypto/md5"
	"encoding/binary"
	"io"
	"math"
	"math/bits"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/headroom-go/headroom/internal/pycompat"
)

// The adaptive sizer decides how many of a list of items are worth keeping
// from how repetitive they are: near-duplicate clusters by SimHash, the knee
// of the unique-bigram curve, and a zlib cross-check. It is the reference's
// compute_optimal_k (spec §3).
//
// This file is the log compressor's sizer (transform/logcompress/sizer.go)
// with the reference lowercasing taken from pycompat; the copies belong in
// one shared package once the compressors settle.

const (
	smallInput        = 8    // at most this many items are all kept
	simhashThreshold  = 3    // Hamming distance within which items cluster
	fewClusters       = 3    // at most this many clusters: keep min_k
	diverseRatio      = 0.7  // above this unique/total ratio the knee is raised
	baseKeepFraction  = 0.3  // keep fraction at zero diversity …
	diverseKeepWeight = 0.7  // … plus this much times the diversity
	minKneeGain       = 0.05 // a knee needs at least this normalised gain
	zlibMinBytes      = 200  // shorter texts skip the zlib check
	zlibTolerance     = 0.15 // allowed compressibility gap, subset vs all
	zlibBump          = 1.2  // k grows by this factor when the gap is larger

	// float64Epsilon is Rust's f64::EPSILON, which the reference uses to
	// call a curve flat.
	float64Epsilon = 2.220446049250313e-16
)

// optimalK returns how many of items to keep, between minK and maxK (but
// all of them when there are at most smallInput, and at most minK when the
// items form few near-duplicate clusters). bias scales the knee: 0 keeps
// minK, 1 keeps the knee.
//
// The zlib cross-check uses Go's compress/zlib at level 1 where the
// reference uses miniz's; their compressed lengths differ, so near the 15%
// tolerance the two can disagree by the ×1.2 bump. No parity fixture
// reaches that step.
func optimalK(items []string, bias float64, minK, maxK int) int {
	n := len(items)
	if n <= smallInput {
		return n
	}
	lowered := make([]string, n)
	for i, s := range items {
		lowered[i] = pycompat.RustLower(s)
	}
	unique := countUniqueSimhash(lowered)
	if unique <= fewClusters {
		return min(max(minK, unique), maxK)
	}

	diversity := float64(unique) / float64(n)
	floorK := max(minK, truncToInt(float64(n)*(baseKeepFraction+float64(diverseKeepWeight*diversity))))
	knee, ok := findKnee(bigramCurve(lowered))
	switch {
	case !ok:
		knee = floorK
	case diversity > diverseRatio:
		knee = max(knee, floorK)
	}
	k := min(max(minK, truncToInt(float64(knee)*bias)), maxK)
	k = zlibCheck(items, k, maxK)
	return max(minK, min(k, maxK))
}

// truncToInt converts a non-negative float to int, truncating toward zero
// and saturating like Rust's `as usize`.
func truncToInt(x float64) int {
	switch {
	case !(x > 0):
		return 0
	case x >= math.MaxInt:
		return math.MaxInt
	}
	return int(x)
}

// simhasher computes SimHashes, remembering the hash of every 4-gram and of
// every whole text it has seen: log lines repeat both (timestamps, level
// words, identical lines), and MD5 dominates the sizer's cost otherwise.
type simhasher struct {
	short map[uint64]uint64 // grams of at most four bytes, packed
	grams map[string]uint64 // longer (non-ASCII) grams
	texts map[string]uint64
}

func newSimhasher(items int) *simhasher {
	return &simhasher{
		short: make(map[uint64]uint64, 8*items),
		grams: make(map[string]uint64),
		texts: make(map[string]uint64, items),
	}
}

// spread[b] has byte i set to bit i of b, so adding spread values counts
// eight bit positions at once in eight byte-wide lanes.
var spread = func() (t [256]uint64) {
	for b := range t {
		for i := 0; i < 8; i++ {
			t[b] |= uint64(b>>i&1) << (8 * i)
		}
	}
	return t
}()

// laneMax is how many grams the byte lanes can count before they must be
// flushed.
const laneMax = 255

// simhash is a 64-bit SimHash over the character 4-grams of an already
// lowercased text (one gram, the whole text, when it has at most four
// characters): each gram votes with the first eight bytes of its MD5 read
// big-endian, +1 for a set bit and -1 for a clear one, and a bit of the
// result is set when its vote is positive, i.e. when more than half the
// grams set it.
func (sh *simhasher) simhash(lower string) uint64 {
	if fp, ok := sh.texts[lower]; ok {
		return fp
	}
	var starts [5]int   // byte offsets of a sliding window of rune starts
	var lanes [8]uint64 // lanes[k] byte i counts bit 8k+i since the last flush
	var ones [64]int    // flushed counts per bit
	nchars := utf8.RuneCountInString(lower)
	grams := 1
	if nchars > 3 {
		grams = nchars - 3
	}
	off := 0
	for w := range starts {
		starts[w] = off
		if off < len(lower) {
			_, size := utf8.DecodeRuneInString(lower[off:])
			off += size
		}
	}
	flush := func() {
		for k, l := range lanes {
			for i := 0; i < 8; i++ {
				ones[8*k+i] += int(l >> (8 * i) & 0xff)
			}
			lanes[k] = 0
		}
	}
	for g := 0; g < grams; g++ {
		h := sh.gramHash(lower[starts[0]:starts[4]])
		for k := range lanes {
			lanes[k] += spread[byte(h>>(8*k))]
		}
		if g%laneMax == laneMax-1 {
			flush()
		}
		copy(starts[:], starts[1:])
		starts[4] = off
		if off < len(lower) {
			_, size := utf8.DecodeRuneInString(lower[off:])
			off += size
		}
	}
	flush()
	var fp uint64
	for j, n := range ones {
		if 2*n > grams {
			fp |= 1 << j
		}
	}
	sh.texts[lower] = fp
	return fp
}

// gramHash is the first eight bytes of the gram's MD5, big-endian.
func (sh *simhasher) gramHash(gram string) uint64 {
	if len(gram) <= 4 {
		// Length above the packed bytes, so grams of different lengths
		// never share a key.
		k := uint64(len(gram)) << 32
		for i := 0; i < len(gram); i++ {
			k |= uint64(gram[i]) << (8 * i)
		}
		if h, ok := sh.short[k]; ok {
			return h
		}
		h := md5Prefix(gram)
		sh.short[k] = h
		return h
	}
	if h, ok := sh.grams[gram]; ok {
		return h
	}
	h := md5Prefix(gram)
	sh.grams[gram] = h
	return h
}

func md5Prefix(s string) uint64 {
	sum := md5.Sum([]byte(s))
	return binary.BigEndian.Uint64(sum[:8])
}

// countUniqueSimhash clusters items greedily in order: an item joins the
// first representative within simhashThreshold bits, else starts a cluster.
// Only the number of clusters matters, so an item merely needs to know
// whether any representative is that close.
func countUniqueSimhash(lowered []string) int {
	sh := newSimhasher(len(lowered))
	var reps nearIndex
	n := 0
	for _, s := range lowered {
		fp := sh.simhash(s)
		if !reps.near(fp) {
			reps.add(fp)
			n++
		}
	}
	return n
}

// nearIndex answers "is any stored fingerprint within simhashThreshold
// bits of fp" without comparing against every one: split into
// simhashThreshold+1 blocks, two fingerprints that close agree exactly on
// at least one block (pigeonhole), so only fingerprints sharing a block
// value are compared.
type nearIndex struct {
	blocks [simhashThreshold + 1]map[uint16][]uint64
}

const blockBits = 64 / (simhashThreshold + 1)

func (x *nearIndex) near(fp uint64) bool {
	for b, m := range x.blocks {
		for _, r := range m[uint16(fp>>(blockBits*b))] {
			if bits.OnesCount64(fp^r) <= simhashThreshold {
				return true
			}
		}
	}
	return false
}

func (x *nearIndex) add(fp uint64) {
	for b := range x.blocks {
		if x.blocks[b] == nil {
			x.blocks[b] = make(map[uint16][]uint64)
		}
		k := uint16(fp >> (blockBits * b))
		x.blocks[b][k] = append(x.blocks[b][k], fp)
	}
}

// bigramCurve returns, after each item, how many distinct word bigrams have
// been seen; an item of fewer than two words counts as the pair (word, "").
func bigramCurve(lowered []string) []int {
	seen := make(map[[2]string]struct{})
	curve := make([]int, len(lowered))
	for i, s := range lowered {
		words := strings.Fields(s)
		if len(words) < 2 {
			first := ""
			if len(words) == 1 {
				first = words[0]
			}
			seen[[2]string{first, ""}] = struct{}{}
		} else {
			for j := 0; j+1 < len(words); j++ {
				seen[[2]string{words[j], words[j+1]}] = struct{}{}
			}
		}
		curve[i] = len(seen)
	}
	return curve
}

// findKnee returns 1 + the index where the normalised curve rises furthest
// above the diagonal, 1 for a flat curve, and false when the curve is too
// short or never rises minKneeGain above the diagonal.
func findKnee(curve []int) (int, bool) {
	n := len(curve)
	if n < 3 {
		return 0, false
	}
	y0, yN := float64(curve[0]), float64(curve[n-1])
	if math.Abs(yN-y0) < float64Epsilon {
		return 1, true
	}
	xRange, yRange := float64(n-1), yN-y0
	best, bestIdx := -1.0, -1
	for i, y := range curve {
		d := (float64(y)-y0)/yRange - float64(i)/xRange
		if d > best {
			best, bestIdx = d, i
		}
	}
	if best < minKneeGain {
		return 0, false
	}
	return bestIdx + 1, true
}

// zlibCheck raises k by zlibBump when the first k items compress notably
// differently from all of them, a sign that the first k are not
// representative.
func zlibCheck(items []string, k, maxK int) int {
	if k >= len(items) || k >= maxK {
		return k
	}
	full := strings.Join(items, "\n")
	if len(full) < zlibMinBytes {
		return k
	}
	sub := strings.Join(items[:k], "\n")
	gap := math.Abs(zlibRatio(full) - zlibRatio(sub))
	if gap > zlibTolerance {
		return min(truncToInt(float64(k)*zlibBump), maxK)
	}
	return k
}

// zlibWriters reuses level-1 compressors: each holds about a megabyte of
// tables that would otherwise be allocated twice per sized log. The pool
// holds only fixed-size writers, so nothing oversized lingers in it.
var zlibWriters = sync.Pool{New: func() any {
	zw, err := zlib.NewWriterLevel(io.Discard, zlib.BestSpeed)
	if err != nil {
		// BestSpeed is a valid level, so this cannot happen.
		panic(err)
	}
	return zw
}}

func zlibRatio(s string) float64 {
	if s == "" {
		return 1
	}
	var cw countingWriter
	zw := zlibWriters.Get().(*zlib.Writer)
	zw.Reset(&cw)
	// Writes to a countingWriter never fail.
	_, _ = io.WriteString(zw, s)
	_ = zw.Close()
	zw.Reset(io.Discard) // drop the reference to cw
	zlibWriters.Put(zw)
	return float64(cw) / float64(len(s))
}

type countingWriter int

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}
