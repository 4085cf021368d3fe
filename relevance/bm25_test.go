package relevance

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
)

// Expected values below were computed by hand from the formula (in Python,
// IEEE doubles, the reference's evaluation order), not by this package.
func TestBM25ScoreHandComputed(t *testing.T) {
	tests := []struct {
		name, item, context string
		want                float64
		reason              string
		matched             []string
	}{
		{
			// dl = avgdl = 2, f = 1: the length factor is 1, so the term
			// contributes exactly ln 2; normalised by 10.
			name: "one term", item: "alice bob", context: "alice",
			want: 0.06931471805599453, reason: "BM25: matched 'alice'", matched: []string{"alice"},
		},
		{
			// error: f=2 → ln2·5/3.5; warning: f=1 → ln2. Sum 1.6833574385027243.
			name: "two terms", item: "error error warning", context: "Warning timeout ERROR",
			want: 0.16833574385027245, reason: "BM25: matched 2 terms (error, warning)", matched: []string{"error", "warning"},
		},
		{
			// qf = 2 doubles the contribution.
			name: "repeated query term", item: "alice bob", context: "alice alice",
			want: 0.13862943611198905, reason: "BM25: matched 'alice'", matched: []string{"alice"},
		},
		{
			// A matched term of 8+ bytes adds 0.3 after normalisation.
			name: "long term bonus", item: "deployment ok", context: "deployment",
			want: 0.36931471805599453, reason: "BM25: matched 'deployment'", matched: []string{"deployment"},
		},
		{
			name: "no match", item: `{"id": 1, "name": "alice"}`, context: "completely unrelated query",
			want: 0, reason: "BM25: no term matches",
		},
		{name: "empty item", item: "", context: "alice", want: 0, reason: "BM25: no term matches"},
		{name: "empty context", item: "alice", context: "", want: 0, reason: "BM25: no term matches"},
		{name: "punctuation-only context", item: "alice", context: "?! —", want: 0, reason: "BM25: no term matches"},
	}
	for _, tt := range tests {
		got := DefaultBM25().Score(tt.item, tt.context)
		if got.Score != tt.want || got.Reason != tt.reason || !slices.Equal(got.MatchedTerms, tt.matched) {
			t.Errorf("%s: Score(%q, %q) = %+v, want score %v reason %q terms %q",
				tt.name, tt.item, tt.context, got, tt.want, tt.reason, tt.matched)
		}
	}
}

func TestBM25ScoreBatchHandComputed(t *testing.T) {
	items := []string{"alice logged in", "system started", "Alice ALICE bob carol dave"}
	got := DefaultBM25().ScoreBatch(items, "dave alice")
	// avgdl = 10/3. Item 0: alice f=1, dl=3. Item 2: alice f=2 and dave f=1, dl=5.
	want := []Result{
		{Score: 0.07258085660313562, Reason: "BM25: 1 terms", MatchedTerms: []string{"alice"}},
		{Score: 0, Reason: "BM25: no matches"},
		{Score: 0.14189386553377842, Reason: "BM25: 2 terms", MatchedTerms: []string{"alice", "dave"}},
	}
	for i := range want {
		if !sameResult(got[i], want[i]) {
			t.Errorf("item %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func sameResult(a, b Result) bool {
	return a.Score == b.Score && a.Reason == b.Reason && slices.Equal(a.MatchedTerms, b.MatchedTerms)
}

func TestBM25ReasonsAndTruncation(t *testing.T) {
	words := strings.Fields("kiwi apple mango banana lemon cherry grape date fig elder honeydew jackfruit")
	item := strings.Join(words, " ")
	context := strings.Join(words, " ")
	sorted := slices.Sorted(slices.Values(words))

	single := DefaultBM25().Score(item, context)
	if want := "BM25: matched 12 terms (apple, banana, cherry...)"; single.Reason != want {
		t.Errorf("reason %q, want %q", single.Reason, want)
	}
	if !slices.Equal(single.MatchedTerms, sorted[:10]) {
		t.Errorf("single MatchedTerms %q, want the first 10 in byte order", single.MatchedTerms)
	}
	three := DefaultBM25().Score("fig date apple", "apple date fig")
	if want := "BM25: matched 3 terms (apple, date, fig)"; three.Reason != want {
		t.Errorf("reason %q, want %q", three.Reason, want)
	}

	batch := DefaultBM25().ScoreBatch([]string{item, "nothing here"}, context)
	if batch[0].Reason != "BM25: 12 terms" || !slices.Equal(batch[0].MatchedTerms, sorted[:5]) {
		t.Errorf("batch[0] = %+v, want 12 terms and the first 5 in byte order", batch[0])
	}
	// Truncated slices must not share capacity: appending to one item's
	// terms may not overwrite the next item's.
	batch2 := DefaultBM25().ScoreBatch([]string{item, item}, context)
	_ = append(batch2[0].MatchedTerms, "clobber")
	if batch2[1].MatchedTerms[0] != "apple" {
		t.Errorf("appending to one result changed another: %q", batch2[1].MatchedTerms)
	}
}

func TestBM25BatchEdgeCases(t *testing.T) {
	if got := DefaultBM25().ScoreBatch(nil, "alice"); got == nil || len(got) != 0 {
		t.Errorf("no items: got %#v, want an empty slice", got)
	}
	for _, ctx := range []string{"", "  ...  ", "東京"} {
		got := DefaultBM25().ScoreBatch([]string{"alice", ""}, ctx)
		for i, r := range got {
			if r.Score != 0 || r.Reason != "BM25: empty context" || r.MatchedTerms != nil {
				t.Errorf("context %q item %d: got %+v, want empty-context result", ctx, i, r)
			}
		}
	}
	got := DefaultBM25().ScoreBatch([]string{"", "alice"}, "alice")
	if got[0].Score != 0 || got[0].Reason != "BM25: no matches" {
		t.Errorf("empty item in batch: %+v", got[0])
	}
	// avgdl = 1/2; alice: f=1, dl=1 → ln2·2.5/(1+1.5·(0.25+0.75·2)) / 10.
	if want := 0.04780325383172036; got[1].Score != want {
		t.Errorf("item next to an empty one scored %v, want %v", got[1].Score, want)
	}
}

func TestBM25OrderingAndTies(t *testing.T) {
	items := []string{
		`{"id": 1, "msg": "user alice logged in"}`,
		`{"id": 2, "msg": "system started"}`,
		`{"id": 3, "msg": "user bob logged out"}`,
		`{"id": 4, "msg": "user alice logged in"}`,
		`{"id": 5, "msg": "alice alice alice"}`,
	}
	got := DefaultBM25().ScoreBatch(items, "alice login")
	if !(got[0].Score > got[1].Score) || got[1].Score != 0 || got[2].Score != 0 {
		t.Errorf("alice item must outrank the rest: %v %v %v", got[0].Score, got[1].Score, got[2].Score)
	}
	if got[0].Score != got[3].Score {
		t.Errorf("identical texts must tie: %v vs %v", got[0].Score, got[3].Score)
	}
	if !(got[4].Score > got[0].Score) {
		t.Errorf("more occurrences in a shorter item should score higher: %v vs %v", got[4].Score, got[0].Score)
	}
	// Term order in the context changes nothing.
	again := DefaultBM25().ScoreBatch(items, "login alice")
	for i := range got {
		if !sameResult(got[i], again[i]) {
			t.Errorf("item %d depends on context term order: %+v vs %+v", i, got[i], again[i])
		}
	}
}

func TestBM25MatchesIndependentFormula(t *testing.T) {
	// A plain, map-based BM25 over whitespace-separated lowercase words
	// (where tokenization is trivial) must agree bit for bit on random
	// corpora, single and batch.
	vocab := strings.Fields("a bb ccc dddd eeeee ffffffff gggggggggg h i j")
	rng := rand.New(rand.NewPCG(1, 2))
	text := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = vocab[rng.IntN(len(vocab))]
		}
		return strings.Join(w, " ")
	}
	for round := 0; round < 200; round++ {
		items := make([]string, rng.IntN(6))
		for i := range items {
			items[i] = text(rng.IntN(12))
		}
		ctx := text(1 + rng.IntN(5))
		got := DefaultBM25().ScoreBatch(items, ctx)
		total := 0
		for _, it := range items {
			total += len(strings.Fields(it))
		}
		avg := float64(total) / float64(max(len(items), 1))
		for i, it := range items {
			if want := independentBM25(it, ctx, avg); got[i].Score != want {
				t.Fatalf("batch %q item %q context %q: got %v, want %v", items, it, ctx, got[i].Score, want)
			}
			if want, single := independentBM25(it, ctx, 0), DefaultBM25().Score(it, ctx); single.Score != want {
				t.Fatalf("single %q context %q: got %v, want %v", it, ctx, single.Score, want)
			}
		}
	}
}

func independentBM25(item, context string, avgdl float64) float64 {
	doc := strings.Fields(item)
	if len(doc) == 0 {
		return 0
	}
	tf := map[string]int{}
	for _, w := range doc {
		tf[w]++
	}
	qf := map[string]int{}
	for _, w := range strings.Fields(context) {
		qf[w]++
	}
	keys := make([]string, 0, len(qf))
	for k := range qf {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	dl := float64(len(doc))
	if avgdl <= 0 {
		avgdl = dl
	}
	raw, long := 0.0, false
	for _, k := range keys {
		f, ok := tf[k]
		if !ok {
			continue
		}
		ff := float64(f)
		num := ff * 2.5
		den := ff + float64(1.5*(0.25+float64(0.75*dl)/avgdl))
		raw += float64(float64(math.Log(2)*num)/den) * float64(qf[k])
		long = long || len(k) >= 8
	}
	s := math.Min(raw/10, 1)
	if long {
		s = math.Min(s+0.3, 1)
	}
	return s
}

func TestBM25UnicodeItems(t *testing.T) {
	// Non-ASCII letters never match; digits of any script do; capitals in
	// the item are folded whether or not it is ASCII.
	bm := DefaultBM25()
	if r := bm.Score("東京 office", "東京"); r.Score != 0 {
		t.Errorf("CJK-only context matched: %+v", r)
	}
	r := bm.Score("Ticket ١٢٣٤٥ Café", "ticket ١٢٣٤٥")
	if !slices.Equal(r.MatchedTerms, []string{"ticket", "١٢٣٤٥"}) {
		t.Errorf("matched %q, want ticket and the Arabic-Indic ID", r.MatchedTerms)
	}
	// "١٢٣٤٥" is 10 bytes, so it earns the long-term bonus.
	if r.Score < 0.3 {
		t.Errorf("score %v lacks the long-term bonus", r.Score)
	}
	if a, b := bm.Score("ALICE Bob", "alice"), bm.Score("alice bob", "ALICE"); a.Score != b.Score || a.Score == 0 {
		t.Errorf("case folding: %v vs %v", a.Score, b.Score)
	}
}

func TestBM25ParamsValidation(t *testing.T) {
	bad := []BM25Params{
		{K1: -1, B: 0.75, Normalize: true, MaxScore: 10},
		{K1: math.NaN(), B: 0.75, Normalize: true, MaxScore: 10},
		{K1: math.Inf(1), B: 0.75, Normalize: true, MaxScore: 10},
		{K1: 1.5, B: 1.5, Normalize: true, MaxScore: 10},
		{K1: 1.5, B: math.NaN(), Normalize: true, MaxScore: 10},
		{K1: 1.5, B: 0.75, Normalize: true, MaxScore: 0},
		{K1: 1.5, B: 0.75, Normalize: true, MaxScore: math.Inf(1)},
	}
	for _, p := range bad {
		if _, err := NewBM25(p); err == nil {
			t.Errorf("NewBM25(%+v) accepted invalid parameters", p)
		}
	}
	// Without normalisation the raw score is used (then clamped to 1).
	raw, err := NewBM25(BM25Params{K1: 1.5, B: 0.75})
	if err != nil {
		t.Fatal(err)
	}
	if got := raw.Score("alice bob", "alice").Score; got != math.Ln2 {
		t.Errorf("raw score %v, want ln 2", got)
	}
	if got := raw.Score("a b", "a a b b").Score; got != 1 {
		t.Errorf("raw score above 1 must clamp to 1, got %v", got)
	}
	if DefaultBM25().Params() != (BM25Params{K1: 1.5, B: 0.75, Normalize: true, MaxScore: 10}) {
		t.Errorf("default params %+v", DefaultBM25().Params())
	}
}

func FuzzBM25(f *testing.F) {
	f.Fuzz(func(t *testing.T, item, other, context string) {
		items := []string{item, other, item}
		batch := DefaultBM25().ScoreBatch(items, context)
		if len(batch) != len(items) {
			t.Fatalf("%d results for %d items", len(batch), len(items))
		}
		if !sameResult(batch[0], batch[2]) {
			t.Fatalf("identical items scored differently: %+v vs %+v", batch[0], batch[2])
		}
		single := DefaultBM25().Score(item, context)
		for _, r := range append(batch, single) {
			if !(r.Score >= 0 && r.Score <= 1) {
				t.Fatalf("score %v out of [0, 1]", r.Score)
			}
		}
		if again := DefaultBM25().Score(item, context); !sameResult(single, again) {
			t.Fatalf("not deterministic: %+v vs %+v", single, again)
		}
		hb := DefaultHybrid().ScoreBatch(items, context)
		if len(hb) != len(items) || !(hb[0].Score >= batch[0].Score) {
			t.Fatalf("hybrid boost lowered a score: %+v vs %+v", hb[0], batch[0])
		}
	})
}
