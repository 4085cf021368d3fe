package smartcrusher

import (
	"math"
	"testing"
)

// Expected strings follow the reference's format_g: Rust {:.3e}/{:.N}
// with trailing zeros trimmed and a two-digit signed exponent.
func TestFormatG(t *testing.T) {
	cases := map[float64]string{
		0: "0", 31: "31", 59.25: "59.25", 35.225: "35.23", 24.9412: "24.94",
		1000: "1000", 9999.4: "9999", 10000: "1e+04", 12345.678: "1.235e+04",
		0.0001: "0.0001", 0.00001234: "1.234e-05", 1e-5: "1e-05", -2.5: "-2.5",
		1e100: "1e+100", math.Inf(1): "inf", math.Inf(-1): "-inf",
	}
	for in, want := range cases {
		if got := formatG(in); got != want {
			t.Errorf("formatG(%v) = %q, want %q", in, got, want)
		}
	}
	if got := formatG(math.NaN()); got != "nan" {
		t.Errorf("formatG(NaN) = %q", got)
	}
}

func TestFormatNumberRepr(t *testing.T) {
	cases := map[float64]string{10: "10", -3: "-3", 1.5: "1.5", 1e16: "10000000000000000", 1e20: "100000000000000000000", 0.1: "0.1"}
	for in, want := range cases {
		if got := formatNumberRepr(in); got != want {
			t.Errorf("formatNumberRepr(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestPercentileAndMedian(t *testing.T) {
	s := []float64{1, 2, 3, 4}
	if got := percentileLinear(s, 0.25); got != 1.75 {
		t.Errorf("p25 = %v", got)
	}
	if got := percentileLinear(s, 0.75); got != 3.25 {
		t.Errorf("p75 = %v", got)
	}
	if m, _ := median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Errorf("median = %v", m)
	}
	if _, ok := sampleVariance([]float64{1}); ok {
		t.Error("variance of one value reported")
	}
}

func TestDecimalExponentAtPowersOfTen(t *testing.T) {
	for e := -300; e <= 300; e++ {
		if got := decimalExponent(math.Pow10(e)); got != e {
			t.Fatalf("decimalExponent(1e%d) = %d", e, got)
		}
	}
}
