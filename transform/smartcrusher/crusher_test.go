package smartcrusher

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/internal/jsonx"
)

func newCrusher(t testing.TB, mutate func(*Options)) (*Crusher, *memstore.Store) {
	t.Helper()
	store := memstore.New(ccr.DefaultCapacity, ccr.DefaultTTL)
	// These tests pin the lossy path (the parity configuration); the
	// lossless stage has its own tests in lossless_test.go.
	opts := Options{Config: DefaultConfig(), Store: store, Compaction: CompactionOff}
	if mutate != nil {
		mutate(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, store
}

func crush(t testing.TB, c *Crusher, content string) Result {
	t.Helper()
	res, err := c.Crush(context.Background(), content, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// logRows renders n log-like rows; rows listed in errorsAt carry an error.
func logRows(n int, errorsAt ...int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		status := "ok"
		for _, e := range errorsAt {
			if e == i {
				status = "Connection TIMEOUT while syncing"
			}
		}
		fmt.Fprintf(&b, `{"id":%d,"host":"web-%d","status":%q,"latency_ms":%d}`, i, i%7, status, 20+i%13)
	}
	b.WriteByte(']')
	return b.String()
}

func TestPassthroughCases(t *testing.T) {
	c, _ := newCrusher(t, nil)
	cases := []struct {
		in, out, strategy string
		modified          bool
	}{
		{"this is not json", "this is not json", "passthrough", false},
		{"[]", "[]", "passthrough", false},
		{" [1, 2, 3] ", "[1,2,3]", "passthrough", true},
		{"\n[1,2,3]\n", "[1,2,3]", "passthrough", false},
		{`{"a": 1.0, "b": 1E5}`, `{"a":1.0,"b":1e+5}`, "passthrough", true},
	}
	for _, tc := range cases {
		res := crush(t, c, tc.in)
		if res.Compressed != tc.out || res.Strategy != tc.strategy || res.WasModified != tc.modified || res.Original != tc.in {
			t.Errorf("Crush(%q) = %+v", tc.in, res)
		}
	}
}

func TestErrorRowsSurviveAndDroppedRowsAreRetrievable(t *testing.T) {
	c, store := newCrusher(t, nil)
	content := logRows(120, 3, 57, 118)
	res := crush(t, c, content)
	out, err := jsonx.ParseString(res.Compressed)
	if err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	items := out.Items()
	if len(items) >= 120 {
		t.Fatalf("nothing dropped: %d items, strategy %s", len(items), res.Strategy)
	}
	ids := map[string]bool{}
	for _, it := range items[:len(items)-1] {
		id, _ := it.Get("id")
		lit, _ := id.Literal()
		ids[lit] = true
	}
	for _, want := range []string{"3", "57", "118"} {
		if !ids[want] {
			t.Errorf("error row %s dropped; kept %v", want, ids)
		}
	}
	marker, ok := items[len(items)-1].Get("_ccr_dropped")
	if !ok {
		t.Fatalf("last item is not the CCR marker: %s", jsonx.Compact(items[len(items)-1]))
	}
	text, _ := marker.Str()
	var hash string
	var dropped int
	if _, err := fmt.Sscanf(text, "<<ccr:%12s %d_rows_offloaded>>", &hash, &dropped); err != nil {
		t.Fatalf("marker %q: %v", text, err)
	}
	if dropped != 120-(len(items)-1) {
		t.Errorf("marker says %d dropped, output has %d of 120", dropped, len(items)-1)
	}
	got, err := store.Get(context.Background(), hash)
	if err != nil {
		t.Fatalf("store has no %s: %v", hash, err)
	}
	if string(got) != content {
		t.Fatalf("stored original differs from the (compact) input")
	}
}

func TestMarkerDisabledDropsWithoutSentinel(t *testing.T) {
	c, store := newCrusher(t, func(o *Options) { o.Config.EnableCCRMarker = false })
	res := crush(t, c, logRows(120, 5))
	if strings.Contains(res.Compressed, "_ccr_dropped") {
		t.Fatal("marker emitted with EnableCCRMarker=false")
	}
	if n, _ := store.Len(context.Background()); n != 0 {
		t.Fatalf("store holds %d entries with markers disabled", n)
	}
}

// Without a store nothing could resolve a marker, so none is written even
// though EnableCCRMarker is on by default: rows are dropped plainly and long
// strings stay as they are.
func TestNoStoreMeansNoMarkers(t *testing.T) {
	c, _ := newCrusher(t, func(o *Options) { o.Store = nil })
	res := crush(t, c, logRows(120, 5))
	if !res.WasModified || strings.Contains(res.Compressed, "<<ccr:") || strings.Contains(res.Compressed, "_ccr_dropped") {
		t.Fatalf("modified=%v, output has a marker: %.200s", res.WasModified, res.Compressed)
	}
	long := strings.Repeat("lorem ipsum dolor ", 20)
	if res := crush(t, c, `{"note":"`+long+`","n":1}`); strings.Contains(res.Compressed, "<<ccr:") {
		t.Fatalf("opaque marker without a store: %s", res.Compressed)
	}
}

func TestLongOpaqueStringBecomesMarker(t *testing.T) {
	c, store := newCrusher(t, nil)
	long := strings.Repeat("lorem ipsum dolor ", 20) // 360 bytes, has spaces: long string
	res := crush(t, c, `{"note":"`+long+`","n":1}`)
	want := `{"note":"<<ccr:` + shortHash([]byte(long)) + `,string,360B>>","n":1}`
	if res.Compressed != want || res.Strategy != "string_ccr:string" {
		t.Fatalf("got %s (%s), want %s", res.Compressed, res.Strategy, want)
	}
	got, err := store.Get(context.Background(), shortHash([]byte(long)))
	if err != nil || string(got) != long {
		t.Fatalf("store: %q, %v", got, err)
	}
}

func TestOpaqueKinds(t *testing.T) {
	b64 := strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkr", 8)
	html := "<html><body>" + strings.Repeat("<p>para</p>", 30) + "</body></html>"
	for s, want := range map[string]string{b64: "base64", html: "html", strings.Repeat("é", 200): "string"} {
		if got, ok := opaqueKind(s); !ok || got != want {
			t.Errorf("opaqueKind(%.20q…) = %q, %v; want %q", s, got, ok, want)
		}
	}
	if _, ok := opaqueKind(strings.Repeat("x", opaqueRules.OpaqueMinBytes)); ok {
		t.Error("a string of exactly OpaqueMinBytes is opaque")
	}
}

func TestStringifiedJSONIsCrushedInPlace(t *testing.T) {
	c, _ := newCrusher(t, nil)
	inner := logRows(60, 10)
	doc := jsonx.ObjectValue([]jsonx.Member{{Key: "result", Value: jsonx.StringValue(inner)}})
	res := crush(t, c, jsonx.Compact(doc))
	if !strings.HasPrefix(res.Strategy, "string_json[") {
		t.Fatalf("strategy %q", res.Strategy)
	}
	out, _ := jsonx.ParseString(res.Compressed)
	v, _ := out.Get("result")
	s, _ := v.Str()
	if !jsonx.Valid(s) || !strings.Contains(s, "TIMEOUT") || len(s) >= len(inner) {
		t.Fatalf("inner string not crushed JSON keeping the error: %.200s", s)
	}
}

// With factor_out_constants, constant columns move into a leading object
// and each row loses them the way serde's swap_remove does (the last key
// takes the removed key's place).
func TestFactorOutConstants(t *testing.T) {
	c, _ := newCrusher(t, func(o *Options) { o.Config.FactorOutConstants = true })
	var b strings.Builder
	b.WriteByte('[')
	for i := 0; i < 40; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"kind":"event","id":%d,"v":%d}`, i%2, i%2)
	}
	b.WriteByte(']')
	res := crush(t, c, b.String())
	if !strings.HasPrefix(res.Compressed, `[{"_constant_fields":{"kind":"event"}},{"v":1,"id":1},{"v":0,"id":0},{"_ccr_dropped":`) {
		t.Fatalf("got %s (%s)", res.Compressed, res.Strategy)
	}
}

type recorder struct {
	arrays  []ArrayEvent
	crushes []CrushEvent
}

func (r *recorder) ObserveArray(e ArrayEvent) { r.arrays = append(r.arrays, e) }
func (r *recorder) ObserveCrush(e CrushEvent) { r.crushes = append(r.crushes, e) }

func TestObserverSeesEveryArrayAndCrush(t *testing.T) {
	rec := &recorder{}
	c, _ := newCrusher(t, func(o *Options) { o.Observers = []Observer{rec} })
	res := crush(t, c, logRows(50, 7))
	if len(rec.crushes) != 1 || rec.crushes[0].Strategy != res.Strategy || rec.crushes[0].OutputBytes != len(res.Compressed) {
		t.Fatalf("crush events %+v", rec.crushes)
	}
	if len(rec.arrays) != 1 {
		t.Fatalf("array events %+v", rec.arrays)
	}
	ev := rec.arrays[0]
	out, _ := jsonx.ParseString(res.Compressed)
	if ev.ItemsBefore != 50 || ev.ItemsAfter != out.Len()-1 || !strings.HasPrefix(res.Strategy, ev.Strategy+"(") || len(ev.Signature) != 16 {
		t.Fatalf("array event %+v for %s", ev, res.Strategy)
	}
	// Same shape, different values: same signature.
	crush(t, c, logRows(60, 1))
	if rec.arrays[1].Signature != ev.Signature {
		t.Fatal("signature depends on values")
	}
}

func TestStoreFailureIsReported(t *testing.T) {
	c, _ := newCrusher(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Crush(ctx, logRows(120, 5), "", 1)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the store's context.Canceled", err)
	}
	// Without rows to offload nothing is stored, so nothing can fail.
	if _, err := c.Crush(ctx, `[1,2,3]`, "", 1); err != nil {
		t.Fatalf("passthrough failed: %v", err)
	}
}

func TestConstraintsNilMeansDefaultsEmptyMeansNone(t *testing.T) {
	content := logRows(120, 61)
	withDefault, _ := newCrusher(t, nil)
	if !strings.Contains(crush(t, withDefault, content).Compressed, "TIMEOUT") {
		t.Fatal("default constraints dropped the error row")
	}
	none, _ := newCrusher(t, func(o *Options) { o.Constraints = []Constraint{} })
	c := none
	if len(c.constraints) != 0 {
		t.Fatal("empty constraints replaced by defaults")
	}
}

func TestQueryAnchorsKeepMatchingRows(t *testing.T) {
	c, _ := newCrusher(t, nil)
	content := logRows(120, 3)
	res, err := c.Crush(context.Background(), content, `what happened on "web-5" for id 73?`, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Compressed, `"host":"web-5"`) {
		t.Fatalf("quoted anchor not kept: %s", res.Compressed)
	}
	anchors := extractQueryAnchors(`see 550e8400-E29B-41d4-a716-446655440000, host api.example.com, e.g. 12345 and a@b.io`)
	want := map[string]bool{"550e8400-e29b-41d4-a716-446655440000": true, "api.example.com": true, "12345": true, "a@b.io": true}
	got := map[string]bool{}
	for _, a := range anchors {
		got[a] = true
	}
	for w := range want {
		if !got[w] {
			t.Errorf("anchor %q missing from %v", w, anchors)
		}
	}
	if got["e.g"] {
		t.Error("e.g kept as a hostname")
	}
}

func TestInvalidConfigRejected(t *testing.T) {
	bad := DefaultConfig()
	bad.MinItemsToAnalyze = 0
	bad.FirstFraction = 2
	_, err := New(Options{Config: bad})
	if err == nil || !strings.Contains(err.Error(), "MinItemsToAnalyze") || !strings.Contains(err.Error(), "FirstFraction") {
		t.Fatalf("err = %v", err)
	}
	if _, err := New(Options{}); err == nil {
		t.Fatal("zero Options accepted")
	}
}
