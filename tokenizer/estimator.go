package tokenizer

import (
	"fmt"
	"math"
	"unicode/utf8"
)

// Characters per token the reference assumes for models it cannot tokenize
// exactly.
const (
	// DefaultCharsPerToken is used for Gemini, PaLM, Cohere Command and
	// every model the registry does not know.
	DefaultCharsPerToken = 4.0
	// ClaudeCharsPerToken is used for Anthropic's claude-* models.
	ClaudeCharsPerToken = 3.5
)

// Estimator approximates a token count from the text length:
// max(1, floor(chars/charsPerToken + 0.5)) for non-empty text, where chars is
// the number of Unicode code points (each byte of an invalid UTF-8 sequence
// counts as one). The zero value uses DefaultCharsPerToken.
//
// An Estimator is a small value, safe to copy and to use concurrently, and
// Count does not allocate.
type Estimator struct {
	cpt float64 // 0 means DefaultCharsPerToken
}

// NewEstimator returns an estimator assuming charsPerToken characters per
// token. charsPerToken must be a finite number greater than zero.
func NewEstimator(charsPerToken float64) (Estimator, error) {
	if !(charsPerToken > 0) || math.IsInf(charsPerToken, 1) {
		return Estimator{}, fmt.Errorf("tokenizer: chars per token must be finite and > 0, got %v", charsPerToken)
	}
	return Estimator{cpt: charsPerToken}, nil
}

// CharsPerToken reports the ratio e divides by.
func (e Estimator) CharsPerToken() float64 {
	if e.cpt == 0 {
		return DefaultCharsPerToken
	}
	return e.cpt
}

// Count returns the estimated number of tokens in text.
func (e Estimator) Count(text string) int {
	if text == "" {
		return 0
	}
	chars := utf8.RuneCountInString(text)
	// Adding 0.5 and truncating is the reference's rounding (half away from
	// zero for these non-negative values), not banker's rounding.
	v := math.Floor(float64(chars)/e.CharsPerToken() + 0.5)
	if v >= math.MaxInt {
		// Only reachable with a tiny ratio; saturate instead of overflowing.
		return math.MaxInt
	}
	return max(1, int(v))
}
