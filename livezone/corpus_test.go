package livezone_test

import (
	"testing"

	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/livezone"
	"github.com/headroom-go/headroom/tokenizer"
)

// TestCorpusRequestsKeepEveryByteOutsideTheLiveZone runs every corpus
// request through its format's live zone and checks the splicing contract.
// It also checks that the pass only ever touched the live-zone message.
func TestCorpusRequestsKeepEveryByteOutsideTheLiveZone(t *testing.T) {
	modified := 0
	for _, r := range loadCorpusRequests(t) {
		t.Run(r.name, func(t *testing.T) {
			out, m := r.run(t, livezone.Options{})
			checkSplices(t, r.body, out, m)
			for _, b := range m.Blocks {
				if r.format == "anthropic" && b.MessageIndex != m.LatestUserMessageIndex {
					t.Errorf("block in message %d, live zone is %d", b.MessageIndex, m.LatestUserMessageIndex)
				}
				if b.Action.Kind == livezone.CompressorError {
					t.Errorf("compressor error in block %+v", b)
				}
			}
			if m.Outcome == livezone.Modified {
				modified++
				counter := tokenizer.ForModel(r.model)
				before, after := counter.Count(string(r.body)), counter.Count(string(out))
				t.Logf("%s: %d → %d bytes, %d → %d tokens, saved %d (blocks), strategies %v",
					r.name, len(r.body), len(out), before, after, m.TokensSaved(), m.TransformsApplied())
			} else {
				t.Logf("%s: no change; blocks %+v", r.name, m.Blocks)
			}
		})
	}
	if modified == 0 {
		t.Errorf("no corpus request was compressed")
	}
}

// TestCorpusCCRMarkersResolve runs the Anthropic corpus with a store and
// checks that every compressed block ends with its marker and that the
// store returns the exact original literal text.
func TestCorpusCCRMarkersResolve(t *testing.T) {
	store := memstore.New(0, 0)
	checked := 0
	for _, r := range loadCorpusRequests(t) {
		if r.format != "anthropic" {
			continue
		}
		out, m := r.run(t, livezone.Options{Store: store})
		orig, repl := checkSplices(t, r.body, out, m)
		k := 0
		for _, b := range m.Blocks {
			if b.Action.Kind != livezone.Compressed {
				continue
			}
			checkMarker(t, store, b.Action.Marker, orig[k], repl[k])
			k++
			checked++
		}
	}
	if checked == 0 {
		t.Skip("no Anthropic corpus block was compressed")
	}
}
