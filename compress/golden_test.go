package compress_test

import (
	"context"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/compress"
	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/transform"
)

// TestCorpusInvariants runs every tool output of the shared corpus through
// the entry point and checks what must hold whatever the exact output:
// bloated outputs shrink in tokens, kept results are strictly smaller,
// anything else is returned byte for byte, every marker resolves to its
// original, and JSON stays JSON.
func TestCorpusInvariants(t *testing.T) {
	store := memstore.New(0, 0)
	c := newCompressor(t, store)
	ctx := context.Background()
	for _, s := range loadCorpus(t) {
		t.Run(s.name, func(t *testing.T) {
			res, err := c.Compress(ctx, s.content, compress.Request{})
			if err != nil {
				t.Fatal(err)
			}
			st := res.Stats
			t.Logf("%s %s %v %d -> %d tokens", st.DetectedType, st.Outcome, st.Steps, st.TokensBefore, st.TokensAfter)
			if st.Outcome != compress.Compressed {
				if res.Text != s.content {
					t.Fatal("content not compressed but not returned unchanged")
				}
				return
			}
			if st.TokensAfter >= st.TokensBefore {
				t.Fatalf("kept a result of %d tokens for %d", st.TokensAfter, st.TokensBefore)
			}
			checkMarkers(t, store, s.content, res.Text, st)
			for _, k := range st.Markers {
				got, err := store.Get(ctx, k)
				if err != nil {
					t.Fatal(err)
				}
				// The JSON offload runs after the minifier, so its key holds
				// the minified document: the same value as the input.
				if st.DetectedType == transform.JSONArray {
					a, _ := jsonx.ParseString(s.content)
					b, err := jsonx.ParseString(string(got))
					if err != nil || !jsonx.Equal(a, b) {
						t.Fatalf("marker %s does not resolve to the input's JSON value", k)
					}
				}
			}
			if st.DetectedType == transform.JSONArray {
				body, _, _ := strings.Cut(res.Text, "\n[json_offload CCR: hash=")
				if !jsonx.Valid(body) {
					t.Fatalf("JSON output is not valid JSON: %.300q", body)
				}
			}
		})
	}
}

// The tool outputs the corpus ships as separate files are the bloated
// ones: each must lose tokens.
func TestCorpusToolFilesShrink(t *testing.T) {
	c := newCompressor(t, memstore.New(0, 0))
	for _, s := range loadCorpus(t) {
		if !strings.HasPrefix(s.name, "tool_") {
			continue
		}
		res, err := c.Compress(context.Background(), s.content, compress.Request{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Stats.Outcome != compress.Compressed || res.Stats.TokensAfter >= res.Stats.TokensBefore {
			t.Errorf("%s: %s, %d -> %d tokens", s.name, res.Stats.Outcome, res.Stats.TokensBefore, res.Stats.TokensAfter)
		}
	}
}
