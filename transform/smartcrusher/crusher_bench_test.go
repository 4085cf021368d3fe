package smartcrusher

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/internal/jsonx"
)

// sharedDir finds ../shared/<sub> relative to the repo root, or skips.
func sharedDir(b *testing.B, env, sub string) string {
	if d := os.Getenv(env); d != "" {
		return d
	}
	d := filepath.Join("..", "..", "..", "shared", sub)
	if _, err := os.Stat(d); err != nil {
		b.Skipf("%s not found (set %s)", d, env)
	}
	return d
}

// estTokens is the len/4 estimate used for reporting compression ratios.
func estTokens(s string) float64 { return float64(len(s)) / 4 }

func benchCrush(b *testing.B, content, query string, bias float64) {
	c, err := New(Options{
		Config: DefaultConfig(), Store: memstore.New(ccr.DefaultCapacity, ccr.DefaultTTL),
		Compaction: CompactionOff, // the lossy path; lossless_bench_test.go covers the default
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	res, err := c.Crush(ctx, content, query, bias)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Crush(ctx, content, query, bias); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(estTokens(content), "tok_in")
	b.ReportMetric(estTokens(res.Compressed), "tok_out")
}

// BenchmarkCrushCorpus crushes each ../shared/corpus/tool_*.json file.
func BenchmarkCrushCorpus(b *testing.B) {
	dir := sharedDir(b, "HEADROOM_CORPUS", "corpus")
	files, _ := filepath.Glob(filepath.Join(dir, "tool_*.json"))
	if len(files) == 0 {
		b.Skipf("no tool_*.json in %s", dir)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Base(f), func(b *testing.B) { benchCrush(b, string(data), "", 1) })
	}
}

// BenchmarkCrushFixtures crushes each smart_crusher parity fixture input.
func BenchmarkCrushFixtures(b *testing.B) {
	dir := filepath.Join(sharedDir(b, "HEADROOM_PARITY_FIXTURES", filepath.Join("parity", "fixtures")), "smart_crusher")
	if os.Getenv("HEADROOM_PARITY_FIXTURES") != "" {
		dir = filepath.Join(os.Getenv("HEADROOM_PARITY_FIXTURES"), "smart_crusher")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		b.Skipf("no fixtures in %s", dir)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		fx, err := jsonx.Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		in, _ := fx.Get("input")
		content, _ := in.Get("content")
		text, _ := content.Str()
		bias := 1.0
		if bv, ok := in.Get("bias"); ok {
			if x, ok := bv.Float(); ok {
				bias = x
			}
		}
		name := filepath.Base(f)
		b.Run(name[:len(name)-len(".json")], func(b *testing.B) { benchCrush(b, text, "", bias) })
	}
}
