package cachealign

import "unicode/utf8"

// pyIntValidHex reports whether Python's int(s, 16) accepts s, for an s
// that holds no whitespace (callers split on whitespace first): an optional
// sign, an optional 0x prefix that may be followed by one underscore, then
// hex digits with single underscores between them. Like CPython, any
// Unicode decimal digit (category Nd) counts as the ASCII digit of the
// same value.
func pyIntValidHex(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	if i+1 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') {
		i += 2
		if i < len(s) && s[i] == '_' {
			i++
		}
	}
	digits, prevUnderscore := 0, false
	for _, r := range s[i:] {
		switch {
		case r == '_':
			if digits == 0 || prevUnderscore {
				return false
			}
			prevUnderscore = true
			continue
		case r < utf8.RuneSelf:
			if !isHexDigit(byte(r)) {
				return false
			}
		case !isPyDigit(r):
			return false
		}
		digits++
		prevUnderscore = false
	}
	return digits > 0 && !prevUnderscore
}
