package coreapi

import (
	"context"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/relevance"
	"github.com/headroom-go/headroom/transform/smartcrusher"
)

// benchRows is the number of log rows the crush benchmarks use.
const benchRows = 100

func benchCall(b *testing.B, method string, args []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(args)))
	for b.Loop() {
		if _, err := Call(method, args); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCallSmartCrusher is one crush through the binding: argument
// parsing, building the crusher from its config, crushing, writing the
// result. Compare with BenchmarkSmartCrusherDirect for the binding's cost.
func BenchmarkCallSmartCrusher(b *testing.B) {
	args := jsonx.AppendCompact(nil, jsonx.ObjectValue([]jsonx.Member{
		{Key: "content", Value: jsonx.StringValue(logRowsJSON(benchRows))},
		{Key: "compaction", Value: jsonx.StringValue("off")},
	}))
	benchCall(b, "smart_crusher.crush", args)
}

// BenchmarkSmartCrusherDirect is the same crush on a crusher built once.
func BenchmarkSmartCrusherDirect(b *testing.B) {
	content := logRowsJSON(benchRows)
	c, err := smartcrusher.New(smartcrusher.Options{
		Config: smartcrusher.DefaultConfig(), Store: Store(),
		Scorer: smartcrusher.RelevanceScorer(relevance.DefaultHybrid()), Compaction: smartcrusher.CompactionOff,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(content)))
	for b.Loop() {
		if _, err := c.Crush(context.Background(), content, "", 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCallDetect measures the fixed cost of a call on small input.
func BenchmarkCallDetect(b *testing.B) {
	benchCall(b, "detect_content_type", []byte(`{"content":"src/a.go:12:func main() {\nsrc/b.go:3:package b\n"}`))
}

func BenchmarkCallCountTokens(b *testing.B) {
	text := jsonx.Compact(jsonx.StringValue(strings.Repeat("The quick brown fox jumps over the lazy dog. ", 100)))
	benchCall(b, "count_tokens", []byte(`{"text":`+text+`,"model":"gpt-4o"}`))
}
