// Package cachealign keeps the cacheable prefix of a chat request stable.
//
// Providers cache a request's prefix only while it is byte-identical across
// requests, and a system prompt that embeds today's date, a session id or a
// token changes on every call. The reference Headroom has had two answers:
//
//   - Aligner (Apply) is the rewriting aligner its cache_aligner parity
//     fixtures pin: dynamic values are cut out of system messages, the
//     remaining text is whitespace-normalised and hashed as the stable
//     prefix, and the values are re-attached after a separator at the end
//     of the last system message.
//   - Checker (Check) is what the reference runs today: it only detects
//     volatile tokens in system messages and warns; the request bytes are
//     never changed. This is the mode the proxy uses.
//
// Detector is the dynamic-content detector the Aligner uses, usable on its
// own.
package cachealign

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// DefaultTailSeparator marks where the static part of a system message ends
// and the re-attached dynamic values begin.
const DefaultTailSeparator = "\n\n---\n[Dynamic Context]\n"

// TierRegex is the only detection tier this package implements: universal
// patterns, "Label: value" structure and entropy. The reference's optional
// "ner" (spaCy) and "semantic" (embeddings) tiers are not available.
const TierRegex = "regex"

// Config is the reference's CacheAlignerConfig. The zero Config is not the
// reference default (three switches default to true there); start from
// DefaultConfig. ParseConfig reads the reference's JSON form.
type Config struct {
	// Enabled is the reference's on/off switch. Apply and Check do not
	// consult it (neither does the reference's apply); callers decide
	// whether to run. Zero: disabled, which is also the default.
	Enabled bool `json:"enabled"`
	// UseDynamicDetector selects the Detector. False selects the
	// reference's legacy DatePatterns mode, which this package does not
	// implement: New rejects it. Default true.
	UseDynamicDetector bool `json:"use_dynamic_detector"`
	// DetectionTiers lists the detector tiers to run. Only TierRegex is
	// supported; empty runs no tier, so nothing is ever detected.
	// Default ["regex"].
	DetectionTiers []string `json:"detection_tiers"`
	// ExtraDynamicLabels are appended to DefaultLabels for "Label: value"
	// detection. Empty adds none (the default).
	ExtraDynamicLabels []string `json:"extra_dynamic_labels"`
	// EntropyThreshold is the normalised entropy at which a token counts
	// as a generated identifier; 0 would flag every mixed letter/digit
	// token of 8+ characters. Default DefaultEntropyThreshold.
	EntropyThreshold float64 `json:"entropy_threshold"`
	// DatePatterns are the legacy mode's Python regexes. They are kept
	// for round-tripping the reference config and are otherwise unused.
	DatePatterns []string `json:"date_patterns"`
	// NormalizeWhitespace turns CRLF and CR into LF and strips trailing
	// whitespace from every line of every unfrozen message. Default true.
	NormalizeWhitespace bool `json:"normalize_whitespace"`
	// CollapseBlankLines, with NormalizeWhitespace, drops a blank line
	// that follows another. Default true.
	CollapseBlankLines bool `json:"collapse_blank_lines"`
	// DynamicTailSeparator separates a system message's static text from
	// the re-attached dynamic values, and bounds the stable prefix. It
	// must not be empty. Default DefaultTailSeparator.
	DynamicTailSeparator string `json:"dynamic_tail_separator"`
}

// DefaultDatePatterns are the reference's legacy-mode patterns.
var DefaultDatePatterns = []string{
	`Current [Dd]ate:?\s*\d{4}-\d{2}-\d{2}`,
	`Today is \w+,?\s+\w+ \d+`,
	`Today's date:?\s*\d{4}-\d{2}-\d{2}`,
	`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}`,
}

// DefaultConfig returns the reference's default configuration.
func DefaultConfig() Config {
	return Config{
		UseDynamicDetector:   true,
		DetectionTiers:       []string{TierRegex},
		ExtraDynamicLabels:   []string{},
		EntropyThreshold:     DefaultEntropyThreshold,
		DatePatterns:         slices.Clone(DefaultDatePatterns),
		NormalizeWhitespace:  true,
		CollapseBlankLines:   true,
		DynamicTailSeparator: DefaultTailSeparator,
	}
}

// ParseConfig reads a CacheAlignerConfig JSON object (the form the parity
// fixtures record). Missing keys keep their DefaultConfig value; unknown
// keys, wrong types and trailing data are errors.
func ParseConfig(data []byte) (Config, error) {
	cfg := DefaultConfig()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, fmt.Errorf("cachealign: config: %w", err)
	}
	if dec.More() {
		return Config{}, fmt.Errorf("cachealign: config: trailing data after the object")
	}
	return cfg, nil
}

// validate checks what the reference would only trip over at run time.
func (c Config) validate() error {
	if !c.UseDynamicDetector {
		return fmt.Errorf("cachealign: use_dynamic_detector=false (legacy date_patterns mode) is not supported")
	}
	for _, t := range c.DetectionTiers {
		if t != TierRegex {
			return fmt.Errorf("cachealign: detection tier %q is not available (only %q)", t, TierRegex)
		}
	}
	if c.DynamicTailSeparator == "" {
		return fmt.Errorf("cachealign: dynamic_tail_separator must not be empty")
	}
	return nil
}
