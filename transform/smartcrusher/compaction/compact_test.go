package compaction

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/internal/jsonx"
)

func compactJSON(t testing.TB, arr string, cfg *Config) *Compaction {
	t.Helper()
	v := mustParse(t, arr)
	if cfg == nil {
		d := DefaultConfig()
		cfg = &d
	}
	return Compact(v.Items(), cfg)
}

// schema renders fields as "name:type" with "?" when nullable.
func schema(fields []Field) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f.Name + ":" + f.Type
		if f.Nullable {
			parts[i] += "?"
		}
	}
	return strings.Join(parts, ",")
}

func wantTable(t *testing.T, c *Compaction, wantSchema string) {
	t.Helper()
	if c.Shape != Table {
		t.Fatalf("shape %v, want table", c.Shape)
	}
	if got := schema(c.Fields); got != wantSchema {
		t.Fatalf("schema %s, want %s", got, wantSchema)
	}
	for i, row := range c.Rows {
		if len(row) != len(c.Fields) {
			t.Fatalf("row %d has %d cells for %d fields", i, len(row), len(c.Fields))
		}
	}
}

func TestCompactDeclines(t *testing.T) {
	cases := map[string]string{
		"empty":        `[]`,
		"single":       `[{"a":1}]`,
		"scalars":      `[1,2,3]`,
		"one non-dict": `[{"a":1},{"a":2},3]`,
		"null item":    `[{"a":1},null]`,
	}
	for name, arr := range cases {
		t.Run(name, func(t *testing.T) {
			c := compactJSON(t, arr, nil)
			if c.Compacted() || c.Shape != Untouched {
				t.Fatalf("shape %v, want untouched", c.Shape)
			}
			if !jsonx.Equal(c.Value, mustParse(t, arr)) {
				t.Fatalf("untouched value %s, want the input", jsonx.Compact(c.Value))
			}
			if c.KeptRows() != 0 {
				t.Fatalf("KeptRows %d", c.KeptRows())
			}
		})
	}
	cfg := DefaultConfig()
	cfg.MinItems = 3
	if c := compactJSON(t, `[{"a":1},{"a":2}]`, &cfg); c.Compacted() {
		t.Fatal("two items compacted with MinItems 3")
	}
}

func TestCompactTableSchema(t *testing.T) {
	cases := []struct {
		name, arr, schema string
	}{
		{"plain", `[{"id":1,"name":"alice","status":"ok"},{"id":2,"name":"bob","status":"ok"},{"id":3,"name":"carol","status":"fail"}]`,
			"id:int,name:string,status:string"},
		// Frequency first, then byte order of the key; the sparse columns
		// make the array heterogeneous, but no string discriminator exists.
		{"column order", `[{"common":1,"z_rare":1},{"common":2,"a_rare":1},{"common":3}]`,
			"common:int,a_rare:int?,z_rare:int?"},
		{"byte order not alphabetical", `[{"b":1,"B":1,"_":1},{"b":1,"B":1,"_":1}]`, "B:int,_:int,b:int"},
		{"missing and null are nullable", `[{"id":1,"tag":"a"},{"id":2},{"id":3,"tag":null}]`, "id:int,tag:string?"},
		{"null only makes it nullable", `[{"id":1,"tag":"a"},{"id":2,"tag":null}]`, "id:int,tag:string?"},
		{"first non-null decides", `[{"v":null},{"v":2},{"v":3}]`, "v:int?"},
		{"int and float mix is json", `[{"v":1},{"v":1.5}]`, "v:json"},
		{"float literals", `[{"v":1.0},{"v":2.5e3}]`, "v:float"},
		{"int64 and uint64 range are int", `[{"v":-0},{"v":18446744073709551615},{"v":-9223372036854775808}]`, "v:int"},
		{"beyond uint64 is float", `[{"v":18446744073709551616},{"v":123456789012345678901234567890}]`, "v:float"},
		{"all null is string", `[{"v":null},{"v":null}]`, "v:string?"},
		{"bools", `[{"v":true},{"v":false}]`, "v:bool"},
		{"containers are json", `[{"v":[1]},{"v":[2]}]`, "v:json"},
		{"string and number is json", `[{"v":"1"},{"v":1}]`, "v:json"},
		{"stringified json is a string column", `[{"v":"{\"a\":1,\"b\":[1]}"},{"v":"{\"a\":2,\"b\":[3]}"}]`, "v.a:int,v.b:json"},
		{"empty objects", `[{},{}]`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := compactJSON(t, tc.arr, nil)
			wantTable(t, c, tc.schema)
			if c.Total != len(c.Rows) || c.KeptRows() != len(c.Rows) {
				t.Fatalf("Total %d KeptRows %d rows %d", c.Total, c.KeptRows(), len(c.Rows))
			}
		})
	}
}

func TestCompactCells(t *testing.T) {
	c := compactJSON(t, `[{"id":1,"tag":"a","meta":{"x":1},"list":[1,2],"objs":[{"k":1},{"k":2}],"one":[{"k":1}],"s":"[{\"k\":1},{\"k\":2}]","s1":"[{\"k\":1}]"},
		{"id":2,"tag":null,"meta":{"y":1},"list":[],"objs":[{"k":3},{"k":4}],"one":[{"k":2}],"s":"[{\"k\":3},{\"k\":4}]","s1":"[{\"k\":2}]"},
		{"id":3,"meta":{"x":1},"list":[3],"objs":[{"k":5},{"k":6}],"one":[],"s":"[{\"k\":5},{\"k\":6}]","s1":"[]"}]`, nil)
	wantTable(t, c, "id:int,list:json,meta:json,objs:json,one:json,s:string,s1:string,tag:string?")
	col := func(name string) int {
		for i, f := range c.Fields {
			if f.Name == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	check := func(row int, name string, kind CellKind, value string) {
		t.Helper()
		cell := c.Rows[row][col(name)]
		if cell.Kind != kind {
			t.Fatalf("row %d %s: kind %d, want %d", row, name, cell.Kind, kind)
		}
		if kind == CellScalar && jsonx.Compact(cell.Value) != value {
			t.Fatalf("row %d %s: %s, want %s", row, name, jsonx.Compact(cell.Value), value)
		}
		if kind == CellNested && (cell.Nested == nil || cell.Nested.Shape != Table || len(cell.Nested.Rows) != 2) {
			t.Fatalf("row %d %s: nested %+v, want a 2-row table", row, name, cell.Nested)
		}
	}
	check(0, "tag", CellScalar, `"a"`)
	check(1, "tag", CellScalar, `null`) // present null is not Missing
	check(2, "tag", CellMissing, "")
	check(0, "meta", CellScalar, `{"x":1}`) // different keys: not flattened
	check(0, "list", CellScalar, `[1,2]`)
	check(1, "list", CellScalar, `[]`)
	check(0, "objs", CellNested, "")
	check(0, "one", CellScalar, `[{"k":1}]`) // a single object is not compacted
	check(0, "s", CellNested, "")
	check(0, "s1", CellScalar, `[{"k":1}]`) // parsed, so rendered without escaping
	check(2, "s1", CellScalar, `[]`)
}

func TestCompactOpaqueCells(t *testing.T) {
	blob := strings.Repeat(b64, 8)
	long := strings.Repeat("x", 300)
	arr := fmt.Sprintf(`[{"id":1,"blob":%q,"text":%q},{"id":2,"blob":%q,"text":"short"}]`, blob, long, blob)
	c := compactJSON(t, arr, nil)
	wantTable(t, c, "blob:string,id:int,text:string")
	sum := sha256.Sum256([]byte(blob))
	want := OpaqueRef{Hash: hex.EncodeToString(sum[:])[:12], Size: len(blob), Kind: KindBase64, Payload: blob}
	for r := range 2 {
		cell := c.Rows[r][0]
		if cell.Kind != CellOpaque || *cell.Ref != want {
			t.Fatalf("row %d blob cell %+v, want %+v", r, cell, want)
		}
	}
	if cell := c.Rows[0][2]; cell.Kind != CellOpaque || cell.Ref.Kind != KindLongString || cell.Ref.Size != 300 {
		t.Fatalf("long text cell %+v", cell)
	}
	var refs []string
	for r := range c.Refs() {
		refs = append(refs, r.Hash)
	}
	if len(refs) != 3 || refs[0] != want.Hash || refs[1] != Hash(long) || refs[2] != want.Hash {
		t.Fatalf("Refs in render order = %v", refs)
	}

	off := DefaultConfig()
	off.Classify.EmitOpaqueMarkers = false
	c = compactJSON(t, arr, &off)
	if cell := c.Rows[0][0]; cell.Kind != CellScalar || jsonx.Compact(cell.Value) != `"`+blob+`"` {
		t.Fatalf("markers off: blob cell %+v", cell)
	}
}

func TestHashIsSHA256Prefix(t *testing.T) {
	// SHA-256("hello world") = b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9
	if got := Hash("hello world"); got != "b94d27b9934d" {
		t.Fatalf("Hash = %s", got)
	}
}

func TestCompactFlatten(t *testing.T) {
	cases := []struct {
		name, arr, schema string
		maxInner          int
	}{
		{"uniform", `[{"id":1,"meta":{"region":"us","tier":"gold"}},{"id":2,"meta":{"region":"eu","tier":"silver"}},{"id":3,"meta":{"region":"us","tier":"bronze"}}]`,
			"id:int,meta.region:string,meta.tier:string", 6},
		{"inner key order kept", `[{"m":{"z":1,"a":"x"}},{"m":{"z":2,"a":"y"}}]`, "m.z:int,m.a:string", 6},
		{"different key sets", `[{"id":1,"meta":{"region":"us"}},{"id":2,"meta":{"region":"eu","tier":"silver"}},{"id":3,"meta":{"tier":"bronze"}}]`,
			"id:int,meta:json", 6},
		{"same keys other order", `[{"m":{"a":1,"b":2}},{"m":{"b":2,"a":1}}]`, "m:json", 6},
		{"missing parent makes inner nullable", `[{"id":1,"m":{"a":1}},{"id":2,"m":{"a":2}},{"id":3,"m":{"a":3}},{"id":4,"m":{"a":4}},{"id":5}]`,
			"id:int,m.a:int?", 6},
		{"null parent blocks", `[{"m":{"a":1}},{"m":null}]`, "m:json?", 6},
		{"inner null and mixed types", `[{"m":{"a":null,"b":1}},{"m":{"a":2,"b":"x"}}]`, "m.a:int?,m.b:json", 6},
		{"inner all null", `[{"m":{"a":null}},{"m":{"a":null}}]`, "m.a:string?", 6},
		{"one level only", `[{"m":{"g":{"lat":1}}},{"m":{"g":{"lat":2}}}]`, "m.g:json", 6},
		{"dotted key is never flattened", `[{"a.b":{"c":1}},{"a.b":{"c":2}}]`, "a.b:json", 6},
		{"empty inner objects", `[{"m":{}},{"m":{}}]`, "m:json", 6},
		{"six inner keys", `[{"m":{"a":1,"b":1,"c":1,"d":1,"e":1,"f":1}},{"m":{"a":2,"b":2,"c":2,"d":2,"e":2,"f":2}}]`,
			"m.a:int,m.b:int,m.c:int,m.d:int,m.e:int,m.f:int", 6},
		{"seven inner keys", `[{"m":{"a":1,"b":1,"c":1,"d":1,"e":1,"f":1,"g":1}},{"m":{"a":2,"b":2,"c":2,"d":2,"e":2,"f":2,"g":2}}]`,
			"m:json", 6},
		{"knob lowers the cap", `[{"m":{"a":1,"b":1}},{"m":{"a":2,"b":2}}]`, "m:json", 1},
		{"two flattened columns", `[{"a":{"x":1},"b":{"y":"s"},"c":0},{"a":{"x":2},"b":{"y":"t"},"c":0}]`, "a.x:int,b.y:string,c:int", 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.MaxFlattenInnerKeys = tc.maxInner
			wantTable(t, compactJSON(t, tc.arr, &cfg), tc.schema)
		})
	}
	// Flattened cells hold the inner values and are never classified
	// again: a long inner string stays verbatim.
	long := strings.Repeat("y", 400)
	c := compactJSON(t, fmt.Sprintf(`[{"m":{"a":%q}},{"m":{"a":"b"}},{"k":1}]`, long), nil)
	wantTable(t, c, "m.a:string?,k:int?") // m is in more rows than k
	if cell := c.Rows[0][0]; cell.Kind != CellScalar || jsonx.Compact(cell.Value) != `"`+long+`"` {
		t.Fatalf("flattened long string %+v", cell)
	}
	if c.Rows[2][0].Kind != CellMissing || c.Rows[0][1].Kind != CellMissing {
		t.Fatal("missing parent should leave Missing cells")
	}
}

func TestCompactBuckets(t *testing.T) {
	const userOrder = `[{"type":"user","id":1,"name":"alice"},{"type":"user","id":2,"name":"bob"},{"type":"order","id":99,"total":50},{"type":"order","id":100,"total":75}]`
	c := compactJSON(t, userOrder, nil)
	if c.Shape != Buckets || c.Discriminator != "type" || c.Total != 4 || c.KeptRows() != 4 {
		t.Fatalf("got shape %v disc %q total %d kept %d", c.Shape, c.Discriminator, c.Total, c.KeptRows())
	}
	if len(c.Buckets) != 2 || c.Buckets[0].Key != "order" || c.Buckets[1].Key != "user" {
		t.Fatalf("buckets %+v", c.Buckets)
	}
	if s := schema(c.Buckets[0].Fields); s != "id:int,total:int,type:string" {
		t.Fatalf("order schema %s", s)
	}
	if s := schema(c.Buckets[1].Fields); s != "id:int,name:string,type:string" {
		t.Fatalf("user schema %s", s)
	}

	cases := []struct {
		name, arr, disc string // disc "" means a sparse table
		mutate          func(*Config)
	}{
		// id has 4 distinct values in 4 rows (share 1.0 > 0.7): an ID.
		{"id-like key rejected", `[{"id":"a1","kind":"x","p":1},{"id":"a2","kind":"x","q":1},{"id":"a3","kind":"y","r":1},{"id":"a4","kind":"y","s":1}]`, "kind", nil},
		{"ties go to byte order", `[{"b":"1","a":"1","p":1},{"b":"2","a":"2","q":1},{"b":"1","a":"1","r":1},{"b":"2","a":"2","s":1}]`, "a", nil},
		{"more values win", `[{"b":"1","a":"1","p":1},{"b":"2","a":"2","q":1},{"b":"3","a":"1","r":1},{"b":"3","a":"2","s":1},{"b":"1","a":"1","t":1}]`, "b", nil},
		{"non-string values", `[{"t":1,"p":1},{"t":2,"q":1},{"t":1,"r":1},{"t":2,"s":1}]`, "", nil},
		{"key missing somewhere", `[{"t":"a","p":1},{"t":"b","q":1},{"t":"a","r":1},{"s":1}]`, "", nil},
		{"one distinct value", `[{"t":"a","p":1},{"t":"a","q":1},{"t":"a","r":1}]`, "", nil},
		{"max buckets knob", `[{"t":"a","p":1},{"t":"b","q":1},{"t":"c","r":1},{"t":"a","s":1},{"t":"b","u":1},{"t":"c","v":1}]`, "", func(c *Config) { c.MaxBuckets = 2 }},
		{"min buckets knob", `[{"t":"a","p":1},{"t":"b","q":1},{"t":"a","r":1},{"t":"b","s":1}]`, "", func(c *Config) { c.MinBuckets = 3 }},
		// 3 core keys of 5 is exactly 0.6: homogeneous enough for a table.
		{"core ratio at threshold", `[{"t":"a","x":1,"y":1,"p":1},{"t":"b","x":1,"y":1,"q":1},{"t":"a","x":1,"y":1},{"t":"b","x":1,"y":1}]`, "", nil},
		{"core ratio below threshold", `[{"t":"a","x":1,"p":1,"r":1},{"t":"b","x":1,"q":1},{"t":"a","x":1},{"t":"b","x":1}]`, "t", nil},
		{"ratio knob", `[{"t":"a","x":1,"y":1,"p":1},{"t":"b","x":1,"y":1,"q":1},{"t":"a","x":1,"y":1},{"t":"b","x":1,"y":1}]`, "t", func(c *Config) { c.HeterogeneousCoreRatio = 0.61 }},
		// ceil(5 × 0.8) = 4: a key in 4 of 5 rows is core, in 3 is not.
		{"core fraction counts 4 of 5", `[{"t":"a","b":1,"c":1},{"t":"b","b":1},{"t":"a","b":1},{"t":"b","b":1},{"t":"a"}]`, "", nil},
		{"core fraction misses 3 of 5", `[{"t":"a","b":1,"c":1},{"t":"b","b":1},{"t":"a","b":1},{"t":"b"},{"t":"a"}]`, "t", nil},
		{"fraction knob", `[{"t":"a","b":1,"c":1},{"t":"b","b":1},{"t":"a","b":1},{"t":"b","b":1},{"t":"a"}]`, "t", func(c *Config) { c.CoreFieldFraction = 1 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if tc.mutate != nil {
				tc.mutate(&cfg)
			}
			c := compactJSON(t, tc.arr, &cfg)
			switch {
			case tc.disc == "" && c.Shape != Table:
				t.Fatalf("shape %v (disc %q), want a sparse table", c.Shape, c.Discriminator)
			case tc.disc != "" && (c.Shape != Buckets || c.Discriminator != tc.disc):
				t.Fatalf("shape %v disc %q, want buckets by %q", c.Shape, c.Discriminator, tc.disc)
			}
		})
	}

	// A bucket that does not compact to a table (here: one row) keeps its
	// raw items in a single "value" column.
	c = compactJSON(t, `[{"t":"a","x":1},{"t":"b","y":2},{"t":"a","x":3,"z":0}]`, nil)
	if c.Shape != Buckets || len(c.Buckets) != 2 {
		t.Fatalf("shape %v buckets %d", c.Shape, len(c.Buckets))
	}
	b := c.Buckets[1]
	if b.Key != "b" || schema(b.Fields) != "value:json" || len(b.Rows) != 1 || jsonx.Compact(b.Rows[0][0].Value) != `{"t":"b","y":2}` {
		t.Fatalf("single-row bucket %+v", b)
	}
	if s := schema(c.Buckets[0].Fields); s != "t:string,x:int,z:int?" {
		t.Fatalf("bucket a schema %s", s)
	}
}
