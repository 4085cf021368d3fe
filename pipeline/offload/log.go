package offload

import (
	"context"
	"fmt"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/pipeline/internal/linescan"
	"github.com/headroom-go/headroom/signals"
	"github.com/headroom-go/headroom/transform"
	"github.com/headroom-go/headroom/transform/logcompress"
)

// LogName is the log offload's step name.
const LogName = "log_offload"

// LogBloatConfig tunes the log offload's bloat estimate. The TOML keys are
// those of the [bloat.log] section of the pipeline configuration.
//
// The estimate mixes two signals over a sample of the first lines:
// repetition (1 − distinct/sampled: the same heartbeat a thousand times)
// and dilution (the share of lines no more important than
// HighPriorityThreshold: unique noise burying a few errors).
type LogBloatConfig struct {
	// MinLines is the line count below which the estimate is zero.
	MinLines int `toml:"min_lines"`
	// SampleSize is how many leading lines are scored.
	SampleSize int `toml:"sample_size"`
	// HighPriorityThreshold is the keyword priority at or below which a
	// line counts as dilution. Errors score 0.95, warnings 0.75, plain
	// lines 0.
	HighPriorityThreshold float32 `toml:"high_priority_threshold"`
	// UniquenessWeight and PriorityDilutionWeight weigh the two signals;
	// the score is clamped to [0, 1].
	UniquenessWeight       float32 `toml:"uniqueness_weight"`
	PriorityDilutionWeight float32 `toml:"priority_dilution_weight"`
}

// Validate reports the first field outside its documented range.
func (c LogBloatConfig) Validate() error {
	switch {
	case c.MinLines < 0:
		return fmt.Errorf("min_lines must not be negative, got %d", c.MinLines)
	case c.SampleSize < 0:
		return fmt.Errorf("sample_size must not be negative, got %d", c.SampleSize)
	case !finite32(c.HighPriorityThreshold):
		return fmt.Errorf("high_priority_threshold must be finite, got %v", c.HighPriorityThreshold)
	case !(c.UniquenessWeight >= 0) || !finite32(c.UniquenessWeight):
		return fmt.Errorf("uniqueness_weight must be a finite number ≥ 0, got %v", c.UniquenessWeight)
	case !(c.PriorityDilutionWeight >= 0) || !finite32(c.PriorityDilutionWeight):
		return fmt.Errorf("priority_dilution_weight must be a finite number ≥ 0, got %v", c.PriorityDilutionWeight)
	}
	return nil
}

// Log offloads build and test output through LogCompressor, whose
// "Retrieve more: hash=KEY" marker resolves in the store to the full log.
type Log struct {
	cfg      LogBloatConfig
	detector signals.Detector
	comp     *logcompress.Compressor
}

var _ transform.Offloader = (*Log)(nil)

// NewLog returns a log offload storing into store, with the reference's
// default LogCompressor and the default keyword detector for the estimate.
func NewLog(cfg LogBloatConfig, store ccr.Store) (*Log, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("offload: %s: %w", LogName, err)
	}
	if store == nil {
		return nil, fmt.Errorf("offload: %s: %w", LogName, errNoStore)
	}
	lc := logcompress.DefaultConfig()
	lc.Store = store
	comp, err := logcompress.New(lc)
	if err != nil {
		return nil, fmt.Errorf("offload: %s: %w", LogName, err)
	}
	return &Log{cfg: cfg, detector: signals.DefaultKeywordDetector(), comp: comp}, nil
}

// Name implements transform.Offloader.
func (*Log) Name() string { return LogName }

// EstimateBloat scores repetition and dilution over the first SampleSize
// lines; logs shorter than MinLines score 0.
func (l *Log) EstimateBloat(content string) float32 {
	if content == "" || linescan.Count(content) < l.cfg.MinLines {
		return 0
	}
	seen := make(map[string]struct{}, min(l.cfg.SampleSize, 128))
	sampled, low := 0, 0
	sc := linescan.New(content)
	for line, ok := sc.Next(); ok && sampled < l.cfg.SampleSize; line, ok = sc.Next() {
		sampled++
		seen[line] = struct{}{}
		if l.detector.Score(line, signals.Log).Priority <= l.cfg.HighPriorityThreshold {
			low++
		}
	}
	if sampled == 0 {
		return 0
	}
	repetition := 1 - float32(len(seen))/float32(sampled)
	dilution := float32(low) / float32(sampled)
	// Each product is rounded on its own, as in the reference, rather
	// than fused into one multiply-add.
	return clamp01(float32(repetition*l.cfg.UniquenessWeight) + float32(dilution*l.cfg.PriorityDilutionWeight))
}

// Offload compresses content with LogCompressor. When the compressor emits
// no marker (the log was too short, or did not shrink enough to be worth a
// retrieval) the offload is Skipped.
func (l *Log) Offload(ctx context.Context, content string, h transform.Hints) (transform.Result, error) {
	res, err := l.comp.Compress(ctx, content, h.Bias)
	if err != nil {
		return transform.Result{}, transform.Fail(LogName, err)
	}
	if res.CacheKey == "" {
		return transform.Result{}, transform.Skip(LogName, fmt.Sprintf(
			"log compressor emitted no marker (%d of %d lines kept)", res.CompressedLineCount, res.OriginalLineCount))
	}
	return transform.Result{Output: res.Compressed, Key: res.CacheKey}, nil
}
