package smartcrusher

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/internal/jsonx"
)

// checkCrush asserts the properties every crush must have, whatever the
// input: non-JSON is returned untouched; JSON output is valid JSON; in a
// top-level array of objects or strings every element carrying an error
// keyword survives unchanged; a row-drop marker names an entry from which
// the whole original array is recoverable byte for byte.
func checkCrush(t *testing.T, content string, res Result, store ccr.Store) {
	t.Helper()
	in, err := jsonx.ParseString(content)
	if err != nil {
		if res.Compressed != content || res.Strategy != "passthrough" || res.WasModified {
			t.Fatalf("non-JSON input changed: %+v", res)
		}
		return
	}
	out, err := jsonx.ParseString(res.Compressed)
	if err != nil {
		t.Fatalf("output is not JSON (%v): %.300s", err, res.Compressed)
	}
	items := in.Items()
	kind := classifyArray(items)
	if in.Kind() != jsonx.Array || len(items) < DefaultConfig().MinItemsToAnalyze || (kind != arrayDicts && kind != arrayStrings) {
		return
	}
	kept := out.Items()
	for _, it := range items {
		if !containsErrorKeyword(jsonx.Compact(it)) {
			continue
		}
		found := false
		for _, k := range kept {
			if jsonx.Equal(k, it) {
				found = true
				break
			}
		}
		if !found {
			t.Fatalf("error item %s dropped (%s)", jsonx.Compact(it), res.Strategy)
		}
	}
	if len(kept) == 0 {
		return
	}
	last := kept[len(kept)-1]
	m, ok := last.Get("_ccr_dropped")
	if !ok || last.Len() != 1 {
		return
	}
	text, _ := m.Str()
	hash, _, _ := strings.Cut(strings.TrimPrefix(text, "<<ccr:"), " ")
	stored, err := store.Get(context.Background(), hash)
	if err != nil {
		t.Fatalf("marker %q not retrievable: %v", text, err)
	}
	if string(stored) != jsonx.Compact(in) {
		t.Fatalf("stored original differs from the input array")
	}
}

// randomRows builds an array of objects with a mix of ids, levels,
// messages, numeric metrics with occasional spikes, optional rare keys and
// error rows.
func randomRows(r *rand.Rand) string {
	n := 5 + r.IntN(150)
	levels := []string{"info", "debug", "warn"}
	var b strings.Builder
	b.WriteByte('[')
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('{')
		fmt.Fprintf(&b, `"id":%d`, i*(1+r.IntN(2)))
		if r.IntN(4) > 0 {
			fmt.Fprintf(&b, `,"level":%q`, levels[r.IntN(len(levels))])
		}
		msg := fmt.Sprintf("request %d handled by worker %d", r.IntN(1000), r.IntN(5))
		switch r.IntN(25) {
		case 0:
			msg = "upstream Failed: connection refused"
		case 1:
			msg = "PANIC in handler"
		}
		fmt.Fprintf(&b, `,"message":%q`, msg)
		v := 100 + r.NormFloat64()*5
		if r.IntN(40) == 0 {
			v *= 20
		}
		fmt.Fprintf(&b, `,"latency":%.2f`, v)
		if r.IntN(30) == 0 {
			b.WriteString(`,"trace":{"span":"x"}`)
		}
		if r.IntN(3) == 0 {
			fmt.Fprintf(&b, `,"ts":"2025-01-%02dT10:%02d:00Z"`, 1+i%28, i%60)
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return b.String()
}

func TestCrushPropertiesOnRandomRows(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 150; i++ {
		store := memstore.New(ccr.DefaultCapacity, ccr.DefaultTTL)
		c, err := New(Options{Config: DefaultConfig(), Store: store, Compaction: CompactionOff})
		if err != nil {
			t.Fatal(err)
		}
		content := randomRows(r)
		res, err := c.Crush(context.Background(), content, "", 0.5+r.Float64())
		if err != nil {
			t.Fatal(err)
		}
		checkCrush(t, content, res, store)
		if strings.HasPrefix(res.Strategy, "smart_sample(") {
			checkAnomaliesKept(t, content, res.Compressed)
		}
	}
}

// checkAnomaliesKept: under smart_sample every row whose latency lies more
// than VarianceThreshold sample deviations from the mean survives.
func checkAnomaliesKept(t *testing.T, content, compressed string) {
	t.Helper()
	in, _ := jsonx.ParseString(content)
	var xs []float64
	for _, it := range in.Items() {
		v, _ := it.Get("latency")
		x, _ := v.Float()
		xs = append(xs, x)
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	m := sum / float64(len(xs))
	var ss float64
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	sd := math.Sqrt(ss / float64(len(xs)-1))
	for i, it := range in.Items() {
		if math.Abs(xs[i]-m) > DefaultConfig().VarianceThreshold*sd*1.0001 && !strings.Contains(compressed, jsonx.Compact(it)) {
			t.Fatalf("anomalous row %s dropped", jsonx.Compact(it))
		}
	}
}

func TestStringArrayKeepsErrorStrings(t *testing.T) {
	c, store := newCrusher(t, nil)
	var items []string
	for i := 0; i < 60; i++ {
		s := fmt.Sprintf("line %d: all good here", i)
		if i%17 == 9 {
			s = fmt.Sprintf("line %d: Fatal exception in module", i)
		}
		items = append(items, fmt.Sprintf("%q", s))
	}
	content := "[" + strings.Join(items, ",") + "]"
	res := crush(t, c, content)
	if !strings.HasPrefix(res.Strategy, "string:adaptive(60->") || !strings.Contains(res.Strategy, "errors=3") {
		t.Fatalf("strategy %s", res.Strategy)
	}
	checkCrush(t, content, res, store)
}

func FuzzCrush(f *testing.F) {
	f.Add(`[{"a":1},{"a":2},{"a":3},{"a":4},{"a":5},{"a":6},{"a":7},{"a":8},{"a":9,"err":"fatal"}]`, "", uint8(10))
	f.Add(`["x","y","z","error here","w","v","u","t","s","r"]`, "error", uint8(15))
	f.Add(`[1,2,3,4,5,6,7,8,9,10,100,"a",null]`, "", uint8(5))
	f.Add(`{"a":{"b":"[1,2,3,4,5,6,7,8,9,10,11]"},"c":"`+strings.Repeat("Z", 300)+`"}`, "", uint8(10))
	f.Add("not json", "", uint8(10))
	f.Fuzz(func(t *testing.T, content, query string, bias uint8) {
		store := memstore.New(ccr.DefaultCapacity, ccr.DefaultTTL)
		c, err := New(Options{Config: DefaultConfig(), Store: store, Compaction: CompactionOff})
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Crush(context.Background(), content, query, float64(bias)/10)
		if err != nil {
			t.Fatalf("Crush: %v", err)
		}
		checkCrush(t, content, res, store)
	})
}
