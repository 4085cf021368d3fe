package livezone_test

import (
	"testing"

	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/livezone"
	"github.com/headroom-go/headroom/tokenizer"
)

// promptTokens counts what the provider tokenizes: the text of every string
// value of the body (keys, numbers and JSON syntax excluded), with the
// request model's tokenizer. Counting the raw body instead would charge
// the escaping of quotes and newlines, which the model never sees.
func promptTokens(tb testing.TB, body []byte, model string) int {
	tb.Helper()
	v, err := jsonx.Parse(body)
	if err != nil {
		tb.Fatal(err)
	}
	counter := tokenizer.ForModel(model)
	var walk func(v jsonx.Value) int
	walk = func(v jsonx.Value) int {
		switch v.Kind() {
		case jsonx.String:
			s, _ := v.Str()
			return counter.Count(s)
		case jsonx.Array:
			n := 0
			for _, it := range v.Items() {
				n += walk(it)
			}
			return n
		case jsonx.Object:
			n := 0
			for _, m := range v.Members() {
				n += walk(m.Value)
			}
			return n
		}
		return 0
	}
	return walk(v)
}

// BenchmarkCorpus measures one live-zone pass per corpus request with the
// default compressors (Anthropic with auto-frozen floors, Chat for the
// OpenAI shapes) and reports the body bytes and prompt tokens before and
// after.
func BenchmarkCorpus(b *testing.B) {
	for _, r := range loadCorpusRequests(b) {
		b.Run(r.name, func(b *testing.B) {
			out, _ := r.run(b, livezone.Options{})
			tokIn, tokOut := promptTokens(b, r.body, r.model), promptTokens(b, out, r.model)
			b.SetBytes(int64(len(r.body)))
			b.ReportAllocs()
			for b.Loop() {
				r.run(b, livezone.Options{})
			}
			b.ReportMetric(float64(len(r.body)), "bytes_in")
			b.ReportMetric(float64(len(out)), "bytes_out")
			b.ReportMetric(float64(tokIn), "tok_in")
			b.ReportMetric(float64(tokOut), "tok_out")
			b.ReportMetric(100*(1-float64(tokOut)/float64(tokIn)), "tok_saved_%")
		})
	}
}

// BenchmarkScanOnly measures the pass on each corpus body when nothing is
// eligible, i.e. the cost every request pays before any compressor runs:
// the validating scan, the walk to the live zone and the manifest.
func BenchmarkScanOnly(b *testing.B) {
	for _, r := range loadCorpusRequests(b) {
		b.Run(r.name, func(b *testing.B) {
			// A floor above every message leaves the Anthropic live zone
			// empty; "n": 2 makes Chat stop after the scan.
			opts := livezone.Options{FrozenCount: 1 << 30}
			f := livezone.Anthropic
			if r.format == "openai" {
				f = livezone.OpenAIChat
			}
			body := r.body
			if r.format == "openai" {
				body = append([]byte(`{"n":2,`), r.body[1:]...)
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := f(b.Context(), body, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
