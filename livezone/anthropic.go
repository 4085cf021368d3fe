package livezone

import (
	"context"

	"github.com/headroom-go/headroom/livezone/internal/scan"
)

// hotZoneTypes are the Anthropic block types that belong to the cached
// conversation state even inside the latest user message: rewriting a
// tool_use or a thinking block's signature breaks the next turn.
var hotZoneTypes = [...]string{"tool_use", "thinking", "redacted_thinking", "compaction"}

func isHotZone(t string) bool {
	for _, h := range hotZoneTypes {
		if t == h {
			return true
		}
	}
	return false
}

// Anthropic compresses the live zone of a /v1/messages body: the latest
// message with role "user" whose index is at least the frozen floor. Its
// string content, or each of its blocks — tool_result content strings and
// text blocks (a typeless block with a string "text" counts as text, the
// Bedrock Converse shape) — goes through the per-block pipeline;
// tool_use, thinking, redacted_thinking and compaction blocks are
// Excluded, other blocks (image, document, …) recorded as
// NoCompressionApplied. Nothing before or after that message is touched.
//
// The returned body is the input slice itself unless the Manifest's
// Outcome is Modified. On error it is also the input, and the caller
// forwards it: ErrBodyNotJSON, ErrNoMessagesArray, ErrInvalidOptions, or
// the context's error.
func Anthropic(ctx context.Context, body []byte, opts Options) ([]byte, Manifest, error) {
	var p pass
	if err := begin(ctx, body, &opts, &p); err != nil {
		return body, noPass(body), err
	}
	return p.end(p.anthropic(&opts))
}

func (p *pass) anthropic(opts *Options) error {
	d := p.doc
	msgs, dup := d.Field(0, "messages")
	if d.Kind(msgs) != scan.Array {
		return ErrNoMessagesArray
	}
	floor := opts.FrozenCount
	if opts.AutoFrozen {
		f := frozenFromDoc(d)
		floor, p.m.TTLWarnings = f.Count, f.TTLWarnings
	}
	p.m.FrozenCount = floor
	total := int(d.Node(msgs).Len)
	if total == 0 {
		return nil
	}
	p.m.MessagesTotal = total
	p.m.MessagesBelowFrozenFloor = min(floor, total)

	target, targetIdx := -1, -1
	p.each(msgs, func(i, msg int) bool {
		if i >= floor && d.StringEquals(p.strField(msg, "role"), "user") {
			target, targetIdx = msg, i
		}
		return true
	})
	if target < 0 {
		return nil
	}
	p.m.LatestUserMessageIndex = targetIdx

	content, n := d.Field(target, "content")
	if dup > 1 || !p.plannable(content, n) {
		// The reference cannot map such a body onto its typed view either;
		// it forwards the body and records what it can see.
		p.m.Skip = SkipUnexpectedShape
		p.observe(targetIdx, content)
		return nil
	}
	switch d.Kind(content) {
	case scan.Invalid, scan.Null: // no content: nothing to examine
		return nil
	case scan.String:
		return p.block(targetIdx, -1, "string_content", content, false)
	}
	var err error
	p.each(content, func(bi, blk int) bool {
		typ, slot := p.anthropicSlot(blk)
		if isHotZone(typ) {
			p.m.Blocks = append(p.m.Blocks, BlockOutcome{MessageIndex: targetIdx, BlockIndex: bi, BlockType: typ,
				Action: Action{Kind: Excluded, Reason: HotZoneBlockType}})
			return true
		}
		err = p.block(targetIdx, bi, typ, slot, false)
		return err == nil
	})
	return err
}

// anthropicSlot returns a content block's type and the string node to
// compress (-1 when the block has no compressible string).
func (p *pass) anthropicSlot(blk int) (typ string, slot int) {
	t, _ := p.doc.Field(blk, "type")
	switch {
	case p.doc.Kind(t) == scan.String:
		typ = p.text(t)
	case p.strField(blk, "text") >= 0:
		typ = "text" // Bedrock Converse: {"text": "..."} without a type
	default:
		return "unknown", -1
	}
	switch typ {
	case "tool_result":
		return typ, p.strField(blk, "content")
	case "text":
		return typ, p.strField(blk, "text")
	}
	return typ, -1
}

// plannable reports whether the target message's content (n occurrences of
// the key) maps onto the shapes the live zone rewrites: absent or null, a
// string, or an array of objects whose type is a string or null and whose "type",
// "content" and (for text blocks) "text" keys are not repeated.
func (p *pass) plannable(content, n int) bool {
	d := p.doc
	if n > 1 {
		return false
	}
	switch d.Kind(content) {
	case scan.Invalid, scan.Null, scan.String:
		return true
	case scan.Array:
	default:
		return false
	}
	ok := true
	p.each(content, func(_, blk int) bool {
		if d.Kind(blk) != scan.Object {
			ok = false
			return false
		}
		t, tn := d.Field(blk, "type")
		_, cn := d.Field(blk, "content")
		if tn > 1 || cn > 1 || (tn == 1 && d.Kind(t) != scan.String && d.Kind(t) != scan.Null) {
			ok = false
			return false
		}
		if typ, _ := p.anthropicSlot(blk); typ == "text" {
			if _, xn := d.Field(blk, "text"); xn > 1 {
				ok = false
				return false
			}
		}
		return true
	})
	return ok
}

// observe records what an unplannable target message holds, without
// compressing anything.
func (p *pass) observe(msgIdx, content int) {
	d := p.doc
	switch d.Kind(content) {
	case scan.String:
		p.m.Blocks = append(p.m.Blocks, BlockOutcome{MessageIndex: msgIdx, BlockIndex: -1, BlockType: "string_content",
			Action: Action{Kind: NoCompressionApplied, ContentType: "text"}})
	case scan.Array:
		p.each(content, func(bi, blk int) bool {
			typ := "unknown"
			if t := p.strField(blk, "type"); t >= 0 {
				typ = p.text(t)
			}
			a := Action{Kind: NoCompressionApplied, ContentType: "unknown"}
			if isHotZone(typ) {
				a = Action{Kind: Excluded, Reason: HotZoneBlockType}
			}
			p.m.Blocks = append(p.m.Blocks, BlockOutcome{MessageIndex: msgIdx, BlockIndex: bi, BlockType: typ, Action: a})
			return true
		})
	}
}
