package logcompress

import (
	"compress/zlib"
	"crypto/md5"
	"encoding/binary"
	"math"
	"math/bits"
	"strings"
	"unicode/utf8"
)

// The adaptive sizer decides how many of a list of items are worth keeping
// from how repetitive they are: near-duplicate clusters by SimHash, the knee
// of the unique-bigram curve, and a zlib cross-check. It is the reference's
// compute_optimal_k (spec §3).

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
		lowered[i] = lowerRust(s)
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

// simhash is a 64-bit SimHash over the character 4-grams of an already
// lowercased text (one gram, the whole text, when it has at most four
// characters); each gram votes with the first eight bytes of its MD5 read
// big-endian.
func simhash(lower string) uint64 {
	var starts [5]int // byte offsets of a sliding window of rune starts
	var votes [64]int32
	nchars := utf8.RuneCountInString(lower)
	grams := 1
	if nchars > 3 {
		grams = nchars - 3
	}
	// Fill the window with the first five rune starts (or len).
	off := 0
	for w := range starts {
		starts[w] = off
		if off < len(lower) {
			_, size := utf8.DecodeRuneInString(lower[off:])
			off += size
		}
	}
	for g := 0; g < grams; g++ {
		sum := md5.Sum([]byte(lower[starts[0]:starts[4]]))
		h := binary.BigEndian.Uint64(sum[:8])
		for j := range votes {
			if h>>j&1 == 1 {
				votes[j]++
			} else {
				votes[j]--
			}
		}
		copy(starts[:], starts[1:])
		starts[4] = off
		if off < len(lower) {
			_, size := utf8.DecodeRuneInString(lower[off:])
			off += size
		}
	}
	var fp uint64
	for j, v := range votes {
		if v > 0 {
			fp |= 1 << j
		}
	}
	return fp
}

// countUniqueSimhash clusters items greedily in order: an item joins the
// first representative within simhashThreshold bits, else starts a cluster.
func countUniqueSimhash(lowered []string) int {
	var reps []uint64
	for _, s := range lowered {
		fp := simhash(s)
		joined := false
		for _, r := range reps {
			if bits.OnesCount64(fp^r) <= simhashThreshold {
				joined = true
				break
			}
		}
		if !joined {
			reps = append(reps, fp)
		}
	}
	return len(reps)
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

func zlibRatio(s string) float64 {
	if s == "" {
		return 1
	}
	var cw countingWriter
	zw, err := zlib.NewWriterLevel(&cw, zlib.BestSpeed)
	if err != nil {
		// BestSpeed is a valid level; NewWriterLevel cannot fail.
		panic(err)
	}
	// Writes to a countingWriter never fail.
	_, _ = zw.Write([]byte(s))
	_ = zw.Close()
	return float64(cw) / float64(len(s))
}

type countingWriter int

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}
