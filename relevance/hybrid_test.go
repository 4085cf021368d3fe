package relevance

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

const boostPrefix = "Hybrid (BM25 only, boosted): "

func TestHybridWithoutSemanticBoostsBM25(t *testing.T) {
	h := DefaultHybrid()
	if h.HasSemantic() {
		t.Fatal("the default hybrid must run without a semantic scorer")
	}
	tests := []struct {
		name, item, context string
		want                float64
		reason              string
	}{
		{
			// BM25 alone gives ln2/10 ≈ 0.069; one matched term lifts it to 0.3.
			name: "single match", item: `{"name": "alice"}`, context: "alice",
			want: 0.3, reason: boostPrefix + "BM25: matched 'alice'",
		},
		{
			// Three terms of f=1 in a 6-token item: 3·ln2/10, +0.3 for
			// "engineering" (11 bytes), then +0.2 for two or more matches.
			name: "multi match", item: `{"name": "alice", "role": "admin", "team": "engineering"}`,
			context: "alice admin engineering",
			want:    0.7079441541679836, reason: boostPrefix + "BM25: matched 3 terms (admin, alice, engineering)",
		},
		{
			name: "no match", item: `{"id": 1}`, context: "completely unrelated query",
			want: 0, reason: boostPrefix + "BM25: no term matches",
		},
		{
			// Already at 1: the multi-match boost is capped.
			name: "cap", item: "a b", context: "a a a a a a a a a a b b b b b b b b b b",
			want: 1, reason: boostPrefix + "BM25: matched 2 terms (a, b)",
		},
	}
	for _, tt := range tests {
		got := h.Score(tt.item, tt.context)
		if got.Score != tt.want || got.Reason != tt.reason {
			t.Errorf("%s: got %+v, want score %v reason %q", tt.name, got, tt.want, tt.reason)
		}
	}
}

func TestHybridBatchWithoutSemantic(t *testing.T) {
	h := DefaultHybrid()
	if got := h.ScoreBatch(nil, "anything"); got == nil || len(got) != 0 {
		t.Errorf("no items: %#v", got)
	}
	got := h.ScoreBatch([]string{`{"name": "alice"}`, `{"name": "bob"}`}, "alice")
	if got[0].Score != 0.3 || got[0].Reason != boostPrefix+"BM25: 1 terms" || !slices.Equal(got[0].MatchedTerms, []string{"alice"}) {
		t.Errorf("matched item: %+v", got[0])
	}
	if got[1].Score != 0 || got[1].Reason != boostPrefix+"BM25: no matches" {
		t.Errorf("unmatched item: %+v", got[1])
	}
	empty := h.ScoreBatch([]string{"alice"}, "")
	if empty[0].Score != 0 || empty[0].Reason != boostPrefix+"BM25: empty context" {
		t.Errorf("empty context: %+v", empty[0])
	}
}

func TestHybridAdaptiveAlpha(t *testing.T) {
	h := DefaultHybrid()
	tests := []struct {
		context string
		want    float64
	}{
		{"find 550e8400-e29b-41d4-a716-446655440000", 0.85},
		{"find 550E8400-E29B-41D4-A716-446655440000", 0.85},
		{"look up records 12345 and 67890", 0.75},
		{"show record 12345", 0.65},
		{"status of api.example.com", 0.6},
		{"STATUS OF API.EXAMPLE.COM", 0.6},
		{"mail bob@example.com", 0.6},
		{"show me failed requests", 0.5},
		{"", 0.5},
		{"find 550e8400-e29b-41d4-a716-446655440000 and 12345 at api.example.com", 0.85},
		// Unicode word boundaries, as in the reference: é is a word
		// character, so neither "12345" nor "a.b" starts at a boundary.
		{"record é12345", 0.5},
		{"record ١٢٣٤٥", 0.65},
		{"see éa.b", 0.5},
		{"see a.b", 0.6},
		{"éwww.example.com", 0.6}, // "example.com" still starts after a dot
		// The email pattern's literal pipe: "a|" is a two-character TLD,
		// followed by a boundary because "b" is a word character.
		{"x@-.a|b", 0.6},
		{"x@-.a|", 0.5},
	}
	for _, tt := range tests {
		if got := h.alpha(tt.context); got != tt.want {
			t.Errorf("alpha(%q) = %v, want %v", tt.context, got, tt.want)
		}
	}

	fixed, _ := NewHybrid(HybridConfig{Alpha: 0.7})
	if got := fixed.alpha("find 550e8400-e29b-41d4-a716-446655440000"); got != 0.7 {
		t.Errorf("non-adaptive alpha = %v, want the base 0.7", got)
	}
	high, _ := NewHybrid(HybridConfig{Alpha: 0.95, Adaptive: true})
	low, _ := NewHybrid(HybridConfig{Alpha: 0.1, Adaptive: true})
	if high.alpha("plain") != 0.9 || low.alpha("plain") != 0.3 {
		t.Errorf("adaptive alpha must clamp to [0.3, 0.9]: %v %v", high.alpha("plain"), low.alpha("plain"))
	}
}

func TestHybridFusesSemanticScorer(t *testing.T) {
	// No embedding model is available, so a second, differently tuned BM25
	// stands in as the semantic component: the fusion arithmetic and the
	// reasons do not depend on what the component computes.
	sem, err := NewBM25(BM25Params{K1: 1.2, B: 0, Normalize: true, MaxScore: 1})
	if err != nil {
		t.Fatal(err)
	}
	h, err := NewHybrid(HybridConfig{Alpha: 0.5, Semantic: sem})
	if err != nil {
		t.Fatal(err)
	}
	if !h.HasSemantic() {
		t.Fatal("HasSemantic false with a semantic scorer")
	}
	// BM25: ln2/10 → "0.07"; semantic: ln2 → "0.69"; fixed alpha 0.5.
	got := h.Score("alice", "alice")
	kw, sm := DefaultBM25().Score("alice", "alice"), sem.Score("alice", "alice")
	if want := float64(0.5*kw.Score) + float64(0.5*sm.Score); got.Score != want {
		t.Errorf("fused score %v, want %v", got.Score, want)
	}
	if want := "Hybrid (α=0.50): BM25=0.07, Semantic=0.69"; got.Reason != want {
		t.Errorf("reason %q, want %q", got.Reason, want)
	}
	if !slices.Equal(got.MatchedTerms, []string{"alice"}) {
		t.Errorf("matched terms %q come from BM25", got.MatchedTerms)
	}

	adaptive, _ := NewHybrid(HybridConfig{Alpha: 0.5, Adaptive: true, Semantic: sem})
	ctx := "alice 550e8400-e29b-41d4-a716-446655440000"
	items := []string{"alice", "bob"}
	batch := adaptive.ScoreBatch(items, ctx)
	kwb, smb := DefaultBM25().ScoreBatch(items, ctx), sem.ScoreBatch(items, ctx)
	for i := range items {
		if want := 0.85*kwb[i].Score + (1-0.85)*smb[i].Score; math.Abs(batch[i].Score-want) > 1e-15 {
			t.Errorf("batch item %d: %v, want %v", i, batch[i].Score, want)
		}
		if !strings.HasPrefix(batch[i].Reason, "Hybrid (α=0.85): BM25=") || !strings.Contains(batch[i].Reason, ", Emb=") {
			t.Errorf("batch reason %q", batch[i].Reason)
		}
	}
}

// shortScorer breaks the Scorer contract by dropping a batch result.
type shortScorer struct{ *BM25 }

func (s shortScorer) ScoreBatch(items []string, context string) []Result {
	return s.BM25.ScoreBatch(items[1:], context)
}

func TestHybridRejectsBrokenSemanticBatch(t *testing.T) {
	h, _ := NewHybrid(HybridConfig{Alpha: 0.5, Semantic: shortScorer{DefaultBM25()}})
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "returned 1 results for 2 items") {
			t.Errorf("recovered %v, want a panic naming the count mismatch", r)
		}
	}()
	h.ScoreBatch([]string{"a", "b"}, "a")
}

func TestNewHybridValidates(t *testing.T) {
	for _, a := range []float64{-0.1, 1.1, math.NaN()} {
		if _, err := NewHybrid(HybridConfig{Alpha: a}); err == nil {
			t.Errorf("alpha %v accepted", a)
		}
	}
	h, err := NewHybrid(DefaultHybridConfig())
	if err != nil {
		t.Fatal(err)
	}
	if a, b := h.Score("alice bob", "alice"), DefaultHybrid().Score("alice bob", "alice"); !sameResult(a, b) {
		t.Errorf("NewHybrid(DefaultHybridConfig()) differs from DefaultHybrid: %+v vs %+v", a, b)
	}
}

func TestNewTier(t *testing.T) {
	for tier, want := range map[string]Scorer{"bm25": DefaultBM25(), "BM25": DefaultBM25(), "hybrid": DefaultHybrid(), "Hybrid": DefaultHybrid()} {
		got, err := New(tier)
		if err != nil || got != want {
			t.Errorf("New(%q) = %v, %v", tier, got, err)
		}
	}
	if _, err := New("embedding"); !errors.Is(err, ErrEmbeddingUnavailable) {
		t.Errorf("New(embedding) error %v, want ErrEmbeddingUnavailable", err)
	}
	_, err := New("semantic")
	if err == nil || !strings.Contains(err.Error(), `"semantic"`) || !strings.Contains(err.Error(), "bm25, embedding, hybrid") {
		t.Errorf("New(semantic) error %v", err)
	}
}
