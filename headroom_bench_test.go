package headroom_test

import (
	"testing"

	"github.com/headroom-go/headroom"
	"github.com/headroom-go/headroom/ccr/memstore"
)

// BenchmarkCompressRequest measures one CompressRequest per corpus request
// with format detection, token counting and a memory store: the full cost
// an embedding gateway pays per request.
func BenchmarkCompressRequest(b *testing.B) {
	for _, r := range loadCorpusRequests(b) {
		b.Run(r.name, func(b *testing.B) {
			opts := headroom.RequestOptions{Store: memstore.New(0, 0)}
			res, err := headroom.CompressRequest(b.Context(), r.body, opts)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(r.body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := headroom.CompressRequest(b.Context(), r.body, opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(res.Stats.TokensBefore), "tok_in")
			b.ReportMetric(float64(res.Stats.TokensAfter), "tok_out")
		})
	}
}

// BenchmarkCompressContent measures one CompressContent per corpus tool
// output with a memory store, compressor construction included.
func BenchmarkCompressContent(b *testing.B) {
	for name, content := range corpusToolOutputs(b) {
		b.Run(name, func(b *testing.B) {
			opts := headroom.ContentOptions{Store: memstore.New(0, 0)}
			res, err := headroom.CompressContent(b.Context(), content, opts)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(content)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := headroom.CompressContent(b.Context(), content, opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(res.Stats.TokensBefore), "tok_in")
			b.ReportMetric(float64(res.Stats.TokensAfter), "tok_out")
		})
	}
}
