package cachealign

import "unicode"

// CPython's re.IGNORECASE on str compares a cased pattern character with a
// subject character by their simple lowercase mappings, and additionally
// treats a few lowercase letters as equal that no case mapping connects
// (re._casefix._EXTRA_CASES). Go's (?i) uses case-folding orbits instead,
// which differ exactly there: U+0130 'İ' lowercases to 'i' and U+0131 'ı'
// is an extra case of 'i', so Python's (?i)id matches "İd" and "ıd" and
// Go's does not. The structural label matcher therefore compares runes
// itself.

// extraCaseClasses lists the lowercase letters CPython's re treats as
// equal under IGNORECASE beyond their case mappings (3.11–3.13 agree).
var extraCaseClasses = [...][]rune{
	{0x69, 0x131},          // i ı
	{0x73, 0x17f},          // s ſ
	{0xb5, 0x3bc},          // µ μ
	{0x345, 0x3b9, 0x1fbe}, // ypogegrammeni, iota, prosgegrammeni
	{0x390, 0x1fd3},
	{0x3b0, 0x1fe3},
	{0x3b2, 0x3d0},
	{0x3b5, 0x3f5},
	{0x3b8, 0x3d1},
	{0x3ba, 0x3f0},
	{0x3c0, 0x3d6},
	{0x3c1, 0x3f1},
	{0x3c2, 0x3c3},
	{0x3c6, 0x3d5},
	{0x432, 0x1c80},
	{0x434, 0x1c81},
	{0x43e, 0x1c82},
	{0x441, 0x1c83},
	{0x442, 0x1c84, 0x1c85},
	{0x44a, 0x1c86},
	{0x463, 0x1c87},
	{0x1c88, 0xa64b},
	{0x1e61, 0x1e9b},
	{0xfb05, 0xfb06},
}

// extraCaseRep maps every member of an extra-case class to the class's
// first member.
var extraCaseRep = func() map[rune]rune {
	m := make(map[rune]rune)
	for _, class := range extraCaseClasses {
		for _, r := range class {
			m[r] = class[0]
		}
	}
	return m
}()

// foldKey is the value two runes share when a cased pattern rune matches a
// subject rune under Python's IGNORECASE.
func foldKey(r rune) rune {
	if r < 0x80 {
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}
	l := unicode.ToLower(r)
	if rep, ok := extraCaseRep[l]; ok {
		return rep
	}
	return l
}

// isCased is CPython's _sre.unicode_iscased: the rune has a different
// simple lowercase or uppercase mapping. Uncased pattern runes only match
// themselves.
func isCased(r rune) bool { return unicode.ToLower(r) != r || unicode.ToUpper(r) != r }

// ignoreCaseRune is one rune of a literal compiled with re.IGNORECASE.
type ignoreCaseRune struct {
	r     rune
	cased bool
	key   rune
}

func (p ignoreCaseRune) matches(r rune) bool {
	if !p.cased {
		return r == p.r
	}
	return foldKey(r) == p.key
}
