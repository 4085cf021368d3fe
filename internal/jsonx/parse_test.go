package jsonx

import (
	"errors"
	"strings"
	"testing"
)

// The compact writer must reproduce serde_json::to_string over a value
// parsed with preserve_order + arbitrary_precision.
func TestParseThenCompactMatchesSerde(t *testing.T) {
	cases := []struct{ in, want string }{
		{`[1, 2, 3]`, `[1,2,3]`},
		{` {"b": 1, "a": [true, false, null]} `, `{"b":1,"a":[true,false,null]}`},
		// Literals are kept, apart from serde's two normalisations.
		{`[1.0, 1.50, 30000000000000000000000000001, -12]`, `[1.0,1.50,30000000000000000000000000001,-12]`},
		{`[1e5, 1E5, 1e-5, 1E+5, 2.5e0]`, `[1e+5,1e+5,1e-5,1e+5,2.5e+0]`},
		{`[-0, -0.0, 0, -0e1]`, `[0,-0.0,0,-0e+1]`},
		{`[18446744073709551615, 18446744073709551616, -9223372036854775809]`, `[18446744073709551615,18446744073709551616,-9223372036854775809]`},
		// Duplicate keys: first position, last value.
		{`{"a": 1, "b": 2, "a": 3}`, `{"a":3,"b":2}`},
		// Escapes: only quote, backslash and controls; \/ decodes to '/'.
		{`"\/ <>& \u2028\u2029 \u007f é"`, "\"/ <>& \u2028\u2029 \u007f é\""},
		{`"\u0001\u001F\b\f\n\r\t\"\\"`, `"\u0001\u001f\b\f\n\r\t\"\\"`},
		{`"\ud83d\ude00"`, `"😀"`},
		{`"中文 русский"`, `"中文 русский"`},
		{`{}`, `{}`},
		{`[]`, `[]`},
		{"\t\r\n 7 \n", `7`},
	}
	for _, c := range cases {
		v, err := ParseString(c.in)
		if err != nil {
			t.Errorf("ParseString(%q): %v", c.in, err)
			continue
		}
		if got := Compact(v); got != c.want {
			t.Errorf("Compact(ParseString(%q)) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseRejectsWhatSerdeRejects(t *testing.T) {
	cases := []struct {
		in     string
		offset int
		msg    string
	}{
		{``, 0, "end of input"},
		{`   `, 3, "end of input"},
		{`[1,]`, 3, "expected value"},
		{`[1 2]`, 3, "expected ',' or ']'"},
		{`{"a" 1}`, 5, "expected ':'"},
		{`{a:1}`, 1, "key must be a string"},
		{`{"a":1,}`, 7, "key must be a string"},
		{`01`, 1, "invalid number"},
		{`1.`, 2, "invalid number"},
		{`.5`, 0, "expected value"},
		{`+1`, 0, "expected value"},
		{`-`, 1, "end of input"},
		{`1e`, 2, "invalid number"},
		{`1e+`, 3, "invalid number"},
		{`tru`, 0, `expected "true"`},
		{`nul`, 0, `expected "null"`},
		{`[1] x`, 4, "trailing characters"},
		{"\"a\tb\"", 2, "control character"},
		{`"\x"`, 2, "invalid escape"},
		{`"\u12"`, 5, "invalid escape"},
		{`"\udc00"`, 7, "lone trailing surrogate"},
		{`"\ud800"`, 7, "unexpected end of hex escape"},
		{`"\ud800\u0041"`, 13, "lone leading surrogate"},
		{"\"\xff\"", 1, "invalid UTF-8"},
		{`"abc`, 4, "end of input"},
		{`NaN`, 0, "expected value"},
	}
	for _, c := range cases {
		_, err := ParseString(c.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseString(%q) error = %v, want *SyntaxError", c.in, err)
			continue
		}
		if se.Offset != c.offset || !strings.Contains(se.Msg, c.msg) {
			t.Errorf("ParseString(%q) = %q at %d, want %q at %d", c.in, se.Msg, se.Offset, c.msg, c.offset)
		}
	}
}

// serde_json allows 127 nested containers and refuses the 128th.
func TestParseDepthLimitMatchesSerde(t *testing.T) {
	ok := strings.Repeat("[", MaxDepth-1) + strings.Repeat("]", MaxDepth-1)
	if _, err := ParseString(ok); err != nil {
		t.Fatalf("depth %d: %v", MaxDepth-1, err)
	}
	tooDeep := strings.Repeat(`{"a":`, MaxDepth) + "1" + strings.Repeat("}", MaxDepth)
	_, err := ParseString(tooDeep)
	if err == nil || !strings.Contains(err.Error(), "recursion limit") {
		t.Fatalf("depth %d: err = %v, want recursion limit", MaxDepth, err)
	}
}

func TestParseDuplicateKeysInLargeObject(t *testing.T) {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i < 40; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"k`)
		b.WriteByte(byte('a' + i%26))
		b.WriteByte(byte('a' + i/26))
		b.WriteString(`":1`)
	}
	b.WriteString(`,"kaa":2,"kzz":3}`)
	v, err := ParseString(b.String())
	if err != nil {
		t.Fatal(err)
	}
	if v.Len() != 41 {
		t.Fatalf("Len = %d, want 41", v.Len())
	}
	if m := v.Members()[0]; m.Key != "kaa" || m.Value.s != "2" {
		t.Fatalf("first member = %v, want kaa:2 at first position", m)
	}
	if m := v.Members()[40]; m.Key != "kzz" {
		t.Fatalf("last member = %q, want the new key kzz", m.Key)
	}
}

func TestParseDoesNotCopyUnescapedStrings(t *testing.T) {
	doc := `{"key":"value"}`
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ParseString(doc); err != nil {
			t.Fatal(err)
		}
	})
	// One allocation for the member slice of the single object.
	if allocs > 1 {
		t.Fatalf("ParseString allocated %v times, want 1", allocs)
	}
}

// ParseVerbatim must hand every number token back exactly as spelled, so a
// re-serialised request changes no number on the wire.
func TestParseVerbatimKeepsNumberTokens(t *testing.T) {
	const in = `{"a":[1E5,-0,1.50,12345678901234567890123,-0.0e-0,2e+3],"b":{"c":1.0}}`
	v, err := ParseVerbatim([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := Compact(v); got != in {
		t.Errorf("ParseVerbatim+Compact = %s, want %s", got, in)
	}
	n, err := ParseString(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := Compact(n); got == in {
		t.Errorf("ParseString kept %s unchanged; serde normalisation expected", got)
	}
}
