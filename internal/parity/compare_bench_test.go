package parity

import (
	"fmt"
	"strings"
	"testing"
)

// benchDocument builds a JSON array of n log-like records, about the size
// and shape of a large smart_crusher fixture output.
func benchDocument(n int) []byte {
	var b strings.Builder
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"level":"INFO","latency_ms":%d.25,"msg":"request %d served from cache region eu-west","tags":["a","b"]}`, i, i%97, i)
	}
	b.WriteByte(']')
	return []byte(b.String())
}

func BenchmarkCompareFixture(b *testing.B) {
	doc := benchDocument(1000)
	f, err := parseFixture([]byte(`{"transform":"bench","input":` + string(doc) + `,"output":` + string(doc) + `}`))
	if err != nil {
		b.Fatal(err)
	}
	c := echoComparator("bench")
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if o := CompareFixture(c, &f); o.Status != Match {
			b.Fatalf("status %v", o.Status)
		}
	}
}

func BenchmarkParseJSON(b *testing.B) {
	doc := benchDocument(1000)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseJSON(doc); err != nil {
			b.Fatal(err)
		}
	}
}
