package comparators

import (
	"context"
	"fmt"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/internal/parity"
	"github.com/headroom-go/headroom/transform/smartcrusher"
)

func init() { register(parity.ComparatorFunc("smart_crusher", runSmartCrusher)) }

// runSmartCrusher replays SmartCrusher::without_compaction(config).crush:
// input {content, query = "", bias = 1.0}; config holds SmartCrusherConfig
// fields, missing ones at their defaults; output
// {compressed, original, was_modified, strategy}. Like the reference, a
// fresh in-memory CCR store is attached (it receives the dropped rows).
func runSmartCrusher(input, config []byte) ([]byte, error) {
	cfg, err := smartCrusherConfig(config)
	if err != nil {
		return nil, err
	}
	in, err := jsonx.Parse(input)
	if err != nil || in.Kind() != jsonx.Object {
		return nil, fmt.Errorf("smart_crusher: input must be an object: %v", err)
	}
	var content, query string
	bias := 1.0
	for _, m := range in.Members() {
		switch m.Key {
		case "content":
			s, ok := m.Value.Str()
			if !ok {
				return nil, fmt.Errorf("smart_crusher: content must be a string")
			}
			content = s
		case "query":
			if !m.Value.IsNull() {
				s, ok := m.Value.Str()
				if !ok {
					return nil, fmt.Errorf("smart_crusher: query must be a string")
				}
				query = s
			}
		case "bias":
			if !m.Value.IsNull() {
				f, ok := m.Value.Float()
				if !ok {
					return nil, fmt.Errorf("smart_crusher: bias must be a number")
				}
				bias = f
			}
		default:
			return nil, fmt.Errorf("smart_crusher: unknown input key %q", m.Key)
		}
	}
	c, err := smartcrusher.New(smartcrusher.Options{
		Config:     cfg,
		Store:      memstore.New(ccr.DefaultCapacity, ccr.DefaultTTL),
		Compaction: smartcrusher.CompactionOff, // without_compaction
	})
	if err != nil {
		return nil, err
	}
	res, err := c.Crush(context.Background(), content, query, bias)
	if err != nil {
		return nil, err
	}
	out := jsonx.ObjectValue([]jsonx.Member{
		{Key: "compressed", Value: jsonx.StringValue(res.Compressed)},
		{Key: "original", Value: jsonx.StringValue(res.Original)},
		{Key: "was_modified", Value: jsonx.BoolValue(res.WasModified)},
		{Key: "strategy", Value: jsonx.StringValue(res.Strategy)},
	})
	return jsonx.AppendCompact(nil, out), nil
}

// smartCrusherConfig maps the fixture's SmartCrusherConfig fields onto
// smartcrusher.Config. Fields the reference declares but never consults
// are accepted and ignored; unknown fields are an error.
func smartCrusherConfig(raw []byte) (smartcrusher.Config, error) {
	cfg := smartcrusher.DefaultConfig()
	v, err := jsonx.Parse(raw)
	if err != nil {
		return cfg, fmt.Errorf("smart_crusher: config: %w", err)
	}
	if v.IsNull() {
		return cfg, nil
	}
	if v.Kind() != jsonx.Object {
		return cfg, fmt.Errorf("smart_crusher: config must be an object")
	}
	for _, m := range v.Members() {
		var err error
		switch m.Key {
		case "enabled", "uniqueness_threshold", "similarity_threshold", "include_summaries",
			"use_feedback_hints", "toin_confidence_threshold":
			// Declared by the reference config, read by nothing on the crush path.
		case "min_items_to_analyze":
			err = scSetInt(&cfg.MinItemsToAnalyze, m.Value)
		case "min_tokens_to_crush":
			err = scSetInt(&cfg.MinTokensToCrush, m.Value)
		case "variance_threshold":
			err = scSetFloat(&cfg.VarianceThreshold, m.Value)
		case "max_items_after_crush":
			err = scSetInt(&cfg.MaxItemsAfterCrush, m.Value)
		case "preserve_change_points":
			err = scSetBool(&cfg.PreserveChangePoints, m.Value)
		case "factor_out_constants":
			err = scSetBool(&cfg.FactorOutConstants, m.Value)
		case "dedup_identical_items":
			err = scSetBool(&cfg.DedupIdenticalItems, m.Value)
		case "first_fraction":
			err = scSetFloat(&cfg.FirstFraction, m.Value)
		case "last_fraction":
			err = scSetFloat(&cfg.LastFraction, m.Value)
		case "relevance_threshold":
			err = scSetFloat(&cfg.RelevanceThreshold, m.Value)
		case "lossless_min_savings_ratio":
			err = scSetFloat(&cfg.LosslessMinSavingsRatio, m.Value)
		case "enable_ccr_marker":
			err = scSetBool(&cfg.EnableCCRMarker, m.Value)
		case "lossless_only":
			err = scSetBool(&cfg.LosslessOnly, m.Value)
		case "compaction_core_field_fraction":
			err = scSetFloat(&cfg.CompactionCoreFieldFraction, m.Value)
		case "compaction_heterogeneous_core_ratio":
			err = scSetFloat(&cfg.CompactionHeterogeneousCoreRatio, m.Value)
		case "compaction_max_flatten_inner_keys":
			err = scSetInt(&cfg.CompactionMaxFlattenInnerKeys, m.Value)
		case "compaction_min_buckets":
			err = scSetInt(&cfg.CompactionMinBuckets, m.Value)
		case "compaction_max_buckets":
			err = scSetInt(&cfg.CompactionMaxBuckets, m.Value)
		default:
			err = fmt.Errorf("unknown field")
		}
		if err != nil {
			return cfg, fmt.Errorf("smart_crusher: config %q: %w", m.Key, err)
		}
	}
	return cfg, nil
}

func scSetInt(dst *int, v jsonx.Value) error {
	i, ok := v.Int64()
	if !ok || i < 0 {
		return fmt.Errorf("want a non-negative integer, got %s", jsonx.Compact(v))
	}
	*dst = int(i)
	return nil
}

func scSetFloat(dst *float64, v jsonx.Value) error {
	f, ok := v.Float()
	if !ok {
		return fmt.Errorf("want a number, got %s", jsonx.Compact(v))
	}
	*dst = f
	return nil
}

func scSetBool(dst *bool, v jsonx.Value) error {
	b, ok := v.Bool()
	if !ok {
		return fmt.Errorf("want a boolean, got %s", jsonx.Compact(v))
	}
	*dst = b
	return nil
}
