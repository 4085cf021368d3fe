package smartcrusher

import (
	"fmt"
	"strconv"

	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/transform/smartcrusher/compaction"
)

// CompactionFormat selects the lossless compaction stage New installs.
type CompactionFormat string

// The compaction stages.
const (
	// CompactionCSVSchema renders tables as "[N]{name:type,…}" plus CSV
	// rows. The zero CompactionFormat means this, as the reference's
	// default constructor does.
	CompactionCSVSchema CompactionFormat = "csv-schema"
	// CompactionJSON renders tables as a compact JSON object.
	CompactionJSON CompactionFormat = "json"
	// CompactionMarkdownKV renders one Markdown "key: value" item per row.
	CompactionMarkdownKV CompactionFormat = "markdown-kv"
	// CompactionOff disables the stage: arrays of objects go straight to
	// the lossy path. This is the reference's without_compaction, the
	// configuration every parity fixture was recorded with.
	CompactionOff CompactionFormat = "off"
)

// compactionStage is the lossless stage of a Crusher.
type compactionStage struct {
	cfg compaction.Config
	fmt compaction.Formatter
}

// newCompactionStage builds the stage for format from cfg's compaction
// knobs; nil for CompactionOff. Every format honours the knobs (the
// reference's by-name constructor pins the compactor defaults instead,
// which only differs when a caller changes them).
func newCompactionStage(format CompactionFormat, cfg *Config) (*compactionStage, error) {
	if format == "" {
		format = CompactionCSVSchema
	}
	if format == CompactionOff {
		return nil, nil
	}
	f, ok := compaction.FormatterByName(string(format))
	if !ok {
		return nil, fmt.Errorf("smartcrusher: unknown compaction format %q (want one of %v or %q)",
			format, compaction.FormatterNames(), CompactionOff)
	}
	cc := compaction.DefaultConfig()
	cc.CoreFieldFraction = cfg.CompactionCoreFieldFraction
	cc.HeterogeneousCoreRatio = cfg.CompactionHeterogeneousCoreRatio
	cc.MaxFlattenInnerKeys = cfg.CompactionMaxFlattenInnerKeys
	cc.MinBuckets = cfg.CompactionMinBuckets
	cc.MaxBuckets = cfg.CompactionMaxBuckets
	// With markers off (or lossless-only), long strings stay verbatim so
	// the table is marker-free.
	cc.Classify.EmitOpaqueMarkers = cfg.opaqueMarkers()
	return &compactionStage{cfg: cc, fmt: f}, nil
}

// tryLossless compacts a dict array and returns the rendering when it
// saves at least LosslessMinSavingsRatio of the array's compact JSON size
// (the items' bytes plus brackets and commas). The opaque payloads of a
// winning rendering are stored before it is returned.
func (c *Crusher) tryLossless(st *crushState, items []jsonx.Value, strs []string) (arrayResult, bool) {
	comp := compaction.Compact(items, &c.compaction.cfg)
	if !comp.Compacted() {
		return arrayResult{}, false
	}
	inputBytes := len(strs) + 1 // brackets plus n-1 commas
	for _, s := range strs {
		inputBytes += len(s)
	}
	rendered := c.compaction.fmt.AppendFormat(make([]byte, 0, inputBytes/2), comp)
	savings := 1 - float64(len(rendered))/float64(inputBytes)
	if savings < c.cfg.LosslessMinSavingsRatio {
		return arrayResult{}, false
	}
	// Payloads are stored only for renderings that ship: a declined
	// rendering's markers never reach anyone.
	if c.store != nil && st.err == nil {
		if err := compaction.StoreRefs(st.ctx, c.store, comp); err != nil {
			st.fail(err)
		}
	}
	return arrayResult{
		kept:     items,
		strategy: "lossless:" + comp.Shape.String(),
		lossless: true,
		rendered: string(rendered),
	}, true
}

// losslessInfo is process_value's info for a compacted array:
// "lossless:table(50->len=812)".
func losslessInfo(strategy string, n, renderedLen int) string {
	return strategy + "(" + strconv.Itoa(n) + "->len=" + strconv.Itoa(renderedLen) + ")"
}
