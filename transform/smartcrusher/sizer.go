package smartcrusher

import (
	"compress/zlib"
	"crypto/md5"
	"encoding/binary"
	"math"
	"math/bits"
	"strings"
	"unicode/utf8"

	"github.com/headroom-go/headroom/internal/pycompat"
)

// The adaptive sizer (the reference's compute_optimal_k, spec §3) decides
// how many of a list of candidates are worth keeping from how repetitive
// they are: near-duplicate clusters by SimHash, the knee of the
// unique-bigram curve, and a compressibility cross-check.
const (
	sizerSmallInput      = 8    // at most this many items are all kept
	simhashMaxDistance   = 3    // Hamming distance within which items cluster
	sizerFewClusters     = 3    // this many clusters or fewer: keep min_k
	sizerDiverse         = 0.7  // diversity above which the knee is raised
	sizerBaseFraction    = 0.3  // keep fraction at zero diversity …
	sizerDiversityWeight = 0.7  // … plus this much times the diversity
	kneeMinGain          = 0.05 // a knee must rise this far above the diagonal
	zlibMinBytes         = 200  // shorter texts skip the zlib check
	zlibTolerance        = 0.15 // allowed compressibility gap, subset vs all
	zlibBump             = 1.2  // k grows by this factor when the gap is larger

	// rustF64Epsilon is Rust's f64::EPSILON, the reference's "flat curve" test.
	rustF64Epsilon = 2.220446049250313e-16
)

// optimalK returns how many of items (renderings of the candidates in
// importance order) to keep. maxK <= 0 means no cap beyond len(items).
//
// The zlib step compresses with Go's compress/flate at level 1 where the
// reference uses miniz_oxide's level 1; the compressed lengths differ, so
// when the subset/full compressibility gap sits right at the 15% tolerance
// the two may disagree by the ×1.2 bump. None of the parity fixtures reach
// this step.
func optimalK(items []string, bias float64, minK, maxK int) int {
	n := len(items)
	effMax := n
	if maxK > 0 {
		effMax = maxK
	}
	if n <= sizerSmallInput {
		return n
	}
	lowered := make([]string, n)
	for i, s := range items {
		lowered[i] = pycompat.RustLower(s)
	}
	unique := countUniqueSimhash(lowered)
	if unique <= sizerFewClusters {
		return min(max(minK, unique), effMax)
	}
	diversity := float64(unique) / float64(n)
	floorK := max(minK, truncUint(float64(n)*(sizerBaseFraction+float64(sizerDiversityWeight*diversity))))
	knee, ok := findKnee(bigramCurve(lowered))
	switch {
	case !ok:
		knee = floorK
	case diversity > sizerDiverse:
		knee = max(knee, floorK)
	}
	k := min(max(minK, truncUint(float64(knee)*bias)), effMax)
	k = zlibValidate(items, k, effMax)
	return max(minK, min(k, effMax))
}

// truncUint is Rust's `f as usize`: truncation toward zero, NaN and
// negatives to 0, saturating at the top.
func truncUint(x float64) int {
	switch {
	case !(x > 0):
		return 0
	case x >= math.MaxInt:
		return math.MaxInt
	}
	return int(x)
}

// simhash fingerprints already-lowercased text: every window of four
// characters (the whole text when it has four or fewer) votes on 64 bits
// with the first eight bytes of its MD5, read big-endian. Bit j is set
// when more grams have it set than clear.
func simhash(lower string) uint64 {
	chars := utf8.RuneCountInString(lower)
	grams := 1
	if chars > 3 {
		grams = chars - 3
	}
	// Bit-sliced counting: spread turns a byte into eight one-byte
	// counters, so a gram costs eight additions instead of 64 branches.
	// The byte counters are flushed before they can overflow.
	var packed [8]uint64 // packed[k] byte b counts bit 8k+b
	var ones [64]int
	pending := 0
	flush := func() {
		for k, p := range packed {
			for b := 0; b < 8; b++ {
				ones[8*k+b] += int(p >> (8 * b) & 0xFF)
			}
		}
		packed = [8]uint64{}
		pending = 0
	}
	start := 0
	for g := 0; g < grams; g++ {
		end := start
		for c := 0; c < 4 && end < len(lower); c++ {
			_, size := utf8.DecodeRuneInString(lower[end:])
			end += size
		}
		sum := md5.Sum([]byte(lower[start:end]))
		h := binary.BigEndian.Uint64(sum[:8])
		for k := range packed {
			packed[k] += spreadByte[byte(h>>(8*k))]
		}
		if pending++; pending == 255 {
			flush()
		}
		if start < len(lower) {
			_, size := utf8.DecodeRuneInString(lower[start:])
			start += size
		}
	}
	flush()
	var fp uint64
	for j, n := range ones {
		if 2*n > grams { // votes = ones − zeros > 0
			fp |= 1 << j
		}
	}
	return fp
}

// spreadByte[b] has byte i equal to bit i of b.
var spreadByte = func() (t [256]uint64) {
	for b := range t {
		for i := 0; i < 8; i++ {
			t[b] |= uint64(b>>i&1) << (8 * i)
		}
	}
	return t
}()

// countUniqueSimhash clusters greedily in order: an item joins the first
// representative within simhashMaxDistance bits, else it represents a new
// cluster. It returns the number of clusters.
func countUniqueSimhash(lowered []string) int {
	reps := make([]uint64, 0, 16)
	for _, s := range lowered {
		fp := simhash(s)
		found := false
		for _, r := range reps {
			if bits.OnesCount64(fp^r) <= simhashMaxDistance {
				found = true
				break
			}
		}
		if !found {
			reps = append(reps, fp)
		}
	}
	return len(reps)
}

// bigramCurve returns the running count of distinct word pairs after each
// item; an item of fewer than two words contributes (its word or "", "").
func bigramCurve(lowered []string) []int {
	seen := make(map[[2]string]struct{}, 4*len(lowered))
	curve := make([]int, len(lowered))
	for i, s := range lowered {
		words := pycompat.SplitWhitespace(s)
		if len(words) < 2 {
			var first string
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

// findKnee returns 1 + the first index where the normalised curve rises
// furthest above the diagonal, 1 for a flat curve, or false when the curve
// has fewer than three points or never rises kneeMinGain above it.
func findKnee(curve []int) (int, bool) {
	n := len(curve)
	if n < 3 {
		return 0, false
	}
	y0, yN := float64(curve[0]), float64(curve[n-1])
	if math.Abs(yN-y0) < rustF64Epsilon {
		return 1, true
	}
	xRange, yRange := float64(n-1), yN-y0
	best, bestIdx := -1.0, 0
	for i, y := range curve {
		d := (float64(y)-y0)/yRange - float64(i)/xRange
		if d > best {
			best, bestIdx = d, i
		}
	}
	if best < kneeMinGain {
		return 0, false
	}
	return bestIdx + 1, true
}

// zlibValidate bumps k when the first k items compress notably differently
// from the whole list, a sign that they are not representative.
func zlibValidate(items []string, k, maxK int) int {
	if k >= len(items) || k >= maxK {
		return k
	}
	full := strings.Join(items, "\n")
	if len(full) < zlibMinBytes {
		return k
	}
	sub := strings.Join(items[:k], "\n")
	if math.Abs(zlibRatio(full)-zlibRatio(sub)) > zlibTolerance {
		return min(truncUint(float64(k)*zlibBump), maxK)
	}
	return k
}

func zlibRatio(s string) float64 {
	if s == "" {
		return 1
	}
	var n byteCounter
	zw, err := zlib.NewWriterLevel(&n, zlib.BestSpeed)
	if err != nil {
		return 1 // unreachable: BestSpeed is a valid level
	}
	_, _ = zw.Write([]byte(s)) // byteCounter never fails
	_ = zw.Close()
	return float64(n) / float64(len(s))
}

type byteCounter int

func (c *byteCounter) Write(p []byte) (int, error) {
	*c += byteCounter(len(p))
	return len(p), nil
}
