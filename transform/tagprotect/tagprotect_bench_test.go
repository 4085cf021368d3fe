package tagprotect

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// corpusPrompt builds an agent prompt from corpus prose (search-result
// titles and snippets) with the workflow tags agents interleave: system
// reminders, tool calls with attributes, thinking blocks, self-closing
// digests, and ordinary HTML.
func corpusPrompt(b *testing.B, size int) string {
	b.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "corpus", "tool_search_results_100.json"))
	if err != nil {
		b.Skipf("corpus not available: %v", err)
	}
	var docs []struct{ Title, Snippet string }
	if err := json.Unmarshal(data, &docs); err != nil {
		b.Fatal(err)
	}
	var sb strings.Builder
	for i := 0; sb.Len() < size; i++ {
		d := docs[i%len(docs)]
		switch i % 6 {
		case 0:
			sb.WriteString("<system-reminder>" + d.Title + "</system-reminder>\n")
		case 1:
			sb.WriteString(`<tool_call name="search" id="t` + strconv.Itoa(i) + `">` + d.Snippet + "</tool_call>\n")
		case 2:
			sb.WriteString("<thinking>" + d.Snippet + " <note>" + d.Title + "</note></thinking>\n")
		case 3:
			sb.WriteString(d.Title + ` <headroom:digest n="` + strconv.Itoa(i) + `"/> ` + d.Snippet + "\n")
		case 4:
			sb.WriteString("<p>" + d.Snippet + " <b>" + d.Title + "</b></p>\n")
		default:
			sb.WriteString(d.Title + ". " + d.Snippet + " a < b and c > d.\n")
		}
	}
	return sb.String()
}

func BenchmarkProtect(b *testing.B) {
	for _, mode := range []Mode{ModeBlock, ModeMarkers} {
		p, err := New(Config{Mode: mode})
		if err != nil {
			b.Fatal(err)
		}
		for _, size := range []int{4 << 10, 256 << 10} {
			text := corpusPrompt(b, size)
			b.Run(mode.String()+"/"+strconv.Itoa(size>>10)+"KiB", func(b *testing.B) {
				b.SetBytes(int64(len(text)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := p.Protect(text); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
	plain := strings.Repeat("No markup in this sentence at all. ", 1000)
	p, _ := New(DefaultConfig())
	b.Run("no_tags", func(b *testing.B) {
		b.SetBytes(int64(len(plain)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.Protect(plain); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkRestore(b *testing.B) {
	p, _ := New(DefaultConfig())
	for _, size := range []int{4 << 10, 256 << 10} {
		r, err := p.Protect(corpusPrompt(b, size))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(strconv.Itoa(size>>10)+"KiB", func(b *testing.B) {
			b.SetBytes(int64(len(r.Text)))
			b.ReportAllocs()
			for b.Loop() {
				Restore(r.Text, r.Blocks)
			}
		})
	}
}
