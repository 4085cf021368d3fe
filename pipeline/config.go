package pipeline

import (
	_ "embed"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"

	"github.com/headroom-go/headroom/pipeline/offload"
	"github.com/headroom-go/headroom/pipeline/reformat"
)

// defaultTOML is the configuration a stock binary runs with.
//
//go:embed pipeline.toml
var defaultTOML []byte

// ErrInvalidConfig is wrapped by every error ParseConfig, LoadConfig and
// Config.Validate return.
var ErrInvalidConfig = errors.New("invalid pipeline config")

// Config is the whole pipeline configuration, one field per TOML section.
// Start from DefaultConfig; the zero Config is not useful (every threshold
// zero) although it is valid.
type Config struct {
	Pipeline Orchestrator   `toml:"pipeline"`
	Bloat    BloatConfig    `toml:"bloat"`
	Reformat ReformatConfig `toml:"reformat"`
	Offload  OffloadConfig  `toml:"offload"`
}

// Orchestrator holds the knobs of the [pipeline] section: when the
// reformat phase stops and when offloads run.
type Orchestrator struct {
	// ReformatTargetRatio stops the reformat phase once the text is at
	// most this share of its original length (bytes). Finite, ≥ 0.
	ReformatTargetRatio float64 `toml:"reformat_target_ratio"`
	// BloatThreshold is the bloat estimate at which an offload always
	// runs. Finite, ≥ 0.
	BloatThreshold float32 `toml:"bloat_threshold"`
	// OffloadFallbackRatio makes every offload with a positive estimate
	// run when the reformats left more than this share of the original.
	// Finite, ≥ 0.
	OffloadFallbackRatio float64 `toml:"offload_fallback_ratio"`
}

// BloatConfig holds the [bloat.*] sections: the offloads' bloat estimators.
type BloatConfig struct {
	Log    offload.LogBloatConfig    `toml:"log"`
	Diff   offload.DiffBloatConfig   `toml:"diff"`
	Search offload.SearchBloatConfig `toml:"search"`
}

// ReformatConfig holds the [reformat.*] sections.
type ReformatConfig struct {
	LogTemplate reformat.LogTemplateConfig `toml:"log_template"`
}

// OffloadConfig holds the [offload.*] sections.
type OffloadConfig struct {
	JSON      offload.JSONConfig      `toml:"json"`
	DiffNoise offload.DiffNoiseConfig `toml:"diff_noise"`
}

// defaults parses the embedded file once; the tests prove it parses.
var defaults = sync.OnceValues(func() (Config, error) { return ParseConfig(defaultTOML) })

// DefaultConfig returns the embedded default configuration (the reference
// implementation's values). Each call returns a fresh copy the caller may
// change.
func DefaultConfig() Config {
	c, err := defaults()
	if err != nil {
		// The embedded file is part of the source; TestDefaultConfigParses
		// keeps this unreachable.
		panic("pipeline: embedded pipeline.toml: " + err.Error())
	}
	c.Offload.DiffNoise.LockfileSuffixes = slices.Clone(c.Offload.DiffNoise.LockfileSuffixes)
	return c
}

// ParseConfig parses a complete TOML configuration. Every section and key
// of the default file must be present (a file cannot silently inherit a
// default), unknown keys are rejected (a misspelt knob is a mistake, not a
// no-op), and the values must pass Validate.
func ParseConfig(data []byte) (Config, error) {
	var c Config
	md, err := toml.NewDecoder(strings.NewReader(string(data))).Decode(&c)
	if err != nil {
		return Config{}, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if err := requireAll(md, reflect.TypeFor[Config](), nil); err != nil {
		return Config{}, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if extra := md.Undecoded(); len(extra) > 0 {
		names := make([]string, len(extra))
		for i, k := range extra {
			names[i] = k.String()
		}
		return Config{}, fmt.Errorf("%w: unknown key %s", ErrInvalidConfig, strings.Join(names, ", "))
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// LoadConfig reads and parses the TOML file at path (see ParseConfig).
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("pipeline: read config: %w", err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("pipeline: config %s: %w", path, err)
	}
	return c, nil
}

// requireAll reports the first section or key of t missing from md, in
// declaration order. Sections are struct-typed fields; everything else is
// a key.
func requireAll(md toml.MetaData, t reflect.Type, path []string) error {
	for f := range t.Fields() {
		name := f.Tag.Get("toml")
		p := append(slices.Clone(path), name)
		if md.IsDefined(p...) {
			if f.Type.Kind() == reflect.Struct {
				if err := requireAll(md, f.Type, p); err != nil {
					return err
				}
			}
			continue
		}
		if f.Type.Kind() == reflect.Struct {
			// Name the first table the file must spell out: [bloat.log]
			// rather than [bloat], which TOML never needs as a header.
			for ft := f.Type; ft.NumField() > 0 && ft.Field(0).Type.Kind() == reflect.Struct; ft = ft.Field(0).Type {
				p = append(p, ft.Field(0).Tag.Get("toml"))
			}
			return fmt.Errorf("missing section [%s]", strings.Join(p, "."))
		}
		return fmt.Errorf("missing key %q in section [%s]", name, strings.Join(path, "."))
	}
	return nil
}

// Validate reports the first value outside its documented range, naming
// its section.
func (c *Config) Validate() error {
	checks := []struct {
		section string
		err     error
	}{
		{"pipeline", c.Pipeline.validate()},
		{"bloat.log", c.Bloat.Log.Validate()},
		{"bloat.diff", c.Bloat.Diff.Validate()},
		{"bloat.search", c.Bloat.Search.Validate()},
		{"reformat.log_template", c.Reformat.LogTemplate.Validate()},
		{"offload.json", c.Offload.JSON.Validate()},
		{"offload.diff_noise", c.Offload.DiffNoise.Validate()},
	}
	for _, ch := range checks {
		if ch.err != nil {
			return fmt.Errorf("%w: [%s] %w", ErrInvalidConfig, ch.section, ch.err)
		}
	}
	return nil
}

func (o Orchestrator) validate() error {
	nonNegative := func(x float64) bool { return x >= 0 && !math.IsInf(x, 1) }
	switch {
	case !nonNegative(o.ReformatTargetRatio):
		return fmt.Errorf("reformat_target_ratio must be a finite number ≥ 0, got %v", o.ReformatTargetRatio)
	case !nonNegative(float64(o.BloatThreshold)):
		return fmt.Errorf("bloat_threshold must be a finite number ≥ 0, got %v", o.BloatThreshold)
	case !nonNegative(o.OffloadFallbackRatio):
		return fmt.Errorf("offload_fallback_ratio must be a finite number ≥ 0, got %v", o.OffloadFallbackRatio)
	}
	return nil
}
