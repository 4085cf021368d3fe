package smartcrusher

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/tokenizer"
)

// BenchmarkCrushCorpusCompaction crushes each ../shared/corpus/tool_*.json
// with the default crusher (lossless stage on) and, for comparison, with
// CompactionOff, reporting gpt-4o (o200k) tokens before and after.
func BenchmarkCrushCorpusCompaction(b *testing.B) {
	dir := sharedDir(b, "HEADROOM_CORPUS", "corpus")
	files, _ := filepath.Glob(filepath.Join(dir, "tool_*.json"))
	if len(files) == 0 {
		b.Skipf("no tool_*.json in %s", dir)
	}
	tok := tokenizer.ForModel("gpt-4o")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		content := string(data)
		for _, format := range []CompactionFormat{CompactionCSVSchema, CompactionOff} {
			b.Run(filepath.Base(f)+"/"+string(format), func(b *testing.B) {
				c, err := New(Options{Config: DefaultConfig(), Store: memstore.New(ccr.DefaultCapacity, ccr.DefaultTTL), Compaction: format})
				if err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				res, err := c.Crush(ctx, content, "", 1)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(content)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := c.Crush(ctx, content, "", 1); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(tok.Count(content)), "tok_in")
				b.ReportMetric(float64(tok.Count(res.Compressed)), "tok_out")
				b.Logf("%s: %s", format, res.Strategy)
			})
		}
	}
}
