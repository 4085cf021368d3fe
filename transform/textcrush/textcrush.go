// Package textcrush shortens long prose extractively: it splits the text
// into sentence segments, scores each by position (later is better), by
// relevance to the user's query (BM25) and by how much hard-to-rebuild
// detail it carries (numbers, error words, ALLCAPS, dotted identifiers),
// then keeps the best segments, skipping near-duplicates of what it already
// kept, until a target share of the text survives. Kept segments are
// verbatim and appear in their original order, one per line.
//
// Nothing is stored for retrieval: the reference TextCrusher emits no CCR
// marker, and neither does this package.
//
// The output matches the reference TextCrusher exactly (parity fixtures in
// the text_crusher directory).
package textcrush

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/headroom-go/headroom/internal/pycompat"
	"github.com/headroom-go/headroom/relevance"
)

// Config tunes a Crusher. Build one with DefaultConfig and change fields;
// New rejects values outside the documented ranges, so the zero Config is
// rejected (its TargetRatio is 0).
type Config struct {
	// TargetRatio is the share of segment bytes to keep when a call does
	// not say otherwise. It must be in [MinTargetRatio, 1].
	TargetRatio float64

	// RecencyWeight, RelevanceWeight and SalienceWeight weigh the three
	// score terms, each of which is in [0, 1]. They must be finite and
	// non-negative; zero switches a term off.
	RecencyWeight   float64
	RelevanceWeight float64
	SalienceWeight  float64

	// MinSegmentBytes is the byte length below which a segment's score is
	// quartered: fragments like "Yes." rarely carry the answer. Zero
	// penalises nothing.
	MinSegmentBytes int

	// NearDupThreshold is the share of a segment's word 3-grams that must
	// already be covered by kept segments for it to be skipped as a
	// near-duplicate. It must be in (0, 1]; 1 skips only segments whose
	// every 3-gram was already kept.
	NearDupThreshold float64

	// MinSegments is the segment count below which the text is returned
	// unchanged: with so few sentences there is nothing worth dropping.
	// Zero crushes every input.
	MinSegments int

	// Relevance scores segments against the query. Nil means
	// relevance.DefaultBM25(), the reference's scorer.
	Relevance relevance.Scorer
}

// Reference defaults (the values the parity fixtures were recorded with).
const (
	DefaultTargetRatio      = 0.5
	DefaultRecencyWeight    = 1.0
	DefaultRelevanceWeight  = 2.0
	DefaultSalienceWeight   = 1.5
	DefaultMinSegmentBytes  = 12
	DefaultNearDupThreshold = 0.85
	DefaultMinSegments      = 6
)

// MinTargetRatio is the smallest share of the text a Crusher keeps; smaller
// requested ratios are raised to it, so a caller cannot ask for an empty
// summary by accident.
const MinTargetRatio = 0.05

// bytesPerWord is a rough English average (five letters and a space), used
// only to size maps.
const bytesPerWord = 6

// shortSegmentPenalty multiplies the score of a segment shorter than
// MinSegmentBytes.
const shortSegmentPenalty = 0.25

// DefaultConfig returns the reference configuration.
func DefaultConfig() Config {
	return Config{
		TargetRatio:      DefaultTargetRatio,
		RecencyWeight:    DefaultRecencyWeight,
		RelevanceWeight:  DefaultRelevanceWeight,
		SalienceWeight:   DefaultSalienceWeight,
		MinSegmentBytes:  DefaultMinSegmentBytes,
		NearDupThreshold: DefaultNearDupThreshold,
		MinSegments:      DefaultMinSegments,
	}
}

// ErrInvalidConfig is wrapped by every error New returns.
var ErrInvalidConfig = errors.New("textcrush: invalid config")

// ErrInvalidRatio is returned by CompressRatio for a NaN ratio, the one
// value that cannot be clamped into range.
var ErrInvalidRatio = errors.New("textcrush: target ratio is NaN")

// Result describes one compression. When the text was returned unchanged
// (too few segments, or nothing or every segment was kept) Compressed is the input,
// both token counts are equal, CompressionRatio is 1 and KeptSegments
// equals TotalSegments.
type Result struct {
	// Compressed is the kept segments joined with "\n", or the input.
	Compressed string
	// OriginalTokens and CompressedTokens count whitespace-separated words
	// of the input and of Compressed (the reference's cheap token proxy,
	// not a model tokenizer).
	OriginalTokens   int
	CompressedTokens int
	// CompressionRatio is CompressedTokens / OriginalTokens, or 1 when the
	// input has no words.
	CompressionRatio float64
	// KeptSegments and TotalSegments count sentence segments.
	KeptSegments  int
	TotalSegments int
}

// Crusher compresses prose. It holds only its configuration and is safe
// for concurrent use when its relevance scorer is (the default one is).
type Crusher struct {
	cfg    Config
	scorer relevance.Scorer
}

// New validates cfg and returns a Crusher.
func New(cfg Config) (*Crusher, error) {
	weight := func(name string, w float64) error {
		if !(w >= 0) || math.IsInf(w, 0) {
			return fmt.Errorf("%w: %s %v must be finite and non-negative", ErrInvalidConfig, name, w)
		}
		return nil
	}
	switch {
	case !(cfg.TargetRatio >= MinTargetRatio && cfg.TargetRatio <= 1):
		return nil, fmt.Errorf("%w: TargetRatio %v is outside [%v, 1]", ErrInvalidConfig, cfg.TargetRatio, MinTargetRatio)
	case !(cfg.NearDupThreshold > 0 && cfg.NearDupThreshold <= 1):
		return nil, fmt.Errorf("%w: NearDupThreshold %v is outside (0, 1]", ErrInvalidConfig, cfg.NearDupThreshold)
	case cfg.MinSegmentBytes < 0:
		return nil, fmt.Errorf("%w: MinSegmentBytes %d is negative", ErrInvalidConfig, cfg.MinSegmentBytes)
	case cfg.MinSegments < 0:
		return nil, fmt.Errorf("%w: MinSegments %d is negative", ErrInvalidConfig, cfg.MinSegments)
	}
	for _, w := range []struct {
		name string
		v    float64
	}{{"RecencyWeight", cfg.RecencyWeight}, {"RelevanceWeight", cfg.RelevanceWeight}, {"SalienceWeight", cfg.SalienceWeight}} {
		if err := weight(w.name, w.v); err != nil {
			return nil, err
		}
	}
	scorer := cfg.Relevance
	if scorer == nil {
		scorer = relevance.DefaultBM25()
	}
	return &Crusher{cfg: cfg, scorer: scorer}, nil
}

// Config returns the configuration the Crusher was built with.
func (c *Crusher) Config() Config { return c.cfg }

// Compress keeps about Config.TargetRatio of content's segment bytes.
// query is the user's question or task ("" for none); segments that share
// its words score higher. The result is deterministic.
func (c *Crusher) Compress(content, query string) Result {
	return c.compress(content, query, c.cfg.TargetRatio)
}

// CompressRatio is Compress with a per-call target ratio, clamped into
// [MinTargetRatio, 1] (the reference clamps too, so 0 means MinTargetRatio,
// not "the default"). Only NaN is an error.
func (c *Crusher) CompressRatio(content, query string, ratio float64) (Result, error) {
	if math.IsNaN(ratio) {
		return Result{}, ErrInvalidRatio
	}
	return c.compress(content, query, min(max(ratio, MinTargetRatio), 1)), nil
}

func (c *Crusher) compress(content, query string, ratio float64) Result {
	segs := splitSegments(content)
	n := len(segs)
	if n < c.cfg.MinSegments {
		return passThrough(content, n)
	}

	totalBytes := 0
	for _, s := range segs {
		totalBytes += len(s)
	}
	// At least one byte, so a tiny input still keeps its best segment
	// instead of keeping nothing and passing through.
	target := max(pycompat.AsUsize(float64(totalBytes)*ratio), 1)

	rel := c.scorer.ScoreBatch(segs, query)
	scores := make([]float64, n)
	for i, s := range segs {
		recency := float64(i+1) / float64(n)
		r := 0.0
		if i < len(rel) {
			r = rel[i].Score
		}
		// Explicit conversions keep each product rounded on its own: the
		// reference adds three separately rounded products, and a fused
		// multiply-add could flip the order of near-tied segments.
		score := float64(c.cfg.RecencyWeight*recency) + float64(c.cfg.RelevanceWeight*r) + float64(c.cfg.SalienceWeight*salience(s))
		if len(s) < c.cfg.MinSegmentBytes {
			score *= shortSegmentPenalty
		}
		scores[i] = score
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		switch {
		case scores[a] > scores[b]:
			return -1
		case scores[a] < scores[b]:
			return 1
		}
		return a - b
	})

	kept := make([]bool, n)
	keptCount, keptBytes := 0, 0
	// Segments are visited until about target bytes are kept; at roughly
	// six bytes a word that bounds the words (and 3-grams) to index.
	idx := newShingleIndex(target/bytesPerWord + 1)
	for _, i := range order {
		if keptBytes >= target {
			break
		}
		sh := idx.shingles(segs[i])
		if len(sh) > 0 && float64(idx.covered(sh))/float64(len(sh)) >= c.cfg.NearDupThreshold {
			continue
		}
		idx.add(sh)
		kept[i] = true
		keptCount++
		keptBytes += len(segs[i])
	}
	// Keeping nothing, or everything, leaves nothing to report but a
	// reformat. The reference returns the input for the first and the
	// segments re-joined one per line for the second; the input is
	// returned for both here, since re-breaking lines changes bytes (and
	// can cost model tokens) without dropping any text. No fixture keeps
	// every segment.
	if keptCount == 0 || keptCount == n {
		return passThrough(content, n)
	}

	var b strings.Builder
	b.Grow(keptBytes + keptCount)
	for i, s := range segs {
		if !kept[i] {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(s)
	}
	out := b.String()
	res := Result{
		Compressed:       out,
		OriginalTokens:   countWords(content),
		CompressedTokens: countWords(out),
		CompressionRatio: 1,
		KeptSegments:     keptCount,
		TotalSegments:    n,
	}
	if res.OriginalTokens > 0 {
		res.CompressionRatio = float64(res.CompressedTokens) / float64(res.OriginalTokens)
	}
	return res
}

func passThrough(content string, segments int) Result {
	words := countWords(content)
	return Result{
		Compressed:       content,
		OriginalTokens:   words,
		CompressedTokens: words,
		CompressionRatio: 1,
		KeptSegments:     segments,
		TotalSegments:    segments,
	}
}
