package livezone

import (
	"context"
	"fmt"
	"sync"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/transform"
	"github.com/headroom-go/headroom/transform/diffcompress"
	"github.com/headroom-go/headroom/transform/logcompress"
	"github.com/headroom-go/headroom/transform/searchcompress"
	"github.com/headroom-go/headroom/transform/smartcrusher"
)

// Strategy tags of the default compressors, as the reference names them in
// manifests, logs and metrics.
const (
	StrategySmartCrusher     = "smart_crusher"
	StrategyLogCompressor    = "log_compressor"
	StrategySearchCompressor = "search_compressor"
	StrategyDiffCompressor   = "diff_compressor"
)

// liveZoneBias is the relevance bias the live zone passes: the minimum the
// adaptive sizers keep.
const liveZoneBias = 0.0

// Compressors is the default BlockCompressor: the reference's live-zone
// routing from content type to compressor, each with its default
// configuration and no query.
//
//   - json_array → SmartCrusher with the lossless compaction stage;
//   - build → LogCompressor and search → SearchCompressor, never with a
//     store, so they add no retrieval line;
//   - diff → DiffCompressor;
//   - source_code, text, html → no compressor.
//
// With a store, SmartCrusher's row-drop and opaque-string markers and
// DiffCompressor's retrieval line resolve in it (and the live zone adds a
// block marker for the whole original). Without one nothing dropped could
// ever be retrieved, so only lossless work is done: SmartCrusher's
// compaction stage and nothing else. Compressors is safe for concurrent use.
type Compressors struct {
	crusher  *smartcrusher.Crusher
	logs     *logcompress.Compressor
	searches *searchcompress.Compressor
	diffs    *diffcompress.Compressor
	// lossless is set when there is no store: lossy compressors are skipped.
	lossless bool
}

// NewCompressors builds the default compressors. store receives the
// originals behind SmartCrusher's and DiffCompressor's own markers; pass the
// proxy's CCR store so those markers resolve. A nil store means lossless
// only (see Compressors).
func NewCompressors(store ccr.Store) (*Compressors, error) {
	scCfg := smartcrusher.DefaultConfig()
	scCfg.EnableCCRMarker = store != nil
	scCfg.LosslessOnly = store == nil
	sc, err := smartcrusher.New(smartcrusher.Options{Config: scCfg, Store: store})
	if err != nil {
		return nil, fmt.Errorf("livezone: smart crusher: %w", err)
	}
	lc, err := logcompress.New(logcompress.DefaultConfig())
	if err != nil {
		return nil, fmt.Errorf("livezone: log compressor: %w", err)
	}
	scmp, err := searchcompress.New(searchcompress.DefaultConfig())
	if err != nil {
		return nil, fmt.Errorf("livezone: search compressor: %w", err)
	}
	dcCfg := diffcompress.DefaultConfig()
	dcCfg.Store = store
	dc, err := diffcompress.New(dcCfg)
	if err != nil {
		return nil, fmt.Errorf("livezone: diff compressor: %w", err)
	}
	return &Compressors{crusher: sc, logs: lc, searches: scmp, diffs: dc, lossless: store == nil}, nil
}

// Default returns the shared store-less (so lossless-only) Compressors,
// built on first use; the error can only come from an invalid built-in
// configuration.
func Default() (BlockCompressor, error) { return defaultCompressors() }

var defaultCompressors = sync.OnceValues(func() (BlockCompressor, error) {
	c, err := NewCompressors(nil)
	if err != nil {
		return nil, err
	}
	return c, nil
})

// CompressBlock implements BlockCompressor.
func (c *Compressors) CompressBlock(ctx context.Context, text string, ct transform.ContentType) (Candidate, error) {
	switch ct {
	case transform.JSONArray:
		r, err := c.crusher.Crush(ctx, text, "", liveZoneBias)
		if err != nil {
			return Candidate{Strategy: StrategySmartCrusher}, err
		}
		if !r.WasModified {
			return Candidate{}, nil
		}
		return Candidate{Text: r.Compressed, Strategy: StrategySmartCrusher}, nil
	}
	if c.lossless {
		return Candidate{}, nil // everything below drops content
	}
	switch ct {
	case transform.BuildOutput:
		r, err := c.logs.Compress(ctx, text, liveZoneBias)
		if err != nil {
			return Candidate{Strategy: StrategyLogCompressor}, err
		}
		// A log with no error, warning or summary line keeps no line at
		// all; the empty result would erase the whole tool output.
		if r.Compressed == text || r.CompressedLineCount == 0 {
			return Candidate{}, nil
		}
		return Candidate{Text: r.Compressed, Strategy: StrategyLogCompressor}, nil
	case transform.SearchResults:
		r, err := c.searches.Compress(ctx, text, "", liveZoneBias)
		if err != nil {
			return Candidate{Strategy: StrategySearchCompressor}, err
		}
		if r.Compressed == text {
			return Candidate{}, nil
		}
		return Candidate{Text: r.Compressed, Strategy: StrategySearchCompressor}, nil
	case transform.GitDiff:
		r, err := c.diffs.Compress(ctx, text, "")
		if err != nil {
			return Candidate{Strategy: StrategyDiffCompressor}, err
		}
		if r.Compressed == text {
			return Candidate{}, nil
		}
		return Candidate{Text: r.Compressed, Strategy: StrategyDiffCompressor}, nil
	}
	return Candidate{}, nil
}

var _ BlockCompressor = (*Compressors)(nil)
