package logcompress

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	ahocorasick "github.com/petar-dambovaliev/aho-corasick"
)

// level is a line's log level. errorLevel and failLevel score the same;
// the split only shows in the omission summary.
type level uint8

const (
	unknownLevel level = iota
	errorLevel
	failLevel
	warnLevel
	infoLevel
	debugLevel
	traceLevel
)

// levelWords are the case-sensitive words that give a line its level.
var levelWords = []struct {
	lvl   level
	words []string
}{
	{errorLevel, []string{"ERROR", "error", "Error", "FATAL", "fatal", "Fatal", "CRITICAL", "critical"}},
	{failLevel, []string{"FAIL", "FAILED", "fail", "failed", "Fail", "Failed"}},
	{warnLevel, []string{"WARN", "WARNING", "warn", "warning", "Warn", "Warning"}},
	{infoLevel, []string{"INFO", "info", "Info"}},
	{debugLevel, []string{"DEBUG", "debug", "Debug"}},
	{traceLevel, []string{"TRACE", "trace", "Trace"}},
}

// levelClassifier finds, for each line, the first level word that stands
// alone: scanning with leftmost-longest non-overlapping matches, a match
// counts only if the bytes around it are not ASCII word bytes; otherwise
// scanning goes on after it. So "WARNING:" is WARN, "failures" and
// "RuntimeError" are no level, and the first qualifying word wins
// regardless of severity.
//
// The automaton's iterator resumes one byte after a match's start rather
// than at its end. That cannot change the outcome here: every level word is
// made of letters, so a match starting inside an earlier match has a letter
// before it and fails the boundary test. An equivalence test and a fuzz
// target pin this against a direct scan.
type levelClassifier struct {
	ac     ahocorasick.AhoCorasick
	levels []level // by pattern index
}

var defaultLevelClassifier = sync.OnceValue(func() *levelClassifier {
	var pats []string
	var lvls []level
	for _, g := range levelWords {
		for _, w := range g.words {
			pats = append(pats, w)
			lvls = append(lvls, g.lvl)
		}
	}
	b := ahocorasick.NewAhoCorasickBuilder(ahocorasick.Opts{
		MatchKind: ahocorasick.LeftMostLongestMatch,
		DFA:       true,
	})
	return &levelClassifier{ac: b.Build(pats), levels: lvls}
})

// classifyAll sets out[i] to the level of line i. starts[i] is the byte
// offset of line i in content (lines are content split on '\n'). The whole
// content is scanned once: level words contain no newline, so no match
// spans lines, and a newline is not a word byte, so the boundary test at a
// line's ends is the same as on the line alone.
func (lc *levelClassifier) classifyAll(content string, starts []int, out []level) {
	hay := []byte(content)
	it := lc.ac.IterByte(hay)
	li := 0
	for m := it.Next(); m != nil; m = it.Next() {
		s, e := m.Start(), m.End()
		for li+1 < len(starts) && starts[li+1] <= s {
			li++
		}
		if out[li] != unknownLevel {
			continue
		}
		if (s == 0 || !isWordByte(hay[s-1])) && (e == len(hay) || !isWordByte(hay[e])) {
			out[li] = lc.levels[m.Pattern()]
		}
	}
}

func isWordByte(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// formatMarkers are the substrings that vote for a format, in detection
// order.
var formatMarkers = []struct {
	f       Format
	markers []string
}{
	{FormatPytest, []string{"=== FAILURES", "=== ERRORS", "=== test session", "=== short test summary",
		"PASSED [", "FAILED [", "ERROR [", "SKIPPED [", "collected "}},
	{FormatNpm, []string{"npm ERR!", "npm WARN", "npm info", "npm http"}},
	{FormatCargo, []string{"Compiling ", "Finished ", "Running ", "warning: ", "error[E"}},
	{FormatJest, []string{"PASS ", "FAIL ", "Test Suites:"}},
	{FormatMake, []string{"make[", "make:", "gcc ", "g++ ", "clang "}},
}

// formatSampleLines is how many leading lines format detection reads.
const formatSampleLines = 100

// detectFormat returns the format whose markers appear on the most of the
// first lines (a line counts once per format); the earlier format wins
// ties, and no marker at all means FormatGeneric.
func detectFormat(lines []string) Format {
	sample := lines[:min(len(lines), formatSampleLines)]
	best, bestCount := FormatGeneric, 0
	for _, fm := range formatMarkers {
		count := 0
		for _, l := range sample {
			for _, m := range fm.markers {
				if strings.Contains(l, m) {
					count++
					break
				}
			}
		}
		if count > bestCount {
			best, bestCount = fm.f, count
		}
	}
	return best
}

// isSummaryLine recognises test-runner and build summary lines.
func isSummaryLine(line string) bool {
	if strings.HasPrefix(line, "===") || strings.HasPrefix(line, "---") {
		return true
	}
	digits := 0
	for digits < len(line) && isASCIIDigit(line[digits]) {
		digits++
	}
	if digits > 0 && strings.HasPrefix(line[digits:], " ") {
		rest := line[digits+1:]
		for _, kw := range []string{"passed", "failed", "skipped", "error", "warning"} {
			if strings.HasPrefix(rest, kw) {
				return true
			}
		}
	}
	// The first matching prefix decides: "Tests: 3" is a summary, and
	// "Test 1" too, but "Test run" is not (and is not looked at again by
	// the Build/Compile/Test rule below).
	for _, p := range []string{"Test ", "Tests ", "Tests:", "Test:", "Suite ", "Suites ", "Suites:", "Suite:"} {
		if rest, ok := strings.CutPrefix(line, p); ok {
			rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
			return rest != "" && isASCIIDigit(rest[0])
		}
	}
	for _, p := range []string{"TOTAL", "Total", "Summary"} {
		if strings.HasPrefix(line, p) {
			return true
		}
	}
	for _, p := range []string{"Build", "Compile", "Test"} {
		if strings.HasPrefix(line, p) {
			for _, o := range []string{"succeeded", "failed", "complete"} {
				if strings.Contains(line, o) {
					return true
				}
			}
		}
	}
	return false
}

func isASCIIDigit(b byte) bool { return '0' <= b && b <= '9' }

func isASCIIHex(b byte) bool {
	return isASCIIDigit(b) || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}

// traceFlavor is the kind of stack trace being followed.
type traceFlavor uint8

const (
	noTrace traceFlavor = iota
	pythonTrace
	jsTrace
	javaTrace
	rustTrace
	goTrace
)

// traceOpener returns the flavor of stack trace line starts, or noTrace.
func traceOpener(line string) traceFlavor {
	t := strings.TrimLeftFunc(line, unicode.IsSpace)
	switch {
	case strings.HasPrefix(t, "Traceback (most recent call last)") || isPythonFrame(t):
		return pythonTrace
	case isJSFrame(t):
		return jsTrace
	case isJavaFrame(t):
		return javaTrace
	case strings.HasPrefix(t, "--> ") && hasLineCol(t):
		return rustTrace
	case isGoFrame(t):
		return goTrace
	}
	return noTrace
}

// isPythonFrame matches `File "<name>", line <N>` (ending in a digit).
func isPythonFrame(t string) bool {
	return strings.HasPrefix(t, `File "`) && strings.Contains(t, `", line `) && isASCIIDigit(t[len(t)-1])
}

// isJSFrame matches `at name (file:line:col)`.
func isJSFrame(t string) bool {
	return strings.HasPrefix(t, "at ") && strings.Contains(t, "(") && strings.Contains(t, ")") && hasLineCol(t)
}

// isJavaFrame matches `at pkg.Class.method(`.
func isJavaFrame(t string) bool {
	if !strings.HasPrefix(t, "at ") {
		return false
	}
	open := strings.IndexByte(t, '(')
	if open < 0 {
		return false
	}
	body := t[len("at "):open]
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		b := body[i]
		if !(isASCIIDigit(b) || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || b == '.' || b == '_' || b == '$') {
			return false
		}
	}
	return true
}

// hasLineCol reports whether s contains ":<digits>:<digit>".
func hasLineCol(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] != ':' || !isASCIIDigit(s[i+1]) {
			continue
		}
		j := i + 1
		for j < len(s) && isASCIIDigit(s[j]) {
			j++
		}
		if j+1 < len(s) && s[j] == ':' && isASCIIDigit(s[j+1]) {
			return true
		}
	}
	return false
}

// isGoFrame matches `<digits>:<spaces>0x<hex>` (goroutine dumps and the
// like) on a left-trimmed line.
func isGoFrame(t string) bool {
	i := 0
	for i < len(t) && isASCIIDigit(t[i]) {
		i++
	}
	if i == 0 || i == len(t) || t[i] != ':' {
		return false
	}
	rest := strings.TrimLeft(t[i+1:], " ")
	return len(rest) > 2 && rest[0] == '0' && rest[1] == 'x' && isASCIIHex(rest[2])
}

// traceEnds reports whether line ends a trace of the given flavor.
func traceEnds(f traceFlavor, line string) bool {
	t := strings.TrimLeftFunc(line, unicode.IsSpace)
	switch f {
	case pythonTrace:
		// Blank and indented lines and the chained-exception phrases stay
		// inside; of the other lines, "SomeError: message" stays and
		// anything not starting with an upper-case letter ends it.
		if line == "" || line[0] == ' ' || line[0] == '\t' ||
			strings.HasPrefix(t, "Traceback") || strings.HasPrefix(t, "File ") ||
			strings.HasPrefix(t, "During handling") || strings.HasPrefix(t, "The above exception") {
			return false
		}
		r, _ := utf8.DecodeRuneInString(t)
		return !isUpperRust(r)
	case jsTrace, javaTrace:
		return !strings.HasPrefix(t, "at ") && line != ""
	case rustTrace:
		return !strings.HasPrefix(t, "--> ") && line != ""
	case goTrace:
		return !(t != "" && isASCIIDigit(t[0])) && line != ""
	}
	return true
}

// isUpperRust is Rust's char::is_uppercase: the Uppercase property, which
// adds Other_Uppercase (circled and Roman-numeral capitals) to Lu.
func isUpperRust(r rune) bool {
	return unicode.IsUpper(r) || unicode.Is(unicode.Other_Uppercase, r)
}

// lineInfo is what classification records about one line.
type lineInfo struct {
	level   level
	trace   bool
	summary bool
	score   float32
}

// Score weights (reference values, f32 as in the reference).
const (
	scoreError   float32 = 1.0
	scoreWarn    float32 = 0.5
	scoreInfo    float32 = 0.1
	scoreDebug   float32 = 0.05
	scoreTrace   float32 = 0.02
	traceBoost   float32 = 0.3
	summaryBoost float32 = 0.4
	maxScore     float32 = 1.0
)

func lineScore(li lineInfo) float32 {
	var s float32
	switch li.level {
	case errorLevel, failLevel:
		s = scoreError
	case warnLevel:
		s = scoreWarn
	case debugLevel:
		s = scoreDebug
	case traceLevel:
		s = scoreTrace
	default:
		s = scoreInfo
	}
	if li.trace {
		s += traceBoost
	}
	if li.summary {
		s += summaryBoost
	}
	return min(s, maxScore)
}

// classify returns one lineInfo per line.
func (c *Compressor) classify(content string, lines []string) []lineInfo {
	starts := make([]int, len(lines))
	levels := make([]level, len(lines))
	off := 0
	for i, l := range lines {
		starts[i] = off
		off += len(l) + 1
	}
	c.levels.classifyAll(content, starts, levels)

	info := make([]lineInfo, len(lines))
	active, traceLen := noTrace, 0
	for i, l := range lines {
		li := lineInfo{level: levels[i], summary: isSummaryLine(l)}
		if active != noTrace && traceLen < c.cfg.StackTraceMaxLines && !traceEnds(active, l) {
			li.trace = true
			traceLen++
		} else {
			// Either no trace is open or this line closed it; a line
			// that closes one trace may open the next.
			active, traceLen = traceOpener(l), 0
			if active != noTrace {
				li.trace = true
				traceLen = 1
			}
		}
		li.score = lineScore(li)
		info[i] = li
	}
	return info
}
