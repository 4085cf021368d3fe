package livezone_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/livezone"
)

// checkSplices verifies the byte-exact splicing contract of one pass:
//
//   - NoChange returns the input itself and no splices;
//   - walking the splices, every gap between replaced ranges is byte-equal
//     in input and output, and the splices cover the output exactly;
//   - each replaced range is a whole JSON string literal on both sides;
//   - the output is valid JSON, and with every replaced literal swapped
//     for the same placeholder on both sides, input and output decode to
//     equal values (nothing else changed).
//
// It returns the decoded original and replacement text of each splice.
func checkSplices(tb testing.TB, in, out []byte, m livezone.Manifest) (orig, repl []string) {
	tb.Helper()
	if m.Outcome == livezone.NoChange {
		if len(m.Splices) != 0 {
			tb.Fatalf("NoChange with %d splices", len(m.Splices))
		}
		if len(out) != len(in) || (len(in) > 0 && &out[0] != &in[0]) {
			tb.Fatalf("NoChange must return the input slice itself")
		}
		if m.BytesOut != len(in) {
			tb.Fatalf("NoChange BytesOut = %d, want %d", m.BytesOut, len(in))
		}
		return nil, nil
	}
	if len(m.Splices) == 0 {
		tb.Fatalf("Modified without splices")
	}
	if m.BytesIn != len(in) || m.BytesOut != len(out) {
		tb.Fatalf("BytesIn/Out = %d/%d, want %d/%d", m.BytesIn, m.BytesOut, len(in), len(out))
	}
	ci, co := 0, 0
	var inMasked, outMasked bytes.Buffer
	for k, s := range m.Splices {
		if s.In.Start < ci || s.Out.Start < co || s.In.End <= s.In.Start || s.Out.End <= s.Out.Start {
			tb.Fatalf("splice %d %+v out of order", k, s)
		}
		gapIn, gapOut := in[ci:s.In.Start], out[co:s.Out.Start]
		if !bytes.Equal(gapIn, gapOut) {
			tb.Fatalf("bytes before splice %d differ:\nin  %q\nout %q", k, clip(gapIn), clip(gapOut))
		}
		o := decodeLiteral(tb, in[s.In.Start:s.In.End])
		r := decodeLiteral(tb, out[s.Out.Start:s.Out.End])
		orig, repl = append(orig, o), append(repl, r)
		placeholder := fmt.Sprintf(`"@@slot%d@@"`, k)
		inMasked.Write(gapIn)
		inMasked.WriteString(placeholder)
		outMasked.Write(gapOut)
		outMasked.WriteString(placeholder)
		ci, co = s.In.End, s.Out.End
	}
	if !bytes.Equal(in[ci:], out[co:]) {
		tb.Fatalf("bytes after the last splice differ")
	}
	inMasked.Write(in[ci:])
	outMasked.Write(out[co:])
	if !jsonx.Valid(string(out)) {
		tb.Fatalf("output is not valid JSON")
	}
	a, err := jsonx.Parse(inMasked.Bytes())
	if err != nil {
		tb.Fatalf("masked input: %v", err)
	}
	b, err := jsonx.Parse(outMasked.Bytes())
	if err != nil {
		tb.Fatalf("masked output (a splice is not a whole literal?): %v", err)
	}
	if !jsonx.Equal(a, b) {
		tb.Fatalf("input and output differ outside the replaced literals")
	}
	return orig, repl
}

func decodeLiteral(tb testing.TB, lit []byte) string {
	tb.Helper()
	v, err := jsonx.Parse(lit)
	if err != nil {
		tb.Fatalf("range %q is not a JSON literal: %v", clip(lit), err)
	}
	s, ok := v.Str()
	if !ok {
		tb.Fatalf("range %q is not a string literal", clip(lit))
	}
	return s
}

func clip(b []byte) []byte {
	if len(b) > 200 {
		return append(append([]byte{}, b[:100]...), append([]byte("…"), b[len(b)-100:]...)...)
	}
	return b
}

// corpusRequest is one request body of the shared corpus.
type corpusRequest struct {
	name   string
	format string // "anthropic" or "openai"
	model  string
	body   []byte
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

// loadCorpusRequests returns every request of the corpus as the raw bytes a
// client would send: the "request" member of the *.anthropic.json and
// *.openai.json scenario files (re-encoded compactly, as SDKs send them),
// the bare message lists wrapped in a minimal request, and the real
// Anthropic request byte for byte.
func loadCorpusRequests(tb testing.TB) []corpusRequest {
	tb.Helper()
	dir := corpusDir(tb)
	var out []corpusRequest
	for _, format := range []string{"anthropic", "openai"} {
		paths, _ := filepath.Glob(filepath.Join(dir, "*."+format+".json"))
		sort.Strings(paths)
		for _, p := range paths {
			raw, err := os.ReadFile(p)
			if err != nil {
				tb.Fatal(err)
			}
			name := strings.TrimSuffix(filepath.Base(p), ".json")
			var scenario struct {
				Request json.RawMessage `json:"request"`
			}
			var body []byte
			if json.Unmarshal(raw, &scenario) == nil && len(scenario.Request) > 0 {
				body = compactJSON(tb, scenario.Request)
			} else {
				// A bare conversation: wrap it in the smallest valid request.
				var msgs json.RawMessage
				if err := json.Unmarshal(raw, &msgs); err != nil {
					tb.Fatalf("%s: %v", p, err)
				}
				wrap := `{"model":"gpt-4o","messages":`
				if format == "anthropic" {
					wrap = `{"model":"claude-sonnet-4-5","max_tokens":1024,"messages":`
				}
				body = append(append([]byte(wrap), compactJSON(tb, msgs)...), '}')
			}
			out = append(out, corpusRequest{name: name, format: format, model: modelOf(tb, body), body: body})
		}
	}
	real := filepath.Join(dir, "anthropic_messages_request_real.json")
	if raw, err := os.ReadFile(real); err == nil {
		out = append(out, corpusRequest{name: "anthropic_messages_request_real", format: "anthropic", model: modelOf(tb, raw), body: raw})
	} else {
		tb.Logf("real Anthropic request not found at %s: %v", real, err)
	}
	if len(out) == 0 {
		tb.Skipf("no request bodies in %s", dir)
	}
	return out
}

func compactJSON(tb testing.TB, raw []byte) []byte {
	tb.Helper()
	v, err := jsonx.Parse(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return jsonx.AppendCompact(nil, v)
}

func modelOf(tb testing.TB, body []byte) string {
	tb.Helper()
	var r struct {
		Model string `json:"model"`
	}
	_ = json.Unmarshal(body, &r)
	return r.Model
}

// run dispatches a corpus request to its entry point.
func (r corpusRequest) run(tb testing.TB, opts livezone.Options) ([]byte, livezone.Manifest) {
	tb.Helper()
	opts.Model = r.model
	var (
		out []byte
		m   livezone.Manifest
		err error
	)
	if r.format == "anthropic" {
		opts.AutoFrozen = true
		out, m, err = livezone.Anthropic(tb.Context(), r.body, opts)
	} else {
		out, m, err = livezone.OpenAIChat(tb.Context(), r.body, opts)
	}
	if err != nil {
		tb.Fatalf("%s: %v", r.name, err)
	}
	return out, m
}

// checkMarker verifies a compressed block's CCR marker: the replacement
// ends with "<<ccr:KEY>>" on its own line, KEY is the content key of the
// original, and the store returns the original exactly.
func checkMarker(tb testing.TB, store ccr.Store, key, orig, repl string) {
	tb.Helper()
	if key != ccr.ComputeKey([]byte(orig)) {
		tb.Fatalf("marker key %q is not the content key of the original", key)
	}
	if !strings.HasSuffix(repl, "\n"+ccr.Marker(key)) {
		tb.Fatalf("replacement does not end with the marker on its own line: …%q", repl[max(0, len(repl)-60):])
	}
	got, err := store.Get(context.Background(), key)
	if err != nil {
		tb.Fatalf("store.Get(%s): %v", key, err)
	}
	if string(got) != orig {
		tb.Fatalf("store returned %d bytes, want the %d-byte original", len(got), len(orig))
	}
}

// rowsJSON returns a JSON array of n API-style rows, the typical shape of a
// database or API tool result.
func rowsJSON(n int) string {
	var b strings.Builder
	statuses := []string{"active", "idle", "suspended", "active", "active"}
	regions := []string{"us-east-1", "eu-west-1", "ap-south-1"}
	b.WriteByte('[')
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"user":"user_%05d","email":"user_%05d@example.com","status":"%s","region":"%s","latency_ms":%d,"score":%d.%d}`,
			i+1, i, i, statuses[i%len(statuses)], regions[i%len(regions)], 20+(i*37)%180, i%97, i%10)
	}
	b.WriteByte(']')
	return b.String()
}

// buildLog returns n lines of build output with a failure near the end.
func buildLog(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "[2024-05-01 10:%02d:%02d] INFO compiling module pkg/mod_%03d (%d files)\n", (i/60)%60, i%60, i, 3+i%7)
	}
	b.WriteString("[2024-05-01 10:59:59] ERROR build failed: pkg/mod_042/main.go:17: undefined: frobnicate\n")
	return b.String()
}

// str encodes s as a JSON string literal.
func str(s string) string { return string(jsonx.AppendCompactString(nil, s)) }

// grepOutput returns n grep-style "path:line: text" matches spread over a
// few files.
func grepOutput(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "src/pkg_%d/handler_%d.go:%d: if err := validate(req); err != nil { // TODO check %d\n", i%4, i%9, 10+i, i)
	}
	return b.String()
}

// unifiedDiff returns a git diff of files files, each with hunks hunks of
// one changed line inside six lines of context.
func unifiedDiff(files, hunks int) string {
	var b strings.Builder
	for f := 0; f < files; f++ {
		fmt.Fprintf(&b, "diff --git a/pkg/file_%d.go b/pkg/file_%d.go\n--- a/pkg/file_%d.go\n+++ b/pkg/file_%d.go\n", f, f, f, f)
		for h := 0; h < hunks; h++ {
			start := 1 + h*40
			fmt.Fprintf(&b, "@@ -%d,7 +%d,7 @@ func f%d() {\n", start, start, h)
			for c := 0; c < 3; c++ {
				fmt.Fprintf(&b, " \tctx%d := load(%d)\n", c, h)
			}
			fmt.Fprintf(&b, "-\treturn old%d\n+\treturn new%d\n", h, h)
			for c := 3; c < 6; c++ {
				fmt.Fprintf(&b, " \tctx%d := load(%d)\n", c, h)
			}
		}
	}
	return b.String()
}
