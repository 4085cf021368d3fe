package livezone_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/ccr/retrieve"
	"github.com/headroom-go/headroom/livezone"
	"github.com/headroom-go/headroom/transform"
)

// openAIBodies are a Chat and a Responses body whose one eligible slot is
// a 1500-row tool result; the headroom_retrieve output in the Responses
// body must stay verbatim even with a store.
func openAIBodies(rows string) []struct {
	name string
	f    entryPoint
	body string
} {
	lit := str(rows)
	return []struct {
		name string
		f    entryPoint
		body string
	}{
		{"chat", livezone.OpenAIChat, `{"model":"gpt-4o","messages":[{"role":"user","content":"who is slow?"},` +
			`{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"q","arguments":"{}"}}]},` +
			`{"role":"tool","tool_call_id":"c1","content":` + lit + `}]}`},
		{"responses", livezone.OpenAIResponses, `{"model":"gpt-4o","input":[{"type":"message","role":"user","content":"who is slow?"},` +
			`{"type":"function_call","call_id":"c1","name":"q","arguments":"{}"},` +
			`{"type":"function_call_output","call_id":"c1","output":` + lit + `},` +
			`{"type":"function_call","call_id":"c2","name":"headroom_retrieve","arguments":"{}"},` +
			`{"type":"function_call_output","call_id":"c2","output":` + lit + `}]}`},
	}
}

// TestOpenAIMarkersResolveToTheOriginal: with a store, the OpenAI formats
// are reversible like Anthropic — the compressed slot ends with the marker
// of its original, the store returns that original byte for byte, and
// every marker SmartCrusher wrote inside the block resolves too.
func TestOpenAIMarkersResolveToTheOriginal(t *testing.T) {
	rows := rowsJSON(1500)
	for _, c := range openAIBodies(rows) {
		t.Run(c.name, func(t *testing.T) {
			store := memstore.New(0, 0)
			comp, err := livezone.NewCompressors(store)
			if err != nil {
				t.Fatal(err)
			}
			in := []byte(c.body)
			out, m, err := c.f(t.Context(), in, livezone.Options{Model: "gpt-4o", Store: store, Compressor: comp})
			if err != nil {
				t.Fatal(err)
			}
			orig, repl := checkSplices(t, in, out, m)
			if m.Outcome != livezone.Modified || len(repl) != 1 || orig[0] != rows {
				t.Fatalf("outcome %v, %d splices, blocks %s", m.Outcome, len(repl), outcomes(m))
			}
			var a livezone.Action
			for _, b := range m.Blocks {
				if b.Action.Kind == livezone.Compressed {
					a = b.Action
				}
			}
			checkMarker(t, store, a.Marker, rows, repl[0])
			if a.CompressedBytes != len(repl[0]) || a.CompressedTokens >= a.OriginalTokens {
				t.Errorf("gate did not see the marker: %+v, replacement %d bytes", a, len(repl[0]))
			}
			// Whatever markers the block holds (the block's own, and any
			// SmartCrusher wrote for rows it dropped) must resolve.
			keys := retrieve.ScanText(nil, repl[0])
			if len(keys) == 0 || keys[len(keys)-1] != a.Marker {
				t.Errorf("markers in the block %v: want the block marker %s last", keys, a.Marker)
			}
			for _, k := range keys {
				if _, err := store.Get(t.Context(), k); err != nil {
					t.Errorf("marker %s does not resolve: %v", k, err)
				}
			}
			if c.name == "responses" && bytes.Count(out, []byte(str(rows))) != 1 {
				t.Error("the headroom_retrieve output was not left verbatim")
			}
			// The same body without a store: compressed, but no marker.
			out, m, err = c.f(t.Context(), in, livezone.Options{Model: "gpt-4o"})
			if err != nil || m.Outcome != livezone.Modified {
				t.Fatalf("without store: err %v, outcome %v", err, m.Outcome)
			}
			if bytes.Contains(out, []byte("<<ccr:")) {
				t.Error("marker written without a store")
			}
			for _, b := range m.Blocks {
				if b.Action.Marker != "" {
					t.Errorf("block %+v has a marker without a store", b)
				}
			}
		})
	}
}

// trimTail proposes the slot minus its last 20 bytes: a few tokens
// shorter than the original (9 for the gpt-4o rows below), fewer than the
// marker's 20.
type trimTail struct{}

func (trimTail) CompressBlock(_ context.Context, text string, _ transform.ContentType) (livezone.Candidate, error) {
	return livezone.Candidate{Text: text[:len(text)-20], Strategy: "trim_tail"}, nil
}

// TestOpenAIMarkerCountsInTheGate: a candidate that wins the token gate
// on its own but not with the marker appended is rejected when a store is
// given, and then neither marker nor original is written.
func TestOpenAIMarkerCountsInTheGate(t *testing.T) {
	rows := rowsJSON(1500)
	for _, c := range openAIBodies(rows) {
		t.Run(c.name, func(t *testing.T) {
			in := []byte(c.body)
			_, m, err := c.f(t.Context(), in, livezone.Options{Model: "gpt-4o", Compressor: trimTail{}})
			if err != nil || m.Outcome != livezone.Modified {
				t.Fatalf("without store: err %v, blocks %s", err, outcomes(m))
			}
			store := memstore.New(0, 0)
			out, m, err := c.f(t.Context(), in, livezone.Options{Model: "gpt-4o", Store: store, Compressor: trimTail{}})
			if err != nil {
				t.Fatal(err)
			}
			if m.Outcome != livezone.NoChange || !bytes.Equal(out, in) || m.Count(livezone.RejectedNotSmaller) != 1 {
				t.Fatalf("with store: outcome %v, blocks %s", m.Outcome, outcomes(m))
			}
			if _, err := store.Get(t.Context(), ccr.ComputeKey([]byte(rows))); err == nil {
				t.Error("original stored for a rejected block")
			}
		})
	}
}

// eventRows is a JSON array of n event rows whose prose messages dwarf
// their keys, so a lossless table saves too little and SmartCrusher drops
// rows instead, keeping the failures at failAt and leaving its own
// "_ccr_dropped" marker row.
func eventRows(n int, failAt ...int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		msg := fmt.Sprintf("worker %d finished syncing shard %d of the catalogue after %d retries and reported nominal health", i, i*7%101, i%5)
		if slices.Contains(failAt, i) {
			msg = fmt.Sprintf("worker %d hit a connection TIMEOUT while syncing shard %d and gave up", i, i*7%101)
		}
		fmt.Fprintf(&b, `{"id":%d,"msg":%q}`, i, msg)
	}
	b.WriteByte(']')
	return b.String()
}

// TestOpenAIDroppedRowsResolve: when SmartCrusher drops rows from an
// OpenAI slot, its own marker and the block marker both resolve in the
// store the compressors were built on.
func TestOpenAIDroppedRowsResolve(t *testing.T) {
	rows := eventRows(1500, 3, 700, 1400)
	for _, c := range openAIBodies(rows) {
		t.Run(c.name, func(t *testing.T) {
			store := memstore.New(0, 0)
			comp, err := livezone.NewCompressors(store)
			if err != nil {
				t.Fatal(err)
			}
			in := []byte(c.body)
			out, m, err := c.f(t.Context(), in, livezone.Options{Model: "gpt-4o", Store: store, Compressor: comp})
			if err != nil {
				t.Fatal(err)
			}
			orig, repl := checkSplices(t, in, out, m)
			if m.Outcome != livezone.Modified || len(repl) != 1 || orig[0] != rows {
				t.Fatalf("outcome %v, blocks %s", m.Outcome, outcomes(m))
			}
			if !strings.Contains(repl[0], "_ccr_dropped") {
				t.Fatalf("SmartCrusher dropped no rows: %.300s", repl[0])
			}
			keys := retrieve.ScanText(nil, repl[0])
			if len(keys) < 2 {
				t.Fatalf("markers %v: want SmartCrusher's and the block's", keys)
			}
			for _, k := range keys {
				if _, err := store.Get(t.Context(), k); err != nil {
					t.Errorf("marker %s does not resolve: %v", k, err)
				}
			}
			checkMarker(t, store, keys[len(keys)-1], rows, repl[0])
		})
	}
}
