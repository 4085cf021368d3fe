package compress_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// corpusSample is one tool output from the shared corpus.
type corpusSample struct {
	name    string // file name, plus "#N" for the Nth tool result in a request
	content string
}

// corpusDir returns the shared corpus directory ($HEADROOM_CORPUS, else
// ../../shared/corpus from this package), skipping tb when it is absent.
func corpusDir(tb testing.TB) string {
	tb.Helper()
	d := os.Getenv("HEADROOM_CORPUS")
	if d == "" {
		d = filepath.Join("..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(d); err != nil {
		tb.Skipf("corpus not found at %s (set HEADROOM_CORPUS): %v", d, err)
	}
	return d
}

// loadCorpus returns every tool output of the corpus: each tool_*.json file
// whole, and the text of every tool_result block in the *.anthropic.json
// requests and conversations.
func loadCorpus(tb testing.TB) []corpusSample {
	tb.Helper()
	dir := corpusDir(tb)
	var out []corpusSample
	tools, _ := filepath.Glob(filepath.Join(dir, "tool_*.json"))
	sort.Strings(tools)
	for _, p := range tools {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, corpusSample{filepath.Base(p), string(b)})
	}
	reqs, _ := filepath.Glob(filepath.Join(dir, "*anthropic*.json"))
	sort.Strings(reqs)
	for _, p := range reqs {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		texts, err := toolResultTexts(b)
		if err != nil {
			tb.Fatalf("%s: %v", p, err)
		}
		for i, t := range texts {
			out = append(out, corpusSample{filepath.Base(p) + "#" + itoa(i), t})
		}
	}
	if len(out) == 0 {
		tb.Skipf("no tool outputs in %s", dir)
	}
	return out
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

type message struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type block struct {
	Type    string          `json:"type"`
	Text    string          `json:"text"`
	Content json.RawMessage `json:"content"`
}

// toolResultTexts extracts tool_result texts from a corpus file, which is
// either {request: {messages}}, a bare request {messages}, or a message
// list.
func toolResultTexts(b []byte) ([]string, error) {
	var msgs []message
	trimmed := strings.TrimSpace(string(b))
	if strings.HasPrefix(trimmed, "[") {
		if err := json.Unmarshal(b, &msgs); err != nil {
			return nil, err
		}
	} else {
		var doc struct {
			Request  *struct{ Messages []message } `json:"request"`
			Messages []message                     `json:"messages"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, err
		}
		msgs = doc.Messages
		if doc.Request != nil {
			msgs = doc.Request.Messages
		}
	}
	var texts []string
	for _, m := range msgs {
		var blocks []block
		if json.Unmarshal(m.Content, &blocks) != nil {
			continue
		}
		for _, bl := range blocks {
			if bl.Type != "tool_result" {
				continue
			}
			var s string
			if json.Unmarshal(bl.Content, &s) == nil {
				texts = append(texts, s)
				continue
			}
			var inner []block
			if json.Unmarshal(bl.Content, &inner) == nil {
				for _, x := range inner {
					if x.Type == "text" {
						texts = append(texts, x.Text)
					}
				}
			}
		}
	}
	return texts, nil
}
