package cachealign

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The recorded fixture config is the reference default, so ParseConfig of
// it must equal DefaultConfig.
func TestParseConfigFixtureIsDefault(t *testing.T) {
	dir := os.Getenv("HEADROOM_PARITY_FIXTURES")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "parity", "fixtures")
	}
	data, err := os.ReadFile(filepath.Join(dir, "cache_aligner", "0225460359a992d9.json"))
	if err != nil {
		t.Skipf("fixture not available (looked in %s): %v", dir, err)
	}
	var fx struct {
		Config json.RawMessage `json:"config"`
	}
	if err := json.Unmarshal(data, &fx); err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig(fx.Config)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg, DefaultConfig()) {
		t.Errorf("fixture config %+v\n!= default %+v", cfg, DefaultConfig())
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, in := range []string{`{"enabled": true, "bogus": 1}`, `{"entropy_threshold": "high"}`, `[]`, `{} {}`} {
		if _, err := ParseConfig([]byte(in)); err == nil {
			t.Errorf("ParseConfig(%s) succeeded", in)
		}
	}
	cfg, err := ParseConfig([]byte(`{"enabled": true}`))
	if err != nil || !cfg.Enabled || cfg.DynamicTailSeparator != DefaultTailSeparator || !cfg.NormalizeWhitespace {
		t.Errorf("missing keys must keep defaults: %+v, %v", cfg, err)
	}
}

func TestNewRejectsUnsupportedConfig(t *testing.T) {
	for name, mutate := range map[string]func(*Config){
		"legacy mode":     func(c *Config) { c.UseDynamicDetector = false },
		"ner tier":        func(c *Config) { c.DetectionTiers = []string{"regex", "ner"} },
		"empty separator": func(c *Config) { c.DynamicTailSeparator = "" },
		"NaN threshold":   func(c *Config) { c.EntropyThreshold = nan() },
	} {
		cfg := DefaultConfig()
		mutate(&cfg)
		if _, err := New(cfg, nil); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

// With no detection tier nothing is extracted, but whitespace is still
// normalised.
func TestNoTierDetectsNothing(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DetectionTiers = nil
	a, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.Apply(mustParse(t, `[{"role":"system","content":"Date 2026-04-23  "}]`), 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := contentOf(t, res.Messages, 0); got != "Date 2026-04-23" || len(res.TransformsApplied) != 0 {
		t.Errorf("got %q, %v", got, res.TransformsApplied)
	}
}
