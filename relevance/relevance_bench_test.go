package relevance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// benchContext reads like a user's question plus tool-call arguments.
const benchContext = "why did payment requests fail with timeout for user 12345 on worker-02? check ERROR logs and cpu_usage"

// corpusItems returns n tool-output items: the compact JSON of every element
// of the corpus's tool_*.json arrays, cycled to length n. It skips the
// benchmark when the corpus ($HEADROOM_CORPUS, else ../shared/corpus beside
// the repository root) is absent.
func corpusItems(b *testing.B, n int) []string {
	dir := os.Getenv("HEADROOM_CORPUS")
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			b.Fatal(err)
		}
		// The package directory is one level below the repository root.
		dir = filepath.Join(filepath.Dir(wd), "..", "shared", "corpus")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "tool_*.json"))
	if len(files) == 0 {
		b.Skipf("no tool_*.json corpus in %s (set HEADROOM_CORPUS)", dir)
	}
	sort.Strings(files)
	var pool []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		var elems []json.RawMessage
		if err := json.Unmarshal(data, &elems); err != nil {
			b.Fatalf("%s: %v", f, err)
		}
		for _, e := range elems {
			var buf bytes.Buffer
			if err := json.Compact(&buf, e); err != nil {
				b.Fatal(err)
			}
			pool = append(pool, buf.String())
		}
	}
	items := make([]string, n)
	for i := range items {
		items[i] = pool[i%len(pool)]
	}
	return items
}

func benchBatch(b *testing.B, s Scorer) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			items := corpusItems(b, n)
			var size int64
			for _, it := range items {
				size += int64(len(it))
			}
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				s.ScoreBatch(items, benchContext)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
		})
	}
}

func BenchmarkBM25ScoreBatch(b *testing.B)   { benchBatch(b, DefaultBM25()) }
func BenchmarkHybridScoreBatch(b *testing.B) { benchBatch(b, DefaultHybrid()) }

func BenchmarkBM25Score(b *testing.B) {
	item := corpusItems(b, 1)[0]
	b.ReportAllocs()
	for b.Loop() {
		DefaultBM25().Score(item, benchContext)
	}
}

func BenchmarkTokenize(b *testing.B) {
	items := corpusItems(b, 1000)
	var size int64
	for _, it := range items {
		size += int64(len(it))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, it := range items {
			eachToken(lowerForTokens(it), func(string) {})
		}
	}
}
