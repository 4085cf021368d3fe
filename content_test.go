package headroom_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/headroom-go/headroom"
	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/compress"
	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/tokenizer"
	"github.com/headroom-go/headroom/transform"
)

func TestCorpusToolOutputsCompressAndEveryMarkerResolves(t *testing.T) {
	for name, content := range corpusToolOutputs(t) {
		t.Run(name, func(t *testing.T) {
			store := memstore.New(0, 0)
			res, err := headroom.CompressContent(t.Context(), content, headroom.ContentOptions{Store: store})
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != compress.Compressed || res.ContentType != transform.JSONArray {
				t.Fatalf("outcome %s, type %s", res.Outcome, res.ContentType)
			}
			c := tokenizer.ForModel(compress.DefaultModel)
			if res.Stats.TokensBefore != c.Count(content) || res.Stats.TokensAfter != c.Count(res.Text) ||
				res.Stats.TokensAfter >= res.Stats.TokensBefore {
				t.Errorf("tokens %d → %d, counted %d → %d", res.Stats.TokensBefore, res.Stats.TokensAfter,
					c.Count(content), c.Count(res.Text))
			}
			if res.Stats.BytesBefore != len(content) || res.Stats.BytesAfter != len(res.Text) {
				t.Errorf("bytes %d → %d for %d → %d", res.Stats.BytesBefore, res.Stats.BytesAfter, len(content), len(res.Text))
			}
			if len(res.Stats.Transforms) == 0 || len(res.Stats.Markers) == 0 {
				t.Fatalf("compressed without transforms or markers: %+v", res.Stats)
			}
			// The exact input is kept under its content key.
			if res.OriginalKey != ccr.ComputeKey([]byte(content)) {
				t.Fatalf("OriginalKey %q is not the input's content key", res.OriginalKey)
			}
			if got, err := store.Get(t.Context(), res.OriginalKey); err != nil || string(got) != content {
				t.Fatalf("OriginalKey resolves to %d bytes (%v), want the %d-byte input", len(got), err, len(content))
			}
			// Every marker in the text resolves, to the input or to a
			// lossless form of it (the minified document a later step
			// was given).
			want, err := jsonx.Parse([]byte(content))
			if err != nil {
				t.Fatal(err)
			}
			for _, key := range res.Stats.Markers {
				got, err := store.Get(t.Context(), key)
				if err != nil {
					t.Errorf("marker %s: %v", key, err)
					continue
				}
				if string(got) == content {
					continue
				}
				if v, err := jsonx.Parse(got); err != nil || !jsonx.Equal(v, want) {
					t.Errorf("marker %s resolves to %d bytes that are not the input's JSON (%v)", key, len(got), err)
				}
			}
			t.Logf("%v: %d → %d tokens, markers %v", res.Stats.Transforms, res.Stats.TokensBefore, res.Stats.TokensAfter, res.Stats.Markers)
		})
	}
}

func TestContentWithoutAStoreIsOnlyReformatted(t *testing.T) {
	content := toolRows(200)
	res, err := headroom.CompressContent(t.Context(), content, headroom.ContentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != compress.Compressed || len(res.Stats.Markers) != 0 || res.OriginalKey != "" {
		t.Fatalf("outcome %s, markers %v, key %q", res.Outcome, res.Stats.Markers, res.OriginalKey)
	}
	a, err := jsonx.Parse([]byte(content))
	if err != nil {
		t.Fatal(err)
	}
	b, err := jsonx.Parse([]byte(res.Text))
	if err != nil || !jsonx.Equal(a, b) {
		t.Fatalf("store-less result is not the same JSON document (%v)", err)
	}
}

func TestSmallOrIncompressibleContentComesBackByteForByte(t *testing.T) {
	store := memstore.New(0, 0)
	for _, content := range []string{"", "ok", "all 12 tests passed\n", "{\"a\": 1}", "\xff\xfe not utf-8"} {
		res, err := headroom.CompressContent(t.Context(), content, headroom.ContentOptions{Store: store})
		if err != nil {
			t.Fatalf("%q: %v", content, err)
		}
		if res.Text != content || res.Outcome == compress.Compressed || res.OriginalKey != "" ||
			res.Stats.TokensAfter != res.Stats.TokensBefore || len(res.Stats.Markers) != 0 {
			t.Errorf("%q: got %q, %+v", content, res.Text, res)
		}
	}
	if n, _ := store.Len(t.Context()); n != 0 {
		t.Errorf("unchanged content stored %d entries", n)
	}
}

func TestModelPicksTheContentTokenizer(t *testing.T) {
	store := memstore.New(0, 0)
	content := toolRows(300)
	plain, err := headroom.CompressContent(t.Context(), content, headroom.ContentOptions{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	gpt, err := headroom.CompressContent(t.Context(), content, headroom.ContentOptions{Store: store, Model: "gpt-4o"})
	if err != nil {
		t.Fatal(err)
	}
	want := tokenizer.ForModel("gpt-4o").Count(content)
	if gpt.Stats.TokensBefore != want || want == plain.Stats.TokensBefore {
		t.Errorf("gpt-4o counted %d, want %d (default model counted %d)", gpt.Stats.TokensBefore, want, plain.Stats.TokensBefore)
	}
}

func TestBadBiasIsAnErrorAndTheContentIsKept(t *testing.T) {
	content := toolRows(50)
	for _, bias := range []float64{-1, math.NaN(), math.Inf(1)} {
		res, err := headroom.CompressContent(t.Context(), content, headroom.ContentOptions{Bias: bias})
		if !errors.Is(err, compress.ErrInvalidRequest) || res.Text != content || res.Outcome != compress.Failed {
			t.Errorf("bias %v: outcome %s, err %v", bias, res.Outcome, err)
		}
	}
}

// failingStore accepts nothing, as a store whose disk is full.
type failingStore struct{ ccr.Store }

var errDiskFull = errors.New("disk full")

func (failingStore) Put(context.Context, string, []byte) error { return errDiskFull }

func TestAStoreThatFailsKeepsTheContent(t *testing.T) {
	content := toolRows(200)
	res, err := headroom.CompressContent(t.Context(), content, headroom.ContentOptions{Store: failingStore{memstore.New(0, 0)}})
	if !errors.Is(err, errDiskFull) || res.Text != content || res.Outcome != compress.Failed || res.OriginalKey != "" {
		t.Fatalf("outcome %s, key %q, err %v", res.Outcome, res.OriginalKey, err)
	}
}
