package detect

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/headroom-go/headroom/internal/pycompat"
)

// The reference detector uses Rust's regex crate, whose \s, \d, \w and \b are
// Unicode-aware, while RE2 in Go gives those escapes ASCII meanings. Every
// pattern below therefore spells the Unicode classes out. The tables come
// from Go's unicode package, so characters added by a Unicode version newer
// than Go's are the only possible disagreement.

// spaceClass and wordClass are the bodies of character classes equal to
// Rust's Unicode \s and \w, which Go's regexp spells only in ASCII.
var (
	spaceClass = pycompat.RegexpSpaceClass()
	wordClass  = pycompat.RegexpWordClass()
)

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

// A linePattern is one of the reference's line regexps together with a
// faster test that gives the same answer. Go's regexp costs a few hundred
// nanoseconds per call even when it fails at once, and detection runs about
// thirty patterns on each of up to 500 lines, so each pattern first checks a
// literal that every match must start with and runs its regexp only on the
// few lines that pass. Patterns made of literals alone need no regexp. The
// equivalence test and the fuzz target compare every match function with
// its ref compiled as is.
type linePattern struct {
	// ref is the reference's regexp in compile's placeholder syntax.
	ref string
	// match reports whether ref matches line; rest is line without its
	// leading white space.
	match func(line, rest string) bool
}

// guarded returns the pattern ref, tried only on lines that start with one
// of heads (after their leading white space when afterSpace is set, which
// is right for patterns that begin `^\s*` followed by a non-space literal).
// A nil regexp means the heads decide alone, for patterns that are nothing
// but those literals.
func guarded(ref string, withRegexp, afterSpace bool, heads ...string) linePattern {
	var re *regexp.Regexp
	if withRegexp {
		re = compile(ref)
	}
	return linePattern{ref: ref, match: func(line, rest string) bool {
		s := line
		if afterSpace {
			s = rest
		}
		for _, h := range heads {
			if strings.HasPrefix(s, h) {
				return re == nil || re.MatchString(line)
			}
		}
		return false
	}}
}

// digitFirst returns the pattern ref, which must begin `^\s*\d`, tried
// only on lines whose first non-space character is a decimal digit.
func digitFirst(ref string) linePattern {
	re := compile(ref)
	return linePattern{ref: ref, match: func(line, rest string) bool {
		r, _ := utf8.DecodeRuneInString(rest)
		return unicode.IsDigit(r) && re.MatchString(line)
	}}
}

// words returns the pattern `(?i)\b(w1|w2|...)\b` with Rust's Unicode \b.
// RE2 has no Unicode \b, so ref states the boundaries by consuming the
// neighbouring non-word character or text edge, which is exact for a yes/no
// answer because every word starts and ends with a letter.
func words(ws ...string) linePattern {
	ref := `(?:^|{NW})(?i:` + strings.Join(ws, "|") + `)(?:{NW}|$)`
	return linePattern{ref: ref, match: func(line, _ string) bool { return hasWord(line, ws) }}
}

// hasWord scans s once for any of ws (ASCII letters whose only case
// partners are ASCII, which a test checks) standing between word
// boundaries.
func hasWord(s string, ws []string) bool {
	for p := 0; p < len(s); p++ {
		c := s[p] | 0x20
		if c < 'a' || c > 'z' {
			continue
		}
		for _, w := range ws {
			if w[0]|0x20 != c || len(s)-p < len(w) || !strings.EqualFold(s[p:p+len(w)], w) {
				continue
			}
			if r, _ := utf8.DecodeLastRuneInString(s[:p]); p > 0 && pycompat.IsWordRune(r) {
				break // same left neighbour for every word starting here
			}
			if r, _ := utf8.DecodeRuneInString(s[p+len(w):]); p+len(w) == len(s) || !pycompat.IsWordRune(r) {
				return true
			}
		}
	}
	return false
}

// isSpaceRune is Rust's Unicode \s for one character.
func isSpaceRune(r rune) bool { return unicode.Is(unicode.White_Space, r) }

// trimLeftSpace drops the leading Unicode white space of s.
func trimLeftSpace(s string) string {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c != ' ' && (c < '\t' || c > '\r') {
				return s[i:]
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isSpaceRune(r) {
			return s[i:]
		}
		i += size
	}
	return ""
}

// searchLine is `^[^\s:]+:\d+:`, a grep -n style "path:line:" prefix. The
// first ':' or space decides where the path ends, so one scan suffices.
var searchLine = linePattern{ref: `^[^{SC}:]+:{D}+:`, match: func(line, _ string) bool {
	i := 0
	for i < len(line) && line[i] != ':' {
		r, size := utf8.DecodeRuneInString(line[i:])
		if isSpaceRune(r) {
			return false
		}
		i += size
	}
	if i == 0 || i == len(line) {
		return false
	}
	j := i + 1
	for j < len(line) {
		r, size := utf8.DecodeRuneInString(line[j:])
		if !unicode.IsDigit(r) {
			break
		}
		j += size
	}
	return j > i+1 && j < len(line) && line[j] == ':'
}}

// diffHeader matches the lines that open a diff or one of its hunks,
// including combined-merge headers (`diff --cc`, `@@@ ... @@@`).
var diffHeader = guarded(`^(?:diff --git|diff --combined |diff --cc |--- a/`+
	`|@@{S}+-{D}+,{D}+{S}+\+{D}+,{D}+{S}+@@`+
	`|@@@+{S}+-{D}+(?:,{D}+)?{S}+(?:-{D}+(?:,{D}+)?{S}+)+\+{D}+(?:,{D}+)?{S}+@@@+)`,
	true, false, "diff --", "--- a/", "@@")

var (
	htmlDoctype = compile(`(?i)^{S}*<!doctype{S}+html`)
	htmlTag     = compile(`(?i)<html[{SC}>]`)
	htmlHead    = compile(`(?i)<head[{SC}>]`)
	htmlBody    = compile(`(?i)<body[{SC}>]`)
)

// logPatterns are tested in order against each line; only the first hit
// counts. The first errorPatternCount of them also count as error lines.
var logPatterns = [...]linePattern{
	words("ERROR", "FAIL", "FAILED", "FATAL", "CRITICAL"),
	words("WARN", "WARNING"),
	words("INFO", "DEBUG", "TRACE"),
	digitFirst(`^{S}*{D}{4}-{D}{2}-{D}{2}`),
	guarded(`^{S}*\[{D}{2}:{D}{2}:{D}{2}\]`, true, true, "["),
	guarded(`^={3,}|^-{3,}`, false, false, "===", "---"),
	guarded(`^{S}*PASSED|^{S}*FAILED|^{S}*SKIPPED`, false, true, "PASSED", "FAILED", "SKIPPED"),
	guarded(`^npm ERR!|^yarn error|^cargo error`, false, false, "npm ERR!", "yarn error", "cargo error"),
	{ref: `Traceback \(most recent call last\)`, match: func(line, _ string) bool {
		return strings.Contains(line, "Traceback (most recent call last)")
	}},
	guarded(`^{S}*at{S}+[{WC}.$]+\(`, true, true, "at"),
}

// errorPatternCount is how many leading logPatterns are error/warning markers.
const errorPatternCount = 2

// language is one source language and the line patterns that vote for it.
type language struct {
	name     string
	patterns []linePattern
}

// languages is in the reference's order, which decides nothing by itself:
// ties go to the language that matched a line first.
var languages = [...]language{
	{"python", []linePattern{
		guarded(`^{S}*(?:def|class|import|from|async def){S}+{W}+`, true, true, "def", "class", "import", "from", "async"),
		guarded(`^{S}*@{W}+`, true, true, "@"),
		guarded(`^{S}*"""`, false, true, `"""`),
		guarded(`^{S}*if __name__{S}*==`, true, true, "if __name__"),
	}},
	{"javascript", []linePattern{
		guarded(`^{S}*(?:function|const|let|var|class|import|export){S}+`, true, true, "function", "const", "let", "var", "class", "import", "export"),
		guarded(`^{S}*(?:async{S}+function|=>{S}*\{)`, true, true, "async", "=>"),
		guarded(`^{S}*module\.exports`, false, true, "module.exports"),
	}},
	{"typescript", []linePattern{
		guarded(`^{S}*(?:interface|type|enum|namespace){S}+{W}+`, true, true, "interface", "type", "enum", "namespace"),
		// The reference anchors this one at column 0 on purpose (it mirrors
		// Python's re.match), so it only fires on lines starting with ':'.
		guarded(`^:{S}*(?:string|number|boolean|any|void)(?:{NW}|$)`, true, false, ":"),
	}},
	{"go", []linePattern{
		guarded(`^{S}*(?:func|type|package|import){S}+`, true, true, "func", "type", "package", "import"),
		guarded(`^{S}*func{S}+\([^)]+\){S}+{W}+`, true, true, "func"),
	}},
	{"rust", []linePattern{
		guarded(`^{S}*(?:fn|struct|enum|impl|mod|use|pub){S}+`, true, true, "fn", "struct", "enum", "impl", "mod", "use", "pub"),
		guarded(`^{S}*#\[`, false, true, "#["),
	}},
	{"java", []linePattern{
		guarded(`^{S}*(?:public|private|protected){S}+(?:class|interface|enum)`, true, true, "public", "private", "protected"),
		guarded(`^{S}*@{W}+`, true, true, "@"),
		guarded(`^{S}*package{S}+[{WC}.]+;`, true, true, "package"),
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
