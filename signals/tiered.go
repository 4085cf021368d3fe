package signals

// EscalateThreshold is the confidence at which [Tiered] accepts a tier's
// verdict without consulting later tiers. The keyword tier reports exactly
// [KeywordConfidence], which meets it, so a keyword hit is never second-guessed
// by a tier placed after it; a tier that should override keywords has to come
// first and be at least this confident.
const EscalateThreshold float32 = 0.7

// Tiered is an ordered stack of detectors, most precise first, that is itself
// a [Detector].
//
// Score asks each tier in order and returns the first signal whose confidence
// is at least [EscalateThreshold]. If none is that confident it returns the
// most confident signal seen (the earliest one on ties), so callers still get
// the best guess and its confidence says how unsure the stack was. An empty
// Tiered returns the neutral zero Signal.
//
// Tiered holds no state of its own; it is safe for concurrent use when its
// tiers are. It must not contain nil detectors.
type Tiered []Detector

// Score implements [Detector].
func (t Tiered) Score(line string, ctx Context) Signal {
	var best Signal
	for _, tier := range t {
		s := tier.Score(line, ctx)
		if s.Confidence >= EscalateThreshold {
			return s
		}
		if s.Confidence > best.Confidence {
			best = s
		}
	}
	return best
}

// Default returns the reference's default detector stack: the keyword tier
// with the default tables, and nothing else. Every tier in it does real work;
// there are no placeholder tiers waiting for a model.
func Default() Tiered {
	return Tiered{DefaultKeywordDetector()}
}

var _ Detector = Tiered(nil)
