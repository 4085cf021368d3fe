package searchcompress

import (
	"fmt"
	"strings"
	"testing"
)

// The sizer is shared in behaviour with the log compressor's; these pin the
// reference values of spec §3 so the copy cannot drift.

func TestSimhashReferenceValues(t *testing.T) {
	for in, want := range map[string]uint64{
		"":            0xd41d8cd98f00b204,
		"a":           0x0cc175b9c0f1b6a8,
		"hello":       0x0209020130100020,
		"hello world": 0x4681260120120222,
	} {
		if got := newSimhasher(1).simhash(in); got != want {
			t.Errorf("simhash(%q) = %#x, want %#x", in, got, want)
		}
	}
}

func TestOptimalKReferenceBehaviour(t *testing.T) {
	same := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = "abc"
		}
		return out
	}
	// One near-duplicate cluster: the floor.
	if got := optimalK(same(10), 1, 3, 100); got != 3 {
		t.Errorf("10 identical, min 3: k = %d", got)
	}
	if got := optimalK(same(20), 1, 5, 100); got != 5 {
		t.Errorf("20 identical, min 5: k = %d", got)
	}
	// All distinct: no knee, diversity 1, everything kept.
	distinct := make([]string, 20)
	for i := range distinct {
		distinct[i] = fmt.Sprintf("unique item number %d with some long content", i)
	}
	if got := optimalK(distinct, 1, 3, 100); got != 20 {
		t.Errorf("20 distinct: k = %d, want 20", got)
	}
	if got := optimalK(distinct, 1, 3, 10); got > 10 {
		t.Errorf("max 10: k = %d", got)
	}
	// At most eight items are all kept, unclamped by min and max.
	if got := optimalK(strings.Fields("a b c d e f g h"), 0, 5, 3); got != 8 {
		t.Errorf("eight items: k = %d", got)
	}
	// More bias never keeps fewer.
	items := make([]string, 30)
	for i := range items {
		items[i] = fmt.Sprintf("item content %d", i)
	}
	prev := 0
	for _, bias := range []float64{0, 0.7, 1, 1.5, 3} {
		k := optimalK(items, bias, 3, 100)
		if k < prev {
			t.Errorf("bias %v: k = %d, below %d", bias, k, prev)
		}
		prev = k
	}
}
