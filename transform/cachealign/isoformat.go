package cachealign

import "time"

// pyFromISOFormatOK reports whether CPython's datetime.fromisoformat
// accepts s (the C implementation of Python 3.11+, which reads the UTF-8
// bytes of s): a date in one of the ISO 8601 forms YYYY-MM-DD, YYYYMMDD,
// YYYY-Www[-d], YYYYWww[d], then optionally any one separator character
// and a time [HH[:MM[:SS[.fff]]]] or the compact HHMMSS form, with an
// optional Z or ±HH[:MM[:SS[.ffffff]]] offset, all fields in range.
func pyFromISOFormatOK(s string) bool {
	if runeLen(s) < 7 {
		return false
	}
	sep := isoSeparatorIndex(s)
	if sep < 0 {
		return false
	}
	y, m, d, ok := parseISODate(s, sep)
	if !ok {
		return false
	}
	if len(s) > sep {
		p := sep
		switch c := s[p]; {
		case c&0x80 == 0:
			p++
		case c&0xf0 == 0xe0:
			p += 3
		case c&0xf0 == 0xf0:
			p += 4
		default:
			p += 2
		}
		if p > len(s) {
			return false
		}
		if !parseISOTime(s[p:]) {
			return false
		}
	}
	return validDate(y, m, d)
}

func runeLen(s string) int {
	n := 0
	for range s {
		n++
	}
	return n
}

// cAt reads s like a NUL-terminated C string: 0 past the end.
func cAt(s string, i int) byte {
	if i < 0 || i >= len(s) {
		return 0
	}
	return s[i]
}

func cDigit(c byte) bool { return '0' <= c && c <= '9' }

// isoSeparatorIndex finds where the date ends, from the shape of bytes 4,
// 5 and 8 (the reference's _find_isoformat_datetime_separator).
func isoSeparatorIndex(s string) int {
	n := len(s)
	if n == 7 {
		return 7
	}
	if cAt(s, 4) == '-' {
		if cAt(s, 5) != 'W' {
			return 10
		}
		if n < 8 {
			return -1
		}
		if n > 8 && cAt(s, 8) == '-' {
			if n == 9 {
				return -1
			}
			if n > 10 && cDigit(cAt(s, 10)) {
				return 8
			}
			return 10
		}
		return 8
	}
	if cAt(s, 4) == 'W' {
		idx := 7
		for idx < n && cDigit(s[idx]) {
			idx++
		}
		if idx < 9 {
			return idx
		}
		if idx%2 == 0 {
			return 7
		}
		return 8
	}
	return 8
}

// parseDigits reads exactly n ASCII digits at i.
func parseDigits(s string, i, n int) (int, int, bool) {
	v := 0
	for k := 0; k < n; k++ {
		c := cAt(s, i+k)
		if !cDigit(c) {
			return 0, 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, i + n, true
}

// parseISODate parses the date part that ends at sep; ISO week dates are
// converted to a calendar date.
func parseISODate(s string, sep int) (y, m, d int, ok bool) {
	y, p, ok := parseDigits(s, 0, 4)
	if !ok {
		return 0, 0, 0, false
	}
	dash := cAt(s, p) == '-'
	if dash {
		p++
	}
	if cAt(s, p) == 'W' {
		p++
		week, q, ok := parseDigits(s, p, 2)
		if !ok {
			return 0, 0, 0, false
		}
		p = q
		day := 1
		if p < sep {
			if dash {
				if cAt(s, p) != '-' {
					return 0, 0, 0, false
				}
				p++
			}
			if day, _, ok = parseDigits(s, p, 1); !ok {
				return 0, 0, 0, false
			}
		}
		return isoWeekToDate(y, week, day)
	}
	m, p, ok = parseDigits(s, p, 2)
	if !ok {
		return 0, 0, 0, false
	}
	if dash {
		if cAt(s, p) != '-' {
			return 0, 0, 0, false
		}
		p++
	}
	d, _, ok = parseDigits(s, p, 2)
	return y, m, d, ok
}

const (
	minYear = 1
	maxYear = 9999
)

// isoWeekToDate converts an ISO year, week and weekday; week 53 exists only
// in years that start on a Thursday, or leap years that start on a
// Wednesday.
func isoWeekToDate(year, week, day int) (int, int, int, bool) {
	if year < minYear || year > maxYear {
		return 0, 0, 0, false
	}
	if week <= 0 || week >= 53 {
		if week != 53 {
			return 0, 0, 0, false
		}
		jan1 := time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC).Weekday()
		leap := year%4 == 0 && (year%100 != 0 || year%400 == 0)
		if !(jan1 == time.Thursday || jan1 == time.Wednesday && leap) {
			return 0, 0, 0, false
		}
	}
	if day <= 0 || day >= 8 {
		return 0, 0, 0, false
	}
	jan4 := time.Date(year, time.January, 4, 0, 0, 0, 0, time.UTC)
	offset := (int(jan4.Weekday()) + 6) % 7 // days since Monday
	week1Monday := jan4.AddDate(0, 0, -offset)
	t := week1Monday.AddDate(0, 0, (week-1)*7+day-1)
	return t.Year(), int(t.Month()), t.Day(), true
}

func validDate(y, m, d int) bool {
	if y < minYear || y > maxYear || m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// parseISOTime parses what follows the separator: a time, then an
// optional Z or signed UTC offset.
func parseISOTime(t string) bool {
	tz := 0
	for tz < len(t) && t[tz] != 'Z' && t[tz] != '+' && t[tz] != '-' {
		tz++
	}
	// The C code scans at least one position even for an empty time.
	if len(t) == 0 {
		tz = 1
	}
	h, mi, sec, us, rv := parseHMSF(t, tz)
	if rv < 0 || !validTime(h, mi, sec, us) {
		return false
	}
	if tz >= len(t) {
		return rv == 0 && tz == len(t)
	}
	if t[tz] == 'Z' {
		return tz+1 == len(t)
	}
	sign := 1
	if t[tz] == '-' {
		sign = -1
	}
	off := t[tz+1:]
	th, tm, ts, tus, rv := parseHMSF(off, len(off))
	if rv != 0 {
		return false
	}
	// timezone() needs |offset| < 24h; the fields themselves are not
	// range-checked beyond that.
	total := int64(sign) * ((int64(th)*3600+int64(tm)*60+int64(ts))*1_000_000 + int64(tus))
	const day = 24 * 3600 * 1_000_000
	return total > -day && total < day
}

func validTime(h, m, s, us int) bool {
	return 0 <= h && h <= 23 && 0 <= m && m <= 59 && 0 <= s && s <= 59 && 0 <= us && us <= 999999
}

// parseHMSF parses [HH[:?MM[:?SS[.,ffffff]]]] in t[:end] (reading t as a C
// string, so t[end] is visible). rv is 0 at the end of t, 1 when more text
// follows, negative on error.
func parseHMSF(t string, end int) (h, m, s, us, rv int) {
	vals := [3]int{}
	p := 0
	hasSep := true
	fraction := false
	for i := 0; i < 3; i++ {
		v, q, ok := parseDigits(t, p, 2)
		if !ok {
			return 0, 0, 0, 0, -3
		}
		vals[i] = v
		c := cAt(t, q)
		p = q + 1
		if i == 0 {
			hasSep = c == ':'
		}
		if p >= end {
			if c != 0 {
				rv = 1
			}
			return vals[0], vals[1], vals[2], 0, rv
		}
		switch {
		case hasSep && c == ':':
			// CPython 3.13 accepts a third ':' and reads what follows
			// as the fraction.
			continue
		case c == '.' || c == ',':
			// ...and a decimal mark after the hour or minute.
			fraction = true
		case !hasSep:
			p--
			continue
		default:
			return 0, 0, 0, 0, -4
		}
		if fraction {
			break
		}
	}
	remain := end - p
	toParse := min(remain, 6)
	frac, q, ok := parseDigits(t, p, toParse)
	if !ok {
		return 0, 0, 0, 0, -3
	}
	if toParse <= 0 {
		// CPython reads correction[-1] here; treat as malformed.
		return 0, 0, 0, 0, -3
	}
	for k := toParse; k < 6; k++ {
		frac *= 10
	}
	for cDigit(cAt(t, q)) {
		q++
	}
	if cAt(t, q) != 0 {
		rv = 1
	}
	return vals[0], vals[1], vals[2], frac, rv
}
