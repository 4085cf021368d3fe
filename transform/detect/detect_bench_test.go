package detect

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/internal/parity"
)

// BenchmarkDetect runs Detect over the tool outputs of every corpus file
// (one sub-benchmark per file) and over the content_detector fixture
// inputs. MB/s counts the bytes of all outputs of one iteration.
func BenchmarkDetect(b *testing.B) {
	root, err := moduleRoot()
	if err != nil {
		b.Fatal(err)
	}
	corpus := filepath.Join(root, "..", "shared", "corpus")
	files, _ := filepath.Glob(filepath.Join(corpus, "*.json"))
	if len(files) == 0 {
		b.Logf("no corpus at %s: corpus benchmarks skipped", corpus)
	}
	for _, f := range files {
		outputs, err := corpusToolOutputs(f)
		if err != nil {
			b.Fatal(err)
		}
		benchInputs(b, strings.TrimSuffix(filepath.Base(f), ".json"), outputs)
	}

	fixtures := os.Getenv(parity.EnvFixtures)
	if fixtures == "" {
		fixtures = filepath.Join(root, filepath.FromSlash(parity.DefaultRelDir))
	}
	inputs, err := fixtureInputs(filepath.Join(fixtures, "content_detector"))
	if err != nil {
		b.Logf("no content_detector fixtures under %s (%v): fixture benchmark skipped", fixtures, err)
		return
	}
	benchInputs(b, "fixtures", inputs)
}

func BenchmarkIsDiff(b *testing.B) {
	diff := strings.Repeat("--- a/f.go\n+++ b/f.go\n@@ -10,4 +10,5 @@ func f() {\n ctx\n-old\n+new\n+more\n ctx\n", 50)
	prose := strings.Repeat("An ordinary line of prose without any diff markers at all.\n", 100)
	for name, in := range map[string]string{"diff": diff, "prose": prose} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				IsDiff(in)
			}
		})
	}
}

func benchInputs(b *testing.B, name string, inputs []string) {
	if len(inputs) == 0 {
		return
	}
	total := 0
	for _, in := range inputs {
		total += len(in)
	}
	b.Run(name, func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(total))
		for b.Loop() {
			for _, in := range inputs {
				Detect(in)
			}
		}
	})
}

// corpusToolOutputs returns the tool outputs in a corpus file: the content
// of Anthropic tool_result blocks and OpenAI tool messages anywhere in it,
// or, for a raw tool output file (a bare JSON array of records), the whole
// file text.
func corpusToolOutputs(path string) ([]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if v["type"] == "tool_result" || v["role"] == "tool" {
				out = append(out, contentText(v["content"])...)
				return
			}
			for _, child := range v {
				walk(child)
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	walk(doc)
	if len(out) == 0 && strings.HasPrefix(filepath.Base(path), "tool_") {
		out = append(out, string(raw))
	}
	return out, nil
}

// contentText flattens a message content: a string, or a list of blocks
// whose text fields are the outputs.
func contentText(c any) []string {
	switch c := c.(type) {
	case string:
		return []string{c}
	case []any:
		var out []string
		for _, block := range c {
			if m, ok := block.(map[string]any); ok {
				if text, ok := m["text"].(string); ok {
					out = append(out, text)
				}
			}
		}
		return out
	}
	return nil
}

func fixtureInputs(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("no fixture files")
	}
	var inputs []string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var fx struct {
			Input string `json:"input"`
		}
		if err := json.Unmarshal(raw, &fx); err != nil {
			return nil, err
		}
		inputs = append(inputs, fx.Input)
	}
	return inputs, nil
}

// moduleRoot walks up from the package directory to the nearest go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
