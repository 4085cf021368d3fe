package smartcrusher

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/transform/smartcrusher/compaction"
)

// newDefault is New with the default options (compaction on) and a store.
func newDefault(t testing.TB, mutate func(*Options)) (*Crusher, *memstore.Store) {
	t.Helper()
	store := memstore.New(ccr.DefaultCapacity, ccr.DefaultTTL)
	opts := Options{Config: DefaultConfig(), Store: store}
	if mutate != nil {
		mutate(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, store
}

func rowsJSON(n int, row func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = row(i)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func infoRows(i int) string { return fmt.Sprintf(`{"id":%d,"level":"info","msg":"ok"}`, i) }

func TestDefaultCrusherShipsLosslessTable(t *testing.T) {
	c, _ := newDefault(t, nil)
	res := crush(t, c, rowsJSON(50, infoRows))
	var want strings.Builder
	want.WriteString("[50]{id:int,level:string,msg:string}\n")
	for i := range 50 {
		fmt.Fprintf(&want, "%d,info,ok\n", i)
	}
	// 37 declaration bytes + 10 rows of 10 + 40 rows of 11.
	if res.Strategy != "lossless:table(50->len=577)" || want.Len() != 577 {
		t.Fatalf("strategy %s", res.Strategy)
	}
	if res.Compressed != jsonx.Compact(jsonx.StringValue(want.String())) || !res.WasModified {
		t.Fatalf("compressed %.200s", res.Compressed)
	}
}

func TestLosslessInPlace(t *testing.T) {
	rows := rowsJSON(50, infoRows)
	table := func() string {
		var b strings.Builder
		b.WriteString("[50]{id:int,level:string,msg:string}\n")
		for i := range 50 {
			fmt.Fprintf(&b, "%d,info,ok\n", i)
		}
		return b.String()
	}()
	cases := []struct {
		name, content, want, strategy string
	}{
		{"field of an object", `{"data":` + rows + `,"page":1}`,
			jsonx.Compact(jsonx.ObjectValue([]jsonx.Member{{Key: "data", Value: jsonx.StringValue(table)}, {Key: "page", Value: jsonx.IntValue(1)}})),
			"lossless:table(50->len=577)"},
		{"stringified array", jsonx.Compact(jsonx.ObjectValue([]jsonx.Member{{Key: "payload", Value: jsonx.StringValue(rows)}})),
			jsonx.Compact(jsonx.ObjectValue([]jsonx.Member{{Key: "payload", Value: jsonx.StringValue(table)}})),
			"string_json[lossless:table(50->len=577)]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newDefault(t, nil)
			res := crush(t, c, tc.content)
			if res.Compressed != tc.want || res.Strategy != tc.strategy {
				t.Fatalf("got %.200s (%s)", res.Compressed, res.Strategy)
			}
		})
	}
}

func TestLosslessBuckets(t *testing.T) {
	c, _ := newDefault(t, nil)
	content := rowsJSON(40, func(i int) string {
		if i%2 == 0 {
			return fmt.Sprintf(`{"type":"user","uid":%d,"name":"user number %d"}`, i, i)
		}
		return fmt.Sprintf(`{"type":"order","oid":%d,"total":%d,"currency":"USD"}`, i, i*10)
	})
	res := crush(t, c, content)
	out, _ := jsonx.ParseString(res.Compressed)
	text, ok := out.Str()
	if !ok || !strings.HasPrefix(res.Strategy, "lossless:buckets(40->len=") || !strings.HasPrefix(text, "__buckets:type\n__key:order\n[20]{currency:string,oid:int,total:int,type:string}\nUSD,1,10,order\n") {
		t.Fatalf("got %.300s (%s)", res.Compressed, res.Strategy)
	}
	if want := fmt.Sprintf("(40->len=%d)", len(text)); !strings.HasSuffix(res.Strategy, want) {
		t.Fatalf("strategy %s, rendering is %d bytes", res.Strategy, len(text))
	}
}

func TestLosslessGateAndFallbacks(t *testing.T) {
	okRows := rowsJSON(50, func(int) string { return `{"status":"ok"}` })
	blobRows := rowsJSON(40, func(i int) string {
		return fmt.Sprintf(`{"path":"a.py","line":%d,"content":%q}`, i, strings.Repeat("x", 300))
	})
	t.Run("below the savings ratio the lossy path runs", func(t *testing.T) {
		c, store := newDefault(t, func(o *Options) { o.Config.LosslessMinSavingsRatio = 0.99 })
		res := crush(t, c, okRows)
		if !strings.HasPrefix(res.Strategy, "smart_sample(50->") || !strings.Contains(res.Compressed, "_rows_offloaded") {
			t.Fatalf("got %s (%s)", res.Compressed, res.Strategy)
		}
		checkCrush(t, okRows, res, store)
	})
	t.Run("compaction off keeps the lossy path", func(t *testing.T) {
		c, _ := newDefault(t, func(o *Options) { o.Compaction = CompactionOff })
		if res := crush(t, c, okRows); strings.HasPrefix(res.Strategy, "lossless") {
			t.Fatalf("strategy %s", res.Strategy)
		}
	})
	t.Run("opaque cells are stored and resolve", func(t *testing.T) {
		c, store := newDefault(t, func(o *Options) { o.Config.LosslessMinSavingsRatio = 0 })
		res := crush(t, c, blobRows)
		out, _ := jsonx.ParseString(res.Compressed)
		text, _ := out.Str()
		marker := "<<ccr:" + compaction.Hash(strings.Repeat("x", 300)) + ",string,300B>>"
		if !strings.HasPrefix(res.Strategy, "lossless:table(40->") || strings.Count(text, marker) != 40 {
			t.Fatalf("got %.300s (%s)", res.Compressed, res.Strategy)
		}
		got, err := store.Get(context.Background(), compaction.Hash(strings.Repeat("x", 300)))
		if err != nil || string(got) != strings.Repeat("x", 300) {
			t.Fatalf("stored %.40q, %v", got, err)
		}
	})
	for _, mut := range []func(*Config){
		func(c *Config) { c.EnableCCRMarker = false },
		func(c *Config) { c.LosslessOnly = true },
	} {
		c, store := newDefault(t, func(o *Options) { o.Config.LosslessMinSavingsRatio = 0; mut(&o.Config) })
		res := crush(t, c, blobRows)
		if !strings.HasPrefix(res.Strategy, "lossless:table(40->") || strings.Contains(res.Compressed, "<<ccr:") ||
			!strings.Contains(res.Compressed, strings.Repeat("x", 300)) {
			t.Fatalf("markers off: %.300s (%s)", res.Compressed, res.Strategy)
		}
		if n, _ := store.Len(context.Background()); n != 0 {
			t.Fatalf("markers off, yet %d entries stored", n)
		}
	}
	t.Run("lossless only never drops rows", func(t *testing.T) {
		c, store := newDefault(t, func(o *Options) { o.Config.LosslessMinSavingsRatio = 0.99; o.Config.LosslessOnly = true })
		res := crush(t, c, okRows)
		if res.Strategy != "lossless_only:uncompacted(50->50)" || res.WasModified {
			t.Fatalf("got %.100s (%s)", res.Compressed, res.Strategy)
		}
		if n, _ := store.Len(context.Background()); n != 0 {
			t.Fatalf("%d entries stored", n)
		}
	})
	t.Run("small arrays are not compacted", func(t *testing.T) {
		c, _ := newDefault(t, nil)
		res := crush(t, c, rowsJSON(4, infoRows)) // below MinItemsToAnalyze
		if res.Strategy != "passthrough" {
			t.Fatalf("strategy %s", res.Strategy)
		}
	})
}

func TestLosslessStoreFailureIsReported(t *testing.T) {
	c, _ := newDefault(t, func(o *Options) { o.Config.LosslessMinSavingsRatio = 0 })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	content := rowsJSON(40, func(i int) string { return fmt.Sprintf(`{"i":%d,"b":%q}`, i, strings.Repeat("y", 400)) })
	if _, err := c.Crush(ctx, content, "", 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestCompactionFormats(t *testing.T) {
	rows := rowsJSON(20, func(i int) string { return fmt.Sprintf(`{"id":"u%d","city":"paris"}`, i) })
	items, _ := jsonx.ParseString(rows)
	for _, format := range []CompactionFormat{"", CompactionCSVSchema, CompactionJSON, CompactionMarkdownKV} {
		// Markdown-KV repeats every name per row, so on rows this narrow
		// it saves under 10%, too little for the default gate; ratio 0
		// lets every format ship.
		c, _ := newDefault(t, func(o *Options) { o.Compaction = format; o.Config.LosslessMinSavingsRatio = 0 })
		res := crush(t, c, rows)
		name := string(format)
		if name == "" {
			name = "csv-schema"
		}
		f, _ := compaction.FormatterByName(name)
		cfg := compaction.DefaultConfig()
		want := compaction.Format(f, compaction.Compact(items.Items(), &cfg))
		if res.Compressed != jsonx.Compact(jsonx.StringValue(want)) || res.Strategy != fmt.Sprintf("lossless:table(20->len=%d)", len(want)) {
			t.Fatalf("%s: got %.200s (%s)", name, res.Compressed, res.Strategy)
		}
	}
	c, _ := newDefault(t, func(o *Options) { o.Compaction = CompactionMarkdownKV })
	if res := crush(t, c, rows); strings.HasPrefix(res.Strategy, "lossless") {
		t.Fatalf("markdown-kv passed the default gate: %s", res.Strategy)
	}
	if _, err := New(Options{Config: DefaultConfig(), Compaction: "toon"}); err == nil || !strings.Contains(err.Error(), "toon") {
		t.Fatalf("unknown format: err = %v", err)
	}
}

func TestCompactionKnobsReachTheCompactor(t *testing.T) {
	// Two record types sharing only "type": buckets by default, a sparse
	// table when two buckets are fewer than CompactionMinBuckets.
	content := rowsJSON(30, func(i int) string {
		if i%2 == 0 {
			return fmt.Sprintf(`{"type":"a","x":%d,"xx":"p"}`, i)
		}
		return fmt.Sprintf(`{"type":"b","y":%d,"yy":"q"}`, i)
	})
	c, _ := newDefault(t, nil)
	if res := crush(t, c, content); !strings.HasPrefix(res.Strategy, "lossless:buckets(") {
		t.Fatalf("default: %s", res.Strategy)
	}
	c, _ = newDefault(t, func(o *Options) { o.Config.CompactionMinBuckets = 3; o.Config.CompactionMaxBuckets = 8 })
	if res := crush(t, c, content); !strings.HasPrefix(res.Strategy, "lossless:table(") {
		t.Fatalf("min buckets 3: %s", res.Strategy)
	}
}

func TestLosslessInMixedArraysKeepsEveryDict(t *testing.T) {
	c, _ := newDefault(t, nil)
	var parts []string
	for i := range 30 {
		parts = append(parts, infoRows(i))
	}
	parts = append(parts, `"a"`, `"b"`, `null`)
	res := crush(t, c, "["+strings.Join(parts, ",")+"]")
	if res.Strategy != "mixed:adaptive(33->33,dict:30->30)(33->33)" {
		t.Fatalf("strategy %s", res.Strategy)
	}
}

func TestObserverSeesLosslessArrays(t *testing.T) {
	rec := &recorder{}
	c, _ := newDefault(t, func(o *Options) { o.Observers = []Observer{rec} })
	crush(t, c, rowsJSON(50, infoRows))
	if len(rec.arrays) != 1 || rec.arrays[0].ItemsAfter != 50 || rec.arrays[0].Strategy != "lossless:table" {
		t.Fatalf("array events %+v", rec.arrays)
	}
}

// TestDefaultCrusherProperties runs the random row sets of the lossy
// property test through the default crusher: a compacted array renders
// exactly the compaction package's table of every row (so error rows and
// anomalies all survive); anything else meets the lossy-path properties.
func TestDefaultCrusherProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 8))
	lossless := 0
	for range 120 {
		c, store := newDefault(t, nil)
		content := randomRows(r)
		res, err := c.Crush(context.Background(), content, "", 0.5+r.Float64())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(res.Strategy, "lossless:") {
			checkCrush(t, content, res, store)
			continue
		}
		lossless++
		in, _ := jsonx.ParseString(content)
		cfg := compaction.DefaultConfig()
		comp := compaction.Compact(in.Items(), &cfg)
		want := compaction.Format(compaction.CSVSchema{}, comp)
		if res.Compressed != jsonx.Compact(jsonx.StringValue(want)) || comp.KeptRows() != in.Len() {
			t.Fatalf("lossless output is not the full table (%s)", res.Strategy)
		}
	}
	if lossless == 0 {
		t.Fatal("no random row set took the lossless path")
	}
}
