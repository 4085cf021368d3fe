package diffcompress

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/headroom-go/headroom/ccr/memstore"
)

// FuzzCompress checks the properties every output must have: no panic, the
// same result twice, never more lines or bytes than the input (before the
// marker), the input unchanged whenever nothing was parsed, and a marker
// only when its key resolves to the exact input.
func FuzzCompress(f *testing.F) {
	f.Add(bigDiff(), "", 0)
	f.Add(fileHeader("a.go")+hunkText(1, 3, 3, "a", "b")+"\\ No newline at end of file\n", "fix", 1)
	f.Add("diff --cc x\n@@@ -1 -1 +1 @@@\n- a\n +b\n", "", 2)
	f.Add("commit x\n\ndiff --git a/x b/x\nBinary files a/x and b/x differ\n", "", 3)
	f.Fuzz(func(t *testing.T, content, query string, ctxLines int) {
		store := memstore.New(8, time.Minute)
		cfg := DefaultConfig()
		cfg.MinLines = 0
		cfg.MaxContextLines = ctxLines & 3
		cfg.MaxHunksPerFile = 2 + ctxLines&1
		cfg.MaxFiles = 1 + ctxLines&1
		cfg.Store = store
		c, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.Compress(context.Background(), content, query)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := c.Compress(context.Background(), content, query)
		if again != r {
			t.Fatalf("not deterministic:\n%+v\n%+v", r, again)
		}
		n := strings.Count(content, "\n") + 1
		if r.OriginalLineCount != n || r.CompressedLineCount > n {
			t.Fatalf("line counts %d -> %d for %d lines", r.OriginalLineCount, r.CompressedLineCount, n)
		}
		body := r.Compressed
		if r.CacheKey != "" {
			i := strings.LastIndexByte(body, '\n')
			if i < 0 || !strings.Contains(body[i:], "hash="+r.CacheKey+"]") {
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
		if strings.Count(body, "\n")+1 != r.CompressedLineCount {
			t.Fatalf("CompressedLineCount %d does not match output", r.CompressedLineCount)
		}
		if len(body) > len(content) {
			t.Fatalf("output grew: %d > %d bytes", len(body), len(content))
		}
		if r.FilesAffected == 0 && r.Compressed != content {
			t.Fatal("output changed although no file was kept")
		}
	})
}
