package cachealign

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/tokenizer"
)

// corpusFile parses one ../shared/corpus file ($HEADROOM_CORPUS overrides).
func corpusFile(tb testing.TB, name string) jsonx.Value {
	tb.Helper()
	dir := os.Getenv("HEADROOM_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpus")
	}
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		tb.Skipf("corpus not available (set HEADROOM_CORPUS): %v", err)
	}
	v, err := jsonx.Parse(data)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return v
}

// corpusMessages returns the OpenAI-shaped message array of a corpus file:
// either the file itself or its "request"."messages".
func corpusMessages(tb testing.TB, name string) jsonx.Value {
	v := corpusFile(tb, name)
	if v.Kind() == jsonx.Array {
		return v
	}
	req, _ := v.Get("request")
	msgs, ok := req.Get("messages")
	if !ok {
		tb.Fatalf("%s: no request.messages", name)
	}
	return msgs
}

// corpusSystemPrompts collects the string contents of system messages in
// the OpenAI-shaped corpus requests.
func corpusSystemPrompts(tb testing.TB) []string {
	var out []string
	for _, name := range []string{
		"agentic_conversation.openai.json", "code_search.openai.json",
		"codebase_exploration.openai.json", "issue_triage.openai.json", "sre_incident.openai.json",
	} {
		for _, m := range corpusMessages(tb, name).Items() {
			if isRole(m, "system") {
				if s, ok := presentString(m, "content"); ok {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// corpusToolTexts returns the compact JSON of each tool-output corpus file:
// large, identifier- and timestamp-dense text.
func corpusToolText(tb testing.TB, name string) string {
	return jsonx.Compact(corpusFile(tb, name))
}

func BenchmarkDetectSystemPrompts(b *testing.B) {
	prompts := corpusSystemPrompts(b)
	d, err := NewDetector(nil, DefaultEntropyThreshold)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for _, p := range prompts {
		n += len(p)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range prompts {
			d.Detect(p)
		}
	}
}

func BenchmarkDetectToolOutput(b *testing.B) {
	for _, name := range []string{"tool_log_entries_200.json", "tool_database_rows_300.json"} {
		b.Run(name, func(b *testing.B) {
			text := corpusToolText(b, name)
			d, err := NewDetector(nil, DefaultEntropyThreshold)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				d.Detect(text)
			}
		})
	}
}

func BenchmarkDetectVolatileSystemPrompts(b *testing.B) {
	prompts := corpusSystemPrompts(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range prompts {
			DetectVolatile(p)
		}
	}
}

func BenchmarkDetectVolatileToolOutput(b *testing.B) {
	text := corpusToolText(b, "tool_log_entries_200.json")
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		DetectVolatile(text)
	}
}

// BenchmarkApply aligns the corpus's longest conversation with the
// recorder's tokenizer, as the parity fixtures do.
func BenchmarkApply(b *testing.B) {
	msgs := corpusMessages(b, "agentic_conversation.openai.json")
	for _, c := range []struct {
		name    string
		counter Counter
	}{{"no-counter", nil}, {"o200k", ChatCounter{Text: tokenizer.ForModel("gpt-4o-mini")}}} {
		b.Run(c.name, func(b *testing.B) {
			a, err := New(DefaultConfig(), c.counter)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Apply(msgs, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCheck is the proxy's per-request cost: detect-only, no
// tokenizer.
func BenchmarkCheck(b *testing.B) {
	msgs := corpusMessages(b, "agentic_conversation.openai.json")
	c := NewChecker(nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Check(msgs, 0); err != nil {
			b.Fatal(err)
		}
	}
}
