package livezone

import "strconv"

// Outcome says whether a pass rewrote the body.
type Outcome uint8

// Outcomes.
const (
	// NoChange: no block was rewritten; the returned body is the input
	// slice itself and the caller forwards it byte for byte.
	NoChange Outcome = iota
	// Modified: at least one block was compressed; the returned body is a
	// new slice that differs from the input only inside Manifest.Splices.
	Modified
)

func (o Outcome) String() string {
	if o == Modified {
		return "modified"
	}
	return "no_change"
}

// ActionKind is what the dispatcher decided for one block.
type ActionKind uint8

// Action kinds, named as in the reference's manifest.
const (
	// NoCompressionApplied: the content was inspected and no compressor
	// applies to its type, or the compressor left it unchanged.
	// Action.ContentType says which type.
	NoCompressionApplied ActionKind = iota + 1
	// Compressed: the block was replaced by a candidate with strictly
	// fewer tokens.
	Compressed
	// CompressorError: the compressor (or the CCR store) failed; only this
	// block kept its original bytes. Action.Err holds the error.
	CompressorError
	// RejectedNotSmaller: the candidate did not have fewer tokens than the
	// original, which was kept.
	RejectedNotSmaller
	// BelowByteThreshold: the text is shorter than Action.ThresholdBytes,
	// so no compressor ran.
	BelowByteThreshold
	// Excluded: the block is outside the live zone (Action.Reason).
	Excluded
)

var actionNames = [...]string{
	NoCompressionApplied: "no_compression_applied",
	Compressed:           "compressed",
	CompressorError:      "compressor_error",
	RejectedNotSmaller:   "rejected_not_smaller",
	BelowByteThreshold:   "below_byte_threshold",
	Excluded:             "excluded",
}

func (k ActionKind) String() string {
	if int(k) < len(actionNames) && actionNames[k] != "" {
		return actionNames[k]
	}
	return "ActionKind(" + strconv.Itoa(int(k)) + ")"
}

// ExclusionReason says why a block is outside the live zone.
type ExclusionReason uint8

// Exclusion reasons.
const (
	// HotZoneBlockType: tool_use, thinking, redacted_thinking and
	// compaction blocks are part of the cached conversation state even in
	// the latest user message.
	HotZoneBlockType ExclusionReason = iota + 1
	// BelowFrozenFloor: the message is under the cache_control floor.
	BelowFrozenFloor
	// AboveLiveZone: the message comes after the live zone.
	AboveLiveZone
)

func (r ExclusionReason) String() string {
	switch r {
	case HotZoneBlockType:
		return "hot_zone_block_type"
	case BelowFrozenFloor:
		return "below_frozen_floor"
	case AboveLiveZone:
		return "above_live_zone"
	}
	return "ExclusionReason(" + strconv.Itoa(int(r)) + ")"
}

// OutputItemContentType is the Action.ContentType of a Responses output
// below the output-item floor, which is checked before content detection.
const OutputItemContentType = "output_item"

// Action is the decision for one block. Which fields are set depends on
// Kind; the others are zero.
type Action struct {
	Kind ActionKind
	// ContentType is the detected type ("json_array", "text", …) for
	// NoCompressionApplied and BelowByteThreshold, or
	// OutputItemContentType.
	ContentType string
	// Strategy names the compressor for Compressed, RejectedNotSmaller and
	// CompressorError ("smart_crusher", "log_compressor", …).
	Strategy string
	// OriginalBytes and CompressedBytes are the byte lengths of the
	// decoded original and of the candidate (its CCR marker included),
	// OriginalTokens and CompressedTokens their token counts with the
	// model's tokenizer. Set for Compressed and RejectedNotSmaller.
	OriginalBytes, CompressedBytes   int
	OriginalTokens, CompressedTokens int
	// ByteCount and ThresholdBytes are set for BelowByteThreshold.
	ByteCount, ThresholdBytes int
	// Marker is the CCR key appended to a Compressed block ("" when no
	// store was given). The store holds the original under it.
	Marker string
	// Err is the failure for CompressorError.
	Err error
	// Reason is set for Excluded.
	Reason ExclusionReason
}

// BlockOutcome records one examined block.
type BlockOutcome struct {
	// MessageIndex indexes the messages (or Responses input) array.
	MessageIndex int
	// BlockIndex indexes the message's content array, or is -1 when the
	// slot is the message's whole string content or a Responses output.
	BlockIndex int
	// BlockType is the block's type ("tool_result", "text", "tool_use", …)
	// or the slot name ("string_content", "tool_content", "user_string",
	// "user_text", or the Responses item type).
	BlockType string
	Action    Action
}

// Span is a byte range [Start, End).
type Span struct{ Start, End int }

// Splice is one replaced JSON string literal: In is its range in the input
// body (quotes included), Out the range of its replacement in the output.
// Bytes outside the In spans are copied to the output unchanged, in order.
type Splice struct{ In, Out Span }

// SkipReason says why a pass looked at no block at all although the body
// was JSON with the expected array.
type SkipReason string

// Skip reasons.
const (
	// SkipNGreaterThanOne: an OpenAI Chat request asking for several
	// completions (integer n > 1); the reference leaves those alone.
	SkipNGreaterThanOne SkipReason = "n_greater_than_one"
	// SkipUnexpectedShape: the body does not map onto the shape the live
	// zone rewrites — a key it reads ("messages", "input", "content",
	// "type", "text", …) repeats in one object, so which value the
	// provider uses is uncertain, or a content block is not an object, or
	// a content field or block type has an unexpected JSON type. Nothing
	// is rewritten; for Anthropic the blocks are still recorded.
	SkipUnexpectedShape SkipReason = "unexpected_shape"
)

// Manifest describes one pass, whatever its outcome.
type Manifest struct {
	Outcome Outcome
	// Skip is set when the pass stopped before examining blocks.
	Skip SkipReason
	// MessagesTotal is the length of the messages (or input) array.
	MessagesTotal int
	// MessagesBelowFrozenFloor is min(frozen floor, MessagesTotal); always
	// 0 for the OpenAI formats.
	MessagesBelowFrozenFloor int
	// FrozenCount is the floor the pass used (Anthropic).
	FrozenCount int
	// LatestUserMessageIndex is the live-zone user message, or -1.
	LatestUserMessageIndex int
	// Blocks lists every examined block in processing order.
	Blocks []BlockOutcome
	// Splices lists the replaced literals in ascending input order; empty
	// unless Outcome is Modified.
	Splices []Splice
	// BytesIn and BytesOut are the body lengths before and after; the
	// caller sets Content-Length to BytesOut.
	BytesIn, BytesOut int
	// TTLWarnings names the fields ("messages", "system", "tools") whose
	// cache_control markers put a 1h TTL after a 5m one, when the pass
	// computed the frozen floor itself (Options.AutoFrozen).
	TTLWarnings []string
}

// TokensSaved sums OriginalTokens − CompressedTokens over Compressed blocks.
func (m *Manifest) TokensSaved() int {
	n := 0
	for i := range m.Blocks {
		if a := &m.Blocks[i].Action; a.Kind == Compressed && a.OriginalTokens > a.CompressedTokens {
			n += a.OriginalTokens - a.CompressedTokens
		}
	}
	return n
}

// TransformsApplied lists the strategies of Compressed blocks, each once,
// in first-seen order.
func (m *Manifest) TransformsApplied() []string {
	var out []string
	for i := range m.Blocks {
		a := &m.Blocks[i].Action
		if a.Kind != Compressed {
			continue
		}
		seen := false
		for _, s := range out {
			if s == a.Strategy {
				seen = true
				break
			}
		}
		if !seen {
			out = append(out, a.Strategy)
		}
	}
	return out
}

// Count returns how many blocks ended with kind k (CompressorError blocks
// are what the proxy counts as per-block failures).
func (m *Manifest) Count(k ActionKind) int {
	n := 0
	for i := range m.Blocks {
		if m.Blocks[i].Action.Kind == k {
			n++
		}
	}
	return n
}

// NoChangeReason gives the coarse reason the reference logs when a
// Responses pass rewrote nothing: "no_eligible_items" without blocks, else
// the first of compressor_error, rejected_not_smaller, below_output_floor,
// below_plain_text_floor, excluded_live_zone, no_compressible_content that
// any block shows, else "no_change".
func (m *Manifest) NoChangeReason() string {
	if len(m.Blocks) == 0 {
		return "no_eligible_items"
	}
	var seen [Excluded + 1]bool
	outputFloor, textFloor := false, false
	for i := range m.Blocks {
		a := &m.Blocks[i].Action
		if a.Kind < ActionKind(len(seen)) {
			seen[a.Kind] = true
		}
		if a.Kind == BelowByteThreshold {
			if a.ContentType == OutputItemContentType {
				outputFloor = true
			} else {
				textFloor = true
			}
		}
	}
	switch {
	case seen[CompressorError]:
		return "compressor_error"
	case seen[RejectedNotSmaller]:
		return "rejected_not_smaller"
	case outputFloor:
		return "below_output_floor"
	case textFloor:
		return "below_plain_text_floor"
	case seen[Excluded]:
		return "excluded_live_zone"
	case seen[NoCompressionApplied]:
		return "no_compressible_content"
	}
	return "no_change"
}
