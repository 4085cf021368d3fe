package compaction

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/headroom-go/headroom/internal/jsonx"
)

// corpusArrays loads ../shared/corpus/tool_*.json ($HEADROOM_CORPUS
// overrides the directory) or skips.
func corpusArrays(b *testing.B) map[string][]jsonx.Value {
	dir := os.Getenv("HEADROOM_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "corpus")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "tool_*.json"))
	if len(files) == 0 {
		b.Skipf("no tool_*.json in %s (set HEADROOM_CORPUS)", dir)
	}
	out := make(map[string][]jsonx.Value, len(files))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		v, err := jsonx.Parse(data)
		if err != nil || v.Kind() != jsonx.Array {
			b.Fatalf("%s: not a JSON array (%v)", f, err)
		}
		out[filepath.Base(f)] = v.Items()
	}
	return out
}

// BenchmarkCompactCorpus measures the stage SmartCrusher runs on an array
// of objects (Compact, then render) per corpus file and formatter.
// bytes_in is the array's compact JSON, the size the savings gate
// compares against; bytes_out is the rendering.
func BenchmarkCompactCorpus(b *testing.B) {
	arrays := corpusArrays(b)
	cfg := DefaultConfig()
	for _, name := range sortedKeys(arrays) {
		items := arrays[name]
		in := len(jsonx.AppendCompact(nil, jsonx.ArrayValue(items)))
		for _, f := range []Formatter{CSVSchema{}, JSON{}, MarkdownKV{}} {
			b.Run(name+"/"+f.Name(), func(b *testing.B) {
				out := len(f.AppendFormat(nil, Compact(items, &cfg)))
				b.SetBytes(int64(in))
				b.ReportAllocs()
				var buf []byte
				for b.Loop() {
					buf = f.AppendFormat(buf[:0], Compact(items, &cfg))
				}
				b.ReportMetric(float64(in), "bytes_in")
				b.ReportMetric(float64(out), "bytes_out")
			})
		}
	}
}

// BenchmarkDocumentCompactorCorpus walks each corpus document.
func BenchmarkDocumentCompactorCorpus(b *testing.B) {
	arrays := corpusArrays(b)
	for _, name := range sortedKeys(arrays) {
		doc := jsonx.ArrayValue(arrays[name])
		b.Run(name, func(b *testing.B) {
			d := NewDocumentCompactor(nil)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Compact(b.Context(), doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func sortedKeys(m map[string][]jsonx.Value) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
