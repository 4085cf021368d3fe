package pycompat

import (
	"math"
	"strconv"
	"strings"
)

// RoundHalfEven rounds to the nearest integer, ties to even: Python's
// round(x) and Rust's f64::round_ties_even (round(4.5) == 4, round(5.5) == 6).
func RoundHalfEven(x float64) float64 { return math.RoundToEven(x) }

// AsUsize converts x like Rust's `x as usize`: truncation toward zero,
// NaN and negatives to 0, saturating at the top (math.MaxInt, Go's int
// being signed). The reference sizes budgets this way from float products.
func AsUsize(x float64) int {
	switch {
	case !(x > 0):
		return 0
	case x >= math.MaxInt:
		return math.MaxInt
	}
	return int(x)
}

// AppendRustDisplay appends x as Rust's `{}` Display prints an f64: the
// shortest decimal that round-trips, never in exponent notation, integral
// values without a fraction ("1", "-0", "100000000000000000000"); NaN is
// "NaN" and infinities "inf" / "-inf".
func AppendRustDisplay(dst []byte, x float64) []byte {
	// Precision -1 is strconv's shortest round-trip digits; the layout and
	// the non-finite spellings are those of {:.N}.
	return AppendRustFixed(dst, x, -1)
}

// RustDisplay returns AppendRustDisplay's text.
func RustDisplay(x float64) string { return string(AppendRustDisplay(nil, x)) }

// AppendRustFixed appends x as Rust's `{:.N}` prints an f64: correctly
// rounded (half-even on the exact binary value) with prec decimals; NaN is
// "NaN" and infinities "inf" / "-inf".
func AppendRustFixed(dst []byte, x float64, prec int) []byte {
	switch {
	case math.IsNaN(x):
		return append(dst, "NaN"...)
	case math.IsInf(x, 1):
		return append(dst, "inf"...)
	case math.IsInf(x, -1):
		return append(dst, "-inf"...)
	}
	return strconv.AppendFloat(dst, x, 'f', prec, 64)
}

// RustFixed returns AppendRustFixed's text.
func RustFixed(x float64, prec int) string { return string(AppendRustFixed(nil, x, prec)) }

// AppendPyRepr appends Python's repr(float): the shortest round-trip digits,
// positional when the decimal exponent is in [-4, 16) and always with a
// fractional part ("1.0", "0.0001", "1e+16", "1e-05", "1.5e+300"), "nan",
// "inf" and "-inf" for the specials. json.dumps writes floats this way.
func AppendPyRepr(dst []byte, x float64) []byte {
	switch {
	case math.IsNaN(x):
		return append(dst, "nan"...)
	case math.IsInf(x, 1):
		return append(dst, "inf"...)
	case math.IsInf(x, -1):
		return append(dst, "-inf"...)
	}
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], x, 'e', -1, 64) // -d.ddde±XX
	mant, exp, _ := strings.Cut(string(e), "e")
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	digits := strings.Replace(mant, ".", "", 1)
	dexp, _ := strconv.Atoi(exp) // x = 0.digits * 10^(dexp+1)
	if neg {
		dst = append(dst, '-')
	}
	if dexp >= -4 && dexp < 16 {
		point := dexp + 1 // digits before the decimal point
		switch {
		case point <= 0:
			dst = append(dst, "0."...)
			for k := 0; k < -point; k++ {
				dst = append(dst, '0')
			}
			dst = append(dst, digits...)
		case point >= len(digits):
			dst = append(dst, digits...)
			for k := len(digits); k < point; k++ {
				dst = append(dst, '0')
			}
			dst = append(dst, ".0"...)
		default:
			dst = append(dst, digits[:point]...)
			dst = append(dst, '.')
			dst = append(dst, digits[point:]...)
		}
		return dst
	}
	dst = append(dst, digits[0])
	if len(digits) > 1 {
		dst = append(dst, '.')
		dst = append(dst, digits[1:]...)
	}
	dst = append(dst, 'e')
	if dexp < 0 {
		dst = append(dst, '-')
		dexp = -dexp
	} else {
		dst = append(dst, '+')
	}
	if dexp < 10 {
		dst = append(dst, '0')
	}
	return strconv.AppendInt(dst, int64(dexp), 10)
}

// PyRepr returns AppendPyRepr's text.
func PyRepr(x float64) string { return string(AppendPyRepr(nil, x)) }

// Bounds of the decimal exponent (10^(pos-1) <= |f| < 10^pos) inside which
// the ryu formatter used by serde_json writes plain decimal notation.
const (
	serdeMinPlainPos = -5
	serdeMaxPlainPos = 21
)

// AppendSerdeFloat appends f as serde_json writes an f64 (ryu's shortest
// round-trip digits): integral values keep a ".0", magnitudes in [1e-6,
// 1e21) use plain decimal notation, others "de-7" / "d.ddde30" scientific
// notation without a '+' or zero padding, and non-finite values are
// "null", as serde_json serialises them.
func AppendSerdeFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	if f == 0 {
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	var buf [32]byte
	// 'e' with precision -1 gives the shortest digits as d.ddde±XX.
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	if e[0] == '-' {
		dst = append(dst, '-')
		e = e[1:]
	}
	mark := 0
	for e[mark] != 'e' {
		mark++
	}
	exp := 0
	for _, c := range e[mark+2:] { // skip the exponent's sign
		exp = exp*10 + int(c-'0')
	}
	if e[mark+1] == '-' {
		exp = -exp
	}
	var digits [20]byte
	nd := 0
	for _, c := range e[:mark] {
		if c != '.' {
			digits[nd] = c
			nd++
		}
	}
	pos := exp + 1 // digits[0] sits just left of 10^pos's decimal point
	switch {
	case nd <= pos && pos <= serdeMaxPlainPos:
		dst = append(dst, digits[:nd]...)
		for range pos - nd {
			dst = append(dst, '0')
		}
		return append(dst, '.', '0')
	case 0 < pos && pos <= serdeMaxPlainPos:
		dst = append(dst, digits[:pos]...)
		dst = append(dst, '.')
		return append(dst, digits[pos:nd]...)
	case serdeMinPlainPos <= pos && pos <= 0:
		dst = append(dst, '0', '.')
		for range -pos {
			dst = append(dst, '0')
		}
		return append(dst, digits[:nd]...)
	}
	dst = append(dst, digits[0])
	if nd > 1 {
		dst = append(dst, '.')
		dst = append(dst, digits[1:nd]...)
	}
	dst = append(dst, 'e')
	return strconv.AppendInt(dst, int64(pos-1), 10)
}
