package tokenizer

import (
	"os"
	"path/filepath"
	"testing"
)

// corpusDir is where realistic request bodies live: $HEADROOM_CORPUS, else
// ../shared/corpus relative to the repository root.
func corpusDir() string {
	if d := os.Getenv("HEADROOM_CORPUS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "shared", "corpus")
}

// BenchmarkCount counts each corpus file whole with o200k_base, cl100k_base
// and the Claude estimator. MB/s is input bytes; tokens/s is what the
// counter reported per second.
func BenchmarkCount(b *testing.B) {
	dir := corpusDir()
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) == 0 {
		b.Skipf("no corpus files in %s (set HEADROOM_CORPUS)", dir)
	}
	counters := []struct {
		name string
		c    Counter
	}{
		{"o200k", mustBPE(b, O200kBase)},
		{"cl100k", mustBPE(b, Cl100kBase)},
		{"estimator", Estimator{cpt: ClaudeCharsPerToken}},
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			b.Fatal(err)
		}
		text := string(data)
		for _, c := range counters {
			b.Run(filepath.Base(file)+"/"+c.name, func(b *testing.B) {
				tokens := c.c.Count(text) // also builds the tables outside the timer
				b.SetBytes(int64(len(text)))
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					c.c.Count(text)
				}
				b.ReportMetric(float64(tokens)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
			})
		}
	}
}

// BenchmarkCountShort measures the per-call overhead on a typical short
// string (a JSON key or a small tool argument).
func BenchmarkCountShort(b *testing.B) {
	const text = `{"role": "user", "content": "hi"}`
	bpe := mustBPE(b, O200kBase)
	bpe.Count(text)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		bpe.Count(text)
	}
}
