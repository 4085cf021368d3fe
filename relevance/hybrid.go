package relevance

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"sync"

	"github.com/headroom-go/headroom/internal/pycompat"
)

// HybridConfig configures a [Hybrid] scorer. Every field is taken literally;
// start from [DefaultHybridConfig] to change one of them.
type HybridConfig struct {
	// Alpha is the base weight of BM25 in the fused score
	// alpha·BM25 + (1−alpha)·semantic. Must be in [0, 1]. Unused when
	// Semantic is nil.
	Alpha float64
	// Adaptive raises Alpha for contexts that name exact identifiers (UUIDs,
	// numeric IDs, hostnames, email addresses), where an exact keyword match
	// matters more than meaning, and then clamps it to [0.3, 0.9].
	Adaptive bool
	// BM25 is the keyword scorer; nil means [DefaultBM25].
	BM25 *BM25
	// Semantic is the embedding scorer fused with BM25, returning cosine
	// similarities in [0, 1]. Nil means no embedding model is available: the
	// scorer then returns boosted BM25 scores (see [Hybrid]). Pass nil rather
	// than a scorer that cannot work; there is no availability probe.
	Semantic Scorer
}

// Reference hybrid weights.
const (
	defaultAlpha = 0.5
	minAlpha     = 0.3
	maxAlpha     = 0.9
	alphaUUID    = 0.85 // a UUID in the context
	alphaIDs     = 0.75 // two or more numeric IDs
	alphaID      = 0.65 // one numeric ID
	alphaHost    = 0.6  // a hostname or an email address
)

// Boosts applied when there is no semantic scorer.
const (
	boostFloor      = 0.3 // any matched term lifts the score to at least this
	boostMultiMatch = 0.2 // added (capped at 1) for two or more matched terms
)

// DefaultHybridConfig returns the reference configuration: base alpha 0.5,
// adaptive, default BM25, no semantic scorer.
func DefaultHybridConfig() HybridConfig {
	return HybridConfig{Alpha: defaultAlpha, Adaptive: true}
}

// Hybrid is the reference's default relevance tier. It is immutable and safe
// for concurrent use when its semantic scorer is.
//
// With a semantic scorer, an item's score is alpha·BM25 + (1−alpha)·semantic,
// with reason "Hybrid (α=0.85): BM25=0.12, Semantic=0.34" ("Emb=" instead of
// "Semantic=" in batches), numbers to two decimals.
//
// Without one (the default: no embedding model is bundled, and nothing is
// downloaded at run time) it returns the BM25 result boosted: any matched
// term lifts the score to at least 0.3, and two or more matched terms add 0.2
// on top (capped at 1). The boost counts the truncated MatchedTerms (at most
// 10 for one item, 5 in a batch). The reason is BM25's, prefixed with
// "Hybrid (BM25 only, boosted): ". This is exactly what the reference does
// whenever its embedding model is not loaded, which is its default; the boost
// exists because BM25 alone gives a one-word exact match about 0.07, far
// below the usual keep threshold.
type Hybrid struct {
	cfg HybridConfig
}

var _ Scorer = (*Hybrid)(nil)

// NewHybrid validates cfg and returns the scorer.
func NewHybrid(cfg HybridConfig) (*Hybrid, error) {
	if !(cfg.Alpha >= 0 && cfg.Alpha <= 1) {
		return nil, fmt.Errorf("relevance: hybrid alpha %v must be in [0, 1]", cfg.Alpha)
	}
	if cfg.BM25 == nil {
		cfg.BM25 = DefaultBM25()
	}
	return &Hybrid{cfg: cfg}, nil
}

var defaultHybrid = &Hybrid{cfg: HybridConfig{Alpha: defaultAlpha, Adaptive: true, BM25: defaultBM25}}

// DefaultHybrid returns the scorer for [DefaultHybridConfig]. It is shared.
func DefaultHybrid() *Hybrid { return defaultHybrid }

// HasSemantic reports whether a semantic scorer is fused in; when false the
// scorer returns boosted BM25.
func (h *Hybrid) HasSemantic() bool { return h.cfg.Semantic != nil }

// Score implements [Scorer].
func (h *Hybrid) Score(item, context string) Result {
	kw := h.cfg.BM25.Score(item, context)
	if h.cfg.Semantic == nil {
		return boosted(kw)
	}
	sem := h.cfg.Semantic.Score(item, context)
	return h.fuse(h.alpha(context), kw, sem, "Semantic")
}

// ScoreBatch implements [Scorer]. It panics if the semantic scorer breaks the
// [Scorer] contract by returning a different number of results than items,
// since pairing them up would silently misattribute scores.
func (h *Hybrid) ScoreBatch(items []string, context string) []Result {
	if len(items) == 0 {
		return []Result{}
	}
	kw := h.cfg.BM25.ScoreBatch(items, context)
	if h.cfg.Semantic == nil {
		for i := range kw {
			kw[i] = boosted(kw[i])
		}
		return kw
	}
	sem := h.cfg.Semantic.ScoreBatch(items, context)
	if len(sem) != len(items) {
		panic(fmt.Sprintf("relevance: semantic scorer %T returned %d results for %d items", h.cfg.Semantic, len(sem), len(items)))
	}
	alpha := h.alpha(context)
	for i := range kw {
		kw[i] = h.fuse(alpha, kw[i], sem[i], "Emb")
	}
	return kw
}

func (h *Hybrid) fuse(alpha float64, kw, sem Result, semLabel string) Result {
	// Explicit conversions keep the two products unfused on every platform.
	combined := float64(alpha*kw.Score) + float64((1-alpha)*sem.Score)
	reason := "Hybrid (α=" + fmt2(alpha) + "): BM25=" + fmt2(kw.Score) + ", " + semLabel + "=" + fmt2(sem.Score)
	return newResult(combined, reason, kw.MatchedTerms)
}

func fmt2(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }

func boosted(r Result) Result {
	s := r.Score
	if n := len(r.MatchedTerms); n > 0 {
		s = max(s, boostFloor)
		if n >= 2 {
			s = min(s+boostMultiMatch, 1)
		}
	}
	return newResult(s, "Hybrid (BM25 only, boosted): "+r.Reason, r.MatchedTerms)
}

// alpha is the BM25 weight for this context.
func (h *Hybrid) alpha(context string) float64 {
	a := h.cfg.Alpha
	if !h.cfg.Adaptive {
		return a
	}
	switch ids := countNumericIDs(context, 2); {
	case uuidPattern.MatchString(context):
		a = max(a, alphaUUID)
	case ids >= 2:
		a = max(a, alphaIDs)
	case ids == 1:
		a = max(a, alphaID)
	default:
		lower := lowerForTokens(context)
		host, email := identifierPatterns()
		if host.MatchString(lower) || email.MatchString(lower) {
			a = max(a, alphaHost)
		}
	}
	return math.Min(math.Max(a, minAlpha), maxAlpha)
}

// The exact-identifier patterns. The reference writes the hostname and email
// patterns with Unicode-aware \b, which Go's regexp lacks (its \b is ASCII),
// and only asks whether any match exists. The patterns below answer that
// same question: each \b is replaced by an explicit test of the neighbouring
// character (start or end of text, or a character of the right word class),
// and the last matched character is split by class, because whether \b holds
// after it depends on whether it is itself a word character.
//
// The email pattern keeps the reference's `[A-Z|a-z]`, whose `|` is a literal
// pipe (a typo upstream, kept so the same contexts match).
var uuidPattern = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// identifierPatterns returns the hostname and email patterns, compiled on
// first use: their Unicode classes are large and only the semantic path needs
// them.
var identifierPatterns = sync.OnceValues(func() (hostname, email *regexp.Regexp) {
	wordClass, nonWordClass := "["+pycompat.RegexpWordClass()+"]", "[^"+pycompat.RegexpWordClass()+"]"
	// \b[a-zA-Z0-9][-a-zA-Z0-9]*\.[a-zA-Z0-9][-a-zA-Z0-9]*(?:\.[a-zA-Z]{2,})?\b
	hostname = regexp.MustCompile(
		`(?:^|` + nonWordClass + `)[a-zA-Z0-9][-a-zA-Z0-9]*\.(?:` +
			`[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?(?:$|` + nonWordClass + `)` +
			`|[a-zA-Z0-9][-a-zA-Z0-9]*-` + wordClass +
			`|[a-zA-Z0-9][-a-zA-Z0-9]*\.[a-zA-Z]{2,}(?:$|` + nonWordClass + `))`)
	// \b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b
	email = regexp.MustCompile(
		`(?:(?:^|` + nonWordClass + `)[A-Za-z0-9_]|` + wordClass + `[.%+-])[A-Za-z0-9._%+-]*` +
			`@[A-Za-z0-9.-]+\.[A-Z|a-z]+(?:[A-Za-z](?:$|` + nonWordClass + `)|\|` + wordClass + `)`)
	return hostname, email
})
