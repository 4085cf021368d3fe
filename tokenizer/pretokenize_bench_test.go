package tokenizer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkSplit measures the hand-written pre-tokenizers alone over the
// whole corpus, the part of Count that regexp2 used to dominate.
func BenchmarkSplit(b *testing.B) {
	dir := corpusDir()
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) == 0 {
		b.Skipf("no corpus files in %s (set HEADROOM_CORPUS)", dir)
	}
	var sb strings.Builder
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			b.Fatal(err)
		}
		sb.Write(data)
	}
	text := sb.String()
	for _, s := range splitters {
		b.Run(s.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			pieces := 0
			for b.Loop() {
				pieces = 0
				for start := 0; start < len(text); pieces++ {
					start = s.next(text, start)
				}
			}
			b.ReportMetric(float64(pieces), "pieces/op")
		})
	}
}
