package comparators

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/internal/parity"
	"github.com/headroom-go/headroom/transform/diffcompress"
)

func init() { register(parity.ComparatorFunc("diff_compressor", runDiffCompressor)) }

// diffFixtureConfig is the fixture config; a missing field keeps the
// reference default and an unknown one is an error.
type diffFixtureConfig struct {
	MaxContextLines     *int     `json:"max_context_lines"`
	MaxHunksPerFile     *int     `json:"max_hunks_per_file"`
	MaxFiles            *int     `json:"max_files"`
	EnableCCR           *bool    `json:"enable_ccr"`
	MinLinesForCCR      *int     `json:"min_lines_for_ccr"`
	MinCompressionRatio *float64 `json:"min_compression_ratio_for_ccr"`
	// The reference accepts these and never reads them.
	AlwaysKeepAdditions *bool `json:"always_keep_additions"`
	AlwaysKeepDeletions *bool `json:"always_keep_deletions"`
}

// runDiffCompressor replays DiffCompressor.compress(content, ""). The
// reference emits its marker without a store; ours only emits one that
// resolves, so an in-memory store is attached, which yields the same bytes.
func runDiffCompressor(input, config []byte) ([]byte, error) {
	content, err := stringInput("diff_compressor", input)
	if err != nil {
		return nil, err
	}
	var fc diffFixtureConfig
	if err := decodeStrict(config, &fc); err != nil {
		return nil, fmt.Errorf("diff_compressor: config: %w", err)
	}
	cfg := diffcompress.DefaultConfig()
	setIfGiven(&cfg.MaxContextLines, fc.MaxContextLines)
	setIfGiven(&cfg.MaxHunksPerFile, fc.MaxHunksPerFile)
	setIfGiven(&cfg.MaxFiles, fc.MaxFiles)
	setIfGiven(&cfg.MinLines, fc.MinLinesForCCR)
	setIfGiven(&cfg.EnableCCR, fc.EnableCCR)
	setIfGiven(&cfg.CCRLineRatio, fc.MinCompressionRatio)
	cfg.Store = memstore.New(1, time.Minute)
	c, err := diffcompress.New(cfg)
	if err != nil {
		return nil, err
	}
	r, err := c.Compress(context.Background(), content, "")
	if err != nil {
		return nil, err
	}
	out := []byte(`{"additions":`)
	out = strconv.AppendInt(out, int64(r.Additions), 10)
	out = append(out, `,"cache_key":`...)
	out = appendKeyOrNull(out, r.CacheKey)
	out = append(out, `,"compressed":`...)
	out = jsonx.AppendCompactString(out, r.Compressed)
	out = append(out, `,"compressed_line_count":`...)
	out = strconv.AppendInt(out, int64(r.CompressedLineCount), 10)
	out = append(out, `,"deletions":`...)
	out = strconv.AppendInt(out, int64(r.Deletions), 10)
	out = append(out, `,"files_affected":`...)
	out = strconv.AppendInt(out, int64(r.FilesAffected), 10)
	out = append(out, `,"hunks_kept":`...)
	out = strconv.AppendInt(out, int64(r.HunksKept), 10)
	out = append(out, `,"hunks_removed":`...)
	out = strconv.AppendInt(out, int64(r.HunksRemoved), 10)
	out = append(out, `,"original_line_count":`...)
	out = strconv.AppendInt(out, int64(r.OriginalLineCount), 10)
	return append(out, '}'), nil
}
