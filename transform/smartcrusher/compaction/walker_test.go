package compaction

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

func walkDoc(t *testing.T, d *DocumentCompactor, doc string) string {
	t.Helper()
	in := mustParse(t, doc)
	before := jsonx.Compact(in)
	out, err := d.Compact(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if jsonx.Compact(in) != before {
		t.Fatal("Compact modified its input")
	}
	return jsonx.Compact(out)
}

func TestDocumentCompactorWalks(t *testing.T) {
	long := strings.Repeat(b64, 8)
	cases := []struct {
		name, doc, want string
	}{
		{"top-level array", `[{"id":1,"name":"alice"},{"id":2,"name":"bob"},{"id":3,"name":"carol"}]`,
			`"[3]{id:int,name:string}\n1,alice\n2,bob\n3,carol\n"`},
		{"array in a field", `{"user":"alice","events":[{"id":1,"action":"click"},{"id":2,"action":"hover"}],"n":2}`,
			`{"user":"alice","events":"[2]{action:string,id:int}\nclick,1\nhover,2\n","n":2}`},
		{"deeply nested", `{"outer":{"middle":{"rows":[{"a":1,"b":"x"},{"a":2,"b":"y"}]}}}`,
			`{"outer":{"middle":{"rows":"[2]{a:int,b:string}\n1,x\n2,y\n"}}}`},
		{"stringified array", `{"id":"abc","payload":"[{\"x\":1},{\"x\":2},{\"x\":3}]"}`,
			`{"id":"abc","payload":"[3]{x:int}\n1\n2\n3\n"}`},
		{"stringified object re-emitted compact", `{"p":"{ \"a\" : [1, 2] }"}`, `{"p":"{\"a\":[1,2]}"}`},
		// Items are walked first, so the outer table sees the inner
		// renderings as (multi-line, hence quoted) strings.
		{"cascade", `[{"id":1,"payload":"[{\"x\":1},{\"x\":2},{\"x\":3}]"},{"id":2,"payload":"[{\"x\":4},{\"x\":5}]"}]`,
			`"[2]{id:int,payload:string}\n1,\"[3]{x:int}\n1\n2\n3\n\"\n2,\"[2]{x:int}\n4\n5\n\"\n"`},
		{"opaque string at top", fmt.Sprintf("%q", long), `"<<ccr:` + Hash(long) + `,base64,528B>>"`},
		{"opaque string in a field", fmt.Sprintf(`{"id":1,"blob":%q}`, long), `{"id":1,"blob":"<<ccr:` + Hash(long) + `,base64,528B>>"}`},
		{"opaque strings before the table", fmt.Sprintf(`[{"id":1,"blob":%q},{"id":2,"blob":"x"}]`, long),
			`"[2]{blob:string,id:int}\n\"<<ccr:` + Hash(long) + `,base64,528B>>\",1\nx,2\n"`},
		{"scalars unchanged", `{"a":1,"b":"short","c":true,"d":null}`, `{"a":1,"b":"short","c":true,"d":null}`},
		{"scalar array unchanged", `[1,2,3,"four",5.0]`, `[1,2,3,"four",5.0]`},
		{"empty object", `{}`, `{}`},
		{"empty array", `[]`, `[]`},
		{"malformed stringified json", `{"payload":"{not valid json"}`, `{"payload":"{not valid json"}`},
		{"mixed document", `{"user_id":42,"tag":"active","events":[{"id":1,"kind":"x"},{"id":2,"kind":"y"}],"config":{"region":"us","tier":"gold"}}`,
			`{"user_id":42,"tag":"active","events":"[2]{id:int,kind:string}\n1,x\n2,y\n","config":{"region":"us","tier":"gold"}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := walkDoc(t, NewDocumentCompactor(nil), tc.doc); got != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestDocumentCompactorFormatterAndConfig(t *testing.T) {
	d := NewDocumentCompactor(nil)
	d.Formatter = JSON{}
	got := walkDoc(t, d, `{"r":[{"a":1},{"a":2}]}`)
	if want := `{"r":"{\"_compaction\":\"table\",\"_schema\":[{\"name\":\"a\",\"type\":\"int\"}],\"_kept\":2,\"_total\":2,\"_rows\":[[1],[2]]}"}`; got != want {
		t.Fatalf("json formatter: %s", got)
	}
	d = &DocumentCompactor{Config: DefaultConfig()} // nil Formatter means CSV
	d.Config.MinItems = 3
	d.Config.Classify.EmitOpaqueMarkers = false
	long := strings.Repeat("z", 300)
	doc := fmt.Sprintf(`{"r":[{"a":1},{"a":2}],"s":%q}`, long)
	if got := walkDoc(t, d, doc); got != doc {
		t.Fatalf("MinItems 3 / markers off changed the document: %s", got)
	}
}

// Every marker the walker writes resolves, byte for byte, from a real
// in-memory store, including markers inside rendered tables.
func TestDocumentCompactorStoresEveryMarker(t *testing.T) {
	store := memstore.New(ccr.DefaultCapacity, ccr.DefaultTTL)
	d := NewDocumentCompactor(store)
	blobs := []string{
		strings.Repeat(b64, 5),
		"<div>" + strings.Repeat("<p>hi</p>", 40) + "</div>",
		strings.Repeat("plain words and more words ", 12),
		strings.Repeat("é", 600),
	}
	row := func(id int64, b string) jsonx.Value {
		return jsonx.ObjectValue([]jsonx.Member{{Key: "id", Value: jsonx.IntValue(id)}, {Key: "b", Value: jsonx.StringValue(b)}})
	}
	inner := jsonx.Compact(jsonx.ObjectValue([]jsonx.Member{{Key: "deep", Value: jsonx.StringValue(blobs[3])}}))
	doc := jsonx.Compact(jsonx.ObjectValue([]jsonx.Member{
		{Key: "a", Value: jsonx.StringValue(blobs[0])},
		{Key: "rows", Value: jsonx.ArrayValue([]jsonx.Value{row(1, blobs[1]), row(2, blobs[2]), row(3, blobs[1])})},
		{Key: "nested", Value: jsonx.StringValue(inner)},
	}))
	out := walkDoc(t, d, doc)
	n := resolveMarkers(t, store, out, blobs)
	if n != 5 { // a, three rows, nested
		t.Fatalf("resolved %d markers, want 5 in %s", n, out)
	}
	if got, _ := store.Len(context.Background()); got != 4 {
		t.Fatalf("store holds %d entries, want one per distinct payload (4)", got)
	}
}

// resolveMarkers finds every <<ccr:HASH,KIND,SIZE>> in text, checks that
// the store returns one of want under HASH with the marked size, and
// returns how many markers it saw.
func resolveMarkers(t *testing.T, store ccr.Store, text string, want []string) int {
	t.Helper()
	n := 0
	for rest := text; ; {
		i := strings.Index(rest, "<<ccr:")
		if i < 0 {
			return n
		}
		rest = rest[i+len("<<ccr:"):]
		j := strings.Index(rest, ">>")
		parts := strings.Split(rest[:j], ",")
		if len(parts) != 3 {
			t.Fatalf("malformed marker %q", rest[:j])
		}
		got, err := store.Get(context.Background(), parts[0])
		if err != nil {
			t.Fatalf("marker %s: %v", rest[:j], err)
		}
		found := false
		for _, w := range want {
			if string(got) == w {
				found = true
				if size := string(AppendHumanSize(nil, len(w))); parts[2] != size || Hash(w) != parts[0] {
					t.Fatalf("marker %s for a %s payload", rest[:j], size)
				}
			}
		}
		if !found {
			t.Fatalf("marker %s resolves to unexpected %.40q", rest[:j], got)
		}
		n++
		rest = rest[j:]
	}
}

func TestDocumentCompactorReportsStoreFailure(t *testing.T) {
	store := memstore.New(ccr.DefaultCapacity, ccr.DefaultTTL)
	d := NewDocumentCompactor(store)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := d.Compact(ctx, jsonx.StringValue(strings.Repeat("q", 300)))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	// Without opaque strings nothing is stored, so nothing can fail.
	if _, err := d.Compact(ctx, mustParse(t, `[{"a":1},{"a":2}]`)); err != nil {
		t.Fatal(err)
	}
}

func TestStoreRefs(t *testing.T) {
	store := memstore.New(ccr.DefaultCapacity, ccr.DefaultTTL)
	blob := strings.Repeat(b64, 6)
	c := compactJSON(t, fmt.Sprintf(`[{"k":[{"b":%q},{"b":%q}]},{"k":[{"b":"s"},{"b":%q}]}]`, blob, blob, blob), nil)
	if err := StoreRefs(context.Background(), store, c); err != nil {
		t.Fatal(err)
	}
	// Nested tables render through the JSON formatter, whose opaque cells
	// are {"_ccr":HASH,...} objects.
	out := Format(CSVSchema{}, c)
	if n := strings.Count(out, `""_ccr"":""`+Hash(blob)+`""`); n != 3 {
		t.Fatalf("%d nested opaque cells in %s, want 3", n, out)
	}
	got, err := store.Get(context.Background(), Hash(blob))
	if err != nil || string(got) != blob {
		t.Fatalf("stored %.40q, %v", got, err)
	}
	if n, _ := store.Len(context.Background()); n != 1 {
		t.Fatalf("store holds %d entries, want 1", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := StoreRefs(ctx, store, c); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), Hash(blob)) {
		t.Fatalf("err = %v", err)
	}
}
