package adaptive

import (
	"crypto/md5"
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/internal/pycompat"
)

// Expected fingerprints are the reference implementation's unit-test values
// (spec §3 lists the first four).
func TestSimhashMatchesReference(t *testing.T) {
	for in, want := range map[string]uint64{
		"":                          0xd41d8cd98f00b204, // one gram: the empty string
		"a":                         0x0cc175b9c0f1b6a8,
		"ab":                        0x187ef4436122d1cc,
		"abc":                       0x900150983cd24fb0,
		"abcd":                      0xe2fc714c4727ee93,
		"hello":                     0x0209020130100020,
		"hello world":               0x4681260120120222,
		"café":                      0x07117fe4a1ebd544,
		"The quick brown fox jumps": 0x30875e2639b3cb98,
	} {
		if got := newSimhasher(1).simhash(pycompat.RustLower(in)); got != want {
			t.Errorf("simhash(%q) = %#x, want %#x", in, got, want)
		}
	}
}

func TestSimhashIgnoresCaseOnceLowered(t *testing.T) {
	if newSimhasher(1).simhash(pycompat.RustLower("HeLLo")) != newSimhasher(1).simhash("hello") {
		t.Error("simhash is not case-insensitive")
	}
}

// A simhasher answers from its caches after the first sighting of a text
// or gram; the cached answers must be the ones it would compute afresh.
func TestSimhashCachesAgreeWithFreshHasher(t *testing.T) {
	shared := newSimhasher(4)
	for _, s := range []string{"abcd", "xabcdx", "abcd", "ΣΑΣ abcd", "xabcdx", "ab", "ab"} {
		if got, want := shared.simhash(s), newSimhasher(1).simhash(s); got != want {
			t.Errorf("cached simhash(%q) = %#x, fresh %#x", s, got, want)
		}
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

// naiveSimhash is the SimHash definition written out plainly: one ±1 vote
// per gram and bit.
func naiveSimhash(lower string) uint64 {
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

// The lane-counted simhash must agree with plain voting, including past
// the 255-gram lane flush and for multi-byte characters.
func TestSimhashMatchesNaiveVoting(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []rune("abcdefgh ijklm,.:é中😀0123")
	for i := 0; i < 300; i++ {
		n := r.IntN(1200)
		s := make([]rune, n)
		for j := range s {
			s[j] = alphabet[r.IntN(len(alphabet))]
		}
		if got, want := newSimhasher(1).simhash(string(s)), naiveSimhash(string(s)); got != want {
			t.Fatalf("len %d: simhash %#x, naive %#x", n, got, want)
		}
	}
}

func FuzzSimhash(f *testing.F) {
	f.Add("hello world")
	f.Add(strings.Repeat("abcdefgh", 100)) // more grams than a lane holds
	f.Add("çà et là ΣΑΣ")
	f.Fuzz(func(t *testing.T, s string) {
		lower := pycompat.RustLower(s)
		if got, want := newSimhasher(1).simhash(lower), naiveSimhash(lower); got != want {
			t.Fatalf("simhash(%q) = %#x, plain voting gives %#x", lower, got, want)
		}
	})
}

// linearNear is the plain greedy scan nearIndex stands in for.
func linearNear(reps []uint64, fp uint64) bool {
	for _, r := range reps {
		if bits.OnesCount64(fp^r) <= simhashThreshold {
			return true
		}
	}
	return false
}

// TestNearIndexMatchesLinearScan pins the indexed lookup to the plain scan
// on fingerprints built to sit near each other.
func TestNearIndexMatchesLinearScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 200; round++ {
		var idx nearIndex
		var reps []uint64
		centre := rng.Uint64()
		for i := 0; i < 300; i++ {
			if rng.IntN(20) == 0 {
				centre = rng.Uint64()
			}
			fp := centre
			for f := rng.IntN(6); f > 0; f-- {
				fp ^= 1 << rng.IntN(64)
			}
			linear := linearNear(reps, fp)
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
