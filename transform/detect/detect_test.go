package detect

import (
	"strings"
	"testing"

	"github.com/headroom-go/headroom/transform"
)

// field is one expected metadata entry; want lists them in the reference's
// insertion order.
type field struct {
	key string
	val Value
}

func i(n int) Value          { return IntValue(n) }
func b(v bool) Value         { return BoolValue(v) }
func s(v string) Value       { return StringValue(v) }
func md(fs ...field) []field { return fs }

type detectCase struct {
	name string
	in   string
	typ  transform.ContentType
	conf float64 // expected values were computed with Python floats from the spec's formulas
	meta []field
}

func runDetectCases(t *testing.T, cases []detectCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Detect(c.in)
			if got.Type != c.typ || got.Confidence != c.conf {
				t.Fatalf("Detect = %v %v, want %v %v (%s)", got.Type, got.Confidence, c.typ, c.conf, got.AppendJSON(nil))
			}
			if got.Metadata.Len() != len(c.meta) {
				t.Fatalf("metadata %s, want %d fields", got.Metadata.AppendJSON(nil), len(c.meta))
			}
			n := 0
			for k, v := range got.Metadata.All() {
				if k != c.meta[n].key || v != c.meta[n].val {
					t.Errorf("metadata field %d = %s:%s, want %s:%s", n, k, v.AppendJSON(nil), c.meta[n].key, c.meta[n].val.AppendJSON(nil))
				}
				n++
			}
		})
	}
}

func TestEmptyAndWhitespaceAreTextWithZeroConfidence(t *testing.T) {
	runDetectCases(t, []detectCase{
		{"empty", "", transform.PlainText, 0, nil},
		{"ascii whitespace", " \t\r\n\v\f", transform.PlainText, 0, nil},
		{"unicode whitespace", "\u00a0\u2003\u3000\n\u2028\u0085", transform.PlainText, 0, nil},
		{"prose", "Just a sentence, nothing else.", transform.PlainText, 0.5, nil},
	})
}

func TestJSONArrays(t *testing.T) {
	nested := func(depth int) string { return strings.Repeat("[", depth) + strings.Repeat("]", depth) }
	runDetectCases(t, []detectCase{
		{"array of objects", `[{"a":1},{"b":[2]}]`, transform.JSONArray, 1, md(field{"item_count", i(2)}, field{"is_dict_array", b(true)})},
		{"array of scalars", `[1, "x", null, true]`, transform.JSONArray, 0.8, md(field{"item_count", i(4)}, field{"is_dict_array", b(false)})},
		{"mixed array", `[{"a":1}, 2]`, transform.JSONArray, 0.8, md(field{"item_count", i(2)}, field{"is_dict_array", b(false)})},
		{"empty array is not a dict array", " \n\t[ ]\r\n", transform.JSONArray, 0.8, md(field{"item_count", i(0)}, field{"is_dict_array", b(false)})},
		{"unicode whitespace is trimmed", "\u3000[{}]\u00a0", transform.JSONArray, 1, md(field{"item_count", i(1)}, field{"is_dict_array", b(true)})},
		{"object is not an array", `{"a":[1]}`, transform.PlainText, 0.5, nil},
		{"trailing comma", `[1,]`, transform.PlainText, 0.5, nil},
		{"leading zero", `[01]`, transform.PlainText, 0.5, nil},
		{"numbers of any size", `[1e999, -123456789012345678901234567890, 0.5E-3]`, transform.JSONArray, 0.8, md(field{"item_count", i(3)}, field{"is_dict_array", b(false)})},
		{"lone surrogate escape", `["\ud800"]`, transform.PlainText, 0.5, nil},
		{"trailing surrogate first", `["\udc00\ud800"]`, transform.PlainText, 0.5, nil},
		{"surrogate pair", `["\ud83d\ude00"]`, transform.JSONArray, 0.8, md(field{"item_count", i(1)}, field{"is_dict_array", b(false)})},
		{"raw control character", "[\"a\tb\"]", transform.PlainText, 0.5, nil},
		{"invalid utf-8", "[\"\xff\"]", transform.PlainText, 0.5, nil},
		{"garbage after array", `[1] [2]`, transform.PlainText, 0.5, nil},
		{"nesting 127 deep", nested(127), transform.JSONArray, 0.8, md(field{"item_count", i(1)}, field{"is_dict_array", b(false)})},
		{"nesting 128 deep", nested(128), transform.PlainText, 0.5, nil},
		{"number marker", `[{"$serde_json::private::Number":"12"}]`, transform.JSONArray, 0.8, md(field{"item_count", i(1)}, field{"is_dict_array", b(false)})},
		{"escaped number marker", `[{"$serde_json::private::Numbe\u0072":"-1.5e3"}]`, transform.JSONArray, 0.8, md(field{"item_count", i(1)}, field{"is_dict_array", b(false)})},
		{"number marker needs a number", `[{"$serde_json::private::Number":"x1"}]`, transform.PlainText, 0.5, nil},
		{"number marker needs a string", `[{"$serde_json::private::Number":1}]`, transform.PlainText, 0.5, nil},
		{"marker must be alone", `[{"$serde_json::private::Number":"1","b":2}]`, transform.PlainText, 0.5, nil},
		{"marker only counts first", `[{"b":2,"$serde_json::private::Number":"1"}]`, transform.JSONArray, 1, md(field{"item_count", i(1)}, field{"is_dict_array", b(true)})},
		{"raw value marker", `[{"$serde_json::private::RawValue":" {\"a\":1} "}]`, transform.JSONArray, 1, md(field{"item_count", i(1)}, field{"is_dict_array", b(true)})},
		{"raw value marker must parse", `[{"$serde_json::private::RawValue":"{"}]`, transform.PlainText, 0.5, nil},
	})
}

func TestDiffs(t *testing.T) {
	unified := "--- a/f.go\n+++ b/f.go\n@@ -1,2 +1,2 @@\n-old\n+new\n ctx\n"
	runDetectCases(t, []detectCase{
		// One header and nothing else scores exactly 0.5+0.2, the threshold.
		{"single git header", "diff --git a/x b/x\n", transform.GitDiff, 0.7, md(field{"header_matches", i(1)}, field{"change_lines", i(0)})},
		{"unified diff", unified, transform.GitDiff, 1, md(field{"header_matches", i(2)}, field{"change_lines", i(2)})},
		{"combined merge", "diff --cc f\n@@@ -1,2 -1,2 +1,3 @@@\n", transform.GitDiff, 0.9, md(field{"header_matches", i(2)}, field{"change_lines", i(0)})},
		{"unicode digits in hunk header", "@@ -١,٢ +١,٢ @@\n-x\n+y", transform.GitDiff, 0.7999999999999999, md(field{"header_matches", i(1)}, field{"change_lines", i(2)})},
		{"changes without headers", "-x\n+y\n-z\n", transform.PlainText, 0.5, nil},
		{"header past the 500-line window", strings.Repeat("x\n", 500) + "diff --git a/x b/x\n", transform.PlainText, 0.5, nil},
	})
}

func TestHTML(t *testing.T) {
	const doctype = "<!DOCTYPE html>\n"
	// Place "<html>" so that its closing '>' is the last byte inside the
	// 3000-byte sample, or the first byte outside it.
	atEdge := func(shift int) string {
		pad := htmlSampleBytes - len(doctype) - len("<html>") + shift
		return doctype + strings.Repeat("p", pad) + "<html>"
	}
	// An <html> tag and <body> give 0.3 + 0.1, below the 0.5 floor.
	runDetectCases(t, []detectCase{
		{"doctype html head body", "<!doctype html><html><head></head><body>", transform.HTML, 1, md(field{"has_doctype", b(true)}, field{"has_html_tag", b(true)}, field{"structural_tags", i(0)})},
		{"html and body without doctype", "<html><body>x</body></html>", transform.PlainText, 0.5, nil},
		{"doctype alone is too weak", "<!DOCTYPE html>", transform.PlainText, 0.5, nil},
		{"structure alone is too weak", "<div>a</div><span>b</span><nav>c</nav>", transform.PlainText, 0.5, nil},
		{"structure is capped", "<html><head>" + strings.Repeat("<div>", 10) + "<body>", transform.HTML, 0.8, md(field{"has_doctype", b(false)}, field{"has_html_tag", b(true)}, field{"structural_tags", i(10)})},
		{"case folding beyond ascii", "<!doctype html>\n<html>\n<lin\u212a rel=a>\n<\u017fcript>\n<STYLE>\n", transform.HTML, 0.89, md(field{"has_doctype", b(true)}, field{"has_html_tag", b(true)}, field{"structural_tags", i(3)})},
		{"tag ends inside the sample", atEdge(0), transform.HTML, 0.8, md(field{"has_doctype", b(true)}, field{"has_html_tag", b(true)}, field{"structural_tags", i(0)})},
		{"tag ends outside the sample", atEdge(1), transform.PlainText, 0.5, nil},
	})
}

func TestSearchResults(t *testing.T) {
	runDetectCases(t, []detectCase{
		{"mostly matches", "a.go:1:x\nb.go:2:y\nc.go:3:z\nd.go:4:w\nplain\n", transform.SearchResults, 0.88, md(field{"matching_lines", i(4)}, field{"total_lines", i(5)})},
		// 1/3 of the lines gives exactly the 0.6 threshold.
		{"one in three", "a.go:1:x\nfoo\nbar", transform.SearchResults, 0.6, md(field{"matching_lines", i(1)}, field{"total_lines", i(3)})},
		{"three in ten is too few", "a:1:x\nb:2:x\nc:3:x\n" + strings.Repeat("word\n", 7), transform.PlainText, 0.5, nil},
		{"blank lines are not counted", "a:1:x\n\n \u3000\nb:2:y\n", transform.SearchResults, 1, md(field{"matching_lines", i(2)}, field{"total_lines", i(2)})},
		{"unicode digits", "src/a.py:٤٢:x\nsrc/b.py:７:y", transform.SearchResults, 1, md(field{"matching_lines", i(2)}, field{"total_lines", i(2)})},
		{"path with a space", "my file.go:1:x\nyour file.go:2:y", transform.PlainText, 0.5, nil},
		{"unicode space in path", "a\u2003b.go:1:x\na\u00a0c.go:2:y", transform.PlainText, 0.5, nil},
	})
}

func TestBuildOutput(t *testing.T) {
	runDetectCases(t, []detectCase{
		{"levels", "INFO start\nDEBUG x\nWARN y\nERROR z\n", transform.BuildOutput, 0.9, md(field{"pattern_matches", i(4)}, field{"error_matches", i(2)}, field{"total_lines", i(4)})},
		{"one error in two lines", "error: linker failed\nsee above", transform.BuildOutput, 0.6000000000000001, md(field{"pattern_matches", i(1)}, field{"error_matches", i(1)}, field{"total_lines", i(2)})},
		{"words containing levels do not count", "failures happened\nterrorist\nINFOrmation\n", transform.PlainText, 0.5, nil},
		// Rust's \b is Unicode: a letter such as é glues to ERROR.
		{"unicode word boundary", "éERROR here\nxWARN\nΩDEBUG", transform.PlainText, 0.5, nil},
		{"fullwidth date", "２０２４-０１-０１ started", transform.BuildOutput, 0.8, md(field{"pattern_matches", i(1)}, field{"error_matches", i(0)}, field{"total_lines", i(1)})},
		{"java stack", "Exception in thread main\n\tat com.x.Y.run(Y.java:10)\n\tat com.x.Z.main(Z.java:5)", transform.BuildOutput, 0.6333333333333333, md(field{"pattern_matches", i(2)}, field{"error_matches", i(0)}, field{"total_lines", i(3)})},
		{"traceback alone is too weak", "Traceback (most recent call last):\n  File \"x.py\", line 1\nValueError: bad", transform.PlainText, 0.5, nil},
	})
}

func TestSourceCode(t *testing.T) {
	runDetectCases(t, []detectCase{
		// import/class also vote javascript (2) and import votes go (1).
		{"python", "import os\n\ndef main():\n    pass\n\nclass A:\n    x = 1\n", transform.SourceCode, 0.7, md(field{"language", s("python")}, field{"pattern_matches", i(3)})},
		// java and python tie at 3; java matched a line first (go did too,
		// with 1), so java wins although python is declared earlier.
		{"tie goes to first seen", "package com.x;\n@a\n@b\n\"\"\"doc", transform.SourceCode, 0.76, md(field{"language", s("java")}, field{"pattern_matches", i(3)})},
		{"unicode identifiers", "def ñame():\n  x\ndef 函数():\nclass Ü:", transform.SourceCode, 0.76, md(field{"language", s("python")}, field{"pattern_matches", i(3)})},
		{"typescript colon lines", ": string\n: number[]\n:void\n:voidable", transform.SourceCode, 0.76, md(field{"language", s("typescript")}, field{"pattern_matches", i(3)})},
		{"too few lines", "def a():\n  pass", transform.PlainText, 0.5, nil},
	})
}

func TestDetectDomain(t *testing.T) {
	for _, c := range []struct {
		in   string
		want transform.ContentType
		ok   bool
	}{
		{"a.go:1:x\nb.go:2:y", transform.SearchResults, true},
		{"INFO start\nERROR z", transform.BuildOutput, true},
		{"def a():\n  pass\ndef b():\n  pass\ndef c():", transform.PlainText, false},
		{"[1, 2]", transform.PlainText, false},
	} {
		got, ok := DetectDomain(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("DetectDomain(%q) = %v %v, want %v %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestDetectDoesNotAllocate(t *testing.T) {
	for _, in := range []string{
		"",
		`[{"a":1},{"b":"\u00e9"}]`,
		"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n+b\n",
		"<!doctype html><html><head></head><body><div>x</div>",
		"a.go:1:x\nb.go:2:y",
		"INFO start\nWARN y\nERROR z\n",
		"package main\n\nfunc main() {}\n\ntype T struct{}\n",
		strings.Repeat("just prose, nothing to see here. ", 200),
	} {
		if n := testing.AllocsPerRun(20, func() { Detect(in) }); n != 0 {
			t.Errorf("Detect(%.30q...) allocates %v times", in, n)
		}
	}
}
