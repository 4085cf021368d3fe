// Package relevance scores how relevant pieces of text (tool-output items,
// sentences) are to a context (the user's recent prompts and tool-call
// arguments). Compressors keep what scores high.
//
// Two scorers exist: [BM25], keyword overlap with length normalisation, and
// [Hybrid], the reference's default tier, which fuses BM25 with a semantic
// (embedding) scorer when one is supplied and otherwise boosts BM25 so that a
// single exact keyword hit clears typical keep thresholds. No embedding model
// ships with this module, so the default Hybrid runs the boosted-BM25 path,
// exactly as the reference does when its embedding backend is not loaded.
package relevance

import (
	"errors"
	"fmt"
	"strings"
)

// Result is one item's relevance with an explanation.
type Result struct {
	// Score is in [0, 1]; 0 means no relevance found.
	Score float64
	// Reason is a short human-readable explanation, e.g.
	// "BM25: matched 'alice'".
	Reason string
	// MatchedTerms are the context terms found in the item, in byte order,
	// truncated (to 10 for a single item, 5 in a batch).
	MatchedTerms []string
}

// newResult clamps score into [0, 1], as every reference score record does
// on construction.
func newResult(score float64, reason string, matched []string) Result {
	switch {
	case score < 0:
		score = 0
	case score > 1:
		score = 1
	}
	return Result{Score: score, Reason: reason, MatchedTerms: matched}
}

// Scorer rates items against a context.
//
// Contract: both methods are deterministic, never fail and never panic on any
// input, including empty strings and invalid UTF-8. Scores are in [0, 1].
// ScoreBatch returns exactly one Result per item, in item order; it exists
// because scorers amortise work over a batch (BM25 tokenizes the context
// once and uses the batch's average length; an embedding model would encode
// the batch together), so a batch score may differ from the single-item score
// of the same item. Implementations must be safe for concurrent use.
type Scorer interface {
	Score(item, context string) Result
	ScoreBatch(items []string, context string) []Result
}

// ErrEmbeddingUnavailable is returned by [New] for the "embedding" tier: no
// embedding model is bundled with this module and none is downloaded at run
// time. The reference fails the same way when its model is not loaded.
var ErrEmbeddingUnavailable = errors.New("relevance: embedding scorer unavailable: no embedding model is bundled")

// New returns the scorer for a tier name, compared case-insensitively:
// "bm25" gives [DefaultBM25], "hybrid" (the reference default) gives
// [DefaultHybrid], "embedding" fails with [ErrEmbeddingUnavailable].
func New(tier string) (Scorer, error) {
	switch strings.ToLower(tier) {
	case "bm25":
		return DefaultBM25(), nil
	case "hybrid":
		return DefaultHybrid(), nil
	case "embedding":
		return nil, ErrEmbeddingUnavailable
	}
	return nil, fmt.Errorf("relevance: unknown scorer tier %q (valid tiers: bm25, embedding, hybrid)", tier)
}
