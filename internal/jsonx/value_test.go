package jsonx

import (
	"math"
	"testing"
)

func mustParse(t testing.TB, s string) Value {
	t.Helper()
	v, err := ParseString(s)
	if err != nil {
		t.Fatalf("ParseString(%q): %v", s, err)
	}
	return v
}

func TestEqualComparesNumbersByLiteralAndObjectsBySet(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{`1`, `1`, true},
		{`1`, `1.0`, false},
		{`1e5`, `1E5`, true}, // both normalise to 1e+5
		{`{"a":1,"b":[1,2]}`, `{"b":[1,2],"a":1}`, true},
		{`{"a":1}`, `{"a":1,"b":2}`, false},
		{`{"a":1,"c":2}`, `{"a":1,"b":2}`, false},
		{`[1,2]`, `[2,1]`, false},
		{`null`, `false`, false},
		{`"x"`, `"x"`, true},
		{`[]`, `{}`, false},
	}
	for _, c := range cases {
		if got := Equal(mustParse(t, c.a), mustParse(t, c.b)); got != c.want {
			t.Errorf("Equal(%s, %s) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestNumberAccessorsFollowSerdeArbitraryPrecision(t *testing.T) {
	f, ok := mustParse(t, `2.5`).Float()
	if !ok || f != 2.5 {
		t.Errorf("Float(2.5) = %v, %v", f, ok)
	}
	if _, ok := mustParse(t, `1e400`).Float(); ok {
		t.Error("Float(1e400) reported a value; serde's as_f64 filters non-finite")
	}
	if f, ok := mustParse(t, `1e-400`).Float(); !ok || f != 0 {
		t.Errorf("Float(1e-400) = %v, %v, want 0, true", f, ok)
	}
	if f, ok := mustParse(t, `123456789012345678901234567890`).Float(); !ok || math.Abs(f-1.2345678901234568e29) > 1e14 {
		t.Errorf("Float(30 digits) = %v, %v", f, ok)
	}
	for lit, want := range map[string]bool{`1`: true, `-5`: true, `18446744073709551615`: true, `1.0`: false, `1e3`: false, `18446744073709551616`: false} {
		if got := mustParse(t, lit).IsInteger(); got != want {
			t.Errorf("IsInteger(%s) = %v, want %v", lit, got, want)
		}
	}
	if _, ok := mustParse(t, `"1"`).Float(); ok {
		t.Error("Float on a string reported a value")
	}
}

func TestNumberValueValidatesAndNormalises(t *testing.T) {
	if v, ok := NumberValue("1E5"); !ok || Compact(v) != "1e+5" {
		t.Errorf("NumberValue(1E5) = %q, %v", Compact(v), ok)
	}
	for _, bad := range []string{"", "01", "1.", "abc", "1 ", "+1", "NaN"} {
		if _, ok := NumberValue(bad); ok {
			t.Errorf("NumberValue(%q) accepted", bad)
		}
	}
}

func TestObjectBuilderKeepsFirstPositionLastValue(t *testing.T) {
	var ob ObjectBuilder
	ob.Set("x", IntValue(1))
	ob.Set("y", IntValue(2))
	ob.Set("x", StringValue("z"))
	if got := Compact(ob.Value()); got != `{"x":"z","y":2}` {
		t.Fatalf("got %s", got)
	}
}

func TestKindString(t *testing.T) {
	if Object.String() != "object" || Kind(42).String() != "Kind(42)" {
		t.Fatal("Kind.String")
	}
}
