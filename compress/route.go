package compress

import (
	"strings"

	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/internal/pycompat"
	"github.com/headroom-go/headroom/transform"
	"github.com/headroom-go/headroom/transform/detect"
)

// router is the detection chain content is routed by. It follows the
// reference's production chain (file-type model, then the unified-diff
// parser, then plain text) with a stand-in for the model, which Go has no
// runtime for here, and one tier the reference's chain lacks:
//
//  1. fileType: the labels the model gives that matter for routing: JSON
//     (any JSON document, object or array, as the model's "json" label
//     covers both), diff, HTML and source code, taken from the regex
//     detector;
//  2. the unified-diff parser;
//  3. domain: search results and build/log output, which a file-type model
//     has no label for but the pipeline has steps for.
var router = detect.Chain{fileType{}, detect.DiffParser{}, domain{}}

// Route returns the content type Compress routes content by.
func Route(content string) transform.ContentType {
	if pycompat.Trim(content) == "" {
		return transform.PlainText
	}
	return router.Detect(content)
}

type fileType struct{}

func (fileType) Classify(content string) (transform.ContentType, bool) {
	switch t := detect.Detect(content).Type; t {
	case transform.JSONArray, transform.GitDiff, transform.HTML, transform.SourceCode:
		return t, true
	}
	if strings.HasPrefix(pycompat.TrimStart(content), "{") && jsonx.Valid(content) {
		return transform.JSONArray, true
	}
	return transform.PlainText, false
}

type domain struct{}

func (domain) Classify(content string) (transform.ContentType, bool) {
	return detect.DetectDomain(content)
}
