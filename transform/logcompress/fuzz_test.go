package logcompress

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/headroom-go/headroom/ccr/memstore"
)

// FuzzCompress checks the properties every output must have: no panic, the
// same result twice, never more lines or bytes than the input (before the
// marker), and a marker only when its key resolves to the exact input.
func FuzzCompress(f *testing.F) {
	f.Add(strings.Join(crashLog(), "\n"), 1.0, 3)
	f.Add("ERROR a\n.\nWARN b: 1\nWARN b: 2\n=== 1 failed ===", 0.0, 0)
	f.Add("Traceback (most recent call last):\n  x\n\nValueError\n1: 0x1\n    at a (b:1:2)", 2.5, 1)
	f.Fuzz(func(t *testing.T, content string, bias float64, knobs int) {
		if bias < 0 || bias > 1e6 || bias != bias {
			bias = 1
		}
		store := memstore.New(8, time.Minute)
		cfg := DefaultConfig()
		cfg.MinLines = knobs & 7
		cfg.ErrorContextLines = knobs >> 3 & 3
		cfg.MaxErrors = knobs >> 5 & 3
		cfg.MaxTotalLines = 5 + knobs>>7&15
		cfg.StackTraceMaxLines = knobs >> 11 & 3
		cfg.CCRRatio = 0.9
		cfg.Store = store
		c, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.Compress(context.Background(), content, bias)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := c.Compress(context.Background(), content, bias)
		if again.Compressed != r.Compressed || again.CacheKey != r.CacheKey || again.CompressedLineCount != r.CompressedLineCount {
			t.Fatalf("not deterministic")
		}
		n := strings.Count(content, "\n") + 1
		if r.OriginalLineCount != n || r.CompressedLineCount > n {
			t.Fatalf("line counts %d -> %d for %d lines", r.OriginalLineCount, r.CompressedLineCount, n)
		}
		body := r.Compressed
		if r.CacheKey != "" {
			i := strings.LastIndexByte(body, '\n')
			if i < 0 || !strings.HasSuffix(body, "hash="+r.CacheKey+"]") {
				t.Fatalf("marker missing for key %s", r.CacheKey)
			}
			body = body[:i]
			got, err := store.Get(context.Background(), r.CacheKey)
			if err != nil || string(got) != content {
				t.Fatalf("marker does not resolve to the input: %v", err)
			}
		} else if l, _ := store.Len(context.Background()); l != 0 {
			t.Fatalf("stored %d entries without a marker", l)
		}
		if strings.Count(body, "\n")+1 > n {
			t.Fatalf("output has more lines than the input")
		}
		if len(body) > len(content) {
			t.Fatalf("output grew: %d > %d bytes", len(body), len(content))
		}
		if r.CompressionRatio != 1 && r.CompressionRatio != float64(len(body))/float64(len(content)) {
			t.Fatalf("ratio %v does not describe the output", r.CompressionRatio)
		}
	})
}
