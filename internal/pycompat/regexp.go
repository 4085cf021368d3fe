package pycompat

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
)

// RegexpWordClass returns the body (no brackets) of a Go regexp character
// class that matches exactly the runes IsWordRune accepts, Rust regex's
// Unicode \w; Go's own \w is ASCII-only. Use "["+body+"]" for \w and
// "[^"+body+"]" for \W when porting the reference's patterns.
func RegexpWordClass() string { return wordClass() }

// RegexpSpaceClass returns the body (no brackets) of a Go regexp character
// class matching Rust regex's Unicode \s, the White_Space property; Go's
// own \s is ASCII-only.
func RegexpSpaceClass() string { return spaceClass() }

// Go's regexp names general categories but not Other_Alphabetic,
// Join_Control or White_Space, so those are spelled out as ranges. Built
// on first use: the strings are large and most importers never need them.
var (
	wordClass = sync.OnceValue(func() string {
		return `\p{L}\p{Nl}\p{M}\p{Nd}\p{Pc}` + classRanges(unicode.Other_Alphabetic) + classRanges(unicode.Join_Control)
	})
	spaceClass = sync.OnceValue(func() string { return classRanges(unicode.White_Space) })
)

// classRanges writes a range table as regexp class ranges.
func classRanges(t *unicode.RangeTable) string {
	var b strings.Builder
	add := func(lo, hi, stride uint32) {
		if stride == 1 {
			fmt.Fprintf(&b, `\x{%X}-\x{%X}`, lo, hi)
			return
		}
		for r := lo; r <= hi; r += stride {
			fmt.Fprintf(&b, `\x{%X}`, r)
		}
	}
	for _, r := range t.R16 {
		add(uint32(r.Lo), uint32(r.Hi), uint32(r.Stride))
	}
	for _, r := range t.R32 {
		add(r.Lo, r.Hi, r.Stride)
	}
	return b.String()
}
