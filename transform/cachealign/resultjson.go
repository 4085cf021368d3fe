package cachealign

import "github.com/headroom-go/headroom/internal/jsonx"

// AppendJSON appends r as Python's json.dumps writes the reference's
// TransformResult (default separators, ASCII escapes, fields in dataclass
// order), with the fields the aligner never fills written as the
// reference leaves them: diff_artifact and waste_signals null, timing {}.
func (r Result) AppendJSON(dst []byte) []byte {
	return jsonx.AppendPython(dst, r.value(), jsonx.PyDumpOptions{})
}

func (r Result) value() jsonx.Value {
	prev := jsonx.NullValue()
	if r.CacheMetrics.PreviousHash != "" {
		prev = jsonx.StringValue(r.CacheMetrics.PreviousHash)
	}
	m := r.CacheMetrics
	return jsonx.ObjectValue([]jsonx.Member{
		{Key: "messages", Value: r.Messages},
		{Key: "tokens_before", Value: jsonx.IntValue(int64(r.TokensBefore))},
		{Key: "tokens_after", Value: jsonx.IntValue(int64(r.TokensAfter))},
		{Key: "transforms_applied", Value: stringsValue(r.TransformsApplied)},
		{Key: "markers_inserted", Value: stringsValue(r.MarkersInserted)},
		{Key: "warnings", Value: stringsValue(r.Warnings)},
		{Key: "diff_artifact", Value: jsonx.NullValue()},
		{Key: "cache_metrics", Value: jsonx.ObjectValue([]jsonx.Member{
			{Key: "stable_prefix_bytes", Value: jsonx.IntValue(int64(m.StablePrefixBytes))},
			{Key: "stable_prefix_tokens_est", Value: jsonx.IntValue(int64(m.StablePrefixTokensEst))},
			{Key: "stable_prefix_hash", Value: jsonx.StringValue(m.StablePrefixHash)},
			{Key: "prefix_changed", Value: jsonx.BoolValue(m.PrefixChanged)},
			{Key: "previous_hash", Value: prev},
		})},
		{Key: "timing", Value: jsonx.ObjectValue(nil)},
		{Key: "waste_signals", Value: jsonx.NullValue()},
	})
}

func stringsValue(ss []string) jsonx.Value {
	items := make([]jsonx.Value, len(ss))
	for i, s := range ss {
		items[i] = jsonx.StringValue(s)
	}
	return jsonx.ArrayValue(items)
}
