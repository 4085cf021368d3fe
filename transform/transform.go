// Package transform holds the vocabulary shared by every compressor and by
// the pipeline that routes content to them.
package transform

import (
	"fmt"
	"strconv"
)

// ContentType is the kind of a tool output, as named by the content
// detectors. Its String form is the reference implementation's tag, which
// appears verbatim in parity fixtures, logs and configuration.
//
// The zero value is PlainText: "nothing more specific is known".
type ContentType uint8

// Content types, in the reference's declaration order after PlainText.
const (
	PlainText     ContentType = iota // "text": prose or anything unrecognised
	JSONArray                        // "json_array": a JSON array, ideally of objects
	SourceCode                       // "source_code": program text in some language
	SearchResults                    // "search": grep-style path:line: output
	BuildOutput                      // "build": compiler, test runner or log output
	GitDiff                          // "diff": a unified or git diff
	HTML                             // "html": an HTML document or fragment
)

var contentTypeTags = [...]string{
	PlainText:     "text",
	JSONArray:     "json_array",
	SourceCode:    "source_code",
	SearchResults: "search",
	BuildOutput:   "build",
	GitDiff:       "diff",
	HTML:          "html",
}

// String returns the reference tag of t, e.g. "json_array". A value outside
// the declared constants prints as "ContentType(N)".
func (t ContentType) String() string {
	if int(t) < len(contentTypeTags) {
		return contentTypeTags[t]
	}
	return "ContentType(" + strconv.Itoa(int(t)) + ")"
}

// ParseContentType returns the ContentType whose tag is s. Tags are matched
// exactly (they are lowercase identifiers); anything else is an error.
func ParseContentType(s string) (ContentType, error) {
	for t, tag := range contentTypeTags {
		if tag == s {
			return ContentType(t), nil
		}
	}
	return PlainText, fmt.Errorf("transform: unknown content type %q", s)
}
