package retrieve_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/ccr/retrieve"
	"github.com/headroom-go/headroom/internal/jsonx"
)

// FuzzScanText checks the scanner's invariants on any text: no panic, every
// hash occurs in the text, has a valid length, and appears once.
func FuzzScanText(f *testing.F) {
	f.Add("[40 items compressed to 5. Retrieve more: hash=0123456789abcdef01234567]")
	f.Add("<<ccr:a1b2c3d4e5f6 9_rows_offloaded>> <<ccr:a1b2c3d4e5f6é")
	f.Add("[x COMPRESSED y hash=0123456789ABCDEF01234567]")
	f.Fuzz(func(t *testing.T, text string) {
		got := retrieve.ScanText(nil, text)
		seen := map[string]bool{}
		for _, h := range got {
			if !strings.Contains(text, h) {
				t.Fatalf("hash %q not in text", h)
			}
			if len(h) < 12 || len(h) > 24 {
				t.Fatalf("hash %q has length %d", h, len(h))
			}
			if seen[h] {
				t.Fatalf("hash %q reported twice", h)
			}
			seen[h] = true
		}
	})
}

// FuzzParseCall: no panic, and an accepted call always carries a valid hash.
func FuzzParseCall(f *testing.F) {
	f.Add("anthropic", `{"type":"tool_use","id":"t","name":"headroom_retrieve","input":{"hash":"0123456789abcdef01234567"}}`)
	f.Add("openai", `{"id":"c","function":{"name":"headroom_retrieve","arguments":"{\"hash\":\"a1b2c3d4e5f6\"}"}}`)
	f.Add("google", `{"functionCall":{"name":"headroom_retrieve","args":{"hash":"a1b2c3d4e5f6"}}}`)
	f.Fuzz(func(t *testing.T, provider, call string) {
		c, ok := retrieve.ParseCall(retrieve.Provider(provider), []byte(call))
		if ok && !retrieve.ValidHash(c.Hash) {
			t.Fatalf("accepted invalid hash %q", c.Hash)
		}
	})
}

// FuzzAppendTool: whenever AppendTool accepts a tools array, the result is
// an array one longer whose earlier elements are unchanged, and the input's
// bytes up to its last element survive verbatim.
func FuzzAppendTool(f *testing.F) {
	f.Add(`[{"name":"a"}]`)
	f.Add(" [\n] ")
	f.Add(`null`)
	f.Add(`[1, "]", {"x": [2]} ]`)
	def := retrieve.Definition(retrieve.OpenAI, retrieve.HashOnly)
	f.Fuzz(func(t *testing.T, tools string) {
		out, err := retrieve.AppendTool([]byte(tools), def)
		if err != nil {
			return
		}
		got, err := jsonx.Parse(out)
		if err != nil {
			t.Fatalf("output %q is not JSON: %v", out, err)
		}
		var before []jsonx.Value
		if in, err := jsonx.Parse([]byte(tools)); err == nil {
			before = in.Items()
		}
		items := got.Items()
		if len(items) != len(before)+1 {
			t.Fatalf("output has %d items, input %d", len(items), len(before))
		}
		for i := range before {
			if !jsonx.Equal(items[i], before[i]) {
				t.Fatalf("item %d changed", i)
			}
		}
		if jsonx.Compact(items[len(items)-1]) != string(def) {
			t.Fatal("last item is not the definition")
		}
		if len(before) > 0 {
			last := bytes.LastIndexByte([]byte(tools), ']')
			prefix := bytes.TrimRight([]byte(tools[:last]), " \t\r\n")
			if !bytes.HasPrefix(out, prefix) {
				t.Fatal("existing bytes were rewritten")
			}
		}
	})
}
