package tokenizer

import "strings"

// Model-name prefixes, matched against the ASCII-lowercased name in order;
// the first match wins. The order matters: "gpt-4o" must be tried before
// "gpt-4" and "text-davinci-002" before "text-davinci". The table follows the
// reference's Rust registry, which differs from its Python one for names
// outside OpenAI's published table (e.g. "babbage-002" is r50k_base here,
// cl100k_base in Python).
var encodingPrefixes = []struct {
	prefix string
	enc    Encoding
}{
	{"gpt-4o", O200kBase},
	{"o1", O200kBase},
	{"o3", O200kBase},
	{"gpt-4", Cl100kBase},
	{"gpt-3.5", Cl100kBase},
	{"text-embedding", Cl100kBase},
	{"code-", P50kBase},
	{"text-davinci-002", P50kBase},
	{"text-davinci-003", P50kBase},
	{"text-davinci", R50kBase},
	{"davinci", R50kBase},
	{"curie", R50kBase},
	{"babbage", R50kBase},
	{"ada", R50kBase},
}

var ratioPrefixes = []struct {
	prefix string
	cpt    float64
}{
	{"claude-", ClaudeCharsPerToken},
	{"gemini", DefaultCharsPerToken},
	{"palm", DefaultCharsPerToken},
	{"command", DefaultCharsPerToken},
}

// EncodingForModel reports the tiktoken encoding the reference uses for
// model, and false when it estimates that model's counts instead.
func EncodingForModel(model string) (Encoding, bool) {
	m := asciiLower(model)
	for _, p := range encodingPrefixes {
		if strings.HasPrefix(m, p.prefix) {
			return p.enc, true
		}
	}
	return "", false
}

// ForModel returns the counter the reference uses for model: a BPE for
// OpenAI model families (see EncodingForModel), an Estimator with
// ClaudeCharsPerToken for claude-* models, and an Estimator with
// DefaultCharsPerToken for everything else, including the empty name.
// Matching ignores ASCII case only.
func ForModel(model string) Counter {
	if enc, ok := EncodingForModel(model); ok {
		return bpes[enc]
	}
	m := asciiLower(model)
	for _, p := range ratioPrefixes {
		if strings.HasPrefix(m, p.prefix) {
			return Estimator{cpt: p.cpt}
		}
	}
	return Estimator{cpt: DefaultCharsPerToken}
}

// asciiLower lowercases only A–Z, as the reference does; strings.ToLower
// would also fold non-ASCII letters (e.g. the Kelvin sign to "k") and let
// such names match an OpenAI prefix.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + ('a' - 'A')
				}
			}
			return string(b)
		}
	}
	return s
}
