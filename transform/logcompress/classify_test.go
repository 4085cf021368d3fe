package logcompress

import (
	"strings"
	"testing"
)

func classifyLines(t testing.TB, lines ...string) []lineInfo {
	t.Helper()
	c, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return c.classify(strings.Join(lines, "\n"), lines)
}

func TestLevelIsFirstStandaloneLevelWord(t *testing.T) {
	for line, want := range map[string]level{
		"ERROR: disk full":                  errorLevel,
		"ERROR, retrying":                   errorLevel,
		"RuntimeError: boom":                unknownLevel, // no word boundary
		"3 failures":                        unknownLevel, // "fail" is followed by a letter
		"test_x FAILED":                     failLevel,
		"WARNING: deprecated":               warnLevel,
		"[warn] low memory":                 warnLevel,
		"INFO request ERROR code=1":         infoLevel, // leftmost wins, not severity
		"_ERROR not a word":                 unknownLevel,
		"ERROR_CODE then Warning":           warnLevel,
		"Fatal: x":                          errorLevel,
		"critical section":                  errorLevel,
		"Debug mode":                        debugLevel,
		"stack trace follows":               traceLevel,
		"information":                       unknownLevel,
		"error2 info":                       infoLevel, // a digit is a word byte
		"déjà ERROR":                        errorLevel,
		"éERROR":                            errorLevel, // only ASCII bytes count as word bytes
		"":                                  unknownLevel,
		"WARNINGS and then warn":            warnLevel,
		"Failed to connect; ERROR follows":  failLevel,
		"errors: 0, warnings: 0, infos: 12": unknownLevel,
	} {
		if got := classifyLines(t, line)[0].level; got != want {
			t.Errorf("level(%q) = %d, want %d", line, got, want)
		}
		if got := directScanLevel(line); got != want {
			t.Errorf("direct scan level(%q) = %d, want %d (test table is wrong)", line, got, want)
		}
	}
}

// directScanLevel is the specification of the classifier (spec §1.5) as a
// plain scan: at each position take the longest level word starting there;
// accept it if the bytes around it are not ASCII word bytes, else resume
// after it.
func directScanLevel(line string) level {
	for p := 0; p < len(line); {
		var best string
		var lvl level
		for _, g := range levelWords {
			for _, w := range g.words {
				if len(w) > len(best) && strings.HasPrefix(line[p:], w) {
					best, lvl = w, g.lvl
				}
			}
		}
		if best == "" {
			p++
			continue
		}
		end := p + len(best)
		if (p == 0 || !isWordByte(line[p-1])) && (end == len(line) || !isWordByte(line[end])) {
			return lvl
		}
		p = end
	}
	return unknownLevel
}

func FuzzLevelClassifier(f *testing.F) {
	for _, s := range []string{"ERROR x\nwarn", "failures\nFAILED", "xINFO INFO\n\nDEBUGGING Debug", "WARNWARNING warning"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, content string) {
		lines := strings.Split(content, "\n")
		info := classifyLines(t, lines...)
		for i, l := range lines {
			if want := directScanLevel(l); info[i].level != want {
				t.Fatalf("line %d %q: level %d, direct scan %d", i, l, info[i].level, want)
			}
		}
	})
}

func TestFormatDetection(t *testing.T) {
	for name, tc := range map[string]struct {
		lines []string
		want  Format
	}{
		"pytest":  {[]string{"collected 3 items", "test_a.py::test_x PASSED [ 33%]", "npm WARN x"}, FormatPytest},
		"npm":     {[]string{"npm WARN deprecated", "npm ERR! code E404"}, FormatNpm},
		"cargo":   {[]string{"   Compiling foo v0.1.0", "error[E0308]: mismatched types"}, FormatCargo},
		"jest":    {[]string{"PASS src/a.test.js", "FAIL src/b.test.js", "Test Suites: 1 failed"}, FormatJest},
		"make":    {[]string{"make[1]: Entering directory", "gcc -O2 -c x.c"}, FormatMake},
		"tie":     {[]string{"npm WARN x", "   Compiling y"}, FormatNpm}, // earlier format wins a tie
		"generic": {[]string{"hello", "world"}, FormatGeneric},
		// One line with several markers of a format counts once.
		"one per line": {[]string{"npm ERR! npm WARN npm info", "   Compiling a", "   Compiling b"}, FormatCargo},
	} {
		if got := detectFormat(tc.lines); got != tc.want {
			t.Errorf("%s: detectFormat = %v, want %v", name, got, tc.want)
		}
	}
	// Only the first lines are sampled.
	lines := make([]string, formatSampleLines)
	for i := range lines {
		lines[i] = "plain"
	}
	lines = append(lines, "npm ERR! late")
	if got := detectFormat(lines); got != FormatGeneric {
		t.Errorf("marker past the sample counted: %v", got)
	}
}

func TestSummaryLines(t *testing.T) {
	for line, want := range map[string]bool{
		"===== 3 passed in 0.1s =====":  true,
		"----------":                    true,
		"3 passed, 1 failed":            true,
		"12 warnings":                   true,
		"12  passed":                    false,
		"Tests: 4 failed, 10 total":     true,
		"Tests:   4":                    true,
		"Test run started":              false, // "Test " decides: no digit follows
		"Test 1 of 3":                   true,
		"Suites: none":                  false,
		"TOTAL 120":                     true,
		"Summary of changes":            true,
		"Build succeeded":               true,
		"Compile complete (3 warnings)": true,
		"Building...":                   false,
		"Testing failed":                true,
		"  === not at start":            false,
	} {
		if got := isSummaryLine(line); got != want {
			t.Errorf("isSummaryLine(%q) = %v, want %v", line, got, want)
		}
	}
}

func traceFlags(info []lineInfo) string {
	var b strings.Builder
	for _, li := range info {
		if li.trace {
			b.WriteByte('T')
		} else {
			b.WriteByte('.')
		}
	}
	return b.String()
}

func TestStackTraceMarking(t *testing.T) {
	for name, tc := range map[string]struct {
		lines []string
		want  string
	}{
		"python chained": {[]string{
			"boom",
			"Traceback (most recent call last):",
			`  File "a.py", line 3`,
			"    f()",
			"",
			"During handling of the above exception, another exception occurred:",
			"ValueError: bad",
			"# comment ends it",
			"next",
		}, ".TTTTTT.."},
		"python frame opens": {[]string{`File "x.py", line 9`, "lowercase ends"}, "T."},
		"js": {[]string{
			"TypeError: x is undefined",
			"    at f (/app/a.js:10:5)",
			"    at g (/app/b.js:3:1)",
			"done",
		}, ".TT."},
		"java": {[]string{
			"Exception in thread main",
			"\tat com.example.App.run(App.java:12)",
			"\tat com.example.App.main(App.java)",
			"Caused by: x",
		}, ".TT."},
		"rust": {[]string{"error[E0308]: mismatched types", "  --> src/lib.rs:42:9", "   |", "--> a.rs:1:1"}, ".T.T"},
		"go":   {[]string{"goroutine 1 [running]:", "1: 0x4a5b", "2:   0xdead", "main.main()"}, ".TT."},
		"not frames": {[]string{
			"at noon (lunch)", // js needs line:col, java needs a dotted name before '('
			"--> no position",
			"12: 0xZZ",
			`File "x.py", line nine`,
		}, "...."},
	} {
		if got := traceFlags(classifyLines(t, tc.lines...)); got != tc.want {
			t.Errorf("%s: trace flags %s, want %s", name, got, tc.want)
		}
	}
}

func TestStackTraceLengthCap(t *testing.T) {
	cfg := DefaultConfig()
	cfg.StackTraceMaxLines = 3
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lines := []string{"Traceback (most recent call last):", "  a", "  b", "  c", "  d", "Traceback (most recent call last):", "  e"}
	// The fourth line of a trace ends it; it is not an opener, so it is
	// not marked; the next Traceback opens a new trace.
	if got, want := traceFlags(c.classify(strings.Join(lines, "\n"), lines)), "TTT..TT"; got != want {
		t.Errorf("trace flags %s, want %s", got, want)
	}
}

func TestLineScores(t *testing.T) {
	info := classifyLines(t,
		"ERROR x",
		"WARN y",
		"plain",
		"DEBUG z",
		"TRACE t",
		"=== 1 passed, 1 warning ===",
		"Traceback (most recent call last):",
	)
	// The reference adds in f32.
	add := func(a, b float32) float32 { return a + b }
	want := []float32{1.0, 0.5, 0.1, 0.05, 0.02, add(0.5, 0.4), add(0.1, 0.3)}
	for i, li := range info {
		if li.score != want[i] {
			t.Errorf("line %d: score %v, want %v", i, li.score, want[i])
		}
	}
}
