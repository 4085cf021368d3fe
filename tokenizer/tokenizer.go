// Package tokenizer counts tokens the way the reference Headroom does: exact
// byte-pair-encoding counts for OpenAI models (tiktoken's o200k_base,
// cl100k_base, p50k_base and r50k_base encodings, whose rank tables are
// compiled into the binary so nothing is downloaded at run time) and a
// characters-per-token estimate for every other model.
//
// ForModel picks the counter for a model name; ForEncoding and NewEstimator
// build one directly.
package tokenizer

// Counter counts the tokens of a text.
//
// Contract for every implementation in this package:
//   - Count("") == 0 and Count(s) >= 1 for any non-empty s;
//   - the result depends only on the text (deterministic, no hidden state);
//   - Count is safe for concurrent use by multiple goroutines;
//   - Count never panics, including on invalid UTF-8.
type Counter interface {
	Count(text string) int
}
