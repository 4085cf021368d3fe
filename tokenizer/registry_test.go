package tokenizer

import "testing"

func TestForModelPicksTheReferenceBackend(t *testing.T) {
	const estimate Encoding = ""
	for _, c := range []struct {
		model string
		enc   Encoding // estimate: an Estimator with cpt
		cpt   float64
	}{
		{"gpt-4o-mini", O200kBase, 0}, // the parity fixtures' model
		{"gpt-4o", O200kBase, 0},
		{"GPT-4O-2024-08-06", O200kBase, 0},
		{"o1", O200kBase, 0},
		{"o1-preview", O200kBase, 0},
		{"o3-mini", O200kBase, 0},
		{"gpt-4", Cl100kBase, 0},
		{"gpt-4-turbo", Cl100kBase, 0},
		{"gpt-4.1", Cl100kBase, 0}, // prefix gpt-4, not gpt-4o
		{"gpt-3.5-turbo", Cl100kBase, 0},
		{"text-embedding-3-small", Cl100kBase, 0},
		{"code-davinci-002", P50kBase, 0},
		{"text-davinci-003", P50kBase, 0},
		{"text-davinci-002", P50kBase, 0},
		{"text-davinci-001", R50kBase, 0},
		{"davinci-002", R50kBase, 0}, // r50k in the Rust registry, cl100k in Python
		{"babbage-002", R50kBase, 0},
		{"curie", R50kBase, 0},
		{"ada", R50kBase, 0},
		{"claude-3-5-sonnet-20241022", estimate, ClaudeCharsPerToken},
		{"Claude-Opus-4", estimate, ClaudeCharsPerToken},
		{"claude", estimate, DefaultCharsPerToken}, // the prefix is "claude-"
		{"gemini-1.5-pro", estimate, DefaultCharsPerToken},
		{"palm-2", estimate, DefaultCharsPerToken},
		{"command-r", estimate, DefaultCharsPerToken},
		{"llama-3-70b", estimate, DefaultCharsPerToken},
		{"gpt-5", estimate, DefaultCharsPerToken}, // not in the reference's table
		{"o4-mini", estimate, DefaultCharsPerToken},
		{"", estimate, DefaultCharsPerToken},
		{" gpt-4o", estimate, DefaultCharsPerToken}, // no trimming
		// U+212A KELVIN SIGN lowercases to "k" under Unicode folding only.
		{"\u212Aclaude-x", estimate, DefaultCharsPerToken},
		{"GPT-4\u212A", Cl100kBase, 0},
	} {
		got := ForModel(c.model)
		switch want := c.enc; want {
		case estimate:
			e, ok := got.(Estimator)
			if !ok || e.CharsPerToken() != c.cpt {
				t.Errorf("ForModel(%q) = %#v, want an Estimator with %v chars/token", c.model, got, c.cpt)
			}
			if enc, ok := EncodingForModel(c.model); ok {
				t.Errorf("EncodingForModel(%q) = %q, want none", c.model, enc)
			}
		default:
			b, ok := got.(*BPE)
			if !ok || b.Encoding() != want {
				t.Errorf("ForModel(%q) = %#v, want the %s BPE", c.model, got, want)
			}
			if enc, ok := EncodingForModel(c.model); !ok || enc != want {
				t.Errorf("EncodingForModel(%q) = %q, %v; want %q", c.model, enc, ok, want)
			}
		}
	}
}

func TestForModelSharesOneCounterPerEncoding(t *testing.T) {
	if ForModel("gpt-4o") != ForModel("o1-mini") {
		t.Error("two o200k_base models got different BPE instances, so the table would be built twice")
	}
	b, _ := ForEncoding(O200kBase)
	if ForModel("gpt-4o") != Counter(b) {
		t.Error("ForModel and ForEncoding disagree on the o200k_base instance")
	}
}

func TestASCIILowerFoldsOnlyASCII(t *testing.T) {
	for in, want := range map[string]string{
		"":           "",
		"abc":        "abc",
		"ABC-Def":    "abc-def",
		"ÉCOLE":      "École",
		"\u212Ax":    "\u212Ax",
		"GPT-4O\xff": "gpt-4o\xff",
	} {
		if got := asciiLower(in); got != want {
			t.Errorf("asciiLower(%q) = %q, want %q", in, got, want)
		}
	}
}
