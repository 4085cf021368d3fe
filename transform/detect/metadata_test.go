package detect

import (
	"testing"

	"github.com/headroom-go/headroom/transform"
)

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
