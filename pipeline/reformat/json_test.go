package reformat

import (
	"errors"
	"testing"

	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/internal/pycompat"
	"github.com/headroom-go/headroom/transform"
)

func TestJSONMinifierKeepsOrderAndLiterals(t *testing.T) {
	in := "[\n  {\"b\": 1.0, \"a\": 2.50},\n  {\"big\": 123456789012345678901234567890, \"s\": \"<&> \\u2028\"}\n]\n"
	out, err := JSONMinifier{}.Reformat(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"b":1.0,"a":2.50},{"big":123456789012345678901234567890,"s":"<&> ` + "\u2028" + `"}]`
	if out != want {
		t.Fatalf("got  %s\nwant %s", out, want)
	}
	a, _ := jsonx.ParseString(in)
	b, _ := jsonx.ParseString(out)
	if !jsonx.Equal(a, b) {
		t.Fatal("minified JSON parses to a different value")
	}
}

func TestJSONMinifierReturnsCompactInputUnchanged(t *testing.T) {
	in := `{"a":[1,2,3]}`
	out, err := JSONMinifier{}.Reformat(in)
	if err != nil || out != in {
		t.Fatalf("Reformat(%q) = %q, %v; want the input back", in, out, err)
	}
}

func TestJSONMinifierClassifiesFailures(t *testing.T) {
	for _, tc := range []struct {
		in   string
		kind transform.ErrorKind
	}{
		{"", transform.Skipped},
		{" \n\t ", transform.Skipped},
		{"[1, 2", transform.InvalidInput},
		{"not json at all", transform.InvalidInput},
	} {
		_, err := JSONMinifier{}.Reformat(tc.in)
		var te *transform.Error
		if !errors.As(err, &te) || te.Kind != tc.kind || te.Transform != JSONMinifierName {
			t.Errorf("Reformat(%q) error = %v, want a %s error from %s", tc.in, err, tc.kind, JSONMinifierName)
		}
	}
}

func FuzzJSONMinifier(f *testing.F) {
	for _, s := range []string{`[ {"a" : 1} ]`, "{\n \"k\": [1.50, true, null]\n}", `"x"`, `[`, ` 12 `} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := JSONMinifier{}.Reformat(in)
		if err != nil {
			if transform.KindOf(err) == transform.Internal {
				t.Fatalf("internal error on %q: %v", in, err)
			}
			return
		}
		if len(out) > len(in) {
			t.Fatalf("output longer than input: %q -> %q", in, out)
		}
		// The reference trims Unicode white space before parsing, so "0\f"
		// is the document 0.
		a, errA := jsonx.ParseString(pycompat.Trim(in))
		b, errB := jsonx.ParseString(pycompat.Trim(out))
		if errA != nil || errB != nil || !jsonx.Equal(a, b) {
			t.Fatalf("value changed: %q -> %q (%v, %v)", in, out, errA, errB)
		}
	})
}
