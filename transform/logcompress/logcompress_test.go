package logcompress

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/headroom-go/headroom/ccr/memstore"
)

func newCompressor(t testing.TB, mod func(*Config)) *Compressor {
	t.Helper()
	cfg := DefaultConfig()
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func compress(t testing.TB, c *Compressor, content string, bias float64) Result {
	t.Helper()
	r, err := c.Compress(context.Background(), content, bias)
	if err != nil {
		t.Fatalf("Compress: %v", err)
	}
	return r
}

// infoLines returns n distinct INFO lines.
func infoLines(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("2024-05-01T12:%02d:%02d INFO worker-%d processed job %d in %dms", i/60%60, i%60, i%7, i*31, 10+i*13%900)
	}
	return out
}

// crashLog is 200 INFO lines, an ERROR, a Python traceback and a trailer.
func crashLog() []string {
	return append(infoLines(200),
		"ERROR job 77 failed: connection reset",
		"Traceback (most recent call last):",
		`  File "worker.py", line 12, in run`,
		"    raise ConnectionError()",
		"ConnectionError: reset by peer",
		"# end of log",
	)
}

func TestShortLogIsReturnedUnchanged(t *testing.T) {
	c := newCompressor(t, nil)
	in := "ERROR one\nINFO two\n"
	r := compress(t, c, in, 1)
	want := Result{Compressed: in, Original: in, OriginalLineCount: 3, CompressedLineCount: 3, CompressionRatio: 1}
	if r != want {
		t.Fatalf("got %+v, want %+v", r, want)
	}
}

func TestErrorAndTraceAreKeptWithContext(t *testing.T) {
	store := memstore.New(8, time.Minute)
	c := newCompressor(t, func(c *Config) { c.Store = store })
	lines := crashLog()
	in := strings.Join(lines, "\n")
	r := compress(t, c, in, 1)

	// The ERROR (200) and the trace (201-204) plus three lines of context
	// on each side: 197..205.
	body := strings.Join(lines[197:206], "\n") + "\n[197 lines omitted: 1 ERROR, 200 INFO]"
	key := md5Hex24(in)
	want := body + "\n[206 lines compressed to 9. Retrieve more: hash=" + key + "]"
	if r.Compressed != want {
		t.Fatalf("compressed:\n%s\nwant:\n%s", r.Compressed, want)
	}
	if r.CompressedLineCount != 9 || r.OriginalLineCount != 206 || r.CacheKey != key || r.Format != FormatGeneric {
		t.Fatalf("result: %+v", r)
	}
	if wantRatio := float64(len(body)) / float64(len(in)); r.CompressionRatio != wantRatio {
		t.Fatalf("ratio %v, want %v", r.CompressionRatio, wantRatio)
	}
	if *r.Stats != (Stats{Errors: 1, Info: 200, Total: 206, Selected: 9}) {
		t.Fatalf("stats %+v", *r.Stats)
	}
	got, err := store.Get(context.Background(), key)
	if err != nil || string(got) != in {
		t.Fatalf("store.Get = %v; want the original", err)
	}
}

func md5Hex24(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])[:24]
}

func TestNoMarkerWithoutStoreOrWhenDisabled(t *testing.T) {
	in := strings.Join(crashLog(), "\n")
	marked := compress(t, newCompressor(t, func(c *Config) { c.Store = memstore.New(4, time.Minute) }), in, 1)
	body := marked.Compressed[:strings.LastIndexByte(marked.Compressed, '\n')]

	store := memstore.New(4, time.Minute)
	for name, c := range map[string]*Compressor{
		"no store": newCompressor(t, nil),
		"disabled": newCompressor(t, func(c *Config) { c.Store = store; c.EnableCCR = false }),
		"ratio":    newCompressor(t, func(c *Config) { c.Store = store; c.CCRRatio = 0.001 }),
	} {
		r := compress(t, c, in, 1)
		if r.CacheKey != "" || r.Compressed != body {
			t.Errorf("%s: got key %q and\n%s", name, r.CacheKey, r.Compressed)
		}
	}
	if n, _ := store.Len(context.Background()); n != 0 {
		t.Errorf("%d entries stored without a marker", n)
	}
}

func TestStoreFailureReturnsInputAndError(t *testing.T) {
	c := newCompressor(t, func(c *Config) { c.Store = memstore.New(4, time.Minute) })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := strings.Join(crashLog(), "\n")
	r, err := c.Compress(ctx, in, 1)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if r.Compressed != in || r.CacheKey != "" || r.CompressionRatio != 1 || r.CompressedLineCount != r.OriginalLineCount {
		t.Fatalf("result after store failure: %+v", r)
	}
}

func TestErrorCapKeepsFirstLastThenEarliest(t *testing.T) {
	lines := make([]string, 60)
	for i := range lines {
		lines[i] = fmt.Sprintf("step %d ok", i)
	}
	for _, i := range []int{10, 20, 30, 40, 50} {
		lines[i] = fmt.Sprintf("ERROR at step %d", i)
	}
	in := strings.Join(lines, "\n")
	for name, tc := range map[string]struct {
		first, last bool
		want        []int
	}{
		"first and last": {true, true, []int{10, 20, 50}},
		"first only":     {true, false, []int{10, 20, 30}},
		"last only":      {false, true, []int{10, 20, 50}},
	} {
		c := newCompressor(t, func(c *Config) {
			c.MaxErrors, c.ErrorContextLines, c.KeepFirstError, c.KeepLastError = 3, 0, tc.first, tc.last
		})
		var want []string
		for _, i := range tc.want {
			want = append(want, lines[i])
		}
		wantOut := strings.Join(want, "\n") + "\n[57 lines omitted: 5 ERROR]"
		if r := compress(t, c, in, 1); r.Compressed != wantOut {
			t.Errorf("%s:\n%s\nwant:\n%s", name, r.Compressed, wantOut)
		}
	}
}

func TestWarningsAreDedupedThenCapped(t *testing.T) {
	lines := make([]string, 60)
	for i := range lines {
		lines[i] = fmt.Sprintf("line %d", i)
	}
	lines[5] = "WARNING: disk usage 91% on /var/lib/docker/overlay"
	lines[15] = "WARNING: disk usage 97% on /var/lib/kubelet/overlay" // same shape
	lines[25] = "WARN cache: miss for key 12"
	lines[35] = "WARN pool: exhausted after 3 tries"
	lines[45] = "WARN pool: exhausted after 4 tries" // same shape
	in := strings.Join(lines, "\n")
	c := newCompressor(t, func(c *Config) { c.ErrorContextLines = 0 })
	want := strings.Join([]string{lines[5], lines[25], lines[35]}, "\n") + "\n[57 lines omitted: 5 WARN]"
	if r := compress(t, c, in, 1); r.Compressed != want {
		t.Errorf("deduped:\n%s\nwant:\n%s", r.Compressed, want)
	}
	c = newCompressor(t, func(c *Config) { c.ErrorContextLines = 0; c.DedupeWarnings = false; c.MaxWarnings = 4 })
	want = strings.Join([]string{lines[5], lines[15], lines[25], lines[35]}, "\n") + "\n[56 lines omitted: 5 WARN]"
	if r := compress(t, c, in, 1); r.Compressed != want {
		t.Errorf("capped:\n%s\nwant:\n%s", r.Compressed, want)
	}
}

func TestDedupeKey(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"warning: unused variable at line 12", "warning: unused variable at line 130"},
		{"WARN x=/usr/lib/a/b.so loaded", "WARN x=/opt/c/b.so loaded"},
		{"warn: size ٣٤ bytes", "warn: size 7 bytes"}, // Unicode digits are digits
	} {
		if ka, kb := dedupeKey(tc.a), dedupeKey(tc.b); ka != kb {
			t.Errorf("%q and %q should share a key: %q vs %q", tc.a, tc.b, ka, kb)
		}
	}
	for _, tc := range []struct{ a, b string }{
		{"segfault 12: at 0x1f", "heap overflow 12: at 0x1f"}, // prefixes differ
		{"warn 1 no separator", "warn 2 no separator"},        // no ':' or '=': kept verbatim
	} {
		if ka, kb := dedupeKey(tc.a), dedupeKey(tc.b); ka == kb {
			t.Errorf("%q and %q should differ, both %q", tc.a, tc.b, ka)
		}
	}
	for in, want := range map[string]string{
		"w: 0x1f at /a/b/c":    "w: NxNf at /PATH/c",
		"w: //x/ and /y":       "w: /PATH/ and /y",
		"w: /a//b/c":           "w: /PATH/c",
		"w: ///":               "w: /PATH/",
		"w: / /":               "w: / /",
		"w=/é/ü/":              "w=/PATH/",
		"no separator 123 /a/": "no separator 123 /a/",
	} {
		if got := dedupeKey(in); got != want {
			t.Errorf("dedupeKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAdaptiveCapKeepsHighestScoringLines(t *testing.T) {
	lines := infoLines(80)
	var errIdx []int
	for i := 0; i < 80; i += 3 {
		lines[i] = fmt.Sprintf("ERROR shard %d unreachable after %d retries", i*17, i%5)
		errIdx = append(errIdx, i)
	}
	in := strings.Join(lines, "\n")
	c := newCompressor(t, func(c *Config) { c.MaxErrors = 100; c.ErrorContextLines = 1; c.MaxTotalLines = 12 })
	for _, bias := range []float64{0, 1} {
		r := compress(t, c, in, bias)
		if r.CompressedLineCount < minKeptLines || r.CompressedLineCount > 12 {
			t.Fatalf("bias %v: kept %d lines, want between %d and 12", bias, r.CompressedLineCount, minKeptLines)
		}
		// Every ERROR scores 1.0 and context lines 0.1: the cap keeps the
		// earliest errors.
		var want []string
		for _, i := range errIdx[:r.CompressedLineCount] {
			want = append(want, lines[i])
		}
		got := strings.Split(r.Compressed, "\n")
		if strings.Join(got[:len(got)-1], "\n") != strings.Join(want, "\n") {
			t.Fatalf("bias %v: kept\n%s\nwant\n%s", bias, r.Compressed, strings.Join(want, "\n"))
		}
	}
}

func TestSummaryLinesAreKept(t *testing.T) {
	lines := infoLines(60)
	lines[30] = "===== 12 passed, 1 skipped in 3.2s ====="
	in := strings.Join(lines, "\n")
	c := newCompressor(t, func(c *Config) { c.ErrorContextLines = 0 })
	if r := compress(t, c, in, 1); r.Compressed != lines[30]+"\n[59 lines omitted: 59 INFO]" {
		t.Errorf("got:\n%s", r.Compressed)
	}
	c = newCompressor(t, func(c *Config) { c.ErrorContextLines = 0; c.KeepSummaryLines = false })
	if r := compress(t, c, in, 1); r.Compressed != "[60 lines omitted: 59 INFO]" {
		t.Errorf("without summaries got:\n%s", r.Compressed)
	}
}

func TestOutputNeverGrows(t *testing.T) {
	// Only "." would be dropped, and the omission line is longer than it:
	// the input comes back.
	in := "ERROR a\n."
	c := newCompressor(t, func(c *Config) { c.MinLines = 0; c.ErrorContextLines = 0 })
	r := compress(t, c, in, 1)
	if r.Compressed != in || r.CompressionRatio != 1 || r.CompressedLineCount != 2 || r.Stats == nil || r.Stats.Selected != 2 {
		t.Fatalf("got %+v", r)
	}
}

func TestFormatIsReported(t *testing.T) {
	lines := infoLines(60)
	lines[0] = "npm WARN deprecated left-pad@1.0.0"
	lines[1] = "npm ERR! code ERESOLVE"
	if r := compress(t, newCompressor(t, nil), strings.Join(lines, "\n"), 1); r.Format != FormatNpm || r.Format.String() != "npm" {
		t.Errorf("format %v", r.Format)
	}
}

func TestCompressRejectsInvalidBias(t *testing.T) {
	c := newCompressor(t, nil)
	for _, b := range []float64{-0.1, math.NaN(), math.Inf(1)} {
		if _, err := c.Compress(context.Background(), "x", b); !errors.Is(err, ErrInvalidBias) {
			t.Errorf("bias %v: err = %v", b, err)
		}
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	for name, mod := range map[string]func(*Config){
		"negative errors":  func(c *Config) { c.MaxErrors = -1 },
		"negative context": func(c *Config) { c.ErrorContextLines = -1 },
		"negative traces":  func(c *Config) { c.MaxStackTraces = -1 },
		"negative trace":   func(c *Config) { c.StackTraceMaxLines = -1 },
		"negative warns":   func(c *Config) { c.MaxWarnings = -1 },
		"negative total":   func(c *Config) { c.MaxTotalLines = -1 },
		"negative min":     func(c *Config) { c.MinLines = -1 },
		"zero ratio":       func(c *Config) { c.CCRRatio = 0 },
		"big ratio":        func(c *Config) { c.CCRRatio = 2 },
		"NaN ratio":        func(c *Config) { c.CCRRatio = math.NaN() },
	} {
		cfg := DefaultConfig()
		mod(&cfg)
		if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: err = %v, want ErrInvalidConfig", name, err)
		}
	}
}
