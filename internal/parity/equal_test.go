package parity

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestNumbersEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"1", "1", true},
		{"1", "2", false},
		{"-0", "0", true},
		// Integers compare by their digits, exactly, even past 2^53 where
		// float64 would round 9007199254740993 down to ...992.
		{"9007199254740993", "9007199254740992", false},
		{"9007199254740993", "9007199254740993", true},
		{"123456789012345678901234567890", "123456789012345678901234567890", true},
		{"123456789012345678901234567890", "123456789012345678901234567891", false},
		// int vs float literal: different Python types, never equal.
		{"1", "1.0", false},
		{"100", "1e2", false},
		{"0", "0.0", false},
		// Floats compare by parsed float64 value.
		{"1.0", "1.00", true},
		{"1e-05", "1e-5", true},
		{"1E-5", "0.00001", true},
		{"0.1", "0.10000000000000001", true},
		{"0.1", "0.1000000000000001", false},
		{"1e2", "100.0", true},
		{"0.9500000000000001", "0.95", false},
		{"2.5e+3", "2500.0", true},
		{"0.0", "-0.0", false},
		{"1e400", "Infinity", true},
		{"-1e400", "-Infinity", true},
		{"NaN", "NaN", true},
		{"NaN", "1.0", false},
		{"Infinity", "-Infinity", false},
	}
	for _, tt := range tests {
		if got := numbersEqual(tt.a, tt.b); got != tt.want {
			t.Errorf("numbersEqual(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := numbersEqual(tt.b, tt.a); got != tt.want {
			t.Errorf("numbersEqual(%s, %s) = %v, want %v (not symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestCompareEqualDocuments(t *testing.T) {
	tests := []struct{ name, a, b string }{
		{"key order ignored", `{"a":1,"b":{"x":[1,2],"y":null}}`, `{"b":{"y":null,"x":[1,2]},"a":1}`},
		{"whitespace ignored", "{\n  \"a\": [\n    1,\n    2\n  ]\n}\n", `{"a":[1,2]}`},
		{"escapes resolved", `"caf\u00e9 \/ \ud83d\ude80"`, `"café / 🚀"`},
		{"lone surrogate escape", `"\ud800x"`, `"\uD800x"`},
		{"float repr variants", `[1e-05,0.10000000000000001,1.0]`, `[1e-5,0.1,1.00]`},
		{"big integer", `{"n":123456789012345678901234567890}`, `{"n":123456789012345678901234567890}`},
		{"empty containers", `[{},[],""]`, `[{},[],""]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Compare([]byte(tt.a), []byte(tt.b), "$")
			if err != nil {
				t.Fatal(err)
			}
			if d != nil {
				t.Errorf("Compare found a difference in equal documents: %s", d)
			}
		})
	}
}

func TestCompareFirstDifference(t *testing.T) {
	tests := []struct {
		name, want, got string
		path            string
		expected        string
		actual          string
		detail          string
	}{
		{
			name: "nested array element", path: "$.output.stats[3].count",
			want:     `{"stats":[{"count":1},{"count":2},{"count":3},{"count":4,"k":"x"}]}`,
			got:      `{"stats":[{"count":1},{"count":2},{"count":3},{"k":"x","count":5}]}`,
			expected: "4", actual: "5",
		},
		{
			name: "int vs float", path: "$.output.ratio",
			want: `{"ratio":1}`, got: `{"ratio":1.0}`,
			expected: "1", actual: "1.0", detail: "integer vs float literal",
		},
		{
			name: "big integers one apart", path: "$.output[0]",
			want: `[9007199254740993]`, got: `[9007199254740992]`,
			expected: "9007199254740993", actual: "9007199254740992",
		},
		{
			name: "missing key", path: "$.output.b",
			want: `{"a":1,"b":[true]}`, got: `{"a":1}`,
			expected: "[true]", actual: absent,
		},
		{
			name: "extra key", path: "$.output.c",
			want: `{"a":1}`, got: `{"c":{"d":null},"a":1}`,
			expected: absent, actual: `{"d":null}`,
		},
		{
			name: "first difference in expected key order", path: "$.output.z",
			want: `{"z":1,"a":1}`, got: `{"a":2,"z":2}`,
			expected: "1", actual: "2",
		},
		{
			name: "array too short", path: "$.output[2]",
			want: `[1,2,"three"]`, got: `[1,2]`,
			expected: `"three"`, actual: absent, detail: "array lengths 3 vs 2",
		},
		{
			name: "array too long", path: "$.output[1]",
			want: `[1]`, got: `[1,{"x":1}]`,
			expected: absent, actual: `{"x":1}`, detail: "array lengths 1 vs 2",
		},
		{
			name: "type mismatch", path: "$.output.v",
			want: `{"v":"1"}`, got: `{"v":1}`,
			expected: `"1"`, actual: "1", detail: "string vs number",
		},
		{
			name: "null vs false", path: "$.output",
			want: `null`, got: `false`,
			expected: "null", actual: "false", detail: "null vs boolean",
		},
		{
			name: "key needing quotes", path: `$.output["content-type"]["a b"]`,
			want: `{"content-type":{"a b":true}}`, got: `{"content-type":{"a b":false}}`,
			expected: "true", actual: "false",
		},
		{
			name: "short strings", path: "$.output.s",
			want: `{"s":"line\n\"one\""}`, got: `{"s":"line\n\"onE\""}`,
			expected: `"line\n\"one\""`, actual: `"line\n\"onE\""`,
			detail: "strings first differ at byte 8; lengths 10 vs 10",
		},
		{
			name: "negative zero float", path: "$.output",
			want: `0.0`, got: `-0.0`,
			expected: "0.0", actual: "-0.0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Compare([]byte(tt.want), []byte(tt.got), "$.output")
			if err != nil {
				t.Fatal(err)
			}
			if d == nil {
				t.Fatal("Compare reported no difference")
			}
			if d.Path != tt.path || d.Expected != tt.expected || d.Actual != tt.actual || d.Detail != tt.detail {
				t.Errorf("difference = {%q, %q, %q, %q}\nwant         {%q, %q, %q, %q}",
					d.Path, d.Expected, d.Actual, d.Detail, tt.path, tt.expected, tt.actual, tt.detail)
			}
		})
	}
}

func TestCompareLargeObjects(t *testing.T) {
	// Past indexThreshold members the lookups switch to maps; the results
	// must not change.
	obj := func(n int, reversed bool, last string) string {
		parts := make([]string, n)
		for i := range n {
			v := "1"
			if i == n-1 {
				v = last
			}
			parts[i] = fmt.Sprintf(`"k%03d":%s`, i, v)
		}
		if reversed {
			slices.Reverse(parts)
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	for _, n := range []int{indexThreshold - 1, indexThreshold, indexThreshold + 1, 300} {
		if d, err := Compare([]byte(obj(n, false, "1")), []byte(obj(n, true, "1")), "$"); err != nil || d != nil {
			t.Errorf("n=%d reordered: %v %v", n, d, err)
		}
		last := fmt.Sprintf("$.k%03d", n-1)
		if d, _ := Compare([]byte(obj(n, false, "1")), []byte(obj(n, true, "2")), "$"); d == nil || d.Path != last {
			t.Errorf("n=%d changed value: %v, want path %s", n, d, last)
		}
		extra := obj(n, true, "1")
		extra = extra[:len(extra)-1] + `,"zz":0}`
		if d, _ := Compare([]byte(obj(n, false, "1")), []byte(extra), "$"); d == nil || d.Path != "$.zz" || d.Expected != absent {
			t.Errorf("n=%d extra key: %v", n, d)
		}
		dup := obj(n, false, "1")
		dup = dup[:len(dup)-1] + `,"k000":0}`
		if _, err := Compare([]byte(dup), []byte(dup), "$"); err == nil || !strings.Contains(err.Error(), `duplicate object key "k000"`) {
			t.Errorf("n=%d duplicate key: err = %v", n, err)
		}
	}
}

func TestCompareLongStringShowsWindowAroundFirstDifference(t *testing.T) {
	prefix := strings.Repeat("abcdefghij", 50) // 500 bytes
	want := `"` + prefix + "XYZ" + strings.Repeat("k", 300) + `"`
	got := `"` + prefix + "XQZ" + strings.Repeat("k", 300) + `"`
	d, err := Compare([]byte(want), []byte(got), "$")
	if err != nil {
		t.Fatal(err)
	}
	if d == nil {
		t.Fatal("no difference")
	}
	if !strings.Contains(d.Expected, "XYZ") || !strings.Contains(d.Actual, "XQZ") {
		t.Errorf("window misses the difference: expected %s, actual %s", d.Expected, d.Actual)
	}
	for _, s := range []string{d.Expected, d.Actual} {
		if !strings.HasPrefix(s, `…"`) || !strings.HasSuffix(s, `"…`) || len(s) > 2*stringContext+20 {
			t.Errorf("window %s is not a cut-down excerpt", s)
		}
	}
	if d.Detail != "strings first differ at byte 501; lengths 803 vs 803" {
		t.Errorf("detail = %q", d.Detail)
	}
}

func TestCompareWindowKeepsUTF8Whole(t *testing.T) {
	// The cut points fall inside multi-byte runes; the excerpt must widen
	// to rune boundaries rather than emit broken UTF-8.
	body := strings.Repeat("é", 200)
	d, err := Compare([]byte(`"`+body+`a"`), []byte(`"`+body+`b"`), "$")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{d.Expected, d.Actual} {
		if strings.ContainsRune(s, '\uFFFD') || !strings.Contains(s, "é") {
			t.Errorf("excerpt %q is not whole UTF-8", s)
		}
	}
}

func TestCompareLongValueIsTruncated(t *testing.T) {
	long := `[` + strings.Repeat(`"0123456789",`, 100) + `1]`
	d, err := Compare([]byte(`{"a":`+long+`}`), []byte(`{}`), "$")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(d.Expected, "…(1303 bytes)") || len(d.Expected) > renderLimit+len("…(1303 bytes)") {
		t.Errorf("expected rendering %q not truncated to the limit", d.Expected)
	}
}

func TestCompareRejectsInvalidJSON(t *testing.T) {
	_, err := Compare([]byte(`{"a":1}`), []byte(`{"a":}`), "$")
	var se *SyntaxError
	if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), "actual: ") || se.Offset != 5 {
		t.Errorf("err = %v, want an actual-side SyntaxError at byte 5", err)
	}
	_, err = Compare([]byte(`[1,]`), []byte(`[1]`), "$")
	if !errors.As(err, &se) || !strings.HasPrefix(err.Error(), "expected: ") {
		t.Errorf("err = %v, want an expected-side SyntaxError", err)
	}
}

func TestComparingEqualDocumentsDoesNotAllocate(t *testing.T) {
	// Paths and renderings are built only once a difference is found.
	doc := benchDocument(50)
	want, err := parseJSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseJSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(20, func() {
		if diffValues(&want, &got, outputRoot) != nil {
			t.Fatal("equal documents differ")
		}
	}); n != 0 {
		t.Errorf("comparing equal documents made %v allocations, want 0", n)
	}
}
