package tokenizer

import (
	"math"
	"strings"
	"testing"
)

// Cases pinned by the reference's Rust estimator tests.
func TestEstimatorPinnedCounts(t *testing.T) {
	def, claude := Estimator{}, Estimator{cpt: ClaudeCharsPerToken}
	for _, c := range []struct {
		e    Estimator
		text string
		want int
	}{
		{def, "", 0},
		{def, "a", 1},
		{def, "abc", 1},
		{def, "aaaa", 1},
		{def, "aaaaa", 1},
		{def, "aaaaaa", 2}, // 1.5 rounds up
		{def, strings.Repeat("a", 40), 10},
		{def, "héllo", 1},                 // 5 code points, not 6 bytes
		{def, "🚀✨🎉🔥", 1},                  // 4 code points, 15 bytes
		{def, strings.Repeat("é", 10), 3}, // 2.5 rounds up, bytes would give 5
		{def, strings.Repeat("a", 1_000_000), 250_000},
		{claude, "", 0},
		{claude, strings.Repeat("a", 35), 10},
		{claude, strings.Repeat("a", 36), 10},
		{claude, strings.Repeat("a", 38), 11},
	} {
		if got := c.e.Count(c.text); got != c.want {
			t.Errorf("Estimator(%v).Count(%d bytes, %d runes) = %d, want %d",
				c.e.CharsPerToken(), len(c.text), len([]rune(c.text)), got, c.want)
		}
	}
}

func TestEstimatorZeroValueUsesDefaultRatio(t *testing.T) {
	var e Estimator
	if e.CharsPerToken() != DefaultCharsPerToken {
		t.Errorf("zero Estimator ratio = %v", e.CharsPerToken())
	}
	d, err := NewEstimator(DefaultCharsPerToken)
	if err != nil {
		t.Fatal(err)
	}
	if e.Count(strings.Repeat("x", 1234)) != d.Count(strings.Repeat("x", 1234)) {
		t.Error("zero Estimator counts differently from NewEstimator(DefaultCharsPerToken)")
	}
}

func TestNewEstimatorRejectsUnusableRatios(t *testing.T) {
	for _, cpt := range []float64{0, -1, math.NaN(), math.Inf(1), math.Inf(-1)} {
		if _, err := NewEstimator(cpt); err == nil {
			t.Errorf("NewEstimator(%v) succeeded", cpt)
		}
	}
	e, err := NewEstimator(2)
	if err != nil || e.CharsPerToken() != 2 || e.Count("abcdef") != 3 {
		t.Errorf("NewEstimator(2) = %v (count %d), %v", e.CharsPerToken(), e.Count("abcdef"), err)
	}
}

func TestEstimatorSaturatesInsteadOfOverflowing(t *testing.T) {
	e, err := NewEstimator(math.SmallestNonzeroFloat64)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Count("ab"); got != math.MaxInt {
		t.Errorf("Count with a tiny ratio = %d, want math.MaxInt", got)
	}
}

func TestEstimatorCountDoesNotAllocate(t *testing.T) {
	e := Estimator{cpt: ClaudeCharsPerToken}
	text := strings.Repeat("héllo wörld ", 100)
	if allocs := testing.AllocsPerRun(100, func() { e.Count(text) }); allocs != 0 {
		t.Errorf("Estimator.Count allocates %v times", allocs)
	}
}
