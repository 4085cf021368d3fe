package searchcompress

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/signals"
)

func mustNew(t testing.TB, cfg Config) *Compressor {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func compress(t testing.TB, c *Compressor, content, query string) Result {
	t.Helper()
	r, err := c.Compress(context.Background(), content, query, 1)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestParseLine(t *testing.T) {
	tests := []struct {
		line    string
		ok      bool
		path    string
		n       uint64
		content string
	}{
		{"src/main.py:42:def main():", true, "src/main.py", 42, "def main():"},
		{"src/main.py-43-context after match", true, "src/main.py", 43, "context after match"},
		{"src/main.py:44-mixed separators", true, "src/main.py", 44, "mixed separators"},
		{`C:\Users\foo\bar.py:42:def main():`, true, `C:\Users\foo\bar.py`, 42, "def main():"},
		{"C:/Users/foo/bar.py:7:x", true, "C:/Users/foo/bar.py", 7, "x"},
		{"pre-commit-config.yaml-42-fail_fast: true", true, "pre-commit-config.yaml", 42, "fail_fast: true"},
		{`config.py:10:URL = "postgres://u:p@host:5432/db"`, true, "config.py", 10, `URL = "postgres://u:p@host:5432/db"`},
		{"f.go:10:", true, "f.go", 10, ""},
		{"f.go:007:x", true, "f.go", 7, "x"},
		{"C:12:x", true, "C", 12, "x"}, // no slash after the colon: not a drive
		// The leftmost marker wins, even inside a file name.
		{"src/a-1-b.py:3:x", true, "src/a", 1, "b.py:3:x"},
		{"just a normal line of prose", false, "", 0, ""},
		{"file.py:not-a-number:something", false, "", 0, ""},
		{":42:something", false, "", 0, ""},
		{"-42-something", false, "", 0, ""},
		{"src/file.py:-1:invalid", false, "", 0, ""},
		{"src/file.py--1-invalid", false, "", 0, ""},
		{"a::1:x", false, "", 0, ""},
		{"a:1", false, "", 0, ""},
		{"f.go:99999999999999999999:overflow", false, "", 0, ""},
		{"f.go:18446744073709551615:max", true, "f.go", math.MaxUint64, "max"},
	}
	for _, tt := range tests {
		path, n, content, ok := parseLine(tt.line)
		if ok != tt.ok || path != tt.path || n != tt.n || content != tt.content {
			t.Errorf("parseLine(%q) = %q, %d, %q, %v; want %q, %d, %q, %v",
				tt.line, path, n, content, ok, tt.path, tt.n, tt.content, tt.ok)
		}
	}
}

func TestParseGroupsByPathAndCountsUnparsed(t *testing.T) {
	in := "src/main.py:42:def main():\n  src/main.py:43:    pass  \nsrc/utils.py:15:def util():\n" +
		"just prose, no marker\n\n--\nsrc/main.py-44-context line\nBinary file x.bin matches\n"
	files, total, unparsed := parse(in)
	if total != 4 || unparsed != 3 || len(files) != 2 {
		t.Fatalf("total %d unparsed %d files %d", total, unparsed, len(files))
	}
	if files[0].path != "src/main.py" || files[1].path != "src/utils.py" {
		t.Fatalf("paths %q %q, want byte order", files[0].path, files[1].path)
	}
	var lines []uint64
	for _, m := range files[0].matches {
		lines = append(lines, m.line)
	}
	// The line is trimmed as a whole; the content keeps its indentation.
	if !slices.Equal(lines, []uint64{42, 43, 44}) || files[0].matches[1].content != "    pass" {
		t.Fatalf("matches %+v", files[0].matches)
	}
	// Byte order puts upper case first.
	files, _, _ = parse("b:1:x\nB:1:x\na:1:x")
	if files[0].path != "B" || files[1].path != "a" || files[2].path != "b" {
		t.Fatalf("order %q %q %q", files[0].path, files[1].path, files[2].path)
	}
}

func TestScoring(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ContextKeywords = []string{"AUTH"}
	c := mustNew(t, cfg)
	files, _, _ := parse(strings.Join([]string{
		"src/auth.py:10:ERROR auth failed",
		"src/auth.py:11:plain auth line",
		"src/auth.py:12:warning: deprecated",
		"src/auth.py:13:TODO tidy up",
		"src/auth.py:14:nothing here",
		"src/auth.py:15:warn about errors", // "errors" is no error word
	}, "\n"))
	c.score(files, "find auth ERROR in it")
	var got []float32
	for _, m := range files[0].matches {
		got = append(got, m.score)
	}
	// auth (+0.3 query, +0.4 keyword), error (+0.3 query, +0.5 error
	// line) capped at 1; warning +0.4; importance +0.3; the query word
	// "error" is found inside "errors" (+0.3) and "warn" (+0.4). Sums are
	// float32, rounded after every addition.
	want := []float32{1, f32sum(0.3, 0.4), 0.4, 0.3, 0, f32sum(0.3, 0.4)}
	if !slices.Equal(got, want) {
		t.Fatalf("scores %v, want %v", got, want)
	}
	if total := files[0].total; total != f32sum(want...) {
		t.Errorf("total %v", total)
	}

	cfg.BoostErrors = false
	files, _, _ = parse("f:1:ERROR fatal")
	mustNew(t, cfg).score(files, "")
	if files[0].matches[0].score != 0 {
		t.Errorf("BoostErrors off still boosts: %v", files[0].matches[0].score)
	}
}

func f32sum(xs ...float32) float32 {
	var s float32
	for _, x := range xs {
		s += x
	}
	return s
}

// constantDetector reports one category for every line, standing in for a
// future detector tier.
type constantDetector signals.Category

func (d constantDetector) Score(string, signals.Context) signals.Signal {
	return signals.Signal{Category: signals.Category(d), Priority: 1, Confidence: 1}
}

func TestScoringUsesTheConfiguredDetector(t *testing.T) {
	for cat, want := range map[signals.Category]float32{
		signals.Error: 0.5, signals.Warning: 0.4, signals.Importance: 0.3,
		signals.Security: 0, signals.Markdown: 0, signals.NoCategory: 0,
	} {
		cfg := DefaultConfig()
		cfg.Detector = constantDetector(cat)
		files, _, _ := parse("f:1:plain")
		mustNew(t, cfg).score(files, "")
		if got := files[0].matches[0].score; got != want {
			t.Errorf("%v: score %v, want %v", cat, got, want)
		}
	}
}

func TestPerFileSelectionKeepsFirstLastAndBest(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxMatchesPerFile = 3
	c := mustNew(t, cfg)
	// Eight matches (the sizer keeps all eight), one file capped at three:
	// first, last, then the error line.
	in := strings.Join([]string{
		"app.go:1:package app",
		"app.go:5:func a() {}",
		"app.go:9:panic: boom",
		"app.go:12:func b() {}",
		"app.go:20:func c() {}",
		"app.go:30:func d() {}",
		"app.go:31:func e() {}",
		"app.go:40:func z() {}",
	}, "\n")
	r := compress(t, c, in, "")
	want := "app.go:1:package app\napp.go:9:panic: boom\napp.go:40:func z() {}\n[... and 5 more matches in app.go]"
	if r.Compressed != want {
		t.Fatalf("got\n%s\nwant\n%s", r.Compressed, want)
	}
	if r.OriginalMatches != 8 || r.CompressedMatches != 3 || r.FilesAffected != 1 || r.CacheKey != "" {
		t.Fatalf("counts %+v", r)
	}
	if !slices.Equal(r.Summaries, []Summary{{"app.go", "[... and 5 more matches in app.go]"}}) {
		t.Fatalf("summaries %+v", r.Summaries)
	}
	if r.CompressionRatio != float64(len(want))/float64(len(in)) {
		t.Fatalf("ratio %v", r.CompressionRatio)
	}

	// Without first/last pinning the best scores win, ties by line.
	cfg.AlwaysKeepFirst, cfg.AlwaysKeepLast = false, false
	r = compress(t, mustNew(t, cfg), in, "")
	if want := "app.go:1:package app\napp.go:5:func a() {}\napp.go:9:panic: boom\n[... and 5 more matches in app.go]"; r.Compressed != want {
		t.Fatalf("unpinned: got\n%s", r.Compressed)
	}
}

func TestDuplicateMatchesAreKeptOnce(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxMatchesPerFile = 3
	// The same (line, content) twice, and a repeat of the first match.
	in := "x.go:3:dup\nx.go:3:dup\nx.go:7:other text\nx.go:3:dup\nx.go:9:more text here\nx.go:11:tail text here"
	r := compress(t, mustNew(t, cfg), in, "")
	if want := "x.go:3:dup\nx.go:7:other text\nx.go:11:tail text here\n[... and 3 more matches in x.go]"; r.Compressed != want {
		t.Fatalf("got\n%s", r.Compressed)
	}
}

func TestFilesRankedByScoreThenCapped(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxFiles = 2
	in := strings.Join([]string{
		"a.go:1:fine line",
		"b.go:1:ERROR one",
		"c.go:1:ok",
		"c.go:2:WARNING two",
		"d.go:1:quiet",
	}, "\n")
	r := compress(t, mustNew(t, cfg), in, "")
	// b (0.5) and c (0.4) outrank a and d (0); output is in path order
	// and dropped files get no summary.
	if want := "b.go:1:ERROR one\nc.go:1:ok\nc.go:2:WARNING two"; r.Compressed != want {
		t.Fatalf("got\n%s", r.Compressed)
	}
	if r.FilesAffected != 4 || r.CompressedMatches != 3 || len(r.Summaries) != 0 {
		t.Fatalf("counts %+v", r)
	}
	// Ties keep path order: with no scores the first MaxFiles paths win.
	r = compress(t, mustNew(t, cfg), "d.go:1:x\nc.go:1:x\nb.go:1:x\na.go:1:x", "")
	if r.Compressed != "a.go:1:x\nb.go:1:x" {
		t.Fatalf("tie order: %q", r.Compressed)
	}
}

func TestAdaptiveTotalBoundsTheOutput(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxMatchesPerFile = 100
	cfg.MaxTotalMatches = 12
	var lines []string
	for i := range 60 {
		lines = append(lines, fmt.Sprintf("pkg/f%02d.go:%d:distinct token_%d value %d in %s", i%3, i+1, i*i, i*7, strings.Repeat("x", i%5)))
	}
	r := compress(t, mustNew(t, cfg), strings.Join(lines, "\n"), "")
	if r.CompressedMatches < DefaultMinTotalMatches || r.CompressedMatches > cfg.MaxTotalMatches {
		t.Fatalf("kept %d matches, want between %d and %d", r.CompressedMatches, DefaultMinTotalMatches, cfg.MaxTotalMatches)
	}
	if got := strings.Count(r.Compressed, "\n[... and "); got != len(r.Summaries) || got == 0 {
		t.Fatalf("%d summaries in the text, %d reported", got, len(r.Summaries))
	}
	// Lower bias keeps no more.
	low, err := mustNew(t, cfg).Compress(context.Background(), strings.Join(lines, "\n"), "", 0)
	if err != nil || low.CompressedMatches > r.CompressedMatches || low.CompressedMatches < DefaultMinTotalMatches {
		t.Fatalf("bias 0 kept %d (err %v), bias 1 kept %d", low.CompressedMatches, err, r.CompressedMatches)
	}
}

func TestGroupByFileLayout(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxMatchesPerFile = 2
	cfg.GroupByFile = true
	in := strings.Join([]string{
		"internal/very/long/path/to/server.go:10:func Serve() {",
		"internal/very/long/path/to/server.go:20:func Stop() {",
		"internal/very/long/path/to/server.go:30:func Wait() {",
		"internal/very/long/path/to/client.go:5:func Dial() {",
	}, "\n")
	r := compress(t, mustNew(t, cfg), in, "")
	want := "internal/very/long/path/to/client.go\n5:func Dial() {\n\n" +
		"internal/very/long/path/to/server.go\n10:func Serve() {\n30:func Wait() {\n[... and 1 more matches]"
	if r.Compressed != want {
		t.Fatalf("got\n%s\nwant\n%s", r.Compressed, want)
	}
	if !slices.Equal(r.Summaries, []Summary{{"internal/very/long/path/to/server.go", "[... and 1 more matches]"}}) {
		t.Fatalf("summaries %+v", r.Summaries)
	}
}

func TestNoMatchLinesPassThrough(t *testing.T) {
	c := mustNew(t, DefaultConfig())
	for _, in := range []string{"", "plain text only", "a:b:c\n\nno numbers: here"} {
		r := compress(t, c, in, "")
		if r.Compressed != in || r.OriginalMatches != 0 || r.CompressionRatio != 1 || r.CacheKey != "" {
			t.Errorf("%q: %+v", in, r)
		}
	}
}

func TestOutputThatWouldGrowPassesThrough(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxMatchesPerFile = 1
	// Dropping "a:2:x" (5 bytes) would cost a 28-byte summary.
	in := "a:1:x\na:2:x"
	r := compress(t, mustNew(t, cfg), in, "")
	if r.Compressed != in || r.CompressedMatches != 2 || r.OriginalMatches != 2 || r.CompressionRatio != 1 || r.Summaries != nil {
		t.Fatalf("got %+v", r)
	}
	// Shorter in bytes but longer in characters: dropped CJK text is
	// three bytes a character, the summary one.
	in = "a:1:x\na:2:日日日日日日日日\na:3:日日日日日日日日"
	r = compress(t, mustNew(t, cfg), in, "")
	if r.Compressed != in {
		t.Fatalf("got %q", r.Compressed)
	}
}

// grepOutput is realistic search output: n matches across a few files,
// repetitive enough for the sizer to cut it down.
func grepOutput(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "src/handlers/user_handler_%d.go:%d:    if err := validateRequest(ctx, req); err != nil { return nil, err }\n", i%4, 10*i+1)
	}
	return b.String()
}

func TestCCRMarkerResolvesToTheOriginal(t *testing.T) {
	store := memstore.New(8, time.Minute)
	cfg := DefaultConfig()
	cfg.Store = store
	in := grepOutput(40)
	r := compress(t, mustNew(t, cfg), in, "")
	if r.CacheKey == "" {
		t.Fatalf("no marker: %+v", r)
	}
	wantMarker := fmt.Sprintf("\n[40 matches compressed to %d. Retrieve more: hash=%s]", r.CompressedMatches, r.CacheKey)
	if !strings.HasSuffix(r.Compressed, wantMarker) {
		t.Fatalf("marker missing:\n%s", r.Compressed)
	}
	got, err := store.Get(context.Background(), r.CacheKey)
	if err != nil || string(got) != in {
		t.Fatalf("store: %q, %v", got, err)
	}
	if len(r.CacheKey) != 24 || strings.Trim(r.CacheKey, "0123456789abcdef") != "" {
		t.Fatalf("key %q is not 24 lowercase hex digits", r.CacheKey)
	}
	body := strings.TrimSuffix(r.Compressed, wantMarker)
	if r.CompressionRatio != float64(len(body))/float64(len(in)) || r.CompressionRatio >= DefaultCCRRatio {
		t.Fatalf("ratio %v", r.CompressionRatio)
	}
}

func TestCCRConditions(t *testing.T) {
	in := grepOutput(40)
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"disabled", func(c *Config) { c.EnableCCR = false }},
		{"no store", func(c *Config) { c.Store = nil }},
		{"too few matches", func(c *Config) { c.MinMatchesForCCR = 41 }},
		{"not compressed enough", func(c *Config) { c.CCRRatio = 0.01 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := memstore.New(8, time.Minute)
			cfg := DefaultConfig()
			cfg.Store = store
			tt.edit(&cfg)
			r := compress(t, mustNew(t, cfg), in, "")
			if r.CacheKey != "" || strings.Contains(r.Compressed, "Retrieve more") {
				t.Fatalf("marker emitted: %+v", r)
			}
			if r.CompressedMatches >= r.OriginalMatches {
				t.Fatalf("not compressed: %+v", r)
			}
			if n, _ := store.Len(context.Background()); n != 0 {
				t.Fatalf("stored %d entries without a marker", n)
			}
		})
	}
	// Exactly MinMatchesForCCR matches is enough.
	cfg := DefaultConfig()
	cfg.Store = memstore.New(8, time.Minute)
	cfg.MinMatchesForCCR = 40
	if r := compress(t, mustNew(t, cfg), in, ""); r.CacheKey == "" {
		t.Fatalf("no marker at the threshold")
	}
}

func TestStoreFailureReturnsTheInput(t *testing.T) {
	// A cancelled request makes the real store refuse the write.
	store := memstore.New(1, time.Minute)
	cfg := DefaultConfig()
	cfg.Store = store
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := grepOutput(40)
	r, err := mustNew(t, cfg).Compress(ctx, in, "", 1)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if r.Compressed != in || r.CacheKey != "" || r.CompressionRatio != 1 {
		t.Fatalf("result %+v", r)
	}
	if n, _ := store.Len(context.Background()); n != 0 {
		t.Fatalf("%d entries stored", n)
	}
}

func TestInvalidBias(t *testing.T) {
	c := mustNew(t, DefaultConfig())
	for _, bias := range []float64{-0.1, math.NaN(), math.Inf(1)} {
		if _, err := c.Compress(context.Background(), "a:1:x", "", bias); !errors.Is(err, ErrInvalidBias) {
			t.Errorf("bias %v: err = %v", bias, err)
		}
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"zero", func(c *Config) { *c = Config{} }},
		{"matches per file", func(c *Config) { c.MaxMatchesPerFile = 0 }},
		{"total matches", func(c *Config) { c.MaxTotalMatches = 0 }},
		{"files", func(c *Config) { c.MaxFiles = 0 }},
		{"min matches for CCR", func(c *Config) { c.MinMatchesForCCR = -1 }},
		{"CCR ratio zero", func(c *Config) { c.CCRRatio = 0 }},
		{"CCR ratio above one", func(c *Config) { c.CCRRatio = 1.1 }},
		{"CCR ratio NaN", func(c *Config) { c.CCRRatio = math.NaN() }},
		{"empty keyword", func(c *Config) { c.ContextKeywords = []string{"ok", ""} }},
	}
	for _, tt := range tests {
		cfg := DefaultConfig()
		tt.edit(&cfg)
		if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
	kw := []string{"Auth"}
	cfg := DefaultConfig()
	cfg.ContextKeywords = kw
	c := mustNew(t, cfg)
	kw[0] = "changed"
	if got := c.Config().ContextKeywords; !slices.Equal(got, []string{"Auth"}) {
		t.Errorf("Config aliases the caller's slice: %q", got)
	}
}
