package compaction

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/internal/jsonx"
)

// The round-trip tests decode renderings back into the original rows,
// which is what "lossless" promises. The generator stays inside the part
// of JSON each format can express unambiguously: no nulls (the JSON
// formatter writes a missing cell as null), no key with '.' or '_' (they
// would read as flattened columns or compaction metadata), no string that
// looks like JSON or a marker.

type gen struct{ r *rand.Rand }

const textAlphabet = "abcXYZ019 ,\"\n\r\t;:-é中\\/"

func (g gen) text(min, max int) string {
	n := min + g.r.IntN(max-min+1)
	var b strings.Builder
	b.WriteByte("abcdefgh"[g.r.IntN(8)]) // never '{', '[', '<' or blank first
	runes := []rune(textAlphabet)
	for b.Len() < n {
		b.WriteRune(runes[g.r.IntN(len(runes))])
	}
	s := b.String()
	if g.r.IntN(4) == 0 {
		s += " " // trailing blanks exercise Markdown-KV quoting
	}
	return s
}

func (g gen) scalar(kind int) jsonx.Value {
	switch kind {
	case 0:
		return jsonx.IntValue(g.r.Int64N(2000) - 1000)
	case 1:
		v, _ := jsonx.NumberValue(strconv.FormatFloat(g.r.Float64()*100, 'f', 1+g.r.IntN(3), 64))
		return v
	case 2:
		return jsonx.BoolValue(g.r.IntN(2) == 0)
	case 3:
		return jsonx.StringValue(g.text(1, 20))
	}
	return jsonx.StringValue(g.text(257, 600)) // opaque
}

// value returns a random cell value; depth bounds nested rows.
func (g gen) value(kind, depth int) jsonx.Value {
	switch {
	case kind <= 4:
		return g.scalar(kind)
	case kind == 5: // a uniform nested object: flattened
		return jsonx.ObjectValue([]jsonx.Member{{Key: "a", Value: g.scalar(0)}, {Key: "b", Value: g.scalar(3)}})
	case kind == 6: // object with varying keys: stays one JSON cell
		var ms []jsonx.Member
		for _, k := range []string{"p", "q", "r"} {
			if g.r.IntN(2) == 0 {
				ms = append(ms, jsonx.Member{Key: k, Value: g.scalar(g.r.IntN(4))})
			}
		}
		return jsonx.ObjectValue(ms)
	case kind == 7:
		items := make([]jsonx.Value, g.r.IntN(4))
		for i := range items {
			items[i] = g.scalar(g.r.IntN(4))
		}
		return jsonx.ArrayValue(items)
	case depth > 0: // array of objects: a nested compaction
		return jsonx.ArrayValue(g.rows(2+g.r.IntN(4), depth-1, true))
	}
	return g.scalar(0)
}

// rows builds n objects over a few keys, each key with one value kind.
// With sparse set, keys may be missing from rows.
func (g gen) rows(n, depth int, sparse bool) []jsonx.Value {
	keys := []string{"id", "name", "score", "ok", "meta", "tags", "kids", "blob", "note", "kind"}
	g.r.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	keys = keys[:1+g.r.IntN(6)]
	kinds := make([]int, len(keys))
	for i := range kinds {
		kinds[i] = g.r.IntN(9)
	}
	out := make([]jsonx.Value, n)
	for i := range out {
		var ms []jsonx.Member
		for k, key := range keys {
			if sparse && g.r.IntN(5) == 0 {
				continue
			}
			ms = append(ms, jsonx.Member{Key: key, Value: g.value(kinds[k], depth)})
		}
		out[i] = jsonx.ObjectValue(ms)
	}
	return out
}

// hetero builds rows of two or three record types, tagged by "type", each
// type with its own keys: the shape that compacts into buckets.
func (g gen) hetero(n, depth int) []jsonx.Value {
	types := []string{"user", "order", "event"}[:2+g.r.IntN(2)]
	groups := make([][]jsonx.Value, len(types))
	for i := range groups {
		groups[i] = g.rows(n, depth, g.r.IntN(2) == 0)
	}
	out := make([]jsonx.Value, n)
	for i := range out {
		t := g.r.IntN(len(types))
		own := groups[t][i].Members()
		ms := make([]jsonx.Member, 0, len(own)+1)
		ms = append(ms, jsonx.Member{Key: "type", Value: jsonx.StringValue(types[t])})
		for _, m := range own {
			ms = append(ms, jsonx.Member{Key: m.Key + types[t], Value: m.Value})
		}
		out[i] = jsonx.ObjectValue(ms)
	}
	return out
}

// decodeJSON rebuilds the rows a JSON-formatter rendering stands for.
func decodeJSON(t *testing.T, store ccr.Store, v jsonx.Value) []jsonx.Value {
	t.Helper()
	kind, _ := v.Get("_compaction")
	switch s, _ := kind.Str(); s {
	case "table":
		schema, _ := v.Get("_schema")
		rows, _ := v.Get("_rows")
		return decodeRows(t, store, schema, rows)
	case "buckets":
		var out []jsonx.Value
		buckets, _ := v.Get("_buckets")
		for _, b := range buckets.Items() {
			schema, _ := b.Get("_schema")
			rows, _ := b.Get("_rows")
			if names := schema.Items(); len(names) == 1 {
				if n, _ := names[0].Get("name"); jsonx.Compact(n) == `"value"` {
					for _, r := range rows.Items() {
						out = append(out, r.Items()[0])
					}
					continue
				}
			}
			out = append(out, decodeRows(t, store, schema, rows)...)
		}
		return out
	}
	t.Fatalf("not a compaction: %.200s", jsonx.Compact(v))
	return nil
}

func decodeRows(t *testing.T, store ccr.Store, schema, rows jsonx.Value) []jsonx.Value {
	t.Helper()
	var out []jsonx.Value
	for _, row := range rows.Items() {
		var ob jsonx.ObjectBuilder
		parents := map[string][]jsonx.Member{}
		var order []string
		for i, cell := range row.Items() {
			if cell.IsNull() {
				continue // missing
			}
			nv, _ := schema.Items()[i].Get("name")
			name, _ := nv.Str()
			val := decodeCell(t, store, cell)
			if parent, child, dotted := strings.Cut(name, "."); dotted {
				if _, ok := parents[parent]; !ok {
					order = append(order, parent)
				}
				parents[parent] = append(parents[parent], jsonx.Member{Key: child, Value: val})
				continue
			}
			ob.Set(name, val)
		}
		for _, p := range order {
			ob.Set(p, jsonx.ObjectValue(parents[p]))
		}
		out = append(out, ob.Value())
	}
	return out
}

func decodeCell(t *testing.T, store ccr.Store, cell jsonx.Value) jsonx.Value {
	t.Helper()
	if h, ok := cell.Get("_ccr"); ok {
		hash, _ := h.Str()
		payload, err := store.Get(context.Background(), hash)
		if err != nil {
			t.Fatalf("opaque cell %s: %v", hash, err)
		}
		return jsonx.StringValue(string(payload))
	}
	if _, ok := cell.Get("_compaction"); ok {
		return jsonx.ArrayValue(decodeJSON(t, store, cell))
	}
	return cell
}

// equalRows is jsonx.Equal, except that arrays of objects compare as
// multisets.
func equalRows(a, b jsonx.Value) bool {
	switch {
	case a.Kind() != b.Kind():
		return false
	case a.Kind() == jsonx.Array && len(a.Items()) > 0 && allObjects(a.Items()):
		return allObjects(b.Items()) && sameRows(a.Items(), b.Items())
	case a.Kind() == jsonx.Object:
		if a.Len() != b.Len() {
			return false
		}
		for _, m := range a.Members() {
			bv, ok := b.Get(m.Key)
			if !ok || !equalRows(m.Value, bv) {
				return false
			}
		}
		return true
	}
	return jsonx.Equal(a, b)
}

// firstDiff describes the first input row the decoded rows lack.
func firstDiff(got, want []jsonx.Value) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d rows decoded, want %d", len(got), len(want))
	}
	for i, w := range want {
		if !slices.ContainsFunc(got, func(g jsonx.Value) bool { return equalRows(g, w) }) {
			return fmt.Sprintf("row %d lost:\n in: %.2000s\nout: %.2000s", i, jsonx.Compact(w), jsonx.Compact(got[i]))
		}
	}
	return "rows differ in multiplicity"
}

// sameRows compares as multisets: buckets regroup rows by discriminator
// value, so a heterogeneous array's row order is not kept (the reference
// does the same). Nested arrays of objects are compared the same way;
// tables keep order, which the round-trip tests check at the top level.
func sameRows(got, want []jsonx.Value) bool {
	if len(got) != len(want) {
		return false
	}
	used := make([]bool, len(got))
	for _, w := range want {
		found := false
		for i, g := range got {
			if !used[i] && equalRows(g, w) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func TestJSONFormatterRoundTrip(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(7, 11))}
	cfg := DefaultConfig()
	shapes := map[Shape]int{}
	for i := range 300 {
		items := g.rows(2+g.r.IntN(25), 2, i%2 == 0)
		if i%3 == 2 {
			items = g.hetero(4+g.r.IntN(25), 1)
		}
		c := Compact(items, &cfg)
		shapes[c.Shape]++
		if !c.Compacted() {
			t.Fatalf("case %d: an array of objects was not compacted", i)
		}
		store := memstore.New(ccr.DefaultCapacity, ccr.DefaultTTL)
		if err := StoreRefs(context.Background(), store, c); err != nil {
			t.Fatal(err)
		}
		text := Format(JSON{}, c)
		v, err := jsonx.ParseString(text)
		if err != nil {
			t.Fatalf("case %d: rendering is not JSON: %v", i, err)
		}
		got := decodeJSON(t, store, v)
		if !sameRows(got, items) {
			t.Fatalf("case %d: round trip lost data\n%s", i, firstDiff(got, items))
		}
		if c.Shape == Table {
			for r := range items {
				if !equalRows(got[r], items[r]) {
					t.Fatalf("case %d: table row %d out of order", i, r)
				}
			}
		}
	}
	if shapes[Table] == 0 || shapes[Buckets] == 0 {
		t.Fatalf("generator too narrow: %v", shapes)
	}
}

// TestCSVRoundTrip decodes CSV renderings of dense, consistently typed
// tables. CSV cannot tell a missing cell from null or "", nor a string
// from a number in a "json" column, so the generator avoids those.
func TestCSVRoundTrip(t *testing.T) {
	g := gen{rand.New(rand.NewPCG(3, 5))}
	cfg := DefaultConfig()
	for i := range 300 {
		keys := []string{"id", "name", "score", "ok", "blob", "meta", "tags"}
		kinds := make([]int, len(keys))
		for k := range kinds {
			kinds[k] = []int{0, 1, 2, 3, 4, 5, 6, 7}[g.r.IntN(8)]
		}
		items := make([]jsonx.Value, 2+g.r.IntN(20))
		for r := range items {
			ms := make([]jsonx.Member, len(keys))
			for k, key := range keys {
				v := g.value(kinds[k], 0)
				if kinds[k] == 6 { // keep json columns to objects only
					v = jsonx.ObjectValue([]jsonx.Member{{Key: "p", Value: g.scalar(3)}})
					if r%2 == 0 {
						v = jsonx.ObjectValue(nil)
					}
				}
				ms[k] = jsonx.Member{Key: key, Value: v}
			}
			items[r] = jsonx.ObjectValue(ms)
		}
		c := Compact(items, &cfg)
		store := memstore.New(ccr.DefaultCapacity, ccr.DefaultTTL)
		if err := StoreRefs(context.Background(), store, c); err != nil {
			t.Fatal(err)
		}
		text := Format(CSVSchema{}, c)
		if got := decodeCSV(t, store, text); !sameRows(got, items) {
			t.Fatalf("case %d: round trip lost data\n%s", i, firstDiff(got, items))
		}
	}
}

// decodeCSV parses one "[N]{name:type,…}" table with CSV rows.
func decodeCSV(t *testing.T, store ccr.Store, text string) []jsonx.Value {
	t.Helper()
	decl, body, _ := strings.Cut(text, "\n")
	open, close := strings.Index(decl, "]{"), strings.LastIndex(decl, "}")
	n, err := strconv.Atoi(decl[1:open])
	if err != nil {
		t.Fatalf("declaration %q", decl)
	}
	var names, types []string
	for _, col := range strings.Split(decl[open+2:close], ",") {
		name, typ, _ := strings.Cut(col, ":")
		names, types = append(names, name), append(types, strings.TrimSuffix(typ, "?"))
	}
	var out []jsonx.Value
	for range n {
		var ob jsonx.ObjectBuilder
		parents := map[string][]jsonx.Member{}
		var order []string
		for c := range names {
			var field string
			field, body = csvField(body)
			val := csvValue(t, store, field, types[c])
			if parent, child, dotted := strings.Cut(names[c], "."); dotted {
				if _, ok := parents[parent]; !ok {
					order = append(order, parent)
				}
				parents[parent] = append(parents[parent], jsonx.Member{Key: child, Value: val})
			} else {
				ob.Set(names[c], val)
			}
			if c < len(names)-1 {
				body = strings.TrimPrefix(body, ",")
			}
		}
		body = strings.TrimPrefix(body, "\n")
		for _, p := range order {
			ob.Set(p, jsonx.ObjectValue(parents[p]))
		}
		out = append(out, ob.Value())
	}
	if body != "" {
		t.Fatalf("trailing text %q", body)
	}
	return out
}

// csvField reads one field: a marker (its commas are not separators), a
// quoted field, or plain text up to ',' or '\n'.
func csvField(s string) (string, string) {
	switch {
	case strings.HasPrefix(s, "<<ccr:"):
		end := strings.Index(s, ">>") + 2
		return s[:end], s[end:]
	case strings.HasPrefix(s, `"`):
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			if s[i] == '"' {
				if i+1 < len(s) && s[i+1] == '"' {
					b.WriteByte('"')
					i++
					continue
				}
				return b.String(), s[i+1:]
			}
			b.WriteByte(s[i])
		}
	}
	end := strings.IndexAny(s, ",\n")
	return s[:end], s[end:]
}

func csvValue(t *testing.T, store ccr.Store, field, typ string) jsonx.Value {
	t.Helper()
	if strings.HasPrefix(field, "<<ccr:") {
		hash, _, _ := strings.Cut(field[len("<<ccr:"):], ",")
		payload, err := store.Get(context.Background(), hash)
		if err != nil {
			t.Fatalf("marker %s: %v", field, err)
		}
		return jsonx.StringValue(string(payload))
	}
	switch typ {
	case "int", "float":
		v, ok := jsonx.NumberValue(field)
		if !ok {
			t.Fatalf("bad number %q", field)
		}
		return v
	case "bool":
		return jsonx.BoolValue(field == "true")
	case "json":
		return mustParse(t, field)
	}
	return jsonx.StringValue(field)
}

func TestRoundTripGeneratorSanity(t *testing.T) {
	// The decoders must notice a lost cell, or the round-trip tests
	// above could not fail.
	items := []jsonx.Value{mustParse(t, `{"id":1,"s":"a,b"}`), mustParse(t, `{"id":2,"s":"c"}`)}
	c := Compact(items, &Config{MinItems: 2, MaxFlattenInnerKeys: 6, MinBuckets: 2, MaxBuckets: 8})
	c.Rows[1][1] = Cell{Kind: CellScalar, Value: jsonx.StringValue("d")}
	store := memstore.New(ccr.DefaultCapacity, ccr.DefaultTTL)
	if sameRows(decodeCSV(t, store, Format(CSVSchema{}, c)), items) {
		t.Fatal("CSV decoder missed an edited cell")
	}
	if sameRows(decodeJSON(t, store, mustParse(t, Format(JSON{}, c))), items) {
		t.Fatal("JSON decoder missed an edited cell")
	}
}
