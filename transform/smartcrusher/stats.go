package smartcrusher

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/headroom-go/headroom/internal/pycompat"
)

// Plain left-to-right arithmetic, as the reference computes it: sums in
// order, mean = sum/n, sample variance with n−1. Products are wrapped in
// float64() so no platform fuses them into FMA and moves a threshold.

// mean returns the arithmetic mean, or false for no values or a
// non-finite result.
func mean(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	m := sum / float64(len(xs))
	return m, !math.IsInf(m, 0) && !math.IsNaN(m)
}

// sampleVariance needs at least two values and a finite result.
func sampleVariance(xs []float64) (float64, bool) {
	if len(xs) < 2 {
		return 0, false
	}
	m, ok := mean(xs)
	if !ok {
		return 0, false
	}
	var sum float64
	for _, x := range xs {
		d := x - m
		sum += float64(d * d)
	}
	v := sum / float64(len(xs)-1)
	return v, !math.IsInf(v, 0) && !math.IsNaN(v)
}

func sampleStdev(xs []float64) (float64, bool) {
	v, ok := sampleVariance(xs)
	return math.Sqrt(v), ok
}

func median(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	s := slices.Clone(xs)
	slices.SortFunc(s, totalCmp)
	n := len(s)
	if n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2, true
	}
	return s[n/2], true
}

// totalCmp orders floats like Rust's f64::total_cmp for the finite values
// used here (negative zero before positive zero).
func totalCmp(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	sa, sb := math.Signbit(a), math.Signbit(b)
	switch {
	case sa && !sb:
		return -1
	case !sa && sb:
		return 1
	}
	return 0
}

// percentileLinear interpolates between the two order statistics around
// q·(n−1) of sorted values.
func percentileLinear(sorted []float64, q float64) float64 {
	n := len(sorted)
	switch n {
	case 0:
		return 0
	case 1:
		return sorted[0]
	}
	pos := q * float64(n-1)
	lo := int(pos)
	hi := lo
	if lo+1 < n {
		hi = lo + 1
	}
	frac := pos - float64(lo)
	return float64(sorted[lo]*(1-frac)) + float64(sorted[hi]*frac)
}

// formatG renders x with four significant digits the way the reference's
// strategy strings do (Python's "%.4g"-like, but computing the exponent
// from log10): "nan", "inf", "0", fixed notation for exponents in [-4, 4)
// with trailing zeros trimmed, otherwise "d.ddde+XX" trimmed.
func formatG(x float64) string {
	switch {
	case math.IsNaN(x):
		return "nan"
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	case x == 0:
		return "0"
	}
	e := decimalExponent(math.Abs(x))
	if e < -4 || e >= 4 {
		s := strconv.FormatFloat(x, 'e', 3, 64) // d.ddde±XX
		mant, exp, _ := strings.Cut(s, "e")
		if strings.Contains(mant, ".") {
			mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
		}
		n, _ := strconv.Atoi(exp)
		sign := "+"
		if n < 0 {
			sign, n = "-", -n
		}
		digits := strconv.Itoa(n)
		if n < 10 {
			digits = "0" + digits
		}
		return mant + "e" + sign + digits
	}
	s := strconv.FormatFloat(x, 'f', max(0, 3-e), 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// decimalExponent is floor(log10(a)) for finite a > 0, corrected so exact
// powers of ten land on their own exponent (Go's Log10 is not correctly
// rounded there; the C library the reference links is).
func decimalExponent(a float64) int {
	e := int(math.Floor(math.Log10(a)))
	if e+1 <= 308 && e+1 >= -323 && a >= math.Pow10(e+1) {
		e++
	} else if e >= -323 && e <= 308 && a < math.Pow10(e) {
		e--
	}
	return e
}

// formatNumberRepr prints min/max in strategy strings: integral values
// below 1e16 as integers, anything else as Rust's Display would.
func formatNumberRepr(x float64) string {
	switch {
	case math.IsNaN(x):
		return "nan"
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	}
	if x == math.Trunc(x) && math.Abs(x) < 1e16 {
		return strconv.FormatInt(int64(x), 10)
	}
	return pycompat.RustDisplay(x)
}
