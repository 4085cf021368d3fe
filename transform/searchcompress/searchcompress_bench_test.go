package searchcompress

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/headroom-go/headroom/ccr/memstore"
)

// corpusSearch renders the code-search tool results of a corpus
// conversation as ripgrep -C1 output: a context line before, the match,
// a context line after, and "--" between groups.
func corpusSearch(b *testing.B, file string) string {
	b.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "corpus", file))
	if err != nil {
		b.Skipf("corpus not available: %v", err)
	}
	var conv struct {
		Request struct {
			Messages []struct {
				Content json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(data, &conv); err != nil {
		b.Fatal(err)
	}
	var out strings.Builder
	for _, m := range conv.Request.Messages {
		var blocks []struct{ Type, Content string }
		if json.Unmarshal(m.Content, &blocks) != nil {
			continue
		}
		for _, bl := range blocks {
			var res struct {
				Matches []struct {
					Path    string
					Matches []struct {
						Line   int
						C      string `json:"content"`
						Before string `json:"context_before"`
						After  string `json:"context_after"`
					}
				}
			}
			if bl.Type != "tool_result" || json.Unmarshal([]byte(bl.Content), &res) != nil {
				continue
			}
			for _, f := range res.Matches {
				for _, m := range f.Matches {
					if out.Len() > 0 {
						out.WriteString("--\n")
					}
					out.WriteString(f.Path + "-" + strconv.Itoa(m.Line-1) + "-" + m.Before + "\n")
					out.WriteString(f.Path + ":" + strconv.Itoa(m.Line) + ":" + m.C + "\n")
					out.WriteString(f.Path + "-" + strconv.Itoa(m.Line+1) + "-" + m.After + "\n")
				}
			}
		}
	}
	if out.Len() == 0 {
		b.Skipf("no search results in %s", file)
	}
	return out.String()
}

func BenchmarkCompress(b *testing.B) {
	inputs := []struct{ name, content, query string }{
		{"synthetic_40", grepOutput(40), "validate request"},
		{"synthetic_2000", grepOutput(2000), "validate request"},
		{"corpus_codebase_exploration", corpusSearch(b, "codebase_exploration.anthropic.json"), "how is authentication implemented"},
		{"corpus_sre_incident", corpusSearch(b, "sre_incident.anthropic.json"), "payment service 500 errors"},
	}
	for _, in := range inputs {
		for _, grouped := range []bool{false, true} {
			name := in.name
			if grouped {
				name += "/grouped"
			}
			b.Run(name, func(b *testing.B) {
				cfg := DefaultConfig()
				cfg.GroupByFile = grouped
				cfg.Store = memstore.New(16, time.Minute)
				c, err := New(cfg)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(in.content)))
				b.ReportAllocs()
				var r Result
				for b.Loop() {
					if r, err = c.Compress(context.Background(), in.content, in.query, 1); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(in.content)-len(r.Compressed)), "bytes_saved")
			})
		}
	}
}
