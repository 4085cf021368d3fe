package searchcompress

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/headroom-go/headroom/ccr/memstore"
)

// FuzzCompress checks what every result must satisfy: no panic, the same
// result twice, an output shorter than the input in bytes and characters
// (marker included) unless it is the input, a marker only when its key
// resolves to the exact input, counts that describe the output, and, in
// the classic layout, rows that parse back as matches.
func FuzzCompress(f *testing.F) {
	f.Add(grepOutput(40), "validate request", 1.0, 0)
	f.Add("a.go:1:ERROR x\na.go:2-ctx\nb.go:3:WARNING y\nnot a match\nC:\\w\\c.go:4:TODO z", "error", 0.5, 5)
	f.Add("x-1-y:2:z\n:1:a\nf:-1:b\nf:99999999999999999999:c\nf:1:", "", 2.0, 9)
	f.Fuzz(func(t *testing.T, content, query string, bias float64, knobs int) {
		if !(bias >= 0 && bias <= 1e6) {
			bias = 1
		}
		store := memstore.New(8, time.Minute)
		cfg := DefaultConfig()
		cfg.MaxMatchesPerFile = 1 + knobs&3
		cfg.MaxFiles = 1 + knobs>>2&3
		cfg.MaxTotalMatches = 1 + knobs>>4&15
		cfg.AlwaysKeepFirst = knobs>>8&1 == 0
		cfg.AlwaysKeepLast = knobs>>9&1 == 0
		cfg.GroupByFile = knobs>>10&1 == 1
		cfg.MinMatchesForCCR = knobs >> 11 & 15
		cfg.CCRRatio = 0.95
		cfg.Store = store
		c, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.Compress(context.Background(), content, query, bias)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := c.Compress(context.Background(), content, query, bias)
		if again.Compressed != r.Compressed || again.CacheKey != r.CacheKey || again.CompressedMatches != r.CompressedMatches {
			t.Fatal("not deterministic")
		}
		if r.CompressedMatches > r.OriginalMatches || r.FilesAffected > r.OriginalMatches {
			t.Fatalf("counts %+v", r)
		}
		if r.Compressed == content {
			if r.CacheKey != "" || r.CompressedMatches != r.OriginalMatches || r.CompressionRatio != 1 {
				t.Fatalf("pass-through reports %+v", r)
			}
			return
		}
		if len(r.Compressed) >= len(content) || utf8.RuneCountInString(r.Compressed) >= utf8.RuneCountInString(content) {
			t.Fatalf("output not shorter: %d/%d bytes", len(r.Compressed), len(content))
		}
		body := r.Compressed
		if r.CacheKey != "" {
			i := strings.LastIndexByte(body, '\n')
			if i < 0 || !strings.HasSuffix(body, "Retrieve more: hash="+r.CacheKey+"]") {
				t.Fatalf("marker missing for key %s", r.CacheKey)
			}
			body = body[:i]
			got, err := store.Get(context.Background(), r.CacheKey)
			if err != nil || string(got) != content {
				t.Fatalf("marker does not resolve to the input: %v", err)
			}
		} else if n, _ := store.Len(context.Background()); n != 0 {
			t.Fatalf("stored %d entries without a marker", n)
		}
		if r.CompressionRatio != float64(len(body))/float64(len(content)) {
			t.Fatalf("ratio %v does not describe the output", r.CompressionRatio)
		}
		if cfg.GroupByFile {
			return
		}
		rows, summaries := 0, 0
		for line := range strings.SplitSeq(body, "\n") {
			if strings.HasPrefix(line, "[... and ") {
				summaries++
				continue
			}
			if _, _, _, ok := parseLine(strings.TrimSpace(line)); !ok {
				t.Fatalf("row %q does not parse", line)
			}
			rows++
		}
		if rows != r.CompressedMatches || summaries != len(r.Summaries) {
			t.Fatalf("%d rows and %d summaries for %+v", rows, summaries, r)
		}
	})
}
