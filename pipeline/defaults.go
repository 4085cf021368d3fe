package pipeline

import (
	"fmt"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/pipeline/offload"
	"github.com/headroom-go/headroom/pipeline/reformat"
	"github.com/headroom-go/headroom/transform"
)

// ReformatRegistrations returns the reference's lossless steps:
// JSONMinifier for JSON and LogTemplate for build output.
func ReformatRegistrations(cfg Config) ([]Registration, error) {
	lt, err := reformat.NewLogTemplate(cfg.Reformat.LogTemplate)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	return []Registration{
		Reformat(reformat.JSONMinifier{}, transform.JSONArray),
		Reformat(lt, transform.BuildOutput),
	}, nil
}

// OffloadRegistrations returns the reference's default offloads, all
// storing into store: JSON for JSON, Log for build output, and DiffNoise
// then Diff for diffs. Search output has no default offload: the
// reference leaves grep output alone because lossy grep results misled
// agents (upstream issue #1307).
func OffloadRegistrations(cfg Config, store ccr.Store) ([]Registration, error) {
	j, err := offload.NewJSON(cfg.Offload.JSON, store)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	l, err := offload.NewLog(cfg.Bloat.Log, store)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	dn, err := offload.NewDiffNoise(cfg.Offload.DiffNoise, store)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	d, err := offload.NewDiff(cfg.Bloat.Diff, store)
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	return []Registration{
		Offload(j, transform.JSONArray),
		Offload(l, transform.BuildOutput),
		Offload(dn, transform.GitDiff),
		Offload(d, transform.GitDiff),
	}, nil
}

// NewDefault returns the reference pipeline: cfg's knobs, the default
// reformats and the default offloads storing into store.
func NewDefault(cfg Config, store ccr.Store) (*Pipeline, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	regs, err := ReformatRegistrations(cfg)
	if err != nil {
		return nil, err
	}
	offs, err := OffloadRegistrations(cfg, store)
	if err != nil {
		return nil, err
	}
	return New(cfg.Pipeline, append(regs, offs...)...)
}

// SearchRegistration returns the search offload for search results,
// storing into store. It is not part of OffloadRegistrations; see there.
func SearchRegistration(cfg Config, store ccr.Store) (Registration, error) {
	s, err := offload.NewSearch(cfg.Bloat.Search, store)
	if err != nil {
		return Registration{}, fmt.Errorf("pipeline: %w", err)
	}
	return Offload(s, transform.SearchResults), nil
}
