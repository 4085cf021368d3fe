package compaction

import (
	"strings"
	"testing"

	"github.com/headroom-go/headroom/internal/jsonx"
)

func mustParse(t testing.TB, s string) jsonx.Value {
	t.Helper()
	v, err := jsonx.ParseString(s)
	if err != nil {
		t.Fatalf("parse %.80q: %v", s, err)
	}
	return v
}

// b64 is 66 characters drawn from the base64 alphabet, 64 of them distinct.
const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=="

func TestClassifyRules(t *testing.T) {
	def := DefaultClassifyConfig()
	diverse := strings.Repeat("ABCDEFGHIJKLMNOPQRST", 15) // 300 bytes, 20 distinct
	cases := []struct {
		name  string
		json  string // the cell, as JSON
		cfg   *ClassifyConfig
		class Class
		kind  OpaqueKind
	}{
		{"integer", `1`, nil, ClassScalar, ""},
		{"float", `1.5`, nil, ClassScalar, ""},
		{"bool", `true`, nil, ClassScalar, ""},
		{"null", `null`, nil, ClassScalar, ""},
		{"short string", `"short"`, nil, ClassScalar, ""},
		{"object", `{"a":1}`, nil, ClassObject, ""},
		{"array", `[1,2]`, nil, ClassArray, ""},
		{"stringified object", `"{\"x\":1,\"y\":2}"`, nil, ClassStringifiedJSON, ""},
		{"stringified array after whitespace", `" \n [1,2,3]"`, nil, ClassStringifiedJSON, ""},
		{"stringified number stays a string", `"123"`, nil, ClassScalar, ""},
		{"stringified bool stays a string", `"true"`, nil, ClassScalar, ""},
		{"malformed braces short", `"{not json}"`, nil, ClassScalar, ""},
		{"malformed braces long", `"{` + strings.Repeat("x", 300) + `}"`, nil, ClassOpaque, KindLongString},
		{"exactly the threshold", `"` + strings.Repeat("x", 256) + `"`, nil, ClassScalar, ""},
		{"one byte over", `"` + strings.Repeat("x", 257) + `"`, nil, ClassOpaque, KindLongString},
		{"markers off", `"` + strings.Repeat("x", 512) + `"`, &ClassifyConfig{OpaqueMinBytes: 256, Base64AlphabetRatio: 0.95, HTMLMinOpenBrackets: 3}, ClassScalar, ""},
		{"base64", `"` + strings.Repeat(b64, 5) + `"`, nil, ClassOpaque, KindBase64},
		{"base64 with url alphabet", `"` + strings.Repeat("ab_-cdEFGH0123456789", 15) + `"`, nil, ClassOpaque, KindBase64},
		{"base64-like with a space", `"` + strings.Repeat(b64, 4) + ` ` + b64 + `"`, nil, ClassOpaque, KindLongString},
		{"base64-like with a no-break space", `"` + strings.Repeat(b64, 4) + "\u00a0" + b64 + `"`, nil, ClassOpaque, KindLongString},
		{"base64-like with >", `"` + strings.Repeat(b64, 4) + `>` + b64 + `"`, nil, ClassOpaque, KindLongString},
		{"15 distinct characters", `"` + strings.Repeat("ABCDEFGHIJKLMNO", 20) + `"`, nil, ClassOpaque, KindLongString},
		{"16 distinct characters", `"` + strings.Repeat("ABCDEFGHIJKLMNOP", 20) + `"`, nil, ClassOpaque, KindBase64},
		// 285 of 300 bytes in the alphabet is exactly 0.95, which passes.
		{"alphabet share at 0.95", `"` + diverse[:285] + strings.Repeat(".", 15) + `"`, nil, ClassOpaque, KindBase64},
		{"alphabet share below 0.95", `"` + diverse[:284] + strings.Repeat(".", 16) + `"`, nil, ClassOpaque, KindLongString},
		// 270 alphabet characters plus 8 two-byte ones: 270/278 characters
		// would pass, but the reference divides by the 286 bytes.
		{"share counted against bytes", `"` + diverse[:270] + strings.Repeat("é", 8) + `"`, nil, ClassOpaque, KindLongString},
		{"share with fewer multi-byte", `"` + diverse[:270] + strings.Repeat("é", 7) + `"`, nil, ClassOpaque, KindBase64},
		{"html", `"<html><body><p>` + strings.Repeat("x", 300) + `</p></body></html>"`, nil, ClassOpaque, KindHTML},
		{"three tag starts", `"<a` + strings.Repeat("x", 300) + `</b<!c"`, nil, ClassOpaque, KindHTML},
		{"two tag starts", `"<a` + strings.Repeat("x", 300) + `</b<1c"`, nil, ClassOpaque, KindLongString},
		{"less-than signs in prose", `"` + strings.Repeat("a < b but not really ", 20) + `"`, nil, ClassOpaque, KindLongString},
		{"lower threshold", `"hello world this is long"`, &ClassifyConfig{OpaqueMinBytes: 10, Base64AlphabetRatio: 0.95, HTMLMinOpenBrackets: 3, EmitOpaqueMarkers: true}, ClassOpaque, KindLongString},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			if cfg == nil {
				cfg = &def
			}
			v := mustParse(t, tc.json)
			got := Classify(v, cfg)
			if got.Class != tc.class || got.Kind != tc.kind {
				t.Fatalf("Classify = class %d kind %q; want class %d kind %q", got.Class, got.Kind, tc.class, tc.kind)
			}
			if got.Class == ClassStringifiedJSON {
				s, _ := v.Str()
				want := mustParse(t, s)
				if !jsonx.Equal(got.Parsed, want) {
					t.Fatalf("Parsed = %s; want %s", jsonx.Compact(got.Parsed), jsonx.Compact(want))
				}
			}
		})
	}
}

func TestParseContainerRejectsScalarsAndGarbage(t *testing.T) {
	for _, s := range []string{"", "   ", "123", `"[1]"`, "[1,", "{} extra", "null"} {
		if v, ok := ParseContainer(s); ok {
			t.Errorf("ParseContainer(%q) = %s, want no container", s, jsonx.Compact(v))
		}
	}
	for _, s := range []string{"[]", "{}", "\t[1, 2]\n", `{"a":[{}]}`} {
		if _, ok := ParseContainer(s); !ok {
			t.Errorf("ParseContainer(%q) found no container", s)
		}
	}
}
