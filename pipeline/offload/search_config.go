package offload

import "fmt"

// SearchBloatConfig tunes the search offload's bloat estimate. The TOML keys
// are those of the [bloat.search] section of the pipeline configuration.
//
// Search output is bloated when its matches cluster in few files: the
// estimate is (matches per file − 1) / ClusterThreshold, clamped to [0, 1].
type SearchBloatConfig struct {
	// MinMatches is the match-line count below which the estimate is zero.
	MinMatches int `toml:"min_matches"`
	// ClusterThreshold is the average number of matches per file, beyond
	// the first, at which the estimate reaches 1. It must be > 0.
	ClusterThreshold float32 `toml:"cluster_threshold"`
}

// Validate reports the first field outside its documented range.
func (c SearchBloatConfig) Validate() error {
	if c.MinMatches < 0 {
		return fmt.Errorf("min_matches must not be negative, got %d", c.MinMatches)
	}
	if !(c.ClusterThreshold > 0) || !finite32(c.ClusterThreshold) {
		return fmt.Errorf("cluster_threshold must be a finite number > 0, got %v", c.ClusterThreshold)
	}
	return nil
}
