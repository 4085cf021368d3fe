package adaptive

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/headroom-go/headroom/internal/jsonx"
)

// corpusItems renders each element of a ../shared/corpus JSON array
// compactly, the way SmartCrusher hands items to the sizer.
func corpusItems(b *testing.B, name string) []string {
	b.Helper()
	dir := os.Getenv("HEADROOM_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpus")
	}
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		b.Skipf("corpus not available (set HEADROOM_CORPUS): %v", err)
	}
	v, err := jsonx.Parse(data)
	if err != nil {
		b.Fatalf("%s: %v", name, err)
	}
	out := make([]string, 0, v.Len())
	for _, it := range v.Items() {
		out = append(out, jsonx.Compact(it))
	}
	return out
}

// logLines turns the corpus's log entries into n text lines, as a tool
// would print them, cycling through the entries.
func logLines(b *testing.B, n int) []string {
	b.Helper()
	entries := corpusItems(b, "tool_log_entries_200.json")
	field := func(item, key string) string {
		v, err := jsonx.ParseString(item)
		if err != nil {
			b.Fatal(err)
		}
		f, _ := v.Get(key)
		s, _ := f.Str()
		return s
	}
	lines := make([]string, len(entries))
	for i, e := range entries {
		lines[i] = fmt.Sprintf("%s %s [%s] %s host=%s", field(e, "timestamp"), field(e, "level"),
			field(e, "logger"), field(e, "message"), field(e, "hostname"))
	}
	out := make([]string, n)
	for i := range out {
		out[i] = lines[i%len(lines)]
	}
	return out
}

// BenchmarkOptimalK sizes log lines with the log compressor's bounds
// (minK 10, maxK 100) and JSON items with SmartCrusher's (3, 15); the /zlib
// cases leave room under maxK so the zlib cross-check runs.
func BenchmarkOptimalK(b *testing.B) {
	for _, c := range []struct {
		name       string
		items      func(*testing.B) []string
		bias       float64
		minK, maxK int
	}{
		{"log/lines=200", func(b *testing.B) []string { return logLines(b, 200) }, 1, 10, 100},
		{"log/lines=5000", func(b *testing.B) []string { return logLines(b, 5000) }, 1, 10, 100},
		{"log/lines=1000/zlib", func(b *testing.B) []string { return logLines(b, 1000) }, 0.5, 10, 1000},
		{"items/database_rows_300", func(b *testing.B) []string { return corpusItems(b, "tool_database_rows_300.json") }, 1, 3, 15},
		{"items/database_rows_300/zlib", func(b *testing.B) []string { return corpusItems(b, "tool_database_rows_300.json") }, 0.3, 3, 300},
		{"items/api_responses_50", func(b *testing.B) []string { return corpusItems(b, "tool_api_responses_50.json") }, 1, 3, 15},
		{"items/search_results_100", func(b *testing.B) []string { return corpusItems(b, "tool_search_results_100.json") }, 1, 3, 15},
	} {
		b.Run(c.name, func(b *testing.B) {
			items := c.items(b)
			b.ReportAllocs()
			k := 0
			for b.Loop() {
				k = OptimalK(items, c.bias, c.minK, c.maxK)
			}
			b.ReportMetric(float64(k), "k")
		})
	}
}
