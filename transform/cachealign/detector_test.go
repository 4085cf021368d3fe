package cachealign

import (
	"strings"
	"testing"
)

// spanWant is a span as the spec describes it: the reinserted text and its
// category.
type spanWant struct {
	text     string
	category Category
}

func detectOrFatal(t *testing.T, extra []string, content string) Detection {
	t.Helper()
	d, err := NewDetector(extra, DefaultEntropyThreshold)
	if err != nil {
		t.Fatal(err)
	}
	return d.Detect(content)
}

func assertSpans(t *testing.T, content string, got []Span, want []spanWant) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = got[i].Text == want[i].text && got[i].Category == want[i].category
	}
	if !ok {
		t.Errorf("Detect(%q) spans:\n got %+v\nwant %+v", content, got, want)
	}
}

// Each universal pattern of the spec (§6.3 step 2), with the Python regex
// semantics Go's regexp would get wrong: Unicode \d, Unicode \b, and the
// ASCII-only look-arounds.
func TestDetectUniversalPatterns(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content string
		want    []spanWant
	}{
		{"uuid", "id 550e8400-e29b-41d4-a716-446655440000 x", []spanWant{{"550e8400-e29b-41d4-a716-446655440000", CategoryUUID}}},
		{"iso datetime with Z", "at 2024-01-15T10:30:00Z ok", []spanWant{{"2024-01-15T10:30:00Z", CategoryDatetime}}},
		{"iso datetime fraction and offset", "at 2024-01-15T10:30:00.123+05:30 ok", []spanWant{{"2024-01-15T10:30:00.123+05:30", CategoryDatetime}}},
		{"iso datetime compact offset", "at 2024-01-15T10:30:00-0800 ok", []spanWant{{"2024-01-15T10:30:00-0800", CategoryDatetime}}},
		{"iso datetime incomplete offset left out", "at 2024-01-15T10:30:00+05:3 ok", []spanWant{{"2024-01-15T10:30:00", CategoryDatetime}}},
		{"iso date", "on 2024-01-15.", []spanWant{{"2024-01-15", CategoryDate}}},
		{"iso date in Arabic-Indic digits (Unicode \\d)", "on ٢٠٢٤-٠١-١٥ ok", []spanWant{{"٢٠٢٤-٠١-١٥", CategoryDate}}},
		// (?!\d) sees the Arabic-Indic digit, so no date; the entropy rule
		// then takes the run up to the last word boundary.
		{"iso date not before another digit", "x 2024-01-15٣ y", []spanWant{{"2024-01-", CategoryIdentifier}}},
		{"unix timestamp", "ts 1700000000 end", []spanWant{{"1700000000", CategoryTimestamp}}},
		{"unix timestamp 13 digits", "ts 1700000000123 end", []spanWant{{"1700000000123", CategoryTimestamp}}},
		{"14 ASCII digits are no timestamp", "n 12345678901234 end", nil},
		// (?![0-9]) is ASCII: after 13 Arabic-Indic digits a 14th does not
		// stop the match.
		{"look-ahead is ASCII only", "n ١٢٣٤٥٦٧٨٩٠١٢٣٤ end", []spanWant{{"١٢٣٤٥٦٧٨٩٠١٢٣", CategoryTimestamp}}},
		{"time with meridiem", "meet 9:05 pm sharp", []spanWant{{"9:05 pm", CategoryTime}}},
		{"time with seconds", "at 23:59:59 sharp", []spanWant{{"23:59:59", CategoryTime}}},
		{"time backs off a digit-led seconds field", "at 12:34:567 x", []spanWant{{"12:34", CategoryTime}}},
		{"three-digit hour is no time", "at 123:45 x", nil},
		{"version", "release v1.2.3-beta.1 out", []spanWant{{"v1.2.3-beta.1", CategoryVersion}}},
		{"version needs a word boundary", "xv1.2 out", nil},
		{"api key", "use sk-abcdefghijklmnop1234 now", []spanWant{{"sk-abcdefghijklmnop1234", CategoryRequestID}}},
		{"prefixed id", "see req_abc12345XY now", []spanWant{{"req_abc12345XY", CategoryRequestID}}},
		{"prefix longer than six letters falls through to entropy", "see request_abc12345XY", []spanWant{{"request_abc12345XY", CategoryIdentifier}}},
		{"hex 32", "md5 d41d8cd98f00b204e9800998ecf8427e.", []spanWant{{"d41d8cd98f00b204e9800998ecf8427e", CategoryIdentifier}}},
		{"hex 40", "sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709 ok", []spanWant{{"da39a3ee5e6b4b0d3255bfef95601890afd80709", CategoryIdentifier}}},
		{"Unicode \\b: a letter before hex is a word character", "md5 éd41d8cd98f00b204e9800998ecf8427e ok", nil},
		{"jwt", "bearer eyJhbGciOi.eyJzdWIi.sig-_x ok", []spanWant{{"eyJhbGciOi.eyJzdWIi.sig-_x", CategoryRequestID}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			det := detectOrFatal(t, nil, tc.content)
			assertSpans(t, tc.content, det.Spans, tc.want)
		})
	}
}

// The structural "Label: value" rule (§6.3 step 3).
func TestDetectStructuralLabels(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content string
		want    []spanWant
	}{
		{"colon separator", "Session: abc", []spanWant{{"abc", CategorySession}}},
		{"value ends at a comma", "User: john@example.com, thanks", []spanWant{{"john@example.com", CategoryUserData}}},
		{"equals separator", "status=green; ok", []spanWant{{"green", CategoryVolatile}}},
		{"whitespace separator", "order 12345\n", []spanWant{{"12345", CategoryRequestID}}},
		{"case-insensitive label, category from the lowercased text", "DATE: tomorrow", []spanWant{{"tomorrow", CategoryDate}}},
		{"labels match inside words", "valid: yes", []spanWant{{"yes", CategoryUUID}}},
		{"one-character value is too short", "id: x", nil},
		{"dotted capital I matches i but lowercases to an unknown label", "İd: abc", []spanWant{{"abc", CategoryUnknown}}},
		{"dotless i matches i", "ıd: abc", []spanWant{{"abc", CategoryUnknown}}},
		{"Kelvin sign matches k and lowercases to k", "\u212aey: hidden", []spanWant{{"hidden", CategoryRequestID}}},
		{"last has no category", "last: monday", []spanWant{{"monday", CategoryUnknown}}},
		{"extra label (tenant) after the defaults", "tenant: acme", []spanWant{{"acme", CategoryUnknown}}},
		// A skipped match still moves the scan past it: the date claims
		// "2026-04-23", the structural match from "date is" to the end of
		// the line overlaps it, and "Request id 12" is never looked at.
		{"spec worked example", "You are a helpful assistant. The date is 2026-04-23. Request id 12.", []spanWant{{"2026-04-23", CategoryDate}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			det := detectOrFatal(t, []string{"tenant"}, tc.content)
			assertSpans(t, tc.content, det.Spans, tc.want)
		})
	}
}

// High-entropy tokens (§6.3 step 4).
func TestDetectEntropy(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content string
		want    []spanWant
	}{
		// Ten distinct characters: entropy log2(10) / log2(10) = 1.
		{"random mix", "ref x9f8Q2kLm7 here", []spanWant{{"x9f8Q2kLm7", CategoryIdentifier}}},
		// Two characters four times each: 1 / log2(8) = 1/3.
		{"repetitive mix", "ref aaaa1111 here", nil},
		{"all letters", "ref abcdefghij here", nil},
		{"all digits", "ref 98765432 here", nil},
		{"shorter than eight", "ref x9f8Q2k here", nil},
		// '-' is not a word character, so the closing \b backs off onto
		// the last letter.
		{"trailing dash outside the match", "ref x9f8Q2kLm7- here", []spanWant{{"x9f8Q2kLm7", CategoryIdentifier}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			det := detectOrFatal(t, nil, tc.content)
			assertSpans(t, tc.content, det.Spans, tc.want)
		})
	}
}

func TestDetectSpansSortedWithOffsets(t *testing.T) {
	content := "x 2024-01-15 then 550e8400-e29b-41d4-a716-446655440000 and req_abc12345XY"
	det := detectOrFatal(t, nil, content)
	if len(det.Spans) != 3 {
		t.Fatalf("spans = %+v", det.Spans)
	}
	for i, s := range det.Spans {
		if content[s.Start:s.End] != s.Text {
			t.Errorf("span %d: content[%d:%d] = %q, text %q", i, s.Start, s.End, content[s.Start:s.End], s.Text)
		}
		if i > 0 && det.Spans[i-1].End > s.Start {
			t.Errorf("spans %d and %d overlap or are unsorted", i-1, i)
		}
	}
}

// Static content (§6.3 step 6): spans cut out, a blank line after a blank
// line dropped, trailing whitespace stripped, the whole stripped.
func TestDetectStaticCleanup(t *testing.T) {
	content := "Line one\n\nDate: 2024-01-15\n\n\nLine two  \n"
	det := detectOrFatal(t, nil, content)
	assertSpans(t, content, det.Spans, []spanWant{{"2024-01-15", CategoryDate}})
	if want := "Line one\n\nDate:\n\nLine two"; det.Static != want {
		t.Errorf("Static = %q, want %q", det.Static, want)
	}
	plain := "  nothing dynamic here  \n\n\n"
	if got := detectOrFatal(t, nil, plain); got.Spans != nil || got.Static != plain {
		t.Errorf("without spans the text must come back unchanged, got %+v", got)
	}
}

func TestNewDetectorRejectsBadInput(t *testing.T) {
	if _, err := NewDetector(nil, nan()); err == nil {
		t.Error("NaN threshold accepted")
	}
	if _, err := NewDetector([]string{"ok", "bad\xff"}, DefaultEntropyThreshold); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("invalid UTF-8 label: err = %v", err)
	}
}

func nan() float64 {
	zero := 0.0
	return zero / zero
}

// Invalid UTF-8 cannot come from JSON, but Detect is exported: it must not
// panic and must keep offsets inside the text.
func TestDetectInvalidUTF8(t *testing.T) {
	content := "id: \xff\xfe 2024-01-15 \xc3"
	det := detectOrFatal(t, nil, content)
	for _, s := range det.Spans {
		if s.Start < 0 || s.End > len(content) || s.Start >= s.End {
			t.Errorf("bad span %+v", s)
		}
	}
}
