package jsonx

import (
	"os"
	"path/filepath"
	"testing"
)

// corpusFiles returns the shared tool-output corpus, or skips.
func corpusFiles(b *testing.B) []string {
	dir := os.Getenv("HEADROOM_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpus")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "tool_*.json"))
	if len(files) == 0 {
		b.Skipf("no tool_*.json corpus under %s (set HEADROOM_CORPUS)", dir)
	}
	return files
}

func BenchmarkParse(b *testing.B) {
	for _, path := range corpusFiles(b) {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		s := string(data)
		b.Run(filepath.Base(path), func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseString(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAppendCompact(b *testing.B) {
	for _, path := range corpusFiles(b) {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		v, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		buf := AppendCompact(nil, v)
		b.Run(filepath.Base(path), func(b *testing.B) {
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendCompact(buf[:0], v)
			}
		})
	}
}

func BenchmarkAppendPySortKeys(b *testing.B) {
	for _, path := range corpusFiles(b) {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		v, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		buf := AppendPySortKeys(nil, v)
		b.Run(filepath.Base(path), func(b *testing.B) {
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendPySortKeys(buf[:0], v)
			}
		})
	}
}
