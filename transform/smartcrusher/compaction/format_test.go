package compaction

import (
	"fmt"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/internal/jsonx"
)

const userOrder = `[{"type":"user","id":1,"name":"alice"},{"type":"user","id":2,"name":"bob"},{"type":"order","id":99,"total":50},{"type":"order","id":100,"total":75}]`

func render(t *testing.T, f Formatter, arr string) string {
	t.Helper()
	return Format(f, compactJSON(t, arr, nil))
}

func TestHumanSize(t *testing.T) {
	cases := map[int]string{
		0: "0B", 1: "1B", 1023: "1023B",
		1024: "1.0KB", 1075: "1.0KB", 1126: "1.1KB", 1536: "1.5KB",
		1280:    "1.2KB",    // exactly 1.25: ties go to even
		1792:    "1.8KB",    // exactly 1.75
		1048575: "1024.0KB", // just under 1 MiB, rounded up in print
		1048576: "1.0MB", 1572864: "1.5MB", 3 << 20: "3.0MB",
	}
	for n, want := range cases {
		if got := string(AppendHumanSize(nil, n)); got != want {
			t.Errorf("HumanSize(%d) = %s, want %s", n, got, want)
		}
	}
	if got := string(AppendMarker(nil, "abc123def456", KindHTML, 2048)); got != "<<ccr:abc123def456,html,2.0KB>>" {
		t.Errorf("marker %s", got)
	}
}

func TestCSVSchemaFormat(t *testing.T) {
	long := strings.Repeat("x", 300)
	cases := []struct {
		name, arr, want string
	}{
		{"plain", `[{"id":1,"name":"alice","status":"ok"},{"id":2,"name":"bob","status":"ok"},{"id":3,"name":"carol","status":"fail"}]`,
			"[3]{id:int,name:string,status:string}\n1,alice,ok\n2,bob,ok\n3,carol,fail\n"},
		{"quoting", `[{"id":1,"s":"alice, the great"},{"id":2,"s":"she said \"hi\""},{"id":3,"s":"two\nlines"},{"id":4,"s":"cr\rhere"},{"id":5,"s":"plain 'single' ;:|"}]`,
			"[5]{id:int,s:string}\n1,\"alice, the great\"\n2,\"she said \"\"hi\"\"\"\n3,\"two\nlines\"\n4,\"cr\rhere\"\n5,plain 'single' ;:|\n"},
		{"missing null and empty", `[{"id":1,"tag":"a"},{"id":2},{"id":3,"tag":null},{"id":4,"tag":""}]`,
			"[4]{id:int,tag:string?}\n1,a\n2,\n3,\n4,\n"},
		{"literals", `[{"b":true,"f":2.50,"n":-7},{"b":false,"f":1.5e-3,"n":7}]`,
			"[2]{b:bool,f:float,n:int}\ntrue,2.50,-7\nfalse,1.5e-3,7\n"},
		{"unicode raw", `[{"s":"中文 <b>&</b>"},{"s":"русский"}]`, "[2]{s:string}\n中文 <b>&</b>\nрусский\n"},
		{"containers quoted", `[{"m":{"region":"us"},"l":[1,"a"]},{"m":{"tier":"x"},"l":[]}]`,
			"[2]{l:json,m:json}\n\"[1,\"\"a\"\"]\",\"{\"\"region\"\":\"\"us\"\"}\"\n\"[]\",\"{\"\"tier\"\":\"\"x\"\"}\"\n"},
		{"flattened", `[{"id":1,"meta":{"region":"us","tier":"gold"}},{"id":2,"meta":{"region":"eu","tier":"silver"}}]`,
			"[2]{id:int,meta.region:string,meta.tier:string}\n1,us,gold\n2,eu,silver\n"},
		{"nested", `[{"event":"batch","payload":"[{\"x\":1},{\"x\":2},{\"x\":3}]"},{"event":"batch","payload":"[{\"x\":4},{\"x\":5}]"}]`,
			"[2]{event:string,payload:string}\n" +
				"batch,\"{\"\"_compaction\"\":\"\"table\"\",\"\"_schema\"\":[{\"\"name\"\":\"\"x\"\",\"\"type\"\":\"\"int\"\"}],\"\"_kept\"\":3,\"\"_total\"\":3,\"\"_rows\"\":[[1],[2],[3]]}\"\n" +
				"batch,\"{\"\"_compaction\"\":\"\"table\"\",\"\"_schema\"\":[{\"\"name\"\":\"\"x\"\",\"\"type\"\":\"\"int\"\"}],\"\"_kept\"\":2,\"\"_total\"\":2,\"\"_rows\"\":[[4],[5]]}\"\n"},
		{"parsed stringified object", `[{"p":"{\"a\": [1, 2]}","q":1},{"p":"{\"b\": 2}","q":2}]`,
			"[2]{p:string,q:int}\n\"{\"\"a\"\":[1,2]}\",1\n\"{\"\"b\"\":2}\",2\n"},
		{"opaque marker unquoted", fmt.Sprintf(`[{"id":1,"t":%q},{"id":2,"t":"s"}]`, long),
			"[2]{id:int,t:string}\n1,<<ccr:" + Hash(long) + ",string,300B>>\n2,s\n"},
		// Field names are written as they are (the reference does not
		// quote them in this format).
		{"names unquoted", `[{"a,b":1},{"a,b":2}]`, "[2]{a,b:int}\n1\n2\n"},
		{"no columns", `[{},{}]`, "[2]{}\n\n\n"},
		{"buckets", userOrder,
			"__buckets:type\n__key:order\n[2]{id:int,total:int,type:string}\n99,50,order\n100,75,order\n" +
				"__key:user\n[2]{id:int,name:string,type:string}\n1,alice,user\n2,bob,user\n"},
		{"bucket keys quoted", `[{"t":"a,b","x":1,"p":1},{"t":"c","x":1,"q":1},{"t":"a,b","x":1},{"t":"c","x":1,"r":1,"s":1}]`,
			"__buckets:t\n__key:\"a,b\"\n[2]{t:string,x:int,p:int?}\n\"a,b\",1,1\n\"a,b\",1,\n__key:c\n[2]{t:string,x:int,q:int?,r:int?,s:int?}\nc,1,1,,\nc,1,,1,1\n"},
		{"value bucket", `[{"t":"a","x":1},{"t":"b","y":2},{"t":"a","x":3,"z":0}]`,
			"__buckets:t\n__key:a\n[2]{t:string,x:int,z:int?}\na,1,\na,3,0\n__key:b\n[1]{value:json}\n\"{\"\"t\"\":\"\"b\"\",\"\"y\"\":2}\"\n"},
		{"untouched", `[1,"a",{"b":null}]`, `[1,"a",{"b":null}]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := render(t, CSVSchema{}, tc.arr); got != tc.want {
				t.Fatalf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestJSONFormat(t *testing.T) {
	long := strings.Repeat("<p>", 100)
	cases := []struct {
		name, arr, want string
	}{
		{"table", `[{"id":1,"name":"alice"},{"id":2,"name":"bob"}]`,
			`{"_compaction":"table","_schema":[{"name":"id","type":"int"},{"name":"name","type":"string"}],"_kept":2,"_total":2,"_rows":[[1,"alice"],[2,"bob"]]}`},
		{"nullable and missing", `[{"id":1,"tag":"a"},{"id":2},{"id":3,"tag":null}]`,
			`{"_compaction":"table","_schema":[{"name":"id","type":"int"},{"name":"tag","type":"string","nullable":true}],"_kept":3,"_total":3,"_rows":[[1,"a"],[2,null],[3,null]]}`},
		{"nested and opaque", fmt.Sprintf(`[{"k":[{"x":1},{"x":2}],"h":%q},{"k":"[{\"x\":3},{\"x\":4}]","h":"s"}]`, long),
			`{"_compaction":"table","_schema":[{"name":"h","type":"string"},{"name":"k","type":"json"}],"_kept":2,"_total":2,"_rows":[` +
				`[{"_ccr":"` + Hash(long) + `","_size":300,"_kind":"html"},{"_compaction":"table","_schema":[{"name":"x","type":"int"}],"_kept":2,"_total":2,"_rows":[[1],[2]]}],` +
				`["s",{"_compaction":"table","_schema":[{"name":"x","type":"int"}],"_kept":2,"_total":2,"_rows":[[3],[4]]}]]}`},
		{"escapes", `[{"s":"a\"b\\c\u0001\u2028/"},{"s":"\t"}]`,
			`{"_compaction":"table","_schema":[{"name":"s","type":"string"}],"_kept":2,"_total":2,"_rows":[["a\"b\\c\u0001` + "\u2028" + `/"],["\t"]]}`},
		{"buckets", userOrder,
			`{"_compaction":"buckets","_discriminator":"type","_total":4,"_buckets":[` +
				`{"_key":"order","_schema":[{"name":"id","type":"int"},{"name":"total","type":"int"},{"name":"type","type":"string"}],"_rows":[[99,50,"order"],[100,75,"order"]]},` +
				`{"_key":"user","_schema":[{"name":"id","type":"int"},{"name":"name","type":"string"},{"name":"type","type":"string"}],"_rows":[[1,"alice","user"],[2,"bob","user"]]}]}`},
		{"untouched", `[{"a":1,"b":[2,3]}]`, `[{"a":1,"b":[2,3]}]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, JSON{}, tc.arr)
			if got != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
			if _, err := jsonx.ParseString(got); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
		})
	}
	opaque := &Compaction{Shape: Opaque, Ref: &OpaqueRef{Hash: "abc123def456", Size: 2048, Kind: KindBase64}}
	if got := Format(JSON{}, opaque); got != `{"_compaction":"ccr","_hash":"abc123def456","_size":2048,"_kind":"base64"}` {
		t.Fatalf("opaque top: %s", got)
	}
	if got := Format(CSVSchema{}, opaque); got != "<<ccr:abc123def456,base64,2.0KB>>" {
		t.Fatalf("opaque top csv: %s", got)
	}
	if got := Format(MarkdownKV{}, opaque); got != "<<ccr:abc123def456,base64,2.0KB>>" {
		t.Fatalf("opaque top kv: %s", got)
	}
}

func TestMarkdownKVFormat(t *testing.T) {
	cases := []struct {
		name, arr, want string
	}{
		{"table", `[{"id":1,"name":"alice"},{"id":2,"name":"bob"}]`,
			"[2]{id:int,name:string}\n- id: 1\n  name: alice\n- id: 2\n  name: bob\n"},
		{"missing omitted, null shown", `[{"id":1,"note":"has note"},{"id":2},{"id":3,"note":null}]`,
			"[3]{id:int,note:string?}\n- id: 1\n  note: has note\n- id: 2\n- id: 3\n  note: null\n"},
		{"all-missing row", `[{"a":1},{}]`, "[2]{a:int?}\n- a: 1\n-\n"},
		{"quoting", `[{"s":"line one\nline two"},{"s":""},{"s":" lead"},{"s":"trail\u00a0"},{"s":"alice, the \"great\": yes"},{"s":"cr\r"}]`,
			"[6]{s:string}\n- s: \"line one\\nline two\"\n- s: \"\"\n- s: \" lead\"\n- s: \"trail\u00a0\"\n- s: alice, the \"great\": yes\n- s: \"cr\\r\"\n"},
		{"pathological names", `[{"bad\nkey":1,"note: extra":"x"," pad":true},{"bad\nkey":2,"note: extra":"y"," pad":false}]`,
			"[2]{\" pad\":bool,\"bad\\nkey\":int,\"note: extra\":string}\n- \" pad\": true\n  \"bad\\nkey\": 1\n  \"note: extra\": x\n" +
				"- \" pad\": false\n  \"bad\\nkey\": 2\n  \"note: extra\": y\n"},
		{"containers and nested", `[{"m":{"a":1},"k":[{"x":1},{"x":2}]},{"m":{"b":"2"},"k":[{"x":3},{"x":4}]}]`,
			"[2]{k:json,m:json}\n- k: {\"_compaction\":\"table\",\"_schema\":[{\"name\":\"x\",\"type\":\"int\"}],\"_kept\":2,\"_total\":2,\"_rows\":[[1],[2]]}\n  m: {\"a\":1}\n" +
				"- k: {\"_compaction\":\"table\",\"_schema\":[{\"name\":\"x\",\"type\":\"int\"}],\"_kept\":2,\"_total\":2,\"_rows\":[[3],[4]]}\n  m: {\"b\":\"2\"}\n"},
		{"buckets", userOrder,
			"__buckets:type\n__key:order\n[2]{id:int,total:int,type:string}\n- id: 99\n  total: 50\n  type: order\n- id: 100\n  total: 75\n  type: order\n" +
				"__key:user\n[2]{id:int,name:string,type:string}\n- id: 1\n  name: alice\n  type: user\n- id: 2\n  name: bob\n  type: user\n"},
		{"untouched", `[true]`, `[true]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := render(t, MarkdownKV{}, tc.arr); got != tc.want {
				t.Fatalf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestDropSummary(t *testing.T) {
	c := &Compaction{Shape: Table, Total: 5, Fields: []Field{{Name: "x", Type: "int"}},
		Rows: []Row{{{Kind: CellScalar, Value: jsonx.IntValue(1)}}, {{Kind: CellScalar, Value: jsonx.IntValue(2)}}}}
	for _, tc := range []struct {
		f    Formatter
		want string
	}{
		{CSVSchema{}, "[2]{x:int}\n1\n2\n"},
		{CSVSchema{DropSummary: true}, "[2]{x:int} __dropped:3\n1\n2\n"},
		{MarkdownKV{}, "[2]{x:int}\n- x: 1\n- x: 2\n"},
		{MarkdownKV{DropSummary: true}, "[2]{x:int} __dropped:3\n- x: 1\n- x: 2\n"},
		{JSON{}, `{"_compaction":"table","_schema":[{"name":"x","type":"int"}],"_kept":2,"_total":5,"_rows":[[1],[2]]}`},
	} {
		if got := Format(tc.f, c); got != tc.want {
			t.Errorf("%s %+v: %q, want %q", tc.f.Name(), tc.f, got, tc.want)
		}
	}
	b := &Compaction{Shape: Buckets, Total: 4, Discriminator: "k", Buckets: []Bucket{{Key: "a", Fields: c.Fields, Rows: c.Rows}}}
	if got := Format(CSVSchema{DropSummary: true}, b); got != "__buckets:k __dropped:2\n__key:a\n[2]{x:int}\n1\n2\n" {
		t.Errorf("buckets summary %q", got)
	}
}

func TestFormatterByName(t *testing.T) {
	for _, name := range FormatterNames() {
		f, ok := FormatterByName(name)
		if !ok || f.Name() != name {
			t.Errorf("FormatterByName(%q) = %v, %v", name, f, ok)
		}
	}
	if _, ok := FormatterByName("toon"); ok {
		t.Error("unknown formatter accepted")
	}
}

func TestCSVSmallerThanJSONAndRaw(t *testing.T) {
	var b strings.Builder
	b.WriteByte('[')
	for i := range 50 {
		if i > 0 {
			b.WriteByte(',')
		}
		status := "pending"
		if i%3 == 0 {
			status = "ok"
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"user_%d","email":"user_%d@example.com","status":%q}`, i, i, i, status)
	}
	b.WriteByte(']')
	raw := b.String()
	csv, js, kv := render(t, CSVSchema{}, raw), render(t, JSON{}, raw), render(t, MarkdownKV{}, raw)
	if !(len(csv) < len(js) && len(csv)*10 < len(raw)*7 && len(kv) < len(raw)) {
		t.Fatalf("sizes: csv %d json %d kv %d raw %d", len(csv), len(js), len(kv), len(raw))
	}
}
