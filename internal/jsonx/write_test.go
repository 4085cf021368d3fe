package jsonx

import (
	"testing"
)

// Expected strings below are CPython 3 json.dumps output for the same object.
func TestPythonDumpsMatchesCPython(t *testing.T) {
	v := mustParse(t, `{"b":"é\u007f","a":["😀",1,{"z":null,"y":true}],"c":{},"d":[],"e":"\u0001\n\"\\/"}`)
	cases := []struct {
		name string
		opts PyDumpOptions
		want string
	}{
		{"default", PyDumpOptions{},
			`{"b": "\u00e9\u007f", "a": ["\ud83d\ude00", 1, {"z": null, "y": true}], "c": {}, "d": [], "e": "\u0001\n\"\\/"}`},
		{"sort_keys", PyDumpOptions{SortKeys: true},
			`{"a": ["\ud83d\ude00", 1, {"y": true, "z": null}], "b": "\u00e9\u007f", "c": {}, "d": [], "e": "\u0001\n\"\\/"}`},
		{"indent2", PyDumpOptions{Indent: 2},
			"{\n  \"b\": \"\\u00e9\\u007f\",\n  \"a\": [\n    \"\\ud83d\\ude00\",\n    1,\n    {\n      \"z\": null,\n      \"y\": true\n    }\n  ],\n  \"c\": {},\n  \"d\": [],\n  \"e\": \"\\u0001\\n\\\"\\\\/\"\n}"},
		{"indent2_sorted_raw", PyDumpOptions{Indent: 2, SortKeys: true, RawUnicode: true},
			"{\n  \"a\": [\n    \"😀\",\n    1,\n    {\n      \"y\": true,\n      \"z\": null\n    }\n  ],\n  \"b\": \"é\x7f\",\n  \"c\": {},\n  \"d\": [],\n  \"e\": \"\\u0001\\n\\\"\\\\/\"\n}"},
		{"compact_raw", PyDumpOptions{ItemSep: ",", KeySep: ":", RawUnicode: true},
			"{\"b\":\"é\x7f\",\"a\":[\"😀\",1,{\"z\":null,\"y\":true}],\"c\":{},\"d\":[],\"e\":\"\\u0001\\n\\\"\\\\/\"}"},
	}
	for _, c := range cases {
		if got := PythonDumps(v, c.opts); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}

// Sorting must not disturb the caller's value (it is shared).
func TestPythonSortKeysLeavesValueOrder(t *testing.T) {
	v := mustParse(t, `{"b":1,"a":2}`)
	_ = AppendPySortKeys(nil, v)
	if got := Compact(v); got != `{"b":1,"a":2}` {
		t.Fatalf("value reordered: %s", got)
	}
}

// Sort order is UTF-8 byte order, which equals Python's code point order
// even where UTF-16 order would differ (U+FF61 vs U+1F600).
func TestPythonSortKeysUsesCodePointOrder(t *testing.T) {
	v := mustParse(t, `{"😀":1,"｡":2,"a":3}`)
	want := `{"a": 3, "\uff61": 2, "\ud83d\ude00": 1}`
	if got := PythonDumps(v, PyDumpOptions{SortKeys: true}); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestWritersReplaceInvalidUTF8(t *testing.T) {
	v := StringValue("a\xffb")
	if got := Compact(v); got != "\"a\uFFFDb\"" {
		t.Errorf("Compact = %q", got)
	}
	if got := PythonDumps(v, PyDumpOptions{}); got != `"a\ufffdb"` {
		t.Errorf("PythonDumps = %q", got)
	}
	if got := PythonDumps(v, PyDumpOptions{RawUnicode: true}); got != "\"a\uFFFDb\"" {
		t.Errorf("PythonDumps raw = %q", got)
	}
}

func TestAppendCompactReusesBuffer(t *testing.T) {
	v := mustParse(t, `{"id":1,"msg":"hello \"world\"","tags":["a","b"],"ok":true}`)
	buf := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() {
		buf = AppendCompact(buf[:0], v)
		buf = AppendPySortKeys(buf[:0], v)
	})
	if allocs != 0 {
		t.Fatalf("writers allocated %v times with a large enough buffer", allocs)
	}
}
