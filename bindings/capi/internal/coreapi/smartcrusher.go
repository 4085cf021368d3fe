package coreapi

import (
	"context"
	"strings"

	"github.com/headroom-go/headroom/relevance"
	"github.com/headroom-go/headroom/transform/smartcrusher"
)

func init() {
	register("smart_crusher.config", configMethod(newSmartCrusher))
	register("smart_crusher.crush", transformMethod(newSmartCrusher, textParams{query: "query", bias: true}, smartCrusherCrush))
}

// scInert holds the SmartCrusherConfig keywords the reference declares and
// its crush path never reads. They are accepted, so that code written for
// the reference keeps working, and echoed back, but change nothing.
type scInert struct {
	enabled                 bool
	uniquenessThreshold     float64
	similarityThreshold     float64
	includeSummaries        bool
	useFeedbackHints        bool
	toinConfidenceThreshold float64
}

// The reference's defaults for the inert keywords.
func defaultSCInert() scInert {
	return scInert{
		enabled:                 true,
		uniquenessThreshold:     0.1,
		similarityThreshold:     0.8,
		useFeedbackHints:        true,
		toinConfidenceThreshold: 0.5,
	}
}

// smartCrusherFields lists SmartCrusherConfig's keywords in the reference's
// declaration order.
func smartCrusherFields(c *smartcrusher.Config, in *scInert) []field {
	return []field{
		boolField("enabled", &in.enabled),
		intField("min_items_to_analyze", &c.MinItemsToAnalyze),
		intField("min_tokens_to_crush", &c.MinTokensToCrush),
		floatField("variance_threshold", &c.VarianceThreshold),
		floatField("uniqueness_threshold", &in.uniquenessThreshold),
		floatField("similarity_threshold", &in.similarityThreshold),
		intField("max_items_after_crush", &c.MaxItemsAfterCrush),
		boolField("preserve_change_points", &c.PreserveChangePoints),
		boolField("factor_out_constants", &c.FactorOutConstants),
		boolField("include_summaries", &in.includeSummaries),
		boolField("use_feedback_hints", &in.useFeedbackHints),
		floatField("toin_confidence_threshold", &in.toinConfidenceThreshold),
		boolField("dedup_identical_items", &c.DedupIdenticalItems),
		floatField("first_fraction", &c.FirstFraction),
		floatField("last_fraction", &c.LastFraction),
		floatField("relevance_threshold", &c.RelevanceThreshold),
		floatField("lossless_min_savings_ratio", &c.LosslessMinSavingsRatio),
		boolField("enable_ccr_marker", &c.EnableCCRMarker),
		boolField("lossless_only", &c.LosslessOnly),
		floatField("compaction_core_field_fraction", &c.CompactionCoreFieldFraction),
		floatField("compaction_heterogeneous_core_ratio", &c.CompactionHeterogeneousCoreRatio),
		intField("compaction_max_flatten_inner_keys", &c.CompactionMaxFlattenInnerKeys),
		intField("compaction_min_buckets", &c.CompactionMinBuckets),
		intField("compaction_max_buckets", &c.CompactionMaxBuckets),
	}
}

// compactionFormats are the names the "compaction" argument accepts: the
// reference's with_compaction_format names plus "off" for its
// without_compaction constructor.
var compactionFormats = []smartcrusher.CompactionFormat{
	smartcrusher.CompactionCSVSchema,
	smartcrusher.CompactionJSON,
	smartcrusher.CompactionMarkdownKV,
	smartcrusher.CompactionOff,
}

// newSmartCrusher builds the crusher the reference's constructors build:
// its default constraints, the hybrid relevance scorer for queries, and
// the process-wide store behind its markers.
func newSmartCrusher(r *request) (*smartcrusher.Crusher, []field, *Error) {
	cfg, in := smartcrusher.DefaultConfig(), defaultSCInert()
	fs := smartCrusherFields(&cfg, &in)
	if e := decodeInto(r, fs); e != nil {
		return nil, nil, e
	}
	name, e := r.optStr("compaction", string(smartcrusher.CompactionCSVSchema))
	if e != nil {
		return nil, nil, e
	}
	format := smartcrusher.CompactionFormat(name)
	known := false
	for _, f := range compactionFormats {
		known = known || f == format
	}
	if !known {
		names := make([]string, len(compactionFormats))
		for i, f := range compactionFormats {
			names[i] = string(f)
		}
		return nil, nil, valueErr("unknown compaction format %q; expected one of: %s", name, strings.Join(names, ", "))
	}
	c, err := smartcrusher.New(smartcrusher.Options{
		Config:     cfg,
		Store:      Store(),
		Scorer:     smartcrusher.RelevanceScorer(relevance.DefaultHybrid()),
		Compaction: format,
	})
	if err != nil {
		return nil, nil, valueErr("%v", err)
	}
	return c, fs, nil
}

// smartCrusherCrush runs SmartCrusher.crush(content, query="", bias=1.0)
// and returns {compressed, original, was_modified, strategy}.
func smartCrusherCrush(ctx context.Context, _ *request, c *smartcrusher.Crusher, a textArgs) ([]byte, *Error) {
	res, err := c.Crush(ctx, a.content, a.query, a.bias)
	if err != nil {
		return nil, internalErr("%v", err)
	}
	o := newObject()
	o.str("compressed", res.Compressed)
	o.str("original", res.Original)
	o.bool("was_modified", res.WasModified)
	o.str("strategy", res.Strategy)
	return o.done()
}
