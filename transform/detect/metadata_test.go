package detect

import (
	"math"
	"testing"

	"github.com/headroom-go/headroom/transform"
)

// TestAppendFloatMatchesSerde checks the float layout against what
// serde_json (ryu) prints for the same values.
func TestAppendFloatMatchesSerde(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1, "1.0"},
		{0.5, "0.5"},
		{0.9500000000000001, "0.9500000000000001"},
		{0.7857142857142857, "0.7857142857142857"},
		{-2.5, "-2.5"},
		{123456.789, "123456.789"},
		{1e20, "100000000000000000000.0"},
		{1e21, "1e21"},
		{1.5e300, "1.5e300"},
		{0.000001, "0.000001"},
		{1.5e-7, "1.5e-7"},
		{5e-324, "5e-324"},
		{math.MaxFloat64, "1.7976931348623157e308"},
		{math.NaN(), "null"},
		{math.Inf(1), "null"},
	} {
		if got := string(appendFloat(nil, c.f)); got != c.want {
			t.Errorf("appendFloat(%v) = %s, want %s", c.f, got, c.want)
		}
	}
}

func TestResultJSON(t *testing.T) {
	var r Result
	r.Type = transform.SourceCode
	r.Confidence = 1
	r.Metadata.add("language", StringValue("c\"q\\\n\x01é"))
	r.Metadata.add("pattern_matches", IntValue(12))
	r.Metadata.add("flag", BoolValue(false))
	const want = `{"content_type":"source_code","confidence":1.0,"metadata":{"language":"c\"q\\\n\u0001é","pattern_matches":12,"flag":false}}`
	if got := string(r.AppendJSON(nil)); got != want {
		t.Errorf("AppendJSON =\n%s\nwant\n%s", got, want)
	}
	if v, ok := r.Metadata.Lookup("pattern_matches"); !ok || v.Kind() != KindInt || v.Int() != 12 {
		t.Errorf("Lookup(pattern_matches) = %+v %v", v, ok)
	}
	if _, ok := r.Metadata.Lookup("missing"); ok {
		t.Error("Lookup(missing) found something")
	}
	if got := string(Value{}.AppendJSON(nil)); got != "null" {
		t.Errorf("zero Value = %s, want null", got)
	}
}
