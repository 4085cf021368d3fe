package retrieval

import (
	"io"

	"github.com/headroom-go/headroom/ccr/retrieve"
	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/proxy/sse"
)

// chatRounds rewrites an OpenAI Chat Completions stream across rounds.
//
// Chunks flow through until one starts a headroom_retrieve tool call; from
// there the round's chunks are held. When the round ends with only
// retrieval calls, the held chunks' text (if any) is sent without their
// tool calls, and the continuation's chunks follow; its tool calls need no
// renumbering because none reached the client in the held round. The
// finish_reason "tool_calls" chunk, the held usage chunk and the held
// [DONE] are dropped; a later usage chunk carries the totals over rounds.
// Only single-choice streams (n=1) are resolved.
type chatRounds struct {
	x *exchange

	round     int
	parser    *sse.ChatStream
	holding   bool
	noHandle  bool
	held      []heldEvent
	usage     []byte // this round's usage object
	errored   bool
	prevUsage [][]byte
}

func newChatRounds(x *exchange) *chatRounds {
	c := &chatRounds{x: x}
	c.reset()
	return c
}

func (c *chatRounds) reset() {
	c.parser = sse.NewChatStream(sse.Options{MaxAccumulated: c.x.r.cfg.MaxEventBytes})
	c.holding, c.noHandle, c.held, c.usage, c.errored = false, false, nil, nil, false
}

func (c *chatRounds) opaque(s *streamBody) {
	c.release(s)
	c.noHandle = true
}

func (c *chatRounds) abandon(s *streamBody) bool {
	if !c.holding {
		return false
	}
	c.holding, c.held, c.errored = false, nil, true
	s.fail(chatError, heldTooLarge, nil)
	return true
}

func (c *chatRounds) event(s *streamBody, raw []byte, ev *sse.Event) {
	if ev == nil {
		c.pass(s, raw, nil, false)
		return
	}
	if ev.IsDone() {
		c.pass(s, raw, ev, false)
		return
	}
	chunk, _ := c.parser.Decode(ev)
	if chunk.Error != nil {
		c.errored, c.holding, c.held = true, false, nil
		s.emit(raw)
		return
	}
	if chunk.Usage != nil {
		if u := memberBytes(ev.Data, "usage"); u != nil {
			c.usage = append(c.usage[:0], u...)
		}
	}
	for _, ch := range chunk.Choices {
		if ch.Index != 0 {
			c.release(s)
			c.noHandle = true
			continue
		}
		for _, tc := range ch.ToolCalls {
			if !tc.HasName {
				continue
			}
			switch {
			case tc.Name == retrieve.ToolName && !c.noHandle:
				c.holding = true
			case tc.Name != retrieve.ToolName:
				if c.holding {
					c.x.r.stats.mixed.Add(1)
				}
				c.release(s)
				c.noHandle = true
			}
		}
	}
	c.pass(s, raw, ev, chunk.Usage != nil)
}

func (c *chatRounds) pass(s *streamBody, raw []byte, ev *sse.Event, hasUsage bool) {
	if c.holding {
		c.held = append(c.held, s.holdEvent(raw, ev))
		return
	}
	if hasUsage && c.round > 0 {
		if data, ok := c.summed(ev.Data); ok {
			s.emitEvent(ev.Name, data)
			return
		}
	}
	s.emit(raw)
}

func (c *chatRounds) release(s *streamBody) {
	held := c.held
	c.holding, c.held = false, nil
	for _, h := range held {
		s.emit(h.raw)
	}
}

// summed rewrites a chunk's usage to the totals over rounds.
func (c *chatRounds) summed(data []byte) ([]byte, bool) {
	sp, ok, err := member(data, "usage")
	if err != nil || !ok {
		return nil, false
	}
	u, ok := sumUsage(data[sp.start:sp.end], c.prevUsage...)
	if !ok {
		return nil, false
	}
	return replaceSpan(data, sp, u), true
}

func (c *chatRounds) end(s *streamBody, readErr error) io.ReadCloser {
	if c.errored || !c.holding {
		return nil
	}
	choices := c.parser.Choices()
	if readErr != nil || len(choices) != 1 || choices[0].FinishReason == "" {
		c.x.r.stats.contFailures.Add(1)
		s.fail(chatError, "headroom: the upstream stream ended inside a retrieval turn", nil)
		return nil
	}
	if c.parser.Summary().Truncated {
		s.fail(chatError, heldTooLarge, nil)
		return nil
	}
	ch := choices[0]
	calls := make([]toolCall, 0, len(ch.ToolCalls))
	tcs := make([]jsonx.Value, 0, len(ch.ToolCalls))
	str := jsonx.StringValue
	for _, tc := range ch.ToolCalls {
		calls = append(calls, toolCall{id: tc.ID, hash: hashFromArguments(tc.Arguments)})
		typ := tc.Type
		if typ == "" {
			typ = "function"
		}
		tcs = append(tcs, jsonx.ObjectValue([]jsonx.Member{
			{Key: "id", Value: str(tc.ID)}, {Key: "type", Value: str(typ)},
			{Key: "function", Value: jsonx.ObjectValue([]jsonx.Member{
				{Key: "name", Value: str(tc.Name)}, {Key: "arguments", Value: str(tc.Arguments)},
			})},
		}))
	}
	content := jsonx.NullValue()
	if ch.Content != "" {
		content = str(ch.Content)
	}
	turn := jsonx.AppendCompact(nil, jsonx.ObjectValue([]jsonx.Member{
		{Key: "role", Value: str("assistant")}, {Key: "content", Value: content},
		{Key: "tool_calls", Value: jsonx.ArrayValue(tcs)},
	}))
	// Text the model wrote in the held chunks still reaches the client.
	for _, h := range c.held {
		if h.ev == nil {
			s.emit(h.raw)
			continue
		}
		if data, ok := textOnlyChunk(h.ev.Data); ok {
			s.emitEvent(h.ev.Name, data)
		}
	}
	c.held = nil
	if c.usage != nil {
		c.prevUsage = append(c.prevUsage, c.usage)
	}
	next := s.next([][]byte{turn}, calls, chatError)
	if next == nil {
		return nil
	}
	c.round++
	c.reset()
	return next
}

// textOnlyChunk returns a held chunk without its tool calls, finish
// reason and usage, when what remains still carries text.
func textOnlyChunk(data []byte) ([]byte, bool) {
	v, err := jsonx.ParseVerbatim(data)
	if err != nil || v.Kind() != jsonx.Object {
		return nil, false
	}
	choices, _ := v.Get("choices")
	keep := false
	newChoices := make([]jsonx.Value, 0, choices.Len())
	for _, ch := range choices.Items() {
		delta, _ := ch.Get("delta")
		var nd jsonx.ObjectBuilder
		text := false
		for _, m := range delta.Members() {
			if m.Key == "tool_calls" {
				continue
			}
			if s, ok := m.Value.Str(); ok && s != "" && (m.Key == "content" || m.Key == "refusal") {
				text = true
			}
			nd.Set(m.Key, m.Value)
		}
		if !text {
			continue
		}
		keep = true
		var nc jsonx.ObjectBuilder
		for _, m := range ch.Members() {
			switch m.Key {
			case "delta":
				nc.Set("delta", nd.Value())
			case "finish_reason":
				nc.Set("finish_reason", jsonx.NullValue())
			default:
				nc.Set(m.Key, m.Value)
			}
		}
		newChoices = append(newChoices, nc.Value())
	}
	if !keep {
		return nil, false
	}
	var out jsonx.ObjectBuilder
	for _, m := range v.Members() {
		switch m.Key {
		case "choices":
			out.Set("choices", jsonx.ArrayValue(newChoices))
		case "usage":
		default:
			out.Set(m.Key, m.Value)
		}
	}
	return jsonx.AppendCompact(nil, out.Value()), true
}

// chatError writes an OpenAI-style in-stream error chunk. A refused
// continuation's own error object is relayed when it has that shape.
func chatError(s *streamBody, msg string, upstream []byte) {
	if e := memberBytes(upstream, "error"); len(e) > 0 && e[0] == '{' {
		if v, err := jsonx.ParseVerbatim(e); err == nil {
			s.emitEvent("", jsonx.AppendCompact(nil, jsonx.ObjectValue([]jsonx.Member{{Key: "error", Value: v}})))
			return
		}
	}
	s.emitEvent("", jsonx.AppendCompact(nil, jsonx.ObjectValue([]jsonx.Member{
		{Key: "error", Value: jsonx.ObjectValue([]jsonx.Member{
			{Key: "message", Value: jsonx.StringValue(msg)},
			{Key: "type", Value: jsonx.StringValue("server_error")},
			{Key: "code", Value: jsonx.NullValue()},
		})},
	})))
}
