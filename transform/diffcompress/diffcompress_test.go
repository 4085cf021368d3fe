package diffcompress

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

// hunkText returns a hunk header plus body: before context lines, one
// removed and one added line, after context lines.
func hunkText(start, before, after int, removed, added string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "@@ -%d,%d +%d,%d @@ func f%d()\n", start, before+after+1, start, before+after+1, start)
	for i := 0; i < before; i++ {
		fmt.Fprintf(&b, " ctx before %d.%d\n", start, i)
	}
	b.WriteString("-" + removed + "\n+" + added + "\n")
	for i := 0; i < after; i++ {
		fmt.Fprintf(&b, " ctx after %d.%d\n", start, i)
	}
	return b.String()
}

func fileHeader(name string) string {
	return fmt.Sprintf("diff --git a/%s b/%s\nindex 1111111..2222222 100644\n--- a/%s\n+++ b/%s\n", name, name, name, name)
}

func newCompressor(t *testing.T, mod func(*Config)) *Compressor {
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

func compress(t *testing.T, c *Compressor, content, query string) Result {
	t.Helper()
	r, err := c.Compress(context.Background(), content, query)
	if err != nil {
		t.Fatalf("Compress: %v", err)
	}
	return r
}

func md5Hex24(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])[:24]
}

func TestShortInputIsReturnedUnchanged(t *testing.T) {
	c := newCompressor(t, nil)
	in := fileHeader("a.go") + hunkText(1, 10, 10, "old", "new")
	r := compress(t, c, in, "")
	want := Result{Compressed: in, OriginalLineCount: strings.Count(in, "\n") + 1, CompressedLineCount: strings.Count(in, "\n") + 1}
	if r != want {
		t.Fatalf("got %+v, want %+v", r, want)
	}
}

func TestNonDiffInputIsReturnedUnchanged(t *testing.T) {
	c := newCompressor(t, nil)
	in := strings.Repeat("just some text\n", 80)
	r := compress(t, c, in, "")
	if r.Compressed != in || r.FilesAffected != 0 || r.CacheKey != "" || r.OriginalLineCount != 81 {
		t.Fatalf("got %+v", r)
	}
}

func TestContextIsTrimmedAroundChanges(t *testing.T) {
	c := newCompressor(t, func(c *Config) { c.MinLines = 0 })
	in := fileHeader("a.go") + hunkText(10, 6, 6, "old line", "new line")
	r := compress(t, c, in, "")
	want := strings.Join([]string{
		"diff --git a/a.go b/a.go",
		"--- a/a.go",
		"+++ b/a.go",
		"@@ -10,13 +10,13 @@ func f10()",
		" ctx before 10.4",
		" ctx before 10.5",
		"-old line",
		"+new line",
		" ctx after 10.0",
		" ctx after 10.1",
		"[1 files changed, +1 -1 lines]",
	}, "\n")
	if r.Compressed != want {
		t.Fatalf("compressed:\n%s\nwant:\n%s", r.Compressed, want)
	}
	if r.Additions != 1 || r.Deletions != 1 || r.HunksKept != 1 || r.HunksRemoved != 0 || r.FilesAffected != 1 {
		t.Fatalf("counts: %+v", r)
	}
	if r.CompressedLineCount != 11 || r.OriginalLineCount != strings.Count(in, "\n")+1 {
		t.Fatalf("line counts: %+v", r)
	}
}

func TestHunkWithoutChangesKeepsLeadingContext(t *testing.T) {
	c := newCompressor(t, func(c *Config) { c.MinLines = 0; c.MaxContextLines = 1 })
	in := fileHeader("a.go") + "@@ -1,4 +1,4 @@\n one\n two\n three\n four\n" + hunkText(20, 3, 3, "x", "y")
	r := compress(t, c, in, "")
	if !strings.Contains(r.Compressed, "@@ -1,4 +1,4 @@\n one\n@@ -20") {
		t.Fatalf("changeless hunk should keep one line:\n%s", r.Compressed)
	}
}

func TestNoNewlineMarkerAlwaysSurvives(t *testing.T) {
	c := newCompressor(t, func(c *Config) { c.MinLines = 0; c.MaxContextLines = 0 })
	in := fileHeader("a.go") + "@@ -1,5 +1,5 @@\n-a\n+b\n c\n d\n e\n\\ No newline at end of file\n"
	r := compress(t, c, in, "")
	if !strings.Contains(r.Compressed, "-a\n+b\n\\ No newline at end of file\n[1 files") {
		t.Fatalf("marker lost:\n%s", r.Compressed)
	}
}

func TestHunkCapKeepsFirstLastAndBestMiddle(t *testing.T) {
	c := newCompressor(t, func(c *Config) { c.MinLines = 0; c.MaxHunksPerFile = 4 })
	var b strings.Builder
	b.WriteString(fileHeader("a.go"))
	// Six hunks; hunk 3 mentions a priority word, hunk 4 a query word.
	for i := 1; i <= 6; i++ {
		removed, added := fmt.Sprintf("old %d", i), fmt.Sprintf("new %d", i)
		switch i {
		case 3:
			added = "return fmt.Errorf(\"panic: boom\")"
		case 4:
			added = "retry the upload"
		}
		b.WriteString(hunkText(i*100, 1, 1, removed, added))
	}
	r := compress(t, c, b.String(), "why does the upload retry")
	var headers []string
	for _, l := range strings.Split(r.Compressed, "\n") {
		if strings.HasPrefix(l, "@@") {
			headers = append(headers, strings.Fields(l)[2])
		}
	}
	if got, want := strings.Join(headers, " "), "+100,3 +300,3 +400,3 +600,3"; got != want {
		t.Fatalf("kept hunks %s, want %s\n%s", got, want, r.Compressed)
	}
	if r.HunksKept != 4 || r.HunksRemoved != 2 || r.Additions != 6 || r.Deletions != 6 {
		t.Fatalf("counts: %+v", r)
	}
	if !strings.HasSuffix(r.Compressed, "[1 files changed, +6 -6 lines, 2 hunks omitted]") {
		t.Fatalf("footer: %q", r.Compressed[strings.LastIndex(r.Compressed, "\n")+1:])
	}
}

func TestHunkCapRestoresLineOrder(t *testing.T) {
	c := newCompressor(t, func(c *Config) { c.MinLines = 0; c.MaxHunksPerFile = 3 })
	// The best middle hunk appears last in the input but has the lowest
	// start line; the kept hunks are ordered by start line.
	in := fileHeader("a.go") + hunkText(500, 1, 1, "a", "b") + hunkText(600, 1, 1, "c", "d") +
		hunkText(5, 1, 1, "e", "fix the bug") + hunkText(700, 1, 1, "g", "h")
	r := compress(t, c, in, "")
	i5, i500, i700 := strings.Index(r.Compressed, "+5,3"), strings.Index(r.Compressed, "+500,3"), strings.Index(r.Compressed, "+700,3")
	if i5 < 0 || i500 < 0 || i700 < 0 || strings.Contains(r.Compressed, "+600,3") || !(i5 < i500 && i500 < i700) {
		t.Fatalf("order wrong:\n%s", r.Compressed)
	}
}

func TestFileCapKeepsHeaviestFilesInInputOrder(t *testing.T) {
	c := newCompressor(t, func(c *Config) { c.MinLines = 0; c.MaxFiles = 2 })
	in := fileHeader("light.go") + hunkText(1, 1, 1, "a", "b") +
		fileHeader("heavy1.go") + hunkText(1, 1, 1, "a", "b") + hunkText(50, 1, 1, "c", "d") +
		fileHeader("heavy2.go") + hunkText(1, 1, 1, "a", "b") + hunkText(50, 1, 1, "c", "d")
	r := compress(t, c, in, "")
	if strings.Contains(r.Compressed, "light.go") {
		t.Fatalf("light file kept:\n%s", r.Compressed)
	}
	if h1, h2 := strings.Index(r.Compressed, "heavy1.go"), strings.Index(r.Compressed, "heavy2.go"); h1 < 0 || h2 < h1 {
		t.Fatalf("heavy files missing or reordered:\n%s", r.Compressed)
	}
	// Totals cover only kept files.
	if r.FilesAffected != 2 || r.Additions != 4 || r.Deletions != 4 {
		t.Fatalf("counts: %+v", r)
	}
}

func TestFileLevelMarkersAndPreDiffText(t *testing.T) {
	c := newCompressor(t, func(c *Config) { c.MinLines = 0 })
	in := "commit 0123abc\nAuthor: A <a@example.com>\n\n    subject\n\n" +
		"diff --git a/old.py b/new.py\nsimilarity index 90%\nrename from old.py\nrename to new.py\n" +
		"--- a/old.py\n+++ b/new.py\n" + hunkText(1, 0, 0, "x", "y") +
		"diff --git a/run.sh b/run.sh\nnew file mode 100755\n--- /dev/null\n+++ b/run.sh\n@@ -0,0 +1 @@\n+echo hi\n" +
		"diff --git a/img.png b/img.png\nindex 1..2 100644\nBinary files a/img.png and b/img.png differ\n"
	r := compress(t, c, in, "")
	want := strings.Join([]string{
		"commit 0123abc", "Author: A <a@example.com>", "", "    subject", "",
		"diff --git a/old.py b/new.py", "similarity index 90%", "rename from old.py", "rename to new.py",
		"--- a/old.py", "+++ b/new.py", "@@ -1,1 +1,1 @@ func f1()", "-x", "+y",
		// The reference always prints mode 100644 here.
		"diff --git a/run.sh b/run.sh", "new file mode 100644", "--- /dev/null", "+++ b/run.sh", "@@ -0,0 +1 @@", "+echo hi",
		"diff --git a/img.png b/img.png", "Binary files differ",
		"[3 files changed, +2 -1 lines]",
	}, "\n")
	if r.Compressed != want {
		t.Fatalf("compressed:\n%s\nwant:\n%s", r.Compressed, want)
	}
}

func TestRemovedLineThatLooksLikeFileHeaderIsTakenAsHeader(t *testing.T) {
	// A removed line whose text is "-- a/x" reads "--- a/x"; the reference
	// checks file headers before hunk lines, so it replaces the file's
	// "---" line instead of counting as a deletion.
	c := newCompressor(t, func(c *Config) { c.MinLines = 0 })
	in := fileHeader("a.md") + "@@ -1,2 +1,1 @@\n keep\n--- a/x\n+added\n"
	r := compress(t, c, in, "")
	if r.Deletions != 0 || r.Additions != 1 || !strings.Contains(r.Compressed, "diff --git a/a.md b/a.md\n--- a/x\n+++ b/a.md") {
		t.Fatalf("got %+v\n%s", r, r.Compressed)
	}
}

// bigDiff has enough trimmable context for the marker to fire.
func bigDiff() string {
	var b strings.Builder
	for f := 0; f < 3; f++ {
		b.WriteString(fileHeader(fmt.Sprintf("pkg/f%d.go", f)))
		for h := 0; h < 3; h++ {
			b.WriteString(hunkText(1+h*40, 8, 8, fmt.Sprintf("old %d.%d", f, h), fmt.Sprintf("new %d.%d", f, h)))
		}
	}
	return b.String()
}

func TestMarkerResolvesThroughStore(t *testing.T) {
	store := memstore.New(16, time.Minute)
	c := newCompressor(t, func(c *Config) { c.Store = store })
	in := bigDiff()
	r := compress(t, c, in, "")
	key := md5Hex24(in)
	if r.CacheKey != key {
		t.Fatalf("CacheKey %q, want %q", r.CacheKey, key)
	}
	body, marker, ok := cutLastLine(r.Compressed)
	if !ok {
		t.Fatal("no marker line")
	}
	wantMarker := fmt.Sprintf("[%d lines compressed to %d. Retrieve full diff: hash=%s]", r.OriginalLineCount, r.CompressedLineCount, key)
	if marker != wantMarker {
		t.Fatalf("marker %q, want %q", marker, wantMarker)
	}
	if got := strings.Count(body, "\n") + 1; got != r.CompressedLineCount {
		t.Fatalf("CompressedLineCount %d, body has %d lines", r.CompressedLineCount, got)
	}
	got, err := store.Get(context.Background(), key)
	if err != nil || string(got) != in {
		t.Fatalf("store.Get = %q, %v; want the original", got, err)
	}
}

func cutLastLine(s string) (string, string, bool) {
	i := strings.LastIndexByte(s, '\n')
	if i < 0 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

func TestNoMarkerWithoutStoreOrWhenDisabled(t *testing.T) {
	in := bigDiff()
	withStore := compress(t, newCompressor(t, func(c *Config) { c.Store = memstore.New(4, time.Minute) }), in, "")

	noStore := compress(t, newCompressor(t, nil), in, "")
	store := memstore.New(4, time.Minute)
	disabled := compress(t, newCompressor(t, func(c *Config) { c.Store = store; c.EnableCCR = false }), in, "")
	for name, r := range map[string]Result{"no store": noStore, "disabled": disabled} {
		if r.CacheKey != "" || strings.Contains(r.Compressed, "Retrieve full diff") {
			t.Errorf("%s: marker emitted: %+v", name, r)
		}
		if body, _, _ := cutLastLine(withStore.Compressed); r.Compressed != body {
			t.Errorf("%s: output differs from the marked output beyond the marker", name)
		}
	}
	if n, _ := store.Len(context.Background()); n != 0 {
		t.Errorf("disabled CCR stored %d entries", n)
	}
}

func TestMarkerNeedsEnoughLineSavings(t *testing.T) {
	store := memstore.New(4, time.Minute)
	// Every hunk line is a change, so only index lines go away.
	var b strings.Builder
	for f := 0; f < 12; f++ {
		b.WriteString(fileHeader(fmt.Sprintf("f%d", f)) + hunkText(1, 0, 0, "a", "b"))
	}
	r := compress(t, newCompressor(t, func(c *Config) { c.Store = store }), b.String(), "")
	if r.CacheKey != "" || float64(r.CompressedLineCount) < float64(r.OriginalLineCount)*DefaultCCRLineRatio {
		t.Fatalf("unexpected marker or savings: %+v", r)
	}
	if r.Compressed == b.String() {
		t.Fatal("index lines should still have been dropped")
	}
}

func TestStoreFailureReturnsInputAndError(t *testing.T) {
	store := memstore.New(4, time.Minute)
	c := newCompressor(t, func(c *Config) { c.Store = store })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := bigDiff()
	r, err := c.Compress(ctx, in, "")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if r.Compressed != in || r.CacheKey != "" || r.CompressedLineCount != r.OriginalLineCount {
		t.Fatalf("result after store failure: %+v", r)
	}
}

func TestOutputNeverGrows(t *testing.T) {
	// Nothing to trim and no index lines: the reference would add a footer
	// line; the input comes back instead.
	var b strings.Builder
	for f := 0; f < 15; f++ {
		fmt.Fprintf(&b, "diff --git a/f%d b/f%d\n--- a/f%d\n+++ b/f%d\n@@ -1 +1 @@\n-a\n+b\n", f, f, f, f)
	}
	in := b.String()
	r := compress(t, newCompressor(t, nil), in, "")
	if r.Compressed != in || r.CompressedLineCount != r.OriginalLineCount || r.FilesAffected != 0 {
		t.Fatalf("got %+v", r)
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	for name, mod := range map[string]func(*Config){
		"negative context":  func(c *Config) { c.MaxContextLines = -1 },
		"one hunk per file": func(c *Config) { c.MaxHunksPerFile = 1 },
		"no files":          func(c *Config) { c.MaxFiles = 0 },
		"negative min":      func(c *Config) { c.MinLines = -5 },
		"zero ratio":        func(c *Config) { c.CCRLineRatio = 0 },
		"ratio above one":   func(c *Config) { c.CCRLineRatio = 1.5 },
		"NaN ratio":         func(c *Config) { c.CCRLineRatio = math.NaN() },
	} {
		cfg := DefaultConfig()
		mod(&cfg)
		if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: err = %v, want ErrInvalidConfig", name, err)
		}
	}
	if _, err := New(Config{}); err == nil {
		t.Error("zero Config accepted")
	}
	if _, err := New(DefaultConfig()); err != nil {
		t.Errorf("DefaultConfig rejected: %v", err)
	}
}
