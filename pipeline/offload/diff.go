package offload

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/pipeline/internal/linescan"
	"github.com/headroom-go/headroom/transform"
	"github.com/headroom-go/headroom/transform/diffcompress"
)

// DiffName is the diff offload's step name.
const DiffName = "diff_offload"

// DiffBloatConfig tunes the diff offload's bloat estimate. The TOML keys
// are those of the [bloat.diff] section of the pipeline configuration.
type DiffBloatConfig struct {
	// MinLines is the line count below which the estimate is zero.
	MinLines int `toml:"min_lines"`
	// NormalContextRatio is the share of hunk lines that are unchanged
	// context at or below which a diff counts as dense (score 0); from
	// there the score rises linearly to 1 at all-context. In [0, 1].
	NormalContextRatio float64 `toml:"normal_context_ratio"`
}

// Validate reports the first field outside its documented range.
func (c DiffBloatConfig) Validate() error {
	if c.MinLines < 0 {
		return fmt.Errorf("min_lines must not be negative, got %d", c.MinLines)
	}
	if !(c.NormalContextRatio >= 0 && c.NormalContextRatio <= 1) {
		return fmt.Errorf("normal_context_ratio must be in [0, 1], got %v", c.NormalContextRatio)
	}
	return nil
}

// Diff offloads unified diffs through DiffCompressor, whose "Retrieve full
// diff: hash=KEY" marker resolves in the store to the whole diff.
type Diff struct {
	cfg  DiffBloatConfig
	comp *diffcompress.Compressor
}

var _ transform.Offloader = (*Diff)(nil)

// NewDiff returns a diff offload storing into store, with the reference's
// default DiffCompressor.
func NewDiff(cfg DiffBloatConfig, store ccr.Store) (*Diff, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("offload: %s: %w", DiffName, err)
	}
	if store == nil {
		return nil, fmt.Errorf("offload: %s: %w", DiffName, errNoStore)
	}
	dc := diffcompress.DefaultConfig()
	dc.Store = store
	comp, err := diffcompress.New(dc)
	if err != nil {
		return nil, fmt.Errorf("offload: %s: %w", DiffName, err)
	}
	return &Diff{cfg: cfg, comp: comp}, nil
}

// Name implements transform.Offloader.
func (*Diff) Name() string { return DiffName }

// EstimateBloat scores how much of the diff's hunks is unchanged context.
// Lines count as hunk lines after an "@@" header until the next
// "diff --git"; "+++" and "---" file headers are not changes.
func (d *Diff) EstimateBloat(content string) float32 {
	total, change, context := 0, 0, 0
	inHunk := false
	sc := linescan.New(content)
	for line, ok := sc.Next(); ok; line, ok = sc.Next() {
		total++
		switch {
		case strings.HasPrefix(line, "@@"):
			inHunk = true
		case strings.HasPrefix(line, "diff --git"):
			inHunk = false
		case strings.HasPrefix(line, "+++"), strings.HasPrefix(line, "---"):
		case !inHunk || line == "":
		case line[0] == '+' || line[0] == '-':
			change++
		case line[0] == ' ':
			context++
		}
	}
	if total < d.cfg.MinLines || context+change == 0 {
		return 0
	}
	ratio := float64(context) / float64(context+change)
	normal := d.cfg.NormalContextRatio
	if ratio <= normal {
		return 0
	}
	span := 1 - normal
	if span <= 0 {
		return 1
	}
	return clamp01(float32(math.Min(math.Max((ratio-normal)/span, 0), 1)))
}

// Offload compresses content with DiffCompressor; h.Query steers which
// hunks survive. When the compressor emits no marker the offload is
// Skipped.
func (d *Diff) Offload(ctx context.Context, content string, h transform.Hints) (transform.Result, error) {
	res, err := d.comp.Compress(ctx, content, h.Query)
	if err != nil {
		return transform.Result{}, transform.Fail(DiffName, err)
	}
	if res.CacheKey == "" {
		return transform.Result{}, transform.Skip(DiffName, fmt.Sprintf(
			"diff compressor emitted no marker (%d of %d lines kept)", res.CompressedLineCount, res.OriginalLineCount))
	}
	return transform.Result{Output: res.Compressed, Key: res.CacheKey}, nil
}
