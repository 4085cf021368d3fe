package comparators

import (
	"bytes"
	"context"
	"encoding/json"
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
	var content string
	if err := json.Unmarshal(input, &content); err != nil {
		return nil, fmt.Errorf("diff_compressor: input must be a JSON string: %w", err)
	}
	var fc diffFixtureConfig
	if err := decodeStrict(config, &fc); err != nil {
		return nil, fmt.Errorf("diff_compressor: config: %w", err)
	}
	cfg := diffcompress.DefaultConfig()
	setInt(&cfg.MaxContextLines, fc.MaxContextLines)
	setInt(&cfg.MaxHunksPerFile, fc.MaxHunksPerFile)
	setInt(&cfg.MaxFiles, fc.MaxFiles)
	setInt(&cfg.MinLines, fc.MinLinesForCCR)
	if fc.EnableCCR != nil {
		cfg.EnableCCR = *fc.EnableCCR
	}
	if fc.MinCompressionRatio != nil {
		cfg.CCRLineRatio = *fc.MinCompressionRatio
	}
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

// decodeStrict decodes a fixture config object into dst, rejecting unknown
// fields; null or empty leaves dst untouched.
func decodeStrict(config []byte, dst any) error {
	config = bytes.TrimSpace(config)
	if len(config) == 0 || bytes.Equal(config, []byte("null")) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(config))
	dec.DisallowUnknownFields()
	return dec.Decode(dst)
}

func setInt(dst *int, v *int) {
	if v != nil {
		*dst = *v
	}
}

// appendKeyOrNull writes a CCR key, or null when there is none.
func appendKeyOrNull(dst []byte, key string) []byte {
	if key == "" {
		return append(dst, "null"...)
	}
	return jsonx.AppendCompactString(dst, key)
}
