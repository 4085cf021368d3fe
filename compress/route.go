package compress

import (
	"strings"

	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/internal/pycompat"
	"github.com/headroom-go/headroom/transform"
	"github.com/headroom-go/headroom/transform/detect"
)

// Route returns the content type Compress routes content by. It follows the
// reference's production detection chain (a file-type model, then the
// unified-diff parser, then plain text), with a stand-in for the model,
// which Go has no runtime for here, and one tier that chain lacks:
//
//  1. file type: the model labels that matter for routing, taken from the
//     regex detector: JSON (any JSON document, object or array, as the
//     model's "json" label covers both), diff, HTML and source code;
//  2. the unified-diff parser;
//  3. domain: search results and build/log output, which a file-type model
//     has no label for but the pipeline has steps for.
//
// One regex detection serves tiers 1 and 3: it tries search and build
// before source code with the same thresholds detect.DetectDomain uses, so
// its verdict is the domain tier's whenever tiers 1 and 2 pass.
func Route(content string) transform.ContentType {
	if pycompat.Trim(content) == "" {
		return transform.PlainText
	}
	t := detect.Detect(content).Type
	switch t {
	case transform.JSONArray, transform.GitDiff, transform.HTML, transform.SourceCode:
		return t
	}
	if strings.HasPrefix(pycompat.TrimStart(content), "{") && jsonx.Valid(content) {
		return transform.JSONArray
	}
	if detect.IsDiff(content) {
		return transform.GitDiff
	}
	return t // search, build or plain text
}
