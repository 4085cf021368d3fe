package cachealign

import (
	"reflect"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/internal/jsonx"
)

// The token classes of the reference's detect-only aligner (§6.4), each
// with its Python-parser quirks.
func TestDetectVolatileClasses(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		want          []Finding
	}{
		{"uuid", "id 550e8400-e29b-41d4-a716-446655440000.", []Finding{{LabelUUID, "550e8400...0000"}}},
		{"uuid dash positions are not checked", "550e8400e-29b-41d4-a716-446655440000", []Finding{{LabelUUID, "550e8400...0000"}}},
		{"uuid with a non-hex character", "550e8400-e29b-41d4-a716-44665544000g", nil},
		{"jwt", "token eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl", []Finding{{LabelJWT, "eyJhbGci...dXJl"}}},
		{"jwt segment too short", "abc.defgh.ijklm", nil},
		// One data character past a multiple of four cannot be base64.
		{"jwt segment of 4n+1 characters", "abcde.abcd.abcd", nil},
		{"jwt with characters the lenient decoder skips", "ab*cd.abcd.abcd", []Finding{{LabelJWT, "ab*cd.abcd.abcd"}}},
		{"iso date", "(2024-01-15)", []Finding{{LabelISO8601, "2024-01-15"}}},
		{"iso datetime with Z", "at 2024-01-15T10:30:00Z", []Finding{{LabelISO8601, "2024-01-...:00Z"}}},
		{"iso week date", "2026-W17-1", []Finding{{LabelISO8601, "2026-W17-1"}}},
		{"iso any one-character separator", "2024-01-15x10:30", []Finding{{LabelISO8601, "2024-01-15x10:30"}}},
		{"iso invalid day", "2023-02-29", nil},
		{"iso week 53 in a 52-week year", "2021-W53", nil},
		{"iso week 53 in a long year", "2020-W53", []Finding{{LabelISO8601, "2020-W53"}}},
		{"iso offset of 24 hours", "2024-01-15T10:30+24:00", nil},
		{"hex hash", "d41d8cd98f00b204e9800998ecf8427e", []Finding{{LabelHexHash, "d41d8cd9...427e"}}},
		{"hex hash with 0x prefix", "0x" + strings.Repeat("ab", 15), []Finding{{LabelHexHash, "0xababab...abab"}}},
		{"hex hash with underscores", strings.Repeat("a", 15) + "_" + strings.Repeat("b", 16), []Finding{{LabelHexHash, "aaaaaaaa...bbbb"}}},
		{"hex hash with a double underscore", strings.Repeat("a", 15) + "__" + strings.Repeat("b", 15), nil},
		{"plain words", "Hello, world. Nothing volatile here!", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := DetectVolatile(tc.content); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("DetectVolatile(%q) = %v, want %v", tc.content, got, tc.want)
			}
		})
	}
}

func TestCheckWarnsAndNeverMutates(t *testing.T) {
	in := `[{"role":"system","content":"Session 550e8400-e29b-41d4-a716-446655440000 started 2026-04-23 and 2026-04-24.  "},` +
		`{"role":"user","content":"2026-04-23\r\n"},{"role":"system","content":"Build d41d8cd98f00b204e9800998ecf8427e"}]`
	msgs := mustParse(t, in)
	before := jsonx.Compact(msgs)
	c := NewChecker(o200k())
	rep, err := c.Check(msgs, 0)
	if err != nil {
		t.Fatal(err)
	}
	if jsonx.Compact(msgs) != before {
		t.Fatal("Check changed its input")
	}
	want := "CacheAligner: detected volatile content in system prompt (hex_hash=1, iso8601=2, uuid=1); cache prefix unstable. Move dynamic values out of the system prompt to recover cache hits."
	if !reflect.DeepEqual(rep.Warnings, []string{want}) {
		t.Errorf("warnings = %q", rep.Warnings)
	}
	if len(rep.Findings) != 4 {
		t.Errorf("findings = %v", rep.Findings)
	}
	text := "Session 550e8400-e29b-41d4-a716-446655440000 started 2026-04-23 and 2026-04-24.  \n---\nBuild d41d8cd98f00b204e9800998ecf8427e"
	m := rep.CacheMetrics
	if m.StablePrefixHash != shortHash(text) || m.StablePrefixBytes != len(text) || m.StablePrefixTokensEst == 0 || rep.Tokens == 0 {
		t.Errorf("metrics = %+v, tokens %d", m, rep.Tokens)
	}
	if !reflect.DeepEqual(rep.MarkersInserted, []string{"stable_prefix_hash:" + m.StablePrefixHash}) {
		t.Errorf("markers = %v", rep.MarkersInserted)
	}
}

// Frozen system messages are not scanned, but every system message still
// feeds the hash; a second request with other dynamic values reports a
// changed prefix (the system text is hashed as sent).
func TestCheckFrozenAndPrefixTracking(t *testing.T) {
	c := NewChecker(nil)
	first, err := c.Check(mustParse(t, `[{"role":"system","content":"Today 2026-04-23"},{"role":"user","content":"x"}]`), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Findings) != 0 || len(first.Warnings) != 0 || first.CacheMetrics.PreviousHash != "" {
		t.Errorf("first = %+v", first)
	}
	second, err := c.Check(mustParse(t, `[{"role":"system","content":"Today 2026-04-24"},{"role":"user","content":"x"}]`), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Findings) != 1 || !second.CacheMetrics.PrefixChanged || second.CacheMetrics.PreviousHash != first.CacheMetrics.StablePrefixHash {
		t.Errorf("second = %+v", second)
	}
	if second.Tokens != 0 || second.CacheMetrics.StablePrefixTokensEst != 0 {
		t.Errorf("a nil counter must not tokenize: %+v", second)
	}
}

func TestCheckRejectsMalformedMessages(t *testing.T) {
	c := NewChecker(nil)
	for _, in := range []string{`{}`, `[null]`, `[{"role":"system","content":"a"}, 3]`} {
		if _, err := c.Check(mustParse(t, in), 0); err == nil {
			t.Errorf("Check(%s) succeeded", in)
		}
	}
}
