package headroom_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/headroom-go/headroom"
	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/tokenizer"
)

// corpusDir returns the shared corpus directory ($HEADROOM_CORPUS, else
// ../shared/corpus from the repository root), skipping tb when it is absent.
func corpusDir(tb testing.TB) string {
	tb.Helper()
	d := os.Getenv("HEADROOM_CORPUS")
	if d == "" {
		d = filepath.Join("..", "shared", "corpus")
	}
	if _, err := os.Stat(d); err != nil {
		tb.Skipf("corpus not found at %s (set HEADROOM_CORPUS): %v", d, err)
	}
	return d
}

// corpusRequest is one request body of the corpus, byte for byte as the
// scenario file holds it (indented: every byte outside the rewritten
// literals must survive, whitespace included).
type corpusRequest struct {
	name string
	want headroom.Provider
	body []byte
}

func loadCorpusRequests(tb testing.TB) []corpusRequest {
	tb.Helper()
	dir := corpusDir(tb)
	var out []corpusRequest
	for format, want := range map[string]headroom.Provider{"anthropic": headroom.Anthropic, "openai": headroom.OpenAIChat} {
		paths, _ := filepath.Glob(filepath.Join(dir, "*."+format+".json"))
		for _, p := range paths {
			raw, err := os.ReadFile(p)
			if err != nil {
				tb.Fatal(err)
			}
			var scenario struct {
				Request json.RawMessage `json:"request"`
			}
			body := []byte(nil)
			if json.Unmarshal(raw, &scenario) == nil && len(scenario.Request) > 0 {
				body = scenario.Request
			} else {
				// A bare conversation: wrap it in the smallest request,
				// with a model that names neither family so the format
				// must come from the messages' shape.
				body = append(append([]byte(`{"model":"test-model","max_tokens":1024,"messages":`), raw...), '}')
			}
			out = append(out, corpusRequest{name: strings.TrimSuffix(filepath.Base(p), ".json"), want: want, body: body})
		}
	}
	if raw, err := os.ReadFile(filepath.Join(dir, "anthropic_messages_request_real.json")); err == nil {
		out = append(out, corpusRequest{name: "anthropic_messages_request_real", want: headroom.Anthropic, body: raw})
	}
	if len(out) == 0 {
		tb.Skipf("no request bodies in %s", dir)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// corpusToolOutputs returns the tool_*.json files of the corpus by name.
func corpusToolOutputs(tb testing.TB) map[string]string {
	tb.Helper()
	dir := corpusDir(tb)
	paths, _ := filepath.Glob(filepath.Join(dir, "tool_*.json"))
	if len(paths) == 0 {
		tb.Skipf("no tool_*.json in %s", dir)
	}
	out := make(map[string]string, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out[filepath.Base(p)] = string(b)
	}
	return out
}

// promptTokens counts the text of every string value of body with model's
// tokenizer, independently of the package's own walk.
func promptTokens(tb testing.TB, body []byte, model string) int {
	tb.Helper()
	v, err := jsonx.Parse(body)
	if err != nil {
		tb.Fatal(err)
	}
	c := tokenizer.ForModel(model)
	var strs []string
	var walk func(v jsonx.Value)
	walk = func(v jsonx.Value) {
		if s, ok := v.Str(); ok {
			strs = append(strs, s)
		}
		for _, it := range v.Items() {
			walk(it)
		}
		for _, m := range v.Members() {
			walk(m.Value)
		}
	}
	walk(v)
	n := 0
	for _, s := range strs {
		n += c.Count(s)
	}
	return n
}

// checkSplices verifies that out is in with each manifest splice's input
// range replaced by its output range, and nothing else changed.
func checkSplices(t *testing.T, in, out []byte, res headroom.RequestResult) {
	t.Helper()
	if !res.Modified {
		if &out[0] != &in[0] || len(out) != len(in) {
			t.Fatalf("unmodified result is not the input slice")
		}
		return
	}
	var rebuilt []byte
	prev, prevOut := 0, 0
	for _, s := range res.Manifest.Splices {
		if !bytes.Equal(in[prev:s.In.Start], out[prevOut:s.Out.Start]) {
			t.Fatalf("bytes between splices differ before input offset %d", s.In.Start)
		}
		rebuilt = append(rebuilt, in[prev:s.In.Start]...)
		rebuilt = append(rebuilt, out[s.Out.Start:s.Out.End]...)
		prev, prevOut = s.In.End, s.Out.End
	}
	rebuilt = append(rebuilt, in[prev:]...)
	if !bytes.Equal(rebuilt, out) {
		t.Fatalf("body differs outside the splices")
	}
}
