package detect

import "github.com/headroom-go/headroom/transform"

// A Classifier is one tier of a detection Chain. Classify returns the
// content type it recognises in content, or false to defer to the next
// tier. It must be deterministic and safe for concurrent use; a tier whose
// backend fails reports false (after logging, if it wants) rather than
// stopping the chain.
type Classifier interface {
	Classify(content string) (transform.ContentType, bool)
}

// Chain is the reference's production detection chain (the content
// router's, not the live zone's, which uses Detect): the first tier that
// answers wins and PlainText is the fallthrough.
//
// The reference's first tier is the Magika file-type model; Go has no
// runtime for it here, so DefaultChain starts at the parser tier. A model
// tier can be prepended once one exists.
type Chain []Classifier

// DefaultChain returns the chain with every tier this package implements:
// the unified-diff parser.
func DefaultChain() Chain { return Chain{DiffParser{}} }

// Detect runs the tiers in order. Empty content is PlainText without
// consulting any tier.
func (c Chain) Detect(content string) transform.ContentType {
	if content == "" {
		return transform.PlainText
	}
	for _, tier := range c {
		if t, ok := tier.Classify(content); ok {
			return t
		}
	}
	return transform.PlainText
}

// DiffParser is the tier that recognises diffs with IsDiff.
type DiffParser struct{}

// Classify returns GitDiff when IsDiff accepts content.
func (DiffParser) Classify(content string) (transform.ContentType, bool) {
	if IsDiff(content) {
		return transform.GitDiff, true
	}
	return transform.PlainText, false
}

var _ Classifier = DiffParser{}
