package parity

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseJSON checks the harness parser against encoding/json's validator
// on strict JSON, and that every accepted document equals itself and its
// compact rendering.
func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{
		`{"a":[1,2.5e-3,-0,true,false,null],"b":{"c":"d\u00e9\n"}}`,
		`[NaN,Infinity,-Infinity]`,
		`"\ud83d\ude80 \ud800"`,
		`123456789012345678901234567890`,
		`{"a":1,"a":2}`,
		"[1,\n2,]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := parseJSON(data)
		// Our grammar is RFC 8259 plus NaN/±Infinity, minus duplicate keys;
		// on input without those extensions, acceptance must agree with the
		// standard library on valid UTF-8 (encoding/json tolerates invalid
		// UTF-8 in strings; we reject it).
		if utf8.Valid(data) && err == nil && !containsExtension(&v) && !json.Valid(data) {
			t.Fatalf("parseJSON accepted %q, encoding/json rejects it", data)
		}
		if err != nil {
			if json.Valid(data) && utf8.Valid(data) && !isDuplicateKeyError(err) {
				t.Fatalf("parseJSON rejected valid %q: %v", data, err)
			}
			return
		}
		if d := diffValues(&v, &v, "$"); d != nil {
			t.Fatalf("value differs from itself: %s", d)
		}
		var b strings.Builder
		writeCompact(&b, &v)
		again, err := parseJSON([]byte(b.String()))
		if err != nil {
			t.Fatalf("compact rendering %q of %q does not parse: %v", b.String(), data, err)
		}
		if d := diffValues(&v, &again, "$"); d != nil {
			t.Fatalf("compact rendering %q of %q differs: %s", b.String(), data, d)
		}
	})
}

func containsExtension(v *value) bool {
	switch v.kind {
	case kindNumber:
		return v.text == "NaN" || v.text == "Infinity" || v.text == "-Infinity"
	case kindArray:
		for i := range v.items {
			if containsExtension(&v.items[i]) {
				return true
			}
		}
	case kindObject:
		for i := range v.members {
			if containsExtension(&v.members[i].val) {
				return true
			}
		}
	}
	return false
}

func isDuplicateKeyError(err error) bool {
	var se *SyntaxError
	return errors.As(err, &se) && strings.HasPrefix(se.Msg, "duplicate object key")
}
