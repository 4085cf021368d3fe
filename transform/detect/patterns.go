package detect

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The reference detector uses Rust's regex crate, whose \s, \d, \w and \b are
// Unicode-aware, while RE2 in Go gives those escapes ASCII meanings. Every
// pattern below therefore spells the Unicode classes out. The tables come
// from Go's unicode package, so characters added by a Unicode version newer
// than Go's are the only possible disagreement.

// spaceClass is the body of a character class equal to Rust's Unicode \s:
// the White_Space property.
var spaceClass = classBody(unicode.White_Space)

// wordClass is the body of a character class equal to Rust's Unicode \w:
// Alphabetic (letters, letter numbers, Other_Alphabetic), marks, decimal
// digits, connector punctuation and Join_Control.
var wordClass = `\p{L}\p{Nl}\p{M}\p{Nd}\p{Pc}` + classBody(unicode.Other_Alphabetic) + classBody(unicode.Join_Control)

// classBody writes a range table as regexp class ranges (no brackets).
func classBody(t *unicode.RangeTable) string {
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

// compile expands the placeholders S (one Unicode whitespace char), W (one
// Unicode word char), NW (one non-word char), WC (the word class body, for
// use inside a larger class) and D (one Unicode decimal digit) and compiles
// the result. Placeholders are written as {S}, {W}, {NW}, {WC}, {D}.
func compile(pattern string) *regexp.Regexp {
	r := strings.NewReplacer(
		"{S}", "["+spaceClass+"]",
		"{W}", "["+wordClass+"]",
		"{NW}", "[^"+wordClass+"]",
		"{SC}", spaceClass,
		"{WC}", wordClass,
		"{D}", `\p{Nd}`,
	)
	return regexp.MustCompile(r.Replace(pattern))
}

// wordBounded builds the equivalent of Rust's `(?i)\b(alt1|alt2|...)\b` for
// a boolean search. RE2 has no Unicode \b, so the boundary is expressed by
// consuming the neighbouring non-word character (or the text edge). That is
// exact for is_match because every alternative starts and ends with a word
// character.
func wordBounded(alternatives string) *regexp.Regexp {
	return compile(`(?:^|{NW})(?i:` + alternatives + `)(?:{NW}|$)`)
}

var (
	// searchLine is `^[^\s:]+:\d+:`: a grep -n style "path:line:" prefix.
	searchLine = compile(`^[^{SC}:]+:{D}+:`)

	// diffHeader matches the lines that open a diff or one of its hunks,
	// including combined-merge headers (`diff --cc`, `@@@ ... @@@`).
	diffHeader = compile(`^(?:diff --git|diff --combined |diff --cc |--- a/` +
		`|@@{S}+-{D}+,{D}+{S}+\+{D}+,{D}+{S}+@@` +
		`|@@@+{S}+-{D}+(?:,{D}+)?{S}+(?:-{D}+(?:,{D}+)?{S}+)+\+{D}+(?:,{D}+)?{S}+@@@+)`)

	htmlDoctype = compile(`(?i)^{S}*<!doctype{S}+html`)
	htmlTag     = compile(`(?i)<html[{SC}>]`)
	htmlHead    = compile(`(?i)<head[{SC}>]`)
	htmlBody    = compile(`(?i)<body[{SC}>]`)
)

// logPatterns are tested in order against each line; only the first hit
// counts. The first errorPatternCount of them also count as error lines.
var logPatterns = [...]*regexp.Regexp{
	wordBounded(`ERROR|FAIL|FAILED|FATAL|CRITICAL`),
	wordBounded(`WARN|WARNING`),
	wordBounded(`INFO|DEBUG|TRACE`),
	compile(`^{S}*{D}{4}-{D}{2}-{D}{2}`),
	compile(`^{S}*\[{D}{2}:{D}{2}:{D}{2}\]`),
	compile(`^={3,}|^-{3,}`),
	compile(`^{S}*PASSED|^{S}*FAILED|^{S}*SKIPPED`),
	compile(`^npm ERR!|^yarn error|^cargo error`),
	compile(`Traceback \(most recent call last\)`),
	compile(`^{S}*at{S}+[{WC}.$]+\(`),
}

// errorPatternCount is how many leading logPatterns are error/warning markers.
const errorPatternCount = 2

// language is one source language and the line patterns that vote for it.
type language struct {
	name     string
	patterns []*regexp.Regexp
}

// languages is in the reference's order, which decides nothing by itself:
// ties go to the language that matched a line first.
var languages = [...]language{
	{"python", []*regexp.Regexp{
		compile(`^{S}*(?:def|class|import|from|async def){S}+{W}+`),
		compile(`^{S}*@{W}+`),
		compile(`^{S}*"""`),
		compile(`^{S}*if __name__{S}*==`),
	}},
	{"javascript", []*regexp.Regexp{
		compile(`^{S}*(?:function|const|let|var|class|import|export){S}+`),
		compile(`^{S}*(?:async{S}+function|=>{S}*\{)`),
		compile(`^{S}*module\.exports`),
	}},
	{"typescript", []*regexp.Regexp{
		compile(`^{S}*(?:interface|type|enum|namespace){S}+{W}+`),
		// The reference anchors this one at column 0 on purpose (it mirrors
		// Python's re.match), so it only fires on lines starting with ':'.
		compile(`^:{S}*(?:string|number|boolean|any|void)(?:{NW}|$)`),
	}},
	{"go", []*regexp.Regexp{
		compile(`^{S}*(?:func|type|package|import){S}+`),
		compile(`^{S}*func{S}+\([^)]+\){S}+{W}+`),
	}},
	{"rust", []*regexp.Regexp{
		compile(`^{S}*(?:fn|struct|enum|impl|mod|use|pub){S}+`),
		compile(`^{S}*#\[`),
	}},
	{"java", []*regexp.Regexp{
		compile(`^{S}*(?:public|private|protected){S}+(?:class|interface|enum)`),
		compile(`^{S}*@{W}+`),
		compile(`^{S}*package{S}+[{WC}.]+;`),
	}},
}

// structuralTags are the HTML elements whose opening tags count as
// structure. None is a prefix of another, so at most one can match at a '<'.
var structuralTags = [...]string{
	"div", "span", "script", "style", "link", "meta", "nav",
	"header", "footer", "aside", "article", "section", "main",
}

// countStructuralTags counts the non-overlapping matches of
// `(?i)<(div|span|...|main)[\s>]` in s without running a regexp: it is the
// hottest part of HTML detection and needs no allocation this way. An
// equivalence test and the fuzz target hold it to the regexp's answer.
func countStructuralTags(s string) int {
	n := 0
	for i := 0; ; {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 {
			return n
		}
		i += j + 1
		for _, tag := range structuralTags {
			end, ok := foldPrefix(s[i:], tag)
			if !ok {
				continue
			}
			if r, size := utf8.DecodeRuneInString(s[i+end:]); size > 0 && (r == '>' || unicode.Is(unicode.White_Space, r)) {
				// The closing character is neither '<' nor part of another
				// match, so resuming after it loses nothing.
				n++
				i += end + size
			}
			break
		}
	}
}

// foldPrefix reports whether s starts with lower (an ASCII lowercase word)
// under Unicode simple case folding, as `(?i)` does in both regexp engines,
// and how many bytes of s the match covers. Folding reaches beyond ASCII:
// 'k' also matches U+212A KELVIN SIGN and 's' matches U+017F LONG S.
func foldPrefix(s, lower string) (int, bool) {
	off := 0
	for k := 0; k < len(lower); k++ {
		r, size := utf8.DecodeRuneInString(s[off:])
		if size == 0 || !foldsTo(r, rune(lower[k])) {
			return 0, false
		}
		off += size
	}
	return off, true
}

// foldsTo reports whether r is in the simple case-folding orbit of c.
func foldsTo(r, c rune) bool {
	if r == c {
		return true
	}
	if r < 0x80 {
		return r|0x20 == c && 'a' <= c && c <= 'z'
	}
	for f := unicode.SimpleFold(c); f != c; f = unicode.SimpleFold(f) {
		if f == r {
			return true
		}
	}
	return false
}
