package reformat

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/internal/pycompat"
	"github.com/headroom-go/headroom/transform"
)

// referenceLogTemplate is the [reformat.log_template] default.
var referenceLogTemplate = LogTemplateConfig{MinLines: 20, MinRun: 3, SimilarityThreshold: 0.4, MinConstantTokens: 2}

func newLT(t testing.TB, cfg LogTemplateConfig) *LogTemplate {
	t.Helper()
	lt, err := NewLogTemplate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return lt
}

func small() LogTemplateConfig {
	c := referenceLogTemplate
	c.MinLines = 1
	return c
}

func TestLogTemplateFoldsARun(t *testing.T) {
	in := "" +
		"2025-01-15T12:34:56 INFO worker-1 processing job 42\n" +
		"2025-01-15T12:34:57 INFO worker-2 processing job 43\n" +
		"2025-01-15T12:34:58 INFO worker-3   processing job 44\n" +
		"2025-01-15T12:34:59 INFO worker-1 processing job 45\n" +
		"shutting down\n"
	got, err := newLT(t, small()).Reformat(in)
	if err != nil {
		t.Fatal(err)
	}
	want := "" +
		"[Template T1: <*> INFO <*> processing job <*>] (4 occurrences)\n" +
		"2025-01-15T12:34:56 worker-1 42\n" +
		"2025-01-15T12:34:57 worker-2 43\n" +
		"2025-01-15T12:34:58 worker-3 44\n" +
		"2025-01-15T12:34:59 worker-1 45\n" +
		"shutting down\n"
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestLogTemplateNumbersTemplatesAndBreaksRunsAtBlankLines(t *testing.T) {
	var b strings.Builder
	for i := range 3 {
		fmt.Fprintf(&b, "GET /api/items/%d 200 OK served-by-upstream-backend-pool in %dms\n", i, 10+i)
	}
	b.WriteString("   \n") // a white-space line ends the run and is kept
	for i := range 3 {
		fmt.Fprintf(&b, "cache miss for key=user:%d on shard %d, falling back to the primary database\n", i, i)
	}
	got, err := newLT(t, small()).Reformat(b.String())
	if err != nil {
		t.Fatal(err)
	}
	want := "" +
		"[Template T1: GET <*> 200 OK served-by-upstream-backend-pool in <*>] (3 occurrences)\n" +
		"/api/items/0 10ms\n/api/items/1 11ms\n/api/items/2 12ms\n" +
		"   \n" +
		"[Template T2: cache miss for <*> on shard <*> falling back to the primary database] (3 occurrences)\n" +
		"key=user:0 0,\nkey=user:1 1,\nkey=user:2 2,\n"
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestLogTemplateKeepsRunsThatDoNotQualify(t *testing.T) {
	long := func(s string) string { return s + strings.Repeat(" padding-token", 6) }
	cases := map[string]struct {
		cfg LogTemplateConfig
		in  string
	}{
		"shorter than min_run": {small(), long("alpha 1") + "\n" + long("alpha 2") + "\n"},
		"identical lines have no wildcard": {small(),
			long("same line") + "\n" + long("same line") + "\n" + long("same line") + "\n"},
		"too few constant tokens": {LogTemplateConfig{MinLines: 1, MinRun: 3, SimilarityThreshold: 0, MinConstantTokens: 2},
			"a 1\nb 2\nc 3\nd 4\ne 5\n"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := newLT(t, tc.cfg).Reformat(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.in {
				t.Fatalf("got %q, want the input unchanged", got)
			}
		})
	}
}

func TestLogTemplateTrailingNewlineFollowsInput(t *testing.T) {
	var b strings.Builder
	for i := range 5 {
		fmt.Fprintf(&b, "worker %d finished batch number %d of the nightly run\n", i, i*7)
	}
	with := b.String()
	without := strings.TrimSuffix(with, "\n")
	lt := newLT(t, small())
	a, err := lt.Reformat(with)
	if err != nil {
		t.Fatal(err)
	}
	c, err := lt.Reformat(without)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(a, "\n") || strings.HasSuffix(c, "\n") || a != c+"\n" {
		t.Fatalf("with newline: %q\nwithout: %q", a, c)
	}
}

func TestLogTemplateNeverGrowsTheText(t *testing.T) {
	// Three short lines fold into a header longer than they are.
	in := "a 1 b\na 2 b\na 3 b"
	got, err := newLT(t, small()).Reformat(in)
	if err != nil || got != in {
		t.Fatalf("Reformat = %q, %v; want the input unchanged", got, err)
	}
}

func TestLogTemplateSkips(t *testing.T) {
	lt := newLT(t, referenceLogTemplate)
	for _, in := range []string{"", strings.Repeat("line\n", 19)} {
		_, err := lt.Reformat(in)
		var te *transform.Error
		if !errors.As(err, &te) || te.Kind != transform.Skipped {
			t.Errorf("Reformat(%d bytes) error = %v, want Skipped", len(in), err)
		}
	}
	if _, err := lt.Reformat(strings.Repeat("line\n", 20)); err != nil {
		t.Errorf("20 lines should be examined, got %v", err)
	}
}

func TestLogTemplateRejectsBadConfig(t *testing.T) {
	for _, cfg := range []LogTemplateConfig{
		{MinLines: -1},
		{MinRun: -1},
		{SimilarityThreshold: 1.5},
		{SimilarityThreshold: float32(nan())},
		{MinConstantTokens: -2},
	} {
		if _, err := NewLogTemplate(cfg); err == nil {
			t.Errorf("NewLogTemplate(%+v) accepted", cfg)
		}
	}
}

func nan() float64 { z := 0.0; return z / z }

// decodeTemplates expands LogTemplate output back into lines, reporting for
// each whether it came from a folded run.
func decodeTemplates(t *testing.T, out string) (lines []string, folded []bool) {
	t.Helper()
	// Every emitted line is followed by '\n' except possibly the last, so
	// split on '\n' alone: a '\r' the output kept is part of its line.
	src := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for i := 0; i < len(src); i++ {
		l := src[i]
		if !strings.HasPrefix(l, "[Template T") || !strings.HasSuffix(l, " occurrences)") {
			lines = append(lines, l)
			folded = append(folded, false)
			continue
		}
		head, count, ok := strings.Cut(l[len("[Template T"):], "] (")
		if !ok {
			t.Fatalf("malformed header %q", l)
		}
		_, tmpl, _ := strings.Cut(head, ": ")
		n, err := strconv.Atoi(strings.TrimSuffix(count, " occurrences)"))
		if err != nil || i+n >= len(src)+1 {
			t.Fatalf("bad count in %q", l)
		}
		slots := strings.Split(tmpl, " ")
		for _, row := range src[i+1 : i+1+n] {
			vals := strings.Split(row, " ")
			var rebuilt []string
			k := 0
			for _, s := range slots {
				if s == wildcard {
					if k >= len(vals) {
						t.Fatalf("row %q has too few values for %q", row, tmpl)
					}
					s = vals[k]
					k++
				}
				rebuilt = append(rebuilt, s)
			}
			if k != len(vals) {
				t.Fatalf("row %q has too many values for %q", row, tmpl)
			}
			lines = append(lines, strings.Join(rebuilt, " "))
			folded = append(folded, true)
		}
		i += n
	}
	return lines, folded
}

// Every line survives: unfolded lines verbatim, folded ones token for token.
func FuzzLogTemplateIsReversible(f *testing.F) {
	f.Add("a x 1\na x 2\na x 3\nb\n", float32(0.4))
	f.Add("t1 INFO w-1 job 1\nt2 INFO w-2 job 2\r\nt3 INFO w-3 job 3\n\n t4  INFO w-4 job 4\n", float32(0.5))
	f.Fuzz(func(t *testing.T, in string, sim float32) {
		if strings.Contains(in, "[Template") || strings.Contains(in, wildcard) || !(sim >= 0 && sim <= 1) {
			return
		}
		lt, err := NewLogTemplate(LogTemplateConfig{MinLines: 1, MinRun: 2, SimilarityThreshold: sim, MinConstantTokens: 1})
		if err != nil {
			t.Fatal(err)
		}
		out, err := lt.Reformat(in)
		if err != nil {
			if transform.KindOf(err) != transform.Skipped {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		if len(out) > len(in) {
			t.Fatalf("output grew: %d > %d", len(out), len(in))
		}
		if out == in {
			return
		}
		want := pycompat.Lines(in)
		got, folded := decodeTemplates(t, out)
		if len(got) != len(want) {
			t.Fatalf("decoded %d lines, input has %d\nin:  %q\nout: %q", len(got), len(want), in, out)
		}
		for i := range want {
			w := want[i]
			if folded[i] {
				w = strings.Join(pycompat.SplitWhitespace(w), " ")
			}
			if got[i] != w {
				t.Fatalf("line %d: got %q, want %q\nin:  %q\nout: %q", i, got[i], w, in, out)
			}
		}
	})
}
