package cachealign

import (
	"math/bits"
	"unicode/utf8"
)

// The reference's "universal" patterns are Python regular expressions with
// Unicode \d, \w-based \b, and look-around, none of which Go's regexp can
// express with the same meaning. Each one is therefore a small hand-written
// matcher that reproduces what CPython's backtracking engine returns: the
// leftmost match, and at that position the first alternative in the
// pattern's preference order. A matcher reports the end offset of the match
// that starts exactly at byte offset i, or -1.

type universalPattern struct {
	name     string // the reference's pattern name, kept for Span.Pattern
	category Category
	matchAt  func(s string, i int) int
	// starts lists the ASCII bytes a match can begin with; digitStart
	// adds every \d, including non-ASCII decimal digits.
	starts     string
	digitStart bool
	// boundary marks patterns that begin with \b before a word
	// character, so they can only start where the previous code point
	// is not a word character. universalMatches enforces that, and their
	// matchAt functions rely on it instead of checking again.
	boundary bool
}

const (
	hexBytes   = "0123456789abcdefABCDEF"
	lowerBytes = "abcdefghijklmnopqrstuvwxyz"
)

// universalPatterns are run in this order; earlier ones claim text first.
// At most 16 (universalStarts is a uint16 mask per byte).
var universalPatterns = [...]universalPattern{
	{"uuid", CategoryUUID, matchUUID, hexBytes, false, false},
	{"iso_datetime", CategoryDatetime, matchISODatetime, "", true, false},
	{"iso_date", CategoryDate, matchISODate, "", true, false},
	{"unix_timestamp", CategoryTimestamp, matchUnixTimestamp, "", true, false},
	{"time", CategoryTime, matchTime, "", true, false},
	{"version", CategoryVersion, matchVersion, "v", false, true},
	{"api_key", CategoryRequestID, matchAPIKey, "spakt" + "b", false, true},
	{"prefixed_id", CategoryRequestID, matchPrefixedID, lowerBytes, false, true},
	{"hex_32", CategoryIdentifier, hexMatcher(32), hexBytes, false, true},
	{"hex_40", CategoryIdentifier, hexMatcher(40), hexBytes, false, true},
	{"hex_64", CategoryIdentifier, hexMatcher(64), hexBytes, false, true},
	{"jwt", CategoryRequestID, matchJWT, "e", false, false},
}

// universalStarts[b] has bit k set when universalPatterns[k] can match at a
// position whose first byte is b. Non-ASCII lead bytes get the patterns
// that start with \d, which are then checked on the decoded rune.
var universalStarts = func() (t [256]uint16) {
	for k, p := range universalPatterns {
		if p.boundary {
			boundaryPatterns |= 1 << k
		}
		for i := 0; i < len(p.starts); i++ {
			t[p.starts[i]] |= 1 << k
		}
		if p.digitStart {
			for b := '0'; b <= '9'; b++ {
				t[b] |= 1 << k
			}
			for b := 0x80; b < 0x100; b++ {
				t[b] |= 1 << k
			}
		}
	}
	return t
}()

// boundaryPatterns has bit k set for the universalPatterns that need a
// non-word code point (or the start) before their first character.
var boundaryPatterns uint16

// universalMatch is one re.finditer match of universalPatterns[pattern].
type universalMatch struct {
	pattern    int
	start, end int
}

// universalMatches runs every universal pattern's finditer over s in a
// single pass: each pattern keeps its own resume offset, which is all
// finditer's state, so the matches are exactly those of separate scans,
// listed by start offset.
func universalMatches(s string, dst []universalMatch) []universalMatch {
	var resume [len(universalPatterns)]int
	prevWord := false
	for i := 0; i < len(s); {
		mask := universalStarts[s[i]]
		if prevWord {
			mask &^= boundaryPatterns
		}
		for mask != 0 {
			k := bits.TrailingZeros16(mask)
			mask &^= 1 << k
			if resume[k] > i {
				continue
			}
			if e := universalPatterns[k].matchAt(s, i); e >= 0 {
				dst = append(dst, universalMatch{pattern: k, start: i, end: e})
				resume[k] = e
			}
		}
		if c := s[i]; c < utf8.RuneSelf {
			prevWord = asciiWord[c]
			i++
		} else {
			r, w := utf8.DecodeRuneInString(s[i:])
			prevWord = isPyWord(r)
			i += w
		}
	}
	return dst
}

// findFrom returns the leftmost match of m starting at or after byte offset
// from, scanning code point by code point like re.finditer.
func findFrom(s string, from int, m func(string, int) int) (start, end int) {
	for i := from; i < len(s); {
		if e := m(s, i); e >= 0 {
			return i, e
		}
		_, w := runeAt(s, i)
		i += w
	}
	return -1, -1
}

// hexRunAt consumes exactly n ASCII hex digits.
func hexRunAt(s string, i, n int) int {
	if i+n > len(s) {
		return -1
	}
	for j := i; j < i+n; j++ {
		if !isHexDigit(s[j]) {
			return -1
		}
	}
	return i + n
}

func byteAt(s string, i int, b byte) bool { return i >= 0 && i < len(s) && s[i] == b }

// matchUUID: [0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}
func matchUUID(s string, i int) int {
	for k, n := range [...]int{8, 4, 4, 4, 12} {
		if k > 0 {
			if !byteAt(s, i, '-') {
				return -1
			}
			i++
		}
		if i = hexRunAt(s, i, n); i < 0 {
			return -1
		}
	}
	return i
}

// isoDateAt: \d{4}-\d{2}-\d{2}
func isoDateAt(s string, i int) int {
	if i = digitsAt(s, i, 4); i < 0 || !byteAt(s, i, '-') {
		return -1
	}
	if i = digitsAt(s, i+1, 2); i < 0 || !byteAt(s, i, '-') {
		return -1
	}
	return digitsAt(s, i+1, 2)
}

// matchISODatetime:
// \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?
// Both optional groups are greedy and nothing follows them, so the first
// way each can match is the one kept.
func matchISODatetime(s string, i int) int {
	if i = isoDateAt(s, i); i < 0 || !byteAt(s, i, 'T') {
		return -1
	}
	if i = digitsAt(s, i+1, 2); i < 0 || !byteAt(s, i, ':') {
		return -1
	}
	if i = digitsAt(s, i+1, 2); i < 0 || !byteAt(s, i, ':') {
		return -1
	}
	if i = digitsAt(s, i+1, 2); i < 0 {
		return -1
	}
	if byteAt(s, i, '.') {
		if e := digitRunEnd(s, i+1); e > i+1 {
			i = e
		}
	}
	switch {
	case byteAt(s, i, 'Z'):
		return i + 1
	case byteAt(s, i, '+') || byteAt(s, i, '-'):
		h := digitsAt(s, i+1, 2)
		if h < 0 {
			return i
		}
		if byteAt(s, h, ':') {
			if e := digitsAt(s, h+1, 2); e >= 0 {
				return e
			}
		}
		// Without the colon the next two code points must be digits,
		// which a ':' never is.
		if e := digitsAt(s, h, 2); e >= 0 {
			return e
		}
	}
	return i
}

// matchISODate: \d{4}-\d{2}-\d{2}(?!\d)
func matchISODate(s string, i int) int {
	e := isoDateAt(s, i)
	if e < 0 {
		return -1
	}
	if r, _ := runeAt(s, e); r >= 0 && isPyDigit(r) {
		return -1
	}
	return e
}

// notAfterASCIIDigit is the look-behind (?<![0-9]).
func notAfterASCIIDigit(s string, i int) bool { return !isASCIIDigit(runeBefore(s, i)) }

// notBeforeASCIIDigit is the look-ahead (?![0-9]).
func notBeforeASCIIDigit(s string, i int) bool {
	r, _ := runeAt(s, i)
	return !isASCIIDigit(r)
}

// matchUnixTimestamp: (?<![0-9])\d{10,13}(?![0-9])
// The look-arounds are ASCII while \d is Unicode, so the greedy count is
// backed off one digit at a time until the look-ahead holds.
func matchUnixTimestamp(s string, i int) int {
	if !notAfterASCIIDigit(s, i) {
		return -1
	}
	var ends [13]int
	n, j := 0, i
	for n < len(ends) {
		r, w := runeAt(s, j)
		if r < 0 || !isPyDigit(r) {
			break
		}
		j += w
		ends[n] = j
		n++
	}
	for ; n >= 10; n-- {
		if notBeforeASCIIDigit(s, ends[n-1]) {
			return ends[n-1]
		}
	}
	return -1
}

// matchTime:
// (?<![0-9])\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:AM|PM|am|pm))?(?![0-9])
// Candidate ends are tried in the engine's preference order (seconds before
// none, meridiem before none) until the look-ahead holds. \d{1,2} has only
// one viable length: a second digit can never stand where the ':' must be.
func matchTime(s string, i int) int {
	if !notAfterASCIIDigit(s, i) {
		return -1
	}
	j := digitsAt(s, i, 1)
	if j < 0 {
		return -1
	}
	if r, w := runeAt(s, j); r >= 0 && isPyDigit(r) {
		j += w
	}
	if !byteAt(s, j, ':') {
		return -1
	}
	minutes := digitsAt(s, j+1, 2)
	if minutes < 0 {
		return -1
	}
	var cands [4]int
	n := 0
	addWithMeridiem := func(e int) {
		k := e
		for {
			r, w := runeAt(s, k)
			if r < 0 || !isWhitespaceRune(r) {
				break
			}
			k += w
		}
		if k+2 <= len(s) {
			switch s[k : k+2] {
			case "AM", "PM", "am", "pm":
				cands[n] = k + 2
				n++
			}
		}
		cands[n] = e
		n++
	}
	if byteAt(s, minutes, ':') {
		if sec := digitsAt(s, minutes+1, 2); sec >= 0 {
			addWithMeridiem(sec)
		}
	}
	addWithMeridiem(minutes)
	for _, e := range cands[:n] {
		if notBeforeASCIIDigit(s, e) {
			return e
		}
	}
	return -1
}

// matchVersion: \bv\d+\.\d+(?:\.\d+)?(?:-[a-zA-Z0-9.]+)?
func matchVersion(s string, i int) int {
	if !byteAt(s, i, 'v') {
		return -1
	}
	j := digitRunEnd(s, i+1)
	if j == i+1 || !byteAt(s, j, '.') {
		return -1
	}
	k := digitRunEnd(s, j+1)
	if k == j+1 {
		return -1
	}
	if byteAt(s, k, '.') {
		if e := digitRunEnd(s, k+1); e > k+1 {
			k = e
		}
	}
	if byteAt(s, k, '-') {
		e := k + 1
		for e < len(s) && (isASCIIAlnum(s[e]) || s[e] == '.') {
			e++
		}
		if e > k+1 {
			k = e
		}
	}
	return k
}

// apiKeyPrefixes are the alternatives of the api_key pattern; no two can
// match at the same offset, so their order does not matter here.
var apiKeyPrefixes = [...]string{"sk", "pk", "api", "key", "token", "bearer", "auth"}

// matchAPIKey: \b(?:sk|pk|api|key|token|bearer|auth)[-_][a-zA-Z0-9]{16,}
func matchAPIKey(s string, i int) int {
	for _, p := range apiKeyPrefixes {
		if len(s)-i < len(p) || s[i:i+len(p)] != p {
			continue
		}
		j := i + len(p)
		if !byteAt(s, j, '-') && !byteAt(s, j, '_') {
			return -1
		}
		e := j + 1
		for e < len(s) && isASCIIAlnum(s[e]) {
			e++
		}
		if e-(j+1) < 16 {
			return -1
		}
		return e
	}
	return -1
}

// matchPrefixedID: \b[a-z]{2,6}_[a-zA-Z0-9]{8,}
// Backing the greedy [a-z]{2,6} off only ever puts a letter where '_' must
// be, so the lowercase run itself must be 2..6 long and end at '_'.
func matchPrefixedID(s string, i int) int {
	j := i
	for j < len(s) && j-i <= 6 && 'a' <= s[j] && s[j] <= 'z' {
		j++
	}
	if n := j - i; n < 2 || n > 6 || !byteAt(s, j, '_') {
		return -1
	}
	e := j + 1
	for e < len(s) && isASCIIAlnum(s[e]) {
		e++
	}
	if e-(j+1) < 8 {
		return -1
	}
	return e
}

// hexMatcher: \b[a-fA-F0-9]{n}\b
func hexMatcher(n int) func(string, int) int {
	return func(s string, i int) int {
		e := hexRunAt(s, i, n)
		if e < 0 || !atWordBoundary(s, e) {
			return -1
		}
		return e
	}
}

func isB64URLByte(b byte) bool { return isASCIIAlnum(b) || b == '_' || b == '-' }

// b64urlRunEnd consumes one or more [a-zA-Z0-9_-], or returns -1.
func b64urlRunEnd(s string, i int) int {
	e := i
	for e < len(s) && isB64URLByte(s[e]) {
		e++
	}
	if e == i {
		return -1
	}
	return e
}

// matchJWT: eyJ[a-zA-Z0-9_-]+\.eyJ[a-zA-Z0-9_-]+\.[a-zA-Z0-9_-]+
// The runs cannot contain '.', so greedy is the only way to reach each dot.
func matchJWT(s string, i int) int {
	for part := 0; part < 2; part++ {
		if len(s)-i < 3 || s[i:i+3] != "eyJ" {
			return -1
		}
		e := b64urlRunEnd(s, i+3)
		if e < 0 || !byteAt(s, e, '.') {
			return -1
		}
		i = e + 1
	}
	return b64urlRunEnd(s, i)
}
