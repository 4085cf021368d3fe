package smartcrusher

import (
	"errors"
	"fmt"
	"math"
)

// Config holds SmartCrusher's knobs. Start from DefaultConfig: the zero
// Config is not the default (a zero MinItemsToAnalyze would analyse every
// array), and New rejects values outside the documented ranges.
type Config struct {
	// MinItemsToAnalyze is the array length (or object key count) below
	// which a container is left alone. Must be ≥ 1.
	MinItemsToAnalyze int
	// MinTokensToCrush is the rough token total (bytes/4 per key) below
	// which an object's keys are not thinned.
	MinTokensToCrush int
	// VarianceThreshold is the σ multiplier for outliers, anomalies and
	// change points. Must be finite and ≥ 0.
	VarianceThreshold float64
	// MaxItemsAfterCrush caps the adaptive item budget; 0 means no cap
	// beyond the input length.
	MaxItemsAfterCrush int
	// PreserveChangePoints keeps items around numeric change points.
	PreserveChangePoints bool
	// FactorOutConstants moves fields constant across kept rows into a
	// leading {"_constant_fields": {...}} object.
	FactorOutConstants bool
	// DedupIdenticalItems drops kept rows identical to an earlier kept row.
	DedupIdenticalItems bool
	// FirstFraction and LastFraction are the shares of the budget given to
	// the head and tail of string and number arrays. Each in [0, 1].
	FirstFraction, LastFraction float64
	// RelevanceThreshold is the minimum Scorer score that keeps a row when
	// a query is given. In [0, 1].
	RelevanceThreshold float64
	// LosslessMinSavingsRatio is the byte saving the lossless compaction
	// must reach to replace an array. In [0, 1].
	LosslessMinSavingsRatio float64
	// EnableCCRMarker appends the {"_ccr_dropped": "<<ccr:…>>"} row when
	// rows are dropped and replaces long opaque strings by markers.
	EnableCCRMarker bool
	// LosslessOnly forbids dropping rows and opaque-string markers.
	LosslessOnly bool

	// Compaction knobs (see the compaction package).
	CompactionCoreFieldFraction      float64 // share of rows a "core" column appears in
	CompactionHeterogeneousCoreRatio float64 // below this core share, try buckets
	CompactionMaxFlattenInnerKeys    int     // widest nested object flattened into columns
	CompactionMinBuckets             int     // fewest discriminator values for buckets
	CompactionMaxBuckets             int     // most discriminator values for buckets
}

// DefaultConfig returns the reference defaults, which are also the
// configuration every parity fixture was recorded with.
func DefaultConfig() Config {
	return Config{
		MinItemsToAnalyze:                5,
		MinTokensToCrush:                 200,
		VarianceThreshold:                2.0,
		MaxItemsAfterCrush:               15,
		PreserveChangePoints:             true,
		FactorOutConstants:               false,
		DedupIdenticalItems:              true,
		FirstFraction:                    0.3,
		LastFraction:                     0.15,
		RelevanceThreshold:               0.3,
		LosslessMinSavingsRatio:          0.15,
		EnableCCRMarker:                  true,
		LosslessOnly:                     false,
		CompactionCoreFieldFraction:      0.8,
		CompactionHeterogeneousCoreRatio: 0.6,
		CompactionMaxFlattenInnerKeys:    6,
		CompactionMinBuckets:             2,
		CompactionMaxBuckets:             8,
	}
}

// opaqueMarkers reports whether long opaque strings become CCR markers.
func (c *Config) opaqueMarkers() bool { return c.EnableCCRMarker && !c.LosslessOnly }

// Validate reports the first knob outside its documented range.
func (c *Config) Validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	unit := func(x float64) bool { return x >= 0 && x <= 1 }
	check(c.MinItemsToAnalyze >= 1, "MinItemsToAnalyze %d < 1", c.MinItemsToAnalyze)
	check(c.MinTokensToCrush >= 0, "MinTokensToCrush %d < 0", c.MinTokensToCrush)
	check(c.VarianceThreshold >= 0 && !math.IsInf(c.VarianceThreshold, 0), "VarianceThreshold %v not finite ≥ 0", c.VarianceThreshold)
	check(c.MaxItemsAfterCrush >= 0, "MaxItemsAfterCrush %d < 0", c.MaxItemsAfterCrush)
	check(unit(c.FirstFraction), "FirstFraction %v outside [0,1]", c.FirstFraction)
	check(unit(c.LastFraction), "LastFraction %v outside [0,1]", c.LastFraction)
	check(unit(c.RelevanceThreshold), "RelevanceThreshold %v outside [0,1]", c.RelevanceThreshold)
	check(unit(c.LosslessMinSavingsRatio), "LosslessMinSavingsRatio %v outside [0,1]", c.LosslessMinSavingsRatio)
	check(unit(c.CompactionCoreFieldFraction), "CompactionCoreFieldFraction %v outside [0,1]", c.CompactionCoreFieldFraction)
	check(unit(c.CompactionHeterogeneousCoreRatio), "CompactionHeterogeneousCoreRatio %v outside [0,1]", c.CompactionHeterogeneousCoreRatio)
	check(c.CompactionMaxFlattenInnerKeys >= 0, "CompactionMaxFlattenInnerKeys %d < 0", c.CompactionMaxFlattenInnerKeys)
	check(c.CompactionMinBuckets >= 0 && c.CompactionMinBuckets <= c.CompactionMaxBuckets,
		"CompactionMinBuckets %d / CompactionMaxBuckets %d not 0 ≤ min ≤ max", c.CompactionMinBuckets, c.CompactionMaxBuckets)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("smartcrusher: invalid config: %w", err)
	}
	return nil
}
