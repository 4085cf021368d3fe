package compaction

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/internal/jsonx"
)

// FuzzCompact: on any JSON, compaction and every formatter neither panic
// nor vary between runs; the JSON formatter's output parses back; compacted
// arrays account for every row; and the walker's output is JSON whose
// markers resolve from the store. Seeds live in testdata/fuzz/FuzzCompact.
func FuzzCompact(f *testing.F) {
	f.Add([]byte(`[{"id":1,"name":"alice"},{"id":2,"name":"bob"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := jsonx.Parse(data)
		if err != nil {
			return
		}
		for _, markers := range []bool{true, false} {
			cfg := DefaultConfig()
			cfg.Classify.EmitOpaqueMarkers = markers
			if doc.Kind() == jsonx.Array {
				checkCompact(t, doc.Items(), &cfg)
			}
			checkWalk(t, doc, cfg)
		}
	})
}

func checkCompact(t *testing.T, items []jsonx.Value, cfg *Config) {
	c1, c2 := Compact(items, cfg), Compact(items, cfg)
	for _, f := range []Formatter{CSVSchema{}, JSON{}, MarkdownKV{}, CSVSchema{DropSummary: true}} {
		a, b := f.AppendFormat(nil, c1), f.AppendFormat(nil, c2)
		if !bytes.Equal(a, b) {
			t.Fatalf("%s output differs between runs", f.Name())
		}
		if _, ok := f.(JSON); ok {
			if _, err := jsonx.Parse(a); err != nil {
				t.Fatalf("JSON formatter output does not parse: %v\n%.300s", err, a)
			}
		}
	}
	if c1.Compacted() && c1.KeptRows() != len(items) {
		t.Fatalf("%v keeps %d of %d rows", c1.Shape, c1.KeptRows(), len(items))
	}
	for r := range c1.Refs() {
		if r.Hash != Hash(r.Payload) || r.Size != len(r.Payload) {
			t.Fatalf("ref %+v does not describe its payload", *r)
		}
	}
}

func checkWalk(t *testing.T, doc jsonx.Value, cfg Config) {
	store := memstore.New(ccr.DefaultCapacity, ccr.DefaultTTL)
	d := &DocumentCompactor{Config: cfg, Store: store}
	out1, err := d.Compact(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	out2, _ := d.Compact(context.Background(), doc)
	s1, s2 := jsonx.Compact(out1), jsonx.Compact(out2)
	if s1 != s2 {
		t.Fatal("walker output differs between runs")
	}
	if _, err := jsonx.ParseString(s1); err != nil {
		t.Fatalf("walker output does not parse: %v", err)
	}
	if strings.Contains(jsonx.Compact(doc), "<<ccr:") {
		return // the input's own marker-like text proves nothing
	}
	if !cfg.Classify.EmitOpaqueMarkers && strings.Contains(s1, "<<ccr:") {
		t.Fatal("marker written with markers off")
	}
	for rest := s1; ; {
		i := strings.Index(rest, "<<ccr:")
		if i < 0 {
			break
		}
		rest = rest[i+len("<<ccr:"):]
		hash, _, _ := strings.Cut(rest, ",")
		if _, err := store.Get(context.Background(), hash); err != nil {
			t.Fatalf("marker %.40s does not resolve: %v", rest, err)
		}
	}
}
