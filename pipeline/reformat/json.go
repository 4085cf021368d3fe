package reformat

import (
	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/internal/pycompat"
	"github.com/headroom-go/headroom/transform"
)

// JSONMinifierName is the JSON minifier's step name.
const JSONMinifierName = "json_minifier"

// JSONMinifier strips insignificant whitespace from a JSON document (array,
// object or scalar). Object keys keep their order and numbers their literal
// text, so the output parses to exactly the value the input did.
//
// The zero value is ready to use.
type JSONMinifier struct{}

var _ transform.Reformatter = JSONMinifier{}

// Name implements transform.Reformatter.
func (JSONMinifier) Name() string { return JSONMinifierName }

// Reformat returns the compact form of content. Content that is blank is
// Skipped and content that is not JSON is InvalidInput. When the compact
// form is not shorter (the input was already compact), the input is
// returned unchanged.
func (JSONMinifier) Reformat(content string) (string, error) {
	trimmed := pycompat.Trim(content)
	if trimmed == "" {
		return "", transform.Skip(JSONMinifierName, "empty input")
	}
	v, err := jsonx.ParseString(trimmed)
	if err != nil {
		return "", transform.Invalid(JSONMinifierName, err)
	}
	out := jsonx.AppendCompact(make([]byte, 0, len(trimmed)), v)
	if len(out) >= len(content) {
		return content, nil
	}
	return string(out), nil
}
