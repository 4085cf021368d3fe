package adaptive

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/internal/pycompat"
)

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func numbered(n int, format string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(format, i)
	}
	return out
}

func TestOptimalKKeepsSmallInputsWhole(t *testing.T) {
	five := []string{"a", "b", "c", "d", "e"}
	// Neither minK nor maxK applies at or below eight items.
	for _, mk := range [][2]int{{10, 100}, {3, 5}, {3, 2}} {
		if got := OptimalK(five, 1, mk[0], mk[1]); got != 5 {
			t.Errorf("OptimalK(5 items, min %d, max %d) = %d, want all 5", mk[0], mk[1], got)
		}
	}
}

func TestOptimalKFewClusters(t *testing.T) {
	same := repeat("identical line", 40)
	if got := OptimalK(same, 1, 10, 100); got != 10 {
		t.Errorf("one cluster: %d, want minK 10", got)
	}
	if got := OptimalK(same, 1, 10, 4); got != 4 {
		t.Errorf("one cluster, max 4: %d, want 4", got)
	}
	if got := OptimalK(repeat("abc", 10), 1, 3, 10); got != 3 {
		t.Errorf("identical: %d, want minK 3", got)
	}
	if got := OptimalK(repeat("abc", 20), 1, 5, 20); got != 5 {
		t.Errorf("identical, minK 5: %d", got)
	}
	// The reference's Some(0) cap: the few-cluster answer is capped to 0,
	// which is why callers with an optional cap pass len(items) for none.
	if got := OptimalK(same, 1, 10, 0); got != 0 {
		t.Errorf("one cluster, max 0: %d, want 0", got)
	}
}

func TestOptimalKKeepsDiverseItems(t *testing.T) {
	items := numbered(20, "unique item number %d with some long content")
	if got := OptimalK(items, 1, 3, len(items)); got != 20 {
		t.Errorf("all unique: %d, want 20", got)
	}
	if got := OptimalK(numbered(20, "item %d"), 1, 3, 10); got > 10 {
		t.Errorf("max 10: %d", got)
	}
}

func TestOptimalKStaysInBoundsAndGrowsWithBias(t *testing.T) {
	var diverse []string
	for i := 0; i < 60; i++ {
		diverse = append(diverse, fmt.Sprintf("%s %d unrelated words number %d", strings.Repeat("x", i%7), i*7919, i))
	}
	for _, bias := range []float64{0, 0.5, 1, 3} {
		if got := OptimalK(diverse, bias, 10, 40); got < 10 || got > 40 {
			t.Errorf("bias %v: %d outside [10, 40]", bias, got)
		}
	}
	if lo, hi := OptimalK(diverse, 0, 10, 40), OptimalK(diverse, 1, 10, 40); lo > hi {
		t.Errorf("bias 0 kept %d > bias 1 kept %d", lo, hi)
	}
	items := numbered(30, "item content %d")
	lo, mid, hi := OptimalK(items, 0.7, 3, 30), OptimalK(items, 1, 3, 30), OptimalK(items, 1.5, 3, 30)
	if lo > mid || mid > hi {
		t.Errorf("bias not monotone: %d %d %d", lo, mid, hi)
	}
}

func TestBigramCurve(t *testing.T) {
	for _, tc := range []struct {
		items []string
		want  []int
	}{
		{[]string{"the cat", "the dog", "a fish"}, []int{1, 2, 3}},
		{[]string{"hello", "world", "hello"}, []int{1, 2, 2}},
		{[]string{"", "a", "a b"}, []int{1, 2, 3}},
		{[]string{"a b c", "b c d", "a b"}, []int{2, 3, 3}},
		{[]string{" a\u3000b ", "a\u00a0b", "  "}, []int{1, 1, 2}}, // Unicode White_Space splits
	} {
		if got := bigramCurve(tc.items); !slices.Equal(got, tc.want) {
			t.Errorf("bigramCurve(%q) = %v, want %v", tc.items, got, tc.want)
		}
	}
}

func TestFindKnee(t *testing.T) {
	for _, tc := range []struct {
		curve []int
		want  int
		ok    bool
	}{
		{nil, 0, false},
		{[]int{1, 2}, 0, false},
		{[]int{5, 5, 5, 5}, 1, true},
		{[]int{5, 5, 5, 5, 5}, 1, true},
		{[]int{1, 5, 8, 9, 10, 10, 10, 10, 10}, 3, true},
		{[]int{1, 2, 3, 4, 5, 6, 7, 8, 9}, 0, false}, // a straight line has no knee
	} {
		got, ok := findKnee(tc.curve)
		if got != tc.want || ok != tc.ok {
			t.Errorf("findKnee(%v) = %d, %v; want %d, %v", tc.curve, got, ok, tc.want, tc.ok)
		}
	}
}

// The reference pins these zlib outcomes; they are far from the tolerance,
// so Go's level-1 deflate agrees with miniz's.
func TestZlibCheck(t *testing.T) {
	fox := repeat("the quick brown fox jumps over the lazy dog", 20)
	if got := zlibCheck(fox, 5, 100); got != 6 {
		t.Errorf("repetitive items: %d, want the 1.2x bump to 6", got)
	}
	entries := numbered(20, "entry id=%[1]d payload=item value with content for item number %[1]d")
	if got := zlibCheck(entries, 10, 100); got != 10 {
		t.Errorf("representative subset: %d, want 10", got)
	}
	if got := zlibCheck([]string{"a", "b", "c"}, 3, 10); got != 3 {
		t.Errorf("k = n: %d", got)
	}
	if got := zlibCheck([]string{strings.Repeat("x", 10)}, 3, 3); got != 3 {
		t.Errorf("k at max: %d", got)
	}
	if got := zlibCheck(repeat("short", 5), 2, 100); got != 2 {
		t.Errorf("under 200 bytes: %d", got)
	}
}

// naiveOptimalK is the spec's algorithm with none of OptimalK's speed-ups:
// plain SimHash voting, a linear scan over cluster representatives,
// strings.Fields and a fresh zlib writer per text.
func naiveOptimalK(items []string, bias float64, minK, maxK int) int {
	n := len(items)
	if n <= SmallInput {
		return n
	}
	var reps []uint64
	seen := map[[2]string]bool{}
	curve := make([]int, n)
	for i, s := range items {
		lower := pycompat.RustLower(s)
		if fp := naiveSimhash(lower); !linearNear(reps, fp) {
			reps = append(reps, fp)
		}
		words := strings.Fields(lower)
		switch len(words) {
		case 0:
			seen[[2]string{"", ""}] = true
		case 1:
			seen[[2]string{words[0], ""}] = true
		}
		for j := 1; j < len(words); j++ {
			seen[[2]string{words[j-1], words[j]}] = true
		}
		curve[i] = len(seen)
	}
	u := len(reps)
	if u <= fewClusters {
		return min(max(minK, u), maxK)
	}
	diversity := float64(u) / float64(n)
	floorK := max(minK, pycompat.AsUsize(float64(n)*(0.3+0.7*diversity)))
	knee, ok := findKnee(curve)
	if !ok {
		knee = floorK
	} else if diversity > diverseRatio {
		knee = max(knee, floorK)
	}
	k := min(max(minK, pycompat.AsUsize(float64(knee)*bias)), maxK)
	if k < n && k < maxK {
		full, sub := strings.Join(items, "\n"), strings.Join(items[:k], "\n")
		ratio := func(s string) float64 {
			if s == "" {
				return 1
			}
			var buf bytes.Buffer
			zw, _ := zlib.NewWriterLevel(&buf, zlib.BestSpeed)
			zw.Write([]byte(s))
			zw.Close()
			return float64(buf.Len()) / float64(len(s))
		}
		if len(full) >= zlibMinBytes && math.Abs(ratio(full)-ratio(sub)) > zlibTolerance {
			k = min(pycompat.AsUsize(float64(k)*1.2), maxK)
		}
	}
	return max(minK, min(k, maxK))
}

// randomItems builds lists with near-duplicates, exact repeats, mixed case
// and non-ASCII words, so every branch of OptimalK is reached.
func randomItems(rng *rand.Rand) []string {
	words := []string{"error", "INFO", "Σigma", "İstanbul", "café", "id=", "42", "timeout", "{\"k\":", "x", "the", "ok"}
	n := rng.IntN(120)
	items := make([]string, n)
	base := ""
	for i := range items {
		if i == 0 || rng.IntN(4) == 0 {
			var b strings.Builder
			for w := rng.IntN(12); w >= 0; w-- {
				b.WriteString(words[rng.IntN(len(words))])
				b.WriteString([]string{" ", "", "\t", "  "}[rng.IntN(4)])
			}
			base = b.String()
		}
		items[i] = base
		if rng.IntN(2) == 0 {
			items[i] += fmt.Sprint(rng.IntN(1000))
		}
	}
	return items
}

func TestOptimalKMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for round := 0; round < 400; round++ {
		items := randomItems(rng)
		bias := []float64{0, 0.3, 0.7, 1, 1.5, 3}[rng.IntN(6)]
		minK := rng.IntN(12)
		maxK := minK + rng.IntN(len(items)+2) - 2
		if got, want := OptimalK(items, bias, minK, maxK), naiveOptimalK(items, bias, minK, maxK); got != want {
			t.Fatalf("round %d: OptimalK(%d items, %v, %d, %d) = %d, naive %d", round, len(items), bias, minK, maxK, got, want)
		}
	}
}

func FuzzOptimalK(f *testing.F) {
	f.Add("a\nb\nc\nd\ne\nf\ng\nh\ni\nj", 1.0, uint8(3), uint8(15))
	f.Add(strings.Repeat("GET /health 200 OK\n", 30), 0.5, uint8(10), uint8(100))
	f.Add(strings.Repeat("the quick brown fox jumps over the lazy dog\n", 20)+"ΣΑΣ İ", 1.0, uint8(5), uint8(100))
	f.Fuzz(func(t *testing.T, joined string, bias float64, minK, maxK uint8) {
		items := strings.Split(joined, "\n")
		if got, want := OptimalK(items, bias, int(minK), int(maxK)), naiveOptimalK(items, bias, int(minK), int(maxK)); got != want {
			t.Fatalf("OptimalK(%q, %v, %d, %d) = %d, naive %d", items, bias, minK, maxK, got, want)
		}
	})
}
