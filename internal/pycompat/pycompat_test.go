package pycompat

import (
	"math"
	"reflect"
	"testing"
)

func TestCharLenCountsScalarsNotBytes(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 3, "中文": 2, "😀a": 2, "é": 1} {
		if got := CharLen(s); got != want {
			t.Errorf("CharLen(%q) = %d, want %d", s, got, want)
		}
	}
}

// Expected values are what Rust's str::lines yields.
func TestLinesMatchesRust(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"\n", []string{""}},
		{"a", []string{"a"}},
		{"a\n", []string{"a"}},
		{"a\r\nb\r\n", []string{"a", "b"}},
		{"a\n\nb", []string{"a", "", "b"}},
		{"a\r\r\nb\r", []string{"a\r", "b\r"}},
	}
	for _, c := range cases {
		if got := Lines(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Lines(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestWhitespaceIsUnicodeWhiteSpace(t *testing.T) {
	if got := SplitWhitespace(" a\u3000b\u00a0c\t\n"); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("SplitWhitespace = %q", got)
	}
	if got := Trim("\u2028 x \u0085"); got != "x" {
		t.Errorf("Trim = %q", got)
	}
	if got := TrimStart("  x  "); got != "x  " {
		t.Errorf("TrimStart = %q", got)
	}
	// Rust does not treat the information separators as whitespace; Python does.
	if got := Trim("\x1cx"); got != "\x1cx" {
		t.Errorf("Trim removed U+001C: %q", got)
	}
	if !IsPyWhitespace('\x1f') || IsPyWhitespace('x') {
		t.Error("IsPyWhitespace")
	}
}

// Python: round(4.5) == 4, round(2.25 * 1) etc.
func TestRoundHalfEven(t *testing.T) {
	for in, want := range map[float64]float64{4.5: 4, 5.5: 6, 2.5: 2, -2.5: -2, 2.6: 3, 0.5: 0, 1.5: 2} {
		if got := RoundHalfEven(in); got != want {
			t.Errorf("RoundHalfEven(%v) = %v, want %v", in, got, want)
		}
	}
}

// Expected strings are Rust's format!("{}", x).
func TestRustDisplay(t *testing.T) {
	cases := map[float64]string{
		1: "1", 1.5: "1.5", 0: "0", 0.1: "0.1", 1e21: "1000000000000000000000",
		1e-7: "0.0000001", 35.225: "35.225", math.Inf(1): "inf", math.Inf(-1): "-inf",
	}
	for in, want := range cases {
		if got := RustDisplay(in); got != want {
			t.Errorf("RustDisplay(%v) = %q, want %q", in, got, want)
		}
	}
	if got := RustDisplay(math.Copysign(0, -1)); got != "-0" {
		t.Errorf("RustDisplay(-0.0) = %q, want -0", got)
	}
	if got := RustDisplay(math.NaN()); got != "NaN" {
		t.Errorf("RustDisplay(NaN) = %q", got)
	}
}

// Expected strings are Rust's format!("{:.N}", x) (correctly rounded).
func TestRustFixed(t *testing.T) {
	cases := []struct {
		x    float64
		prec int
		want string
	}{
		{0.125, 2, "0.12"}, {0.375, 2, "0.38"}, {2.5, 0, "2"}, {1.05, 1, "1.1"},
		{0.95, 2, "0.95"}, {1536 / 1024.0, 1, "1.5"}, {math.Inf(1), 1, "inf"}, {math.NaN(), 2, "NaN"},
	}
	for _, c := range cases {
		if got := RustFixed(c.x, c.prec); got != c.want {
			t.Errorf("RustFixed(%v, %d) = %q, want %q", c.x, c.prec, got, c.want)
		}
	}
}

// Expected strings are CPython's repr(float).
func TestPyRepr(t *testing.T) {
	cases := map[float64]string{
		1.0: "1.0", 0.1: "0.1", 1e16: "1e+16", 1e15: "1000000000000000.0",
		123456789012345678.0: "1.2345678901234568e+17", 1e-5: "1e-05", 0.0001: "0.0001",
		1.5e300: "1.5e+300", 2.5: "2.5", 1e22: "1e+22", 5e-324: "5e-324",
		0.30000000000000004: "0.30000000000000004", 12345.678: "12345.678", 0: "0.0",
		math.Inf(-1): "-inf",
	}
	for in, want := range cases {
		if got := PyRepr(in); got != want {
			t.Errorf("PyRepr(%v) = %q, want %q", in, got, want)
		}
	}
	if got := PyRepr(math.Copysign(0, -1)); got != "-0.0" {
		t.Errorf("PyRepr(-0.0) = %q", got)
	}
	if got := PyRepr(math.NaN()); got != "nan" {
		t.Errorf("PyRepr(NaN) = %q", got)
	}
}

// Expected values are what Rust's `as usize` gives on a 64-bit target.
func TestAsUsizeTruncatesAndSaturates(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want int
	}{
		{2.9, 2}, {0.5, 0}, {-3, 0}, {math.Copysign(0, -1), 0}, {math.NaN(), 0},
		{math.Inf(1), math.MaxInt}, {1e300, math.MaxInt}, {math.Inf(-1), 0},
	} {
		if got := AsUsize(c.in); got != c.want {
			t.Errorf("AsUsize(%v) = %d, want %d", c.in, got, c.want)
		}
	}
}

// Expected strings are Rust's str::to_lowercase.
func TestRustLower(t *testing.T) {
	cases := map[string]string{
		"HELLO World": "hello world",
		"İstanbul":    "i\u0307stanbul",
		"ΟΔΟΣ":        "οδος",
		"ΟΔΟΣ.":       "οδος.",
		"Σ":           "σ",
		"AΣB":         "aσb",
		"ΑΣ'Β":        "ασ'β",
		"ÉCOLE ΣΑΣ Σ": "école σας σ",
		"ΣΑΣ ΣΑ":      "σας σα",
		"ΑΣ'":         "ας'",
		"ABC def":     "abc def",
	}
	for in, want := range cases {
		if got := RustLower(in); got != want {
			t.Errorf("RustLower(%q) = %q, want %q", in, got, want)
		}
	}
}

// Expected values follow the definition of Rust regex's Unicode \w.
func TestIsWordRuneIsRustRegexWord(t *testing.T) {
	for r, want := range map[rune]bool{
		'a': true, 'Z': true, '0': true, '_': true, '-': false, ' ': false, '@': false, '[': false, '`': false,
		'é': true, '中': true, '٣': true, // letters and a non-ASCII decimal digit
		'\u0301': true,              // combining acute accent (Mn)
		'Ⅻ':      true,              // letter number (Nl)
		'ⓐ':      true,              // circled letter: Other_Alphabetic
		'‿':      true,              // connector punctuation (Pc)
		'\u200d': true,              // zero width joiner (Join_Control)
		'²':      false, '½': false, // other numbers (No)
		'\u00a0': false, '€': false, '😀': false,
	} {
		if got := IsWordRune(r); got != want {
			t.Errorf("IsWordRune(%q) = %v, want %v", r, got, want)
		}
	}
}

// TestAppendSerdeFloatMatchesSerde checks the float layout against what
// serde_json (ryu) prints for the same values.
func TestAppendSerdeFloatMatchesSerde(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1, "1.0"},
		{0.5, "0.5"},
		{0.9500000000000001, "0.9500000000000001"},
		{0.7857142857142857, "0.7857142857142857"},
		{-2.5, "-2.5"},
		{123456.789, "123456.789"},
		{1e20, "100000000000000000000.0"},
		{1e21, "1e21"},
		{1.5e300, "1.5e300"},
		{0.000001, "0.000001"},
		{1.5e-7, "1.5e-7"},
		{5e-324, "5e-324"},
		{math.MaxFloat64, "1.7976931348623157e308"},
		{math.NaN(), "null"},
		{math.Inf(1), "null"},
	} {
		if got := string(AppendSerdeFloat(nil, c.f)); got != c.want {
			t.Errorf("AppendSerdeFloat(%v) = %s, want %s", c.f, got, c.want)
		}
	}
}
