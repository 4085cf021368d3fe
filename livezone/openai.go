package livezone

import (
	"context"

	"github.com/headroom-go/headroom/livezone/internal/scan"
)

// OpenAIChat compresses the live zone of a /v1/chat/completions body: the
// content string of the latest role "tool" message (block type
// "tool_content") and the latest role "user" message's string content
// ("user_string") or each of its {"type":"text"} parts with a string text
// ("user_text"), the tool slot first. The two are chosen independently, so
// the tool message may be older than the user message; compression is
// deterministic, so a rewritten older message stays cache-stable. There is
// no frozen floor (Options.FrozenCount and AutoFrozen are ignored). With
// Options.Store every compressed slot gets a CCR marker as in Anthropic,
// which the reference does not do (see the package doc).
//
// A body whose top-level "n" is an integer greater than 1 (several
// completions) is left alone: NoChange with Skip SkipNGreaterThanOne,
// checked before the messages array.
//
// Results and errors are as for Anthropic.
func OpenAIChat(ctx context.Context, body []byte, opts Options) ([]byte, Manifest, error) {
	opts.FrozenCount, opts.AutoFrozen = 0, false
	var p pass
	if err := begin(ctx, body, &opts, &p); err != nil {
		return body, noPass(body), err
	}
	return p.end(p.openAIChat())
}

// isIntAbove1 reports whether node n is a JSON integer literal greater than
// 1. JSON integers have no leading zeros, so any literal of two or more
// digits is at least 10.
func isIntAbove1(d *scan.Doc, n int) bool {
	if d.Kind(n) != scan.Number {
		return false
	}
	raw := d.Raw(n)
	for _, c := range raw {
		if c < '0' || c > '9' {
			return false // sign, fraction or exponent: not a plain integer > 1
		}
	}
	return len(raw) > 1 || raw[0] >= '2'
}

func (p *pass) openAIChat() error {
	d := p.doc
	if nv, _ := d.Field(0, "n"); isIntAbove1(d, nv) {
		p.m.Skip = SkipNGreaterThanOne
		return nil
	}
	msgs, dup := d.Field(0, "messages")
	if d.Kind(msgs) != scan.Array {
		return ErrNoMessagesArray
	}
	total := int(d.Node(msgs).Len)
	if total == 0 {
		return nil
	}
	p.m.MessagesTotal = total
	tool, toolIdx, user, userIdx := -1, -1, -1, -1
	p.each(msgs, func(i, msg int) bool {
		role := p.strField(msg, "role")
		switch {
		case d.StringEquals(role, "tool"):
			tool, toolIdx = msg, i
		case d.StringEquals(role, "user"):
			user, userIdx = msg, i
		}
		return true
	})
	p.m.LatestUserMessageIndex = userIdx
	if dup > 1 {
		p.m.Skip = SkipUnexpectedShape
		return nil
	}
	if tool >= 0 {
		// Only a single string content is a slot; array content (parts)
		// or a repeated key leave the tool message alone.
		if c, n := d.Field(tool, "content"); n == 1 && d.Kind(c) == scan.String {
			if err := p.block(toolIdx, -1, "tool_content", c, false); err != nil {
				return err
			}
		}
	}
	if user < 0 {
		return nil
	}
	c, n := d.Field(user, "content")
	if n > 1 {
		return nil
	}
	switch d.Kind(c) {
	case scan.String:
		return p.block(userIdx, -1, "user_string", c, false)
	case scan.Array:
	default:
		return nil
	}
	if !p.userPartsPlannable(c) {
		return nil
	}
	var err error
	p.each(c, func(pi, part int) bool {
		if !d.StringEquals(p.strField(part, "type"), "text") {
			return true // image_url, input_audio, file, …
		}
		if t := p.strField(part, "text"); t >= 0 {
			err = p.block(userIdx, pi, "user_text", t, false)
		}
		return err == nil
	})
	return err
}

// userPartsPlannable reports whether every part of a Chat user content
// array is an object with at most one "type" (a string or null) and one
// "content", and every text part at most one "text"; otherwise the
// reference plans no user slot at all.
func (p *pass) userPartsPlannable(arr int) bool {
	d := p.doc
	ok := true
	p.each(arr, func(_, part int) bool {
		t, tn := d.Field(part, "type")
		_, cn := d.Field(part, "content")
		_, xn := d.Field(part, "text")
		ok = d.Kind(part) == scan.Object && tn <= 1 && cn <= 1 &&
			(tn == 0 || d.Kind(t) == scan.String || d.Kind(t) == scan.Null) &&
			(xn <= 1 || !d.StringEquals(t, "text"))
		return ok
	})
	return ok
}

// responsesOutputTypes are the Responses items whose string "output" is a
// live-zone slot: tool results the next model turn reads.
var responsesOutputTypes = [...]string{"function_call_output", "local_shell_call_output", "apply_patch_call_output"}

// retrieveTool is the CCR retrieval tool; its outputs must reach the model
// verbatim (an MCP client prefixes the name with "<server>__").
const (
	retrieveTool       = "headroom_retrieve"
	retrieveToolSuffix = "__" + retrieveTool
)

// OpenAIResponses compresses the live zone of a /v1/responses body: the
// string "output" of every function_call_output, local_shell_call_output
// and apply_patch_call_output item of "input" (or of "messages" when there
// is no "input" key) — all of them, as clients batch parallel tool results
// in one request — except the outputs of headroom_retrieve calls. An output
// shorter than MinBlockBytes is BelowByteThreshold with content type
// OutputItemContentType. Message items, reasoning, compaction and every
// other item are never touched. No frozen floor; with Options.Store every
// compressed output gets a CCR marker as in Anthropic, beyond the
// reference (see the package doc).
//
// Results and errors are as for Anthropic.
func OpenAIResponses(ctx context.Context, body []byte, opts Options) ([]byte, Manifest, error) {
	opts.FrozenCount, opts.AutoFrozen = 0, false
	var p pass
	if err := begin(ctx, body, &opts, &p); err != nil {
		return body, noPass(body), err
	}
	return p.end(p.openAIResponses())
}

func (p *pass) openAIResponses() error {
	d := p.doc
	items, dup := d.Field(0, "input")
	if dup == 0 {
		items, dup = d.Field(0, "messages")
	}
	if d.Kind(items) != scan.Array {
		return ErrNoMessagesArray
	}
	total := int(d.Node(items).Len)
	if total == 0 {
		return nil
	}
	p.m.MessagesTotal = total
	if dup > 1 {
		p.m.Skip = SkipUnexpectedShape
		return nil
	}
	// call_id nodes of headroom_retrieve calls.
	var retrieveIDs []int
	p.each(items, func(_, it int) bool {
		if !d.StringEquals(p.strField(it, "type"), "function_call") {
			return true
		}
		name := p.strField(it, "name")
		if name < 0 {
			return true
		}
		if nm := p.text(name); nm != retrieveTool && !hasSuffix(nm, retrieveToolSuffix) {
			return true
		}
		if id := p.strField(it, "call_id"); id >= 0 {
			retrieveIDs = append(retrieveIDs, id)
		}
		return true
	})
	var err error
	p.each(items, func(i, it int) bool {
		t := p.strField(it, "type")
		typ := ""
		for _, ot := range responsesOutputTypes {
			if d.StringEquals(t, ot) {
				typ = ot
				break
			}
		}
		if typ == "" {
			return true
		}
		if id := p.strField(it, "call_id"); id >= 0 {
			for _, r := range retrieveIDs {
				if d.StringEquals(id, p.text(r)) {
					return true
				}
			}
		}
		out, n := d.Field(it, "output")
		if n != 1 || d.Kind(out) != scan.String {
			return true // absent, repeated, or structured output: not a slot
		}
		err = p.block(i, -1, typ, out, true)
		return err == nil
	})
	return err
}

func hasSuffix(s, suffix string) bool {
	return len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix
}
