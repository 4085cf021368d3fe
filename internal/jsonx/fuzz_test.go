package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse: Parse never panics; whatever it accepts encoding/json accepts
// too; the compact writer's output parses back to an equal value and is a
// fixed point. Documents encoding/json accepts but Parse refuses must fail
// for one of serde's stricter rules.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`[1, 2.50, -0, 1E5]`, `{"a":{"b":[null,true,false]},"a":"dup"}`, `"\ud83d\ude00\u00e9\n"`, `[[[[]]]]`, `{"":""}`, "\"\u2028<>&\"", `1e400`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data)
		stdValid := json.Valid(data)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("non-syntax error %T: %v", err, err)
			}
			if se.Offset < 0 || se.Offset > len(data) {
				t.Fatalf("offset %d outside input of %d bytes", se.Offset, len(data))
			}
			if stdValid && !serdeStricter(se.Msg) {
				t.Fatalf("encoding/json accepts %q but Parse says %v", data, err)
			}
			return
		}
		if !stdValid {
			t.Fatalf("Parse accepted %q which encoding/json rejects", data)
		}
		out := AppendCompact(nil, v)
		v2, err := Parse(out)
		if err != nil {
			t.Fatalf("compact output %q does not parse: %v", out, err)
		}
		if !Equal(v, v2) {
			t.Fatalf("round trip changed the value: %q -> %q", data, out)
		}
		if out2 := AppendCompact(nil, v2); !bytes.Equal(out, out2) {
			t.Fatalf("compact writer is not a fixed point: %q vs %q", out, out2)
		}
	})
}

func serdeStricter(msg string) bool {
	for _, m := range []string{"recursion limit", "surrogate", "hex escape", "invalid UTF-8"} {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
}

// FuzzPythonDumps: every Python-writer mode produces JSON that decodes (with
// encoding/json) to the same data as the compact form.
func FuzzPythonDumps(f *testing.F) {
	for _, s := range []string{`{"b":"é","a":[1,{"d":null,"c":"😀"}]}`, `[]`, `{"x":{}}`, `"\u007f\u0001"`, `[1.5e3,-0.0]`} {
		f.Add([]byte(s), true, uint8(2))
	}
	f.Fuzz(func(t *testing.T, data []byte, sortKeys bool, indent uint8) {
		v, err := Parse(data)
		if err != nil {
			return
		}
		want := decodeStd(t, AppendCompact(nil, v))
		for _, raw := range []bool{false, true} {
			opts := PyDumpOptions{SortKeys: sortKeys, RawUnicode: raw, Indent: int(indent % 5)}
			out := AppendPython(nil, v, opts)
			if !raw {
				for _, c := range out {
					if c >= 0x7F {
						t.Fatalf("ensure_ascii output has byte %#x: %q", c, out)
					}
				}
			}
			if got := decodeStd(t, out); !reflect.DeepEqual(got, want) {
				t.Fatalf("opts %+v: %q decodes to %v, want %v", opts, out, got, want)
			}
		}
	})
}

func decodeStd(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		t.Fatalf("encoding/json rejects %q: %v", b, err)
	}
	return x
}
