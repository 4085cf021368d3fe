// Package adaptive is the reference's adaptive sizer, compute_optimal_k
// (spec reference-core.md §3): given candidates in importance order, it
// decides how many are worth keeping from how repetitive they are, using
// near-duplicate clusters by SimHash, the knee of the unique-bigram curve
// and a zlib cross-check. The log and SmartCrusher compressors size their
// output with it, so both follow one implementation of the rules.
package adaptive

import (
	"compress/zlib"
	"io"
	"math"
	"strings"
	"sync"

	"github.com/headroom-go/headroom/internal/pycompat"
)

// SmallInput is the item count at or below which OptimalK keeps every
// item, whatever minK and maxK say; callers may skip sizing such lists.
const SmallInput = 8

const (
	simhashThreshold  = 3    // Hamming distance within which items cluster
	fewClusters       = 3    // at most this many clusters: keep minK
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

// OptimalK returns how many of items (renderings of the candidates, most
// important first) to keep. maxK is the reference's effective_max: a
// caller whose cap is optional passes len(items) for "no cap", since the
// reference's Some(0) and None differ (0 caps the few-cluster answer at 0).
// bias scales the knee: 0 keeps minK, 1 keeps the knee.
//
// The result follows the reference's rules as they stand: all items when
// there are at most eight (minK and maxK do not apply), min(max(minK,
// clusters), maxK) when the items form at most three near-duplicate
// clusters, else the scaled knee clamped to [minK, maxK] (minK wins when
// maxK < minK). It is safe for concurrent use.
//
// The zlib cross-check uses Go's compress/zlib at level 1 where the
// reference uses miniz_oxide's; their compressed lengths differ, so near
// the 15% tolerance the two can disagree by the ×1.2 bump. No parity
// fixture reaches that step.
func OptimalK(items []string, bias float64, minK, maxK int) int {
	n := len(items)
	if n <= SmallInput {
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
	floorK := max(minK, pycompat.AsUsize(float64(n)*(baseKeepFraction+float64(diverseKeepWeight*diversity))))
	knee, ok := findKnee(bigramCurve(lowered))
	switch {
	case !ok:
		knee = floorK
	case diversity > diverseRatio:
		knee = max(knee, floorK)
	}
	k := min(max(minK, pycompat.AsUsize(float64(knee)*bias)), maxK)
	k = zlibCheck(items, k, maxK)
	return max(minK, min(k, maxK))
}

// bigramCurve returns, after each item, how many distinct word bigrams
// (words split on Unicode White_Space, as Rust's split_whitespace) have
// been seen; an item of fewer than two words counts as the pair (its word
// or "", "").
func bigramCurve(lowered []string) []int {
	seen := make(map[[2]string]struct{})
	curve := make([]int, len(lowered))
	for i, s := range lowered {
		// strings.Fields splits on unicode.IsSpace, which is White_Space.
		words, prev := 0, ""
		for w := range strings.FieldsSeq(s) {
			if words > 0 {
				seen[[2]string{prev, w}] = struct{}{}
			}
			prev = w
			words++
		}
		if words < 2 {
			seen[[2]string{prev, ""}] = struct{}{}
		}
		curve[i] = len(seen)
	}
	return curve
}

// findKnee returns 1 + the first index where the normalised curve rises
// furthest above the diagonal, 1 for a flat curve, and false when the
// curve has fewer than three points or never rises minKneeGain above the
// diagonal.
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
	if math.Abs(zlibRatio(full)-zlibRatio(sub)) > zlibTolerance {
		return min(pycompat.AsUsize(float64(k)*zlibBump), maxK)
	}
	return k
}

// zlibWriters reuses level-1 compressors: each holds about a megabyte of
// tables that would otherwise be allocated twice per sizing. The pool
// holds only these fixed-size writers, so nothing oversized lingers in it.
var zlibWriters = sync.Pool{New: func() any {
	zw, err := zlib.NewWriterLevel(io.Discard, zlib.BestSpeed)
	if err != nil {
		// BestSpeed is a valid level, so this cannot happen.
		panic(err)
	}
	return zw
}}

// zlibRatio is the level-1 zlib length of s over its length, 1 for "".
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

// countingWriter counts the bytes written to it and keeps none.
type countingWriter int

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}
