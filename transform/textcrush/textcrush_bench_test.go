package textcrush

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// sharedDir returns dir under the shared tree next to the repository.
func sharedDir(parts ...string) string {
	return filepath.Join(append([]string{"..", "..", "..", "shared"}, parts...)...)
}

type benchInput struct {
	name, content, query string
	ratio                float64
}

// fixtureInputs are the text_crusher parity inputs ($HEADROOM_PARITY_FIXTURES
// names the fixture root).
func fixtureInputs(b *testing.B) []benchInput {
	b.Helper()
	root := os.Getenv("HEADROOM_PARITY_FIXTURES")
	if root == "" {
		root = sharedDir("parity", "fixtures")
	}
	paths, _ := filepath.Glob(filepath.Join(root, "text_crusher", "*.json"))
	if len(paths) == 0 {
		b.Skipf("no text_crusher fixtures under %s", root)
	}
	var out []benchInput
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		var fx struct {
			Input struct {
				Content, Context string
				TargetRatio      *float64 `json:"target_ratio"`
			}
		}
		if err := json.Unmarshal(data, &fx); err != nil {
			b.Fatalf("%s: %v", p, err)
		}
		ratio := DefaultTargetRatio
		if fx.Input.TargetRatio != nil {
			ratio = *fx.Input.TargetRatio
		}
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		out = append(out, benchInput{name[:strings.LastIndexByte(name, '_')], fx.Input.Content, fx.Input.Context, ratio})
	}
	return out
}

// corpusProse renders the corpus's search results as prose paragraphs (a
// title sentence and its snippet per result), repeated to at least size
// bytes.
func corpusProse(b *testing.B, size int) string {
	b.Helper()
	data, err := os.ReadFile(sharedDir("corpus", "tool_search_results_100.json"))
	if err != nil {
		b.Skipf("corpus not available: %v", err)
	}
	var docs []struct{ Title, Snippet string }
	if err := json.Unmarshal(data, &docs); err != nil {
		b.Fatal(err)
	}
	var sb strings.Builder
	for sb.Len() < size {
		for i, d := range docs {
			sb.WriteString(d.Title)
			sb.WriteString(". ")
			sb.WriteString(d.Snippet)
			if i%4 == 3 {
				sb.WriteString("\n\n")
			} else {
				sb.WriteByte(' ')
			}
		}
	}
	return sb.String()
}

func BenchmarkCompressFixtures(b *testing.B) {
	c, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	for _, in := range fixtureInputs(b) {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.content)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.CompressRatio(in.content, in.query, in.ratio); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCompressCorpusProse(b *testing.B) {
	c, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []int{16 << 10, 256 << 10} {
		text := corpusProse(b, size)
		for _, q := range []struct{ name, query string }{{"no_query", ""}, {"query", "database optimization in production"}} {
			b.Run(strings.Join([]string{sizeName(size), q.name}, "/"), func(b *testing.B) {
				b.SetBytes(int64(len(text)))
				b.ReportAllocs()
				var r Result
				for b.Loop() {
					r = c.Compress(text, q.query)
				}
				b.ReportMetric(float64(r.OriginalTokens-r.CompressedTokens), "words_saved")
			})
		}
	}
}

func sizeName(n int) string { return strconv.Itoa(n>>10) + "KiB" }
