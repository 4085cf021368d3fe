package smartcrusher

import (
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/internal/pycompat"
)

// Expected fingerprints are the reference implementation's unit-test values.
func TestSimhashMatchesReference(t *testing.T) {
	cases := map[string]uint64{
		"":                          0xd41d8cd98f00b204,
		"a":                         0x0cc175b9c0f1b6a8,
		"ab":                        0x187ef4436122d1cc,
		"abc":                       0x900150983cd24fb0,
		"abcd":                      0xe2fc714c4727ee93,
		"hello":                     0x0209020130100020,
		"hello world":               0x4681260120120222,
		"café":                      0x07117fe4a1ebd544,
		"The quick brown fox jumps": 0x30875e2639b3cb98,
	}
	for in, want := range cases {
		if got := simhash(pycompat.RustLower(in)); got != want {
			t.Errorf("simhash(%q) = %#x, want %#x", in, got, want)
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

func TestBigramCurve(t *testing.T) {
	cases := []struct {
		in   []string
		want []int
	}{
		{[]string{"the cat", "the dog", "a fish"}, []int{1, 2, 3}},
		{[]string{"hello", "world", "hello"}, []int{1, 2, 2}},
		{[]string{"", "a", "a b"}, []int{1, 2, 3}},
	}
	for _, c := range cases {
		if got := bigramCurve(c.in); !slices.Equal(got, c.want) {
			t.Errorf("bigramCurve(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestFindKnee(t *testing.T) {
	cases := []struct {
		curve []int
		want  int
		ok    bool
	}{
		{nil, 0, false}, {[]int{1, 2}, 0, false},
		{[]int{5, 5, 5, 5, 5}, 1, true},
		{[]int{1, 5, 8, 9, 10, 10, 10, 10, 10}, 3, true},
		{[]int{1, 2, 3, 4, 5, 6, 7, 8, 9}, 0, false},
	}
	for _, c := range cases {
		got, ok := findKnee(c.curve)
		if got != c.want || ok != c.ok {
			t.Errorf("findKnee(%v) = %d, %v; want %d, %v", c.curve, got, ok, c.want, c.ok)
		}
	}
}

func TestOptimalKMatchesReference(t *testing.T) {
	repeat := func(s string, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = s
		}
		return out
	}
	gen := func(n int, f string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf(f, i)
		}
		return out
	}
	if got := optimalK([]string{"a", "b", "c", "d", "e"}, 1, 3, 0); got != 5 {
		t.Errorf("n<=8: %d", got)
	}
	if got := optimalK(repeat("abc", 10), 1, 3, 0); got != 3 {
		t.Errorf("identical: %d", got)
	}
	if got := optimalK(gen(20, "unique item number %d with some long content"), 1, 3, 0); got != 20 {
		t.Errorf("all unique: %d", got)
	}
	if got := optimalK(repeat("abc", 20), 1, 5, 0); got != 5 {
		t.Errorf("min_k: %d", got)
	}
	if got := optimalK(gen(20, "item %d"), 1, 3, 10); got > 10 {
		t.Errorf("max_k: %d", got)
	}
	items := gen(30, "item content %d")
	lo, mid, hi := optimalK(items, 0.7, 3, 0), optimalK(items, 1, 3, 0), optimalK(items, 1.5, 3, 0)
	if lo > mid || mid > hi {
		t.Errorf("bias not monotone: %d %d %d", lo, mid, hi)
	}
}

// The reference pins these two zlib outcomes; they are far from the
// tolerance, so Go's level-1 deflate agrees with miniz's.
func TestZlibValidateClearCases(t *testing.T) {
	same := make([]string, 20)
	for i := range same {
		same[i] = "the quick brown fox jumps over the lazy dog"
	}
	if got := zlibValidate(same, 5, 100); got != 6 {
		t.Errorf("redundant subset: %d, want 6", got)
	}
	diverse := make([]string, 20)
	for i := range diverse {
		diverse[i] = fmt.Sprintf("entry id=%d payload=item value with content for item number %d", i, i)
	}
	if got := zlibValidate(diverse, 10, 100); got != 10 {
		t.Errorf("representative subset: %d, want 10", got)
	}
	if got := zlibValidate([]string{strings.Repeat("x", 10)}, 3, 3); got != 3 {
		t.Errorf("k at max: %d", got)
	}
}

// naiveSimhash is the direct ±1 voting form of the spec; the bit-sliced
// simhash must agree with it, including past the 255-gram counter flush.
func naiveSimhash(lower string) uint64 {
	r := []rune(lower)
	grams := 1
	if len(r) > 3 {
		grams = len(r) - 3
	}
	var votes [64]int
	for i := 0; i < grams; i++ {
		g := string(r[i:min(i+4, len(r))])
		sum := md5.Sum([]byte(g))
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

func TestSimhashMatchesNaiveVoting(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []rune("abcdefgh ijklm,.:é中😀0123")
	for i := 0; i < 300; i++ {
		n := r.IntN(1200)
		s := make([]rune, n)
		for j := range s {
			s[j] = alphabet[r.IntN(len(alphabet))]
		}
		if got, want := simhash(string(s)), naiveSimhash(string(s)); got != want {
			t.Fatalf("len %d: simhash %#x, naive %#x", n, got, want)
		}
	}
}
