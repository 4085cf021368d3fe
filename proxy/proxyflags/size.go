package proxyflags

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// byteUnits maps a lower-cased unit suffix to its multiplier: SI units are
// decimal (MB = 10^6, as in the reference's "100MB" default), IEC units
// binary (MiB = 2^20).
var byteUnits = map[string]int64{
	"":    1,
	"b":   1,
	"kb":  1e3,
	"mb":  1e6,
	"gb":  1e9,
	"tb":  1e12,
	"kib": 1 << 10,
	"mib": 1 << 20,
	"gib": 1 << 30,
	"tib": 1 << 40,
}

// ParseByteSize parses a positive byte count: plain digits ("1048576") or
// digits followed by a unit, optionally space-separated, case-insensitive:
// B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024).
// Fractions, signs, zero and values above math.MaxInt64 are errors.
func ParseByteSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("byte size %q: want a number with an optional unit such as 100MB, 512KiB or 1GiB", s)
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("byte size %q: %w", s, errors.Unwrap(err))
	}
	unit := strings.ToLower(strings.TrimSpace(t[i:]))
	mul, ok := byteUnits[unit]
	if !ok {
		return 0, fmt.Errorf("byte size %q: unknown unit %q (use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)", s, t[i:])
	}
	if n == 0 {
		return 0, fmt.Errorf("byte size %q: must be positive", s)
	}
	if n > math.MaxInt64/mul {
		return 0, fmt.Errorf("byte size %q: too large", s)
	}
	return n * mul, nil
}

// ParseDuration parses a positive duration in Go syntax ("600s", "10m",
// "1h30m", "500ms"; spaces between parts are allowed, as in "1h 30m") or a
// bare number of seconds ("600").
func ParseDuration(s string) (time.Duration, error) {
	t := strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	if t == "" {
		return 0, fmt.Errorf("duration %q: empty", s)
	}
	var d time.Duration
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		if n > int64(math.MaxInt64/time.Second) {
			return 0, fmt.Errorf("duration %q: too large", s)
		}
		d = time.Duration(n) * time.Second
	} else {
		d, err = time.ParseDuration(t)
		if err != nil {
			return 0, fmt.Errorf("duration %q: want Go syntax such as 600s, 10m, 1h30m or a number of seconds", s)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("duration %q: must be positive", s)
	}
	return d, nil
}

// ParseBool parses a boolean as flags and environment variables spell it:
// 1/0, true/false, yes/no, on/off, case-insensitive.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on", "t", "y":
		return true, nil
	case "0", "false", "no", "off", "f", "n":
		return false, nil
	}
	return false, fmt.Errorf("boolean %q: want one of 1/0, true/false, yes/no, on/off", s)
}
