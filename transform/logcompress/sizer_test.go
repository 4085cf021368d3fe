package logcompress

import (
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// Reference values from the spec (§3).
func TestSimhashReferenceValues(t *testing.T) {
	for in, want := range map[string]uint64{
		"":            0xd41d8cd98f00b204, // one gram: the empty string
		"a":           0x0cc175b9c0f1b6a8,
		"hello":       0x0209020130100020,
		"hello world": 0x4681260120120222,
	} {
		if got := newSimhasher(1).simhash(lowerRust(in)); got != want {
			t.Errorf("simhash(%q) = %#x, want %#x", in, got, want)
		}
	}
	if sh := newSimhasher(1); sh.simhash(lowerRust("HeLLo")) != newSimhasher(1).simhash("hello") {
		t.Error("simhash is not case-insensitive")
	}
}

func TestCountUniqueSimhash(t *testing.T) {
	if got := countUniqueSimhash(nil); got != 0 {
		t.Errorf("empty: %d", got)
	}
	if got := countUniqueSimhash([]string{"abc", "abc", "abc"}); got != 1 {
		t.Errorf("identical: %d", got)
	}
	if got := countUniqueSimhash([]string{"the cat sat on the mat", "the dog ran in the park", "a fish swam in the sea"}); got != 3 {
		t.Errorf("diverse: %d", got)
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
		{[]int{1, 5, 8, 9, 10, 10, 10, 10, 10}, 3, true},
		{[]int{1, 2, 3, 4, 5, 6, 7, 8, 9}, 0, false}, // a straight line has no knee
	} {
		got, ok := findKnee(tc.curve)
		if got != tc.want || ok != tc.ok {
			t.Errorf("findKnee(%v) = %d, %v; want %d, %v", tc.curve, got, ok, tc.want, tc.ok)
		}
	}
}

func TestOptimalK(t *testing.T) {
	five := []string{"a", "b", "c", "d", "e"}
	if got := optimalK(five, 1, 10, 100); got != 5 {
		t.Errorf("small input: %d, want all 5", got)
	}
	same := make([]string, 40)
	for i := range same {
		same[i] = "identical line"
	}
	if got := optimalK(same, 1, 10, 100); got != 10 {
		t.Errorf("one cluster: %d, want min_k 10", got)
	}
	if got := optimalK(same, 1, 10, 4); got != 4 {
		t.Errorf("one cluster, max 4: %d, want 4", got)
	}
	var diverse []string
	for i := 0; i < 60; i++ {
		diverse = append(diverse, fmt.Sprintf("%s %d unrelated words number %d", strings.Repeat("x", i%7), i*7919, i))
	}
	for _, bias := range []float64{0, 0.5, 1, 3} {
		got := optimalK(diverse, bias, 10, 40)
		if got < 10 || got > 40 {
			t.Errorf("bias %v: %d outside [10, 40]", bias, got)
		}
	}
	if lo, hi := optimalK(diverse, 0, 10, 40), optimalK(diverse, 1, 10, 40); lo > hi {
		t.Errorf("bias 0 kept %d > bias 1 kept %d", lo, hi)
	}
}

// The spec's reference behaviours for the zlib cross-check.
func TestZlibCheck(t *testing.T) {
	fox := make([]string, 20)
	for i := range fox {
		fox[i] = "the quick brown fox jumps over the lazy dog"
	}
	if got := zlibCheck(fox, 5, 100); got != 6 {
		t.Errorf("repetitive items: %d, want the 1.2x bump to 6", got)
	}
	var entries []string
	for i := 0; i < 20; i++ {
		entries = append(entries, fmt.Sprintf("entry id=%d payload=item value with content for item number %d", i, i))
	}
	if got := zlibCheck(entries, 10, 100); got != 10 {
		t.Errorf("representative subset: %d, want 10", got)
	}
	if got := zlibCheck([]string{"a", "b", "c"}, 3, 10); got != 3 {
		t.Errorf("k = n: %d", got)
	}
	if got := zlibCheck([]string{"short", "short", "short", "short", "short"}, 2, 100); got != 2 {
		t.Errorf("under 200 bytes: %d", got)
	}
}

// votingSimhash is the SimHash definition written out plainly: one ±1 vote
// per gram and bit.
func votingSimhash(lower string) uint64 {
	r := []rune(lower)
	grams := 1
	if len(r) > 3 {
		grams = len(r) - 3
	}
	var votes [64]int
	for g := 0; g < grams; g++ {
		sum := md5.Sum([]byte(string(r[g:min(g+4, len(r))])))
		h := binary.BigEndian.Uint64(sum[:8])
		for j := range votes {
			if h>>j&1 == 1 {
				votes[j]++
			} else {
				votes[j]--
			}
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

func FuzzSimhash(f *testing.F) {
	f.Add("hello world")
	f.Add(strings.Repeat("abcdefgh", 100)) // more grams than a lane holds
	f.Add("çà et là ΣΑΣ")
	f.Fuzz(func(t *testing.T, s string) {
		lower := lowerRust(s)
		if got, want := newSimhasher(1).simhash(lower), votingSimhash(lower); got != want {
			t.Fatalf("simhash(%q) = %#x, plain voting gives %#x", lower, got, want)
		}
	})
}

// TestNearIndexMatchesLinearScan pins the indexed cluster count to the
// plain greedy scan on fingerprints built to sit near each other.
func TestNearIndexMatchesLinearScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 200; round++ {
		var fps []uint64
		centre := rng.Uint64()
		for i := 0; i < 300; i++ {
			if rng.IntN(20) == 0 {
				centre = rng.Uint64()
			}
			fp := centre
			for f := rng.IntN(6); f > 0; f-- {
				fp ^= 1 << rng.IntN(64)
			}
			fps = append(fps, fp)
		}
		var idx nearIndex
		var reps []uint64
		for _, fp := range fps {
			linear := false
			for _, r := range reps {
				if bits.OnesCount64(fp^r) <= simhashThreshold {
					linear = true
					break
				}
			}
			if got := idx.near(fp); got != linear {
				t.Fatalf("round %d: near(%#x) = %v, linear scan %v", round, fp, got, linear)
			}
			if !linear {
				reps = append(reps, fp)
				idx.add(fp)
			}
		}
	}
}
