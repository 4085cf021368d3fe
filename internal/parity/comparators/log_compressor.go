package comparators

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/internal/parity"
	"github.com/headroom-go/headroom/internal/pycompat"
	"github.com/headroom-go/headroom/transform/logcompress"
)

func init() { register(parity.ComparatorFunc("log_compressor", runLogCompressor)) }

// logFixtureConfig is the fixture config; a missing field keeps the
// reference default and an unknown one is an error.
type logFixtureConfig struct {
	MaxErrors           *int     `json:"max_errors"`
	ErrorContextLines   *int     `json:"error_context_lines"`
	KeepFirstError      *bool    `json:"keep_first_error"`
	KeepLastError       *bool    `json:"keep_last_error"`
	MaxStackTraces      *int     `json:"max_stack_traces"`
	StackTraceMaxLines  *int     `json:"stack_trace_max_lines"`
	MaxWarnings         *int     `json:"max_warnings"`
	DedupeWarnings      *bool    `json:"dedupe_warnings"`
	KeepSummaryLines    *bool    `json:"keep_summary_lines"`
	MaxTotalLines       *int     `json:"max_total_lines"`
	EnableCCR           *bool    `json:"enable_ccr"`
	MinLinesForCCR      *int     `json:"min_lines_for_ccr"`
	MinCompressionRatio *float64 `json:"min_compression_ratio_for_ccr"`
}

// fixtureLogBias is the bias the log fixtures were recorded with.
const fixtureLogBias = 1.0

// runLogCompressor replays LogCompressor.compress_with_store(content, 1.0,
// store). The reference's own comparator is a stub; the fixtures were
// recorded from a compressor that always had a store, so one is attached.
func runLogCompressor(input, config []byte) ([]byte, error) {
	content, err := stringInput("log_compressor", input)
	if err != nil {
		return nil, err
	}
	var fc logFixtureConfig
	if err := decodeStrict(config, &fc); err != nil {
		return nil, fmt.Errorf("log_compressor: config: %w", err)
	}
	cfg := logcompress.DefaultConfig()
	setIfGiven(&cfg.MaxErrors, fc.MaxErrors)
	setIfGiven(&cfg.ErrorContextLines, fc.ErrorContextLines)
	setIfGiven(&cfg.KeepFirstError, fc.KeepFirstError)
	setIfGiven(&cfg.KeepLastError, fc.KeepLastError)
	setIfGiven(&cfg.MaxStackTraces, fc.MaxStackTraces)
	setIfGiven(&cfg.StackTraceMaxLines, fc.StackTraceMaxLines)
	setIfGiven(&cfg.MaxWarnings, fc.MaxWarnings)
	setIfGiven(&cfg.DedupeWarnings, fc.DedupeWarnings)
	setIfGiven(&cfg.KeepSummaryLines, fc.KeepSummaryLines)
	setIfGiven(&cfg.MaxTotalLines, fc.MaxTotalLines)
	setIfGiven(&cfg.EnableCCR, fc.EnableCCR)
	setIfGiven(&cfg.MinLines, fc.MinLinesForCCR)
	setIfGiven(&cfg.CCRRatio, fc.MinCompressionRatio)
	cfg.Store = memstore.New(1, time.Minute)
	c, err := logcompress.New(cfg)
	if err != nil {
		return nil, err
	}
	r, err := c.Compress(context.Background(), content, fixtureLogBias)
	if err != nil {
		return nil, err
	}
	out := []byte(`{"cache_key":`)
	out = appendKeyOrNull(out, r.CacheKey)
	out = append(out, `,"compressed":`...)
	out = jsonx.AppendCompactString(out, r.Compressed)
	out = append(out, `,"compressed_line_count":`...)
	out = strconv.AppendInt(out, int64(r.CompressedLineCount), 10)
	out = append(out, `,"compression_ratio":`...)
	out = pycompat.AppendPyRepr(out, r.CompressionRatio)
	out = append(out, `,"format_detected":`...)
	out = jsonx.AppendCompactString(out, r.Format.String())
	out = append(out, `,"original":`...)
	out = jsonx.AppendCompactString(out, r.Original)
	out = append(out, `,"original_line_count":`...)
	out = strconv.AppendInt(out, int64(r.OriginalLineCount), 10)
	out = append(out, `,"stats":{`...)
	if s := r.Stats; s != nil {
		for i, kv := range []struct {
			k string
			v int
		}{{"errors", s.Errors}, {"fails", s.Fails}, {"info", s.Info}, {"selected", s.Selected}, {"total", s.Total}, {"warnings", s.Warnings}} {
			if i > 0 {
				out = append(out, ',')
			}
			out = jsonx.AppendCompactString(out, kv.k)
			out = append(out, ':')
			out = strconv.AppendInt(out, int64(kv.v), 10)
		}
	}
	return append(out, "}}"...), nil
}
