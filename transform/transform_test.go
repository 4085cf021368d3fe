package transform

import "testing"

func TestContentTypeTags(t *testing.T) {
	for ct, tag := range map[ContentType]string{
		PlainText: "text", JSONArray: "json_array", SourceCode: "source_code",
		SearchResults: "search", BuildOutput: "build", GitDiff: "diff", HTML: "html",
	} {
		if ct.String() != tag {
			t.Errorf("%d.String() = %q, want %q", ct, ct.String(), tag)
		}
		if back, err := ParseContentType(tag); err != nil || back != ct {
			t.Errorf("ParseContentType(%q) = %v, %v", tag, back, err)
		}
	}
	if _, err := ParseContentType("JSON_ARRAY"); err == nil {
		t.Error("ParseContentType accepted a wrong-case tag")
	}
	if got := ContentType(200).String(); got != "ContentType(200)" {
		t.Errorf("unknown type prints %q", got)
	}
}
