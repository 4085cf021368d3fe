package scan

import (
	"strings"
	"testing"

	"github.com/headroom-go/headroom/internal/jsonx"
)

// checkAgainstJSONX is the equivalence the live zone relies on: the scanner
// accepts exactly the documents jsonx (the general decoder) accepts, and
// every node's byte range holds a value jsonx decodes to the same thing the
// scanner reports (same kind; same text for strings).
func checkAgainstJSONX(t *testing.T, src []byte) {
	t.Helper()
	var d Doc
	err := d.Parse(src)
	want := jsonx.Valid(string(src))
	if (err == nil) != want {
		t.Fatalf("Parse(%q) error = %v, jsonx.Valid = %v", src, err, want)
	}
	if err != nil {
		return
	}
	for i := 0; i < d.Len(); i++ {
		n := d.Node(i)
		v, perr := jsonx.Parse(d.Raw(i))
		if perr != nil {
			t.Fatalf("node %d %q: jsonx rejects its range: %v", i, d.Raw(i), perr)
		}
		kinds := map[Kind]jsonx.Kind{Object: jsonx.Object, Array: jsonx.Array, String: jsonx.String,
			Number: jsonx.Number, True: jsonx.Bool, False: jsonx.Bool, Null: jsonx.Null}
		if kinds[n.Kind] != v.Kind() {
			t.Fatalf("node %d %q: kind %d, jsonx %v", i, d.Raw(i), n.Kind, v.Kind())
		}
		switch n.Kind {
		case String:
			got, _ := d.Text(i)
			s, _ := v.Str()
			if got != s {
				t.Fatalf("node %d: Text %q, jsonx %q", i, got, s)
			}
			if !d.StringEquals(i, s) {
				t.Fatalf("node %d: StringEquals(%q) false", i, s)
			}
		case Array:
			if int(n.Len) != v.Len() {
				t.Fatalf("node %d: Len %d, jsonx %d", i, n.Len, v.Len())
			}
		case Object:
			count := 0
			for k := d.FirstChild(i); k >= 0; k = d.NextSibling(d.NextSibling(k)) {
				count++
			}
			if 2*count != int(n.Len) {
				t.Fatalf("node %d: %d members linked, Len %d", i, count, n.Len)
			}
		}
	}
}

func TestParseAgreesWithJSONX(t *testing.T) {
	docs := []string{
		`{}`, `[]`, `""`, `0`, `-0`, `1.0`, `1e5`, `1E+5`, `-12345678901234567`, `true`, ` null `,
		`{"a":1,"b":[1,2,{"c":"d"}],"e":"\u00e9\ud83d\ude00\n\"x\""}`,
		`{"a":1,"a":2}`, `[1,]`, `[01]`, `{"a" 1}`, `"\ud800"`, `"\udc00"`, `"\ud800\u0041"`,
		"\"\x01\"", "\"\xff\"", `"abc`, `{"a":1}x`, `[1e]`, `[-]`, `[.5]`, `"\x"`, "",
		`{"k\u0065y":"v"}`, "[\"\u2028\"]",
	}
	for _, s := range docs {
		checkAgainstJSONX(t, []byte(s))
	}
}

func TestDepthLimitMatchesJSONX(t *testing.T) {
	for _, n := range []int{MaxDepth - 2, MaxDepth - 1, MaxDepth, MaxDepth + 1} {
		checkAgainstJSONX(t, []byte(strings.Repeat("[", n)+strings.Repeat("]", n)))
		checkAgainstJSONX(t, []byte(strings.Repeat(`{"a":`, n)+"1"+strings.Repeat("}", n)))
	}
}

func TestFieldTakesLastDuplicateAndCounts(t *testing.T) {
	var d Doc
	if err := d.Parse([]byte(`{"role":"user","x":[1],"r\u006fle":"tool"}`)); err != nil {
		t.Fatal(err)
	}
	v, n := d.Field(0, "role")
	if n != 2 {
		t.Fatalf("count = %d, want 2", n)
	}
	if got, _ := d.Text(v); got != "tool" {
		t.Fatalf("last role = %q, want tool", got)
	}
	if v, n := d.Field(0, "missing"); v != -1 || n != 0 {
		t.Fatalf("missing key: (%d, %d)", v, n)
	}
	x, _ := d.Field(0, "x")
	if v, n := d.Field(x, "role"); v != -1 || n != 0 {
		t.Fatalf("Field on an array: (%d, %d)", v, n)
	}
}

func TestStringRangesIncludeQuotes(t *testing.T) {
	src := []byte(`{"k": "a\"b" }`)
	var d Doc
	if err := d.Parse(src); err != nil {
		t.Fatal(err)
	}
	v, _ := d.Field(0, "k")
	if got := string(d.Raw(v)); got != `"a\"b"` {
		t.Fatalf("Raw = %s", got)
	}
}

func TestParseReusesStorage(t *testing.T) {
	src := []byte(`{"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}`)
	var d Doc
	if err := d.Parse(src); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if err := d.Parse(src); err != nil {
			t.Fatal(err)
		}
		m, _ := d.Field(0, "messages")
		_ = d.StringEquals(d.FirstChild(d.FirstChild(m))+1, "user")
	})
	if allocs != 0 {
		t.Fatalf("re-parse allocates %v times, want 0", allocs)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5e-3,"x\u0041"],"b":{"c":null}}`, `[-0,1E5,true,false]`, `"\ud83d\ude00"`, `{"a":1,"a":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		checkAgainstJSONX(t, src)
	})
}
