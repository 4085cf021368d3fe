package coreapi

import (
	"context"

	"github.com/headroom-go/headroom/transform/diffcompress"
	"github.com/headroom-go/headroom/transform/logcompress"
	"github.com/headroom-go/headroom/transform/searchcompress"
	"github.com/headroom-go/headroom/transform/textcrush"
)

func init() {
	register("diff_compressor.config", configMethod(newDiffCompressor))
	register("diff_compressor.compress", transformMethod(newDiffCompressor, textParams{query: "context"}, diffCompress))
	register("log_compressor.config", configMethod(newLogCompressor))
	register("log_compressor.compress", transformMethod(newLogCompressor, textParams{bias: true}, logCompress))
	register("search_compressor.config", configMethod(newSearchCompressor))
	register("search_compressor.compress", transformMethod(newSearchCompressor, textParams{query: "context", bias: true}, searchCompress))
	register("text_crusher.config", configMethod(newTextCrusher))
	register("text_crusher.compress", transformMethod(newTextCrusher, textParams{query: "context"}, textCompress))
}

// configMethod turns a constructor into the "<transform>.config" method:
// it validates the config argument the way the compress method would and
// returns every keyword's effective value.
func configMethod[T any](build func(*request) (T, []field, *Error)) handler {
	return func(_ context.Context, r *request) ([]byte, *Error) {
		_, fs, e := build(r)
		if e != nil {
			return nil, e
		}
		return appendConfig(nil, fs), nil
	}
}

// decodeInto applies the request's config argument to fs.
func decodeInto(r *request, fs []field) *Error {
	members, e := r.object("config")
	if e != nil {
		return e
	}
	return decodeConfig(fs, members)
}

// configured applies the request's config argument to fs, the keyword
// table bound to a config the caller filled with defaults, then builds
// the transform from that config with build. A config the transform
// rejects is the caller's value error.
func configured[T any](r *request, fs []field, build func() (T, error)) (T, []field, *Error) {
	var zero T
	if e := decodeInto(r, fs); e != nil {
		return zero, nil, e
	}
	t, err := build()
	if err != nil {
		return zero, nil, valueErr("%v", err)
	}
	return t, fs, nil
}

// textParams names the optional arguments a transform method reads after
// its config and required content: query is the name of its query
// argument ("" for none), bias whether it takes a bias (default 1).
type textParams struct {
	query string
	bias  bool
}

// textArgs holds content and the optional arguments a textParams names;
// one it does not name keeps its default.
type textArgs struct {
	content string
	query   string
	bias    float64
}

// transformMethod builds the "<transform>.compress" method: it builds the
// transform from the config argument, reads content and the arguments p
// names, in that order, and hands them to run, which may read arguments
// of its own.
func transformMethod[T any](build func(*request) (T, []field, *Error), p textParams, run func(context.Context, *request, T, textArgs) ([]byte, *Error)) handler {
	return func(ctx context.Context, r *request) ([]byte, *Error) {
		t, _, e := build(r)
		if e != nil {
			return nil, e
		}
		a := textArgs{bias: 1}
		if a.content, e = r.str("content"); e != nil {
			return nil, e
		}
		if p.query != "" {
			if a.query, e = r.optStr(p.query, ""); e != nil {
				return nil, e
			}
		}
		if p.bias {
			if a.bias, e = r.optFloat("bias", 1); e != nil {
				return nil, e
			}
			if e := checkBias(a.bias); e != nil {
				return nil, e
			}
		}
		return run(ctx, r, t, a)
	}
}

// diffInert holds the DiffCompressorConfig keywords the reference accepts
// and never reads.
type diffInert struct{ keepAdditions, keepDeletions bool }

func newDiffCompressor(r *request) (*diffcompress.Compressor, []field, *Error) {
	cfg := diffcompress.DefaultConfig()
	in := diffInert{keepAdditions: true, keepDeletions: true}
	fs := []field{
		intField("max_context_lines", &cfg.MaxContextLines),
		intField("max_hunks_per_file", &cfg.MaxHunksPerFile),
		intField("max_files", &cfg.MaxFiles),
		boolField("always_keep_additions", &in.keepAdditions),
		boolField("always_keep_deletions", &in.keepDeletions),
		boolField("enable_ccr", &cfg.EnableCCR),
		intField("min_lines_for_ccr", &cfg.MinLines),
		floatField("min_compression_ratio_for_ccr", &cfg.CCRLineRatio),
	}
	return configured(r, fs, func() (*diffcompress.Compressor, error) {
		// The reference emits its marker without storing anything; here
		// the original goes to the process-wide store so the marker
		// resolves.
		cfg.Store = Store()
		return diffcompress.New(cfg)
	})
}

// diffCompress runs DiffCompressor.compress(content, context="").
func diffCompress(ctx context.Context, _ *request, c *diffcompress.Compressor, a textArgs) ([]byte, *Error) {
	res, err := c.Compress(ctx, a.content, a.query)
	if err != nil {
		return nil, internalErr("%v", err)
	}
	o := newObject()
	o.str("compressed", res.Compressed)
	o.int("original_line_count", res.OriginalLineCount)
	o.int("compressed_line_count", res.CompressedLineCount)
	o.int("files_affected", res.FilesAffected)
	o.int("additions", res.Additions)
	o.int("deletions", res.Deletions)
	o.int("hunks_kept", res.HunksKept)
	o.int("hunks_removed", res.HunksRemoved)
	o.keyOrNull("cache_key", res.CacheKey)
	return o.done()
}

func newLogCompressor(r *request) (*logcompress.Compressor, []field, *Error) {
	cfg := logcompress.DefaultConfig()
	fs := []field{
		intField("max_errors", &cfg.MaxErrors),
		intField("error_context_lines", &cfg.ErrorContextLines),
		boolField("keep_first_error", &cfg.KeepFirstError),
		boolField("keep_last_error", &cfg.KeepLastError),
		intField("max_stack_traces", &cfg.MaxStackTraces),
		intField("stack_trace_max_lines", &cfg.StackTraceMaxLines),
		intField("max_warnings", &cfg.MaxWarnings),
		boolField("dedupe_warnings", &cfg.DedupeWarnings),
		boolField("keep_summary_lines", &cfg.KeepSummaryLines),
		intField("max_total_lines", &cfg.MaxTotalLines),
		boolField("enable_ccr", &cfg.EnableCCR),
		intField("min_lines_for_ccr", &cfg.MinLines),
		floatField("min_compression_ratio_for_ccr", &cfg.CCRRatio),
	}
	return configured(r, fs, func() (*logcompress.Compressor, error) {
		cfg.Store = Store()
		return logcompress.New(cfg)
	})
}

// logCompress runs LogCompressor.compress(content, bias=1.0). stats is {}
// when the input was too short to analyse.
func logCompress(ctx context.Context, _ *request, c *logcompress.Compressor, a textArgs) ([]byte, *Error) {
	res, err := c.Compress(ctx, a.content, a.bias)
	if err != nil {
		return nil, internalErr("%v", err)
	}
	stats := newObject()
	if s := res.Stats; s != nil {
		stats.int("errors", s.Errors)
		stats.int("fails", s.Fails)
		stats.int("info", s.Info)
		stats.int("selected", s.Selected)
		stats.int("total", s.Total)
		stats.int("warnings", s.Warnings)
	}
	statsJSON, _ := stats.done() // integers only: cannot fail
	o := newObject()
	o.str("compressed", res.Compressed)
	o.str("original", res.Original)
	o.int("original_line_count", res.OriginalLineCount)
	o.int("compressed_line_count", res.CompressedLineCount)
	o.str("format_detected", res.Format.String())
	o.float("compression_ratio", res.CompressionRatio)
	o.keyOrNull("cache_key", res.CacheKey)
	o.raw("stats", statsJSON)
	return o.done()
}

func newSearchCompressor(r *request) (*searchcompress.Compressor, []field, *Error) {
	cfg := searchcompress.DefaultConfig()
	fs := []field{
		intField("max_matches_per_file", &cfg.MaxMatchesPerFile),
		boolField("always_keep_first", &cfg.AlwaysKeepFirst),
		boolField("always_keep_last", &cfg.AlwaysKeepLast),
		intField("max_total_matches", &cfg.MaxTotalMatches),
		intField("max_files", &cfg.MaxFiles),
		stringsField("context_keywords", &cfg.ContextKeywords),
		boolField("boost_errors", &cfg.BoostErrors),
		boolField("enable_ccr", &cfg.EnableCCR),
		intField("min_matches_for_ccr", &cfg.MinMatchesForCCR),
		floatField("min_compression_ratio_for_ccr", &cfg.CCRRatio),
		boolField("group_by_file", &cfg.GroupByFile),
	}
	return configured(r, fs, func() (*searchcompress.Compressor, error) {
		cfg.Store = Store()
		return searchcompress.New(cfg)
	})
}

// searchCompress runs SearchCompressor.compress(content, context="",
// bias=1.0). summaries maps each file with dropped matches to its note.
func searchCompress(ctx context.Context, _ *request, c *searchcompress.Compressor, a textArgs) ([]byte, *Error) {
	res, err := c.Compress(ctx, a.content, a.query, a.bias)
	if err != nil {
		return nil, internalErr("%v", err)
	}
	sums := newObject()
	for _, s := range res.Summaries {
		sums.str(s.File, s.Text)
	}
	sumsJSON, e := sums.done()
	if e != nil {
		return nil, e
	}
	o := newObject()
	o.str("compressed", res.Compressed)
	o.str("original", a.content)
	o.int("original_match_count", res.OriginalMatches)
	o.int("compressed_match_count", res.CompressedMatches)
	o.int("files_affected", res.FilesAffected)
	o.int("lines_unparsed", res.UnparsedLines)
	o.float("compression_ratio", res.CompressionRatio)
	o.keyOrNull("cache_key", res.CacheKey)
	o.raw("summaries", sumsJSON)
	return o.done()
}

func newTextCrusher(r *request) (*textcrush.Crusher, []field, *Error) {
	cfg := textcrush.DefaultConfig()
	fs := []field{
		floatField("target_ratio", &cfg.TargetRatio),
		floatField("w_recency", &cfg.RecencyWeight),
		floatField("w_relevance", &cfg.RelevanceWeight),
		floatField("w_salience", &cfg.SalienceWeight),
		intField("min_segment_chars", &cfg.MinSegmentBytes),
		floatField("near_dup_threshold", &cfg.NearDupThreshold),
		intField("min_segments_for_crush", &cfg.MinSegments),
	}
	return configured(r, fs, func() (*textcrush.Crusher, error) { return textcrush.New(cfg) })
}

// textCompress runs TextCrusher.compress(content, context="",
// target_ratio=None); None uses the configured ratio.
func textCompress(_ context.Context, r *request, c *textcrush.Crusher, a textArgs) ([]byte, *Error) {
	ratio, given, e := r.optNullableFloat("target_ratio")
	if e != nil {
		return nil, e
	}
	var res textcrush.Result
	if given {
		var err error
		if res, err = c.CompressRatio(a.content, a.query, ratio); err != nil {
			return nil, valueErr("%v", err)
		}
	} else {
		res = c.Compress(a.content, a.query)
	}
	o := newObject()
	o.str("compressed", res.Compressed)
	o.int("original_tokens", res.OriginalTokens)
	o.int("compressed_tokens", res.CompressedTokens)
	o.float("compression_ratio", res.CompressionRatio)
	o.int("kept_segments", res.KeptSegments)
	o.int("total_segments", res.TotalSegments)
	return o.done()
}
