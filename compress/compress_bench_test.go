package compress_test

import (
	"context"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/compress"
	"github.com/headroom-go/headroom/pipeline"
	"github.com/headroom-go/headroom/transform"
)

func benchCompress(b *testing.B, c *compress.Compressor, content string, req compress.Request) {
	ctx := context.Background()
	res, err := c.Compress(ctx, content, req)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Compress(ctx, content, req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.Stats.TokensSaved()), "tokens_saved/op")
	b.ReportMetric(float64(res.Stats.TokensBefore), "tokens_in/op")
}

// BenchmarkCompress measures each compressor through the entry point on a
// synthetic input it handles.
func BenchmarkCompress(b *testing.B) {
	c := newCompressor(b, memstore.New(0, 0), func(o *compress.Options) { o.CompressSearch = true })
	for _, tc := range []struct{ name, content string }{
		{"json_array", prettyRows},
		{"log_template", serviceLog},
		{"log_offload", heartbeatLog},
		{"diff_offload", contextDiff},
		{"diff_noise", lockDiff},
		{"search_offload", grepOutput},
		{"prose_unchanged", strings.Repeat(prose+"\n", 40)},
	} {
		b.Run(tc.name, func(b *testing.B) { benchCompress(b, c, tc.content, compress.Request{}) })
	}
}

// BenchmarkCompressCorpus runs every corpus tool output through the entry
// point (detection, pipeline, token counting).
func BenchmarkCompressCorpus(b *testing.B) {
	c := newCompressor(b, memstore.New(0, 0))
	for _, s := range loadCorpus(b) {
		b.Run(s.name, func(b *testing.B) { benchCompress(b, c, s.content, compress.Request{}) })
	}
}

// BenchmarkPipelineCorpus runs the default pipeline alone on every corpus
// tool output, routed as the entry point routes it: the cost without
// detection and token counting.
func BenchmarkPipelineCorpus(b *testing.B) {
	p, err := pipeline.NewDefault(pipeline.DefaultConfig(), memstore.New(0, 0))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, s := range loadCorpus(b) {
		t := compress.Route(s.content)
		b.Run(s.name, func(b *testing.B) {
			res, err := p.Run(ctx, s.content, t, transform.Hints{})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(s.content)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Run(ctx, s.content, t, transform.Hints{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(s.content)-len(res.Output)), "bytes_saved/op")
		})
	}
}

// BenchmarkRoute measures content detection alone.
func BenchmarkRoute(b *testing.B) {
	for _, tc := range []struct{ name, content string }{
		{"json_array", prettyRows}, {"log", serviceLog}, {"diff", contextDiff}, {"prose", prose},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.content)))
			b.ReportAllocs()
			for b.Loop() {
				compress.Route(tc.content)
			}
		})
	}
}
