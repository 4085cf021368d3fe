package diffcompress

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/headroom-go/headroom/ccr/memstore"
)

// fixtureInputs returns the inputs of the diff_compressor parity fixtures
// ($HEADROOM_PARITY_FIXTURES, else ../shared/parity/fixtures from the
// module root), or skips when they are absent.
func fixtureInputs(b *testing.B) []string {
	b.Helper()
	root := os.Getenv("HEADROOM_PARITY_FIXTURES")
	if root == "" {
		root = filepath.Join("..", "..", "..", "shared", "parity", "fixtures")
	}
	paths, _ := filepath.Glob(filepath.Join(root, "diff_compressor", "*.json"))
	if len(paths) == 0 {
		b.Skipf("no diff_compressor fixtures under %s", root)
	}
	var out []string
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		var fx struct{ Input string }
		if err := json.Unmarshal(data, &fx); err != nil {
			b.Fatalf("%s: %v", p, err)
		}
		out = append(out, fx.Input)
	}
	return out
}

// largeDiff is a synthetic review-sized diff: files of several hunks with
// generous context, as `git diff -U10` prints.
func largeDiff(files int) string {
	var b strings.Builder
	for f := 0; f < files; f++ {
		b.WriteString(fileHeader(fmt.Sprintf("internal/pkg%d/file%d.go", f%9, f)))
		for h := 0; h < 14; h++ {
			b.WriteString(hunkText(1+h*60, 10, 10, fmt.Sprintf("\treturn nil // %d.%d", f, h), fmt.Sprintf("\treturn fmt.Errorf(\"pkg%d: %%w\", err)", h)))
		}
	}
	return b.String()
}

func benchCompress(b *testing.B, inputs []string) {
	c, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Store = memstore.New(1024, time.Hour)
	withStore, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	total := 0
	for _, in := range inputs {
		total += len(in)
	}
	for _, bc := range []struct {
		name string
		c    *Compressor
	}{{"nostore", c}, {"memstore", withStore}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(total))
			b.ReportAllocs()
			ctx := context.Background()
			for b.Loop() {
				for _, in := range inputs {
					if _, err := bc.c.Compress(ctx, in, "error handling"); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

func BenchmarkCompressFixtures(b *testing.B) { benchCompress(b, fixtureInputs(b)) }

func BenchmarkCompressLarge(b *testing.B) {
	for _, files := range []int{10, 200} {
		b.Run(fmt.Sprintf("files=%d", files), func(b *testing.B) { benchCompress(b, []string{largeDiff(files)}) })
	}
}
