package retrieval

import (
	"io"
	"strconv"

	"github.com/headroom-go/headroom/ccr/retrieve"
	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/proxy/sse"
)

// anthropicRounds rewrites an Anthropic Messages stream across rounds.
//
// The client receives the first round's message_start, then the content
// blocks of every round renumbered into one sequence (the continuation's
// block 0 follows the last block already sent), and the final round's
// message_delta, with usage summed over the rounds, and message_stop. The
// headroom_retrieve blocks, the message_delta/message_stop that close a
// retrieval turn, and the continuations' message_start are never sent.
type anthropicRounds struct {
	x *exchange

	round     int
	nextIndex int         // the client's next content-block index
	index     map[int]int // this round: upstream index → client index
	parser    *sse.AnthropicStream
	starts    map[int][]byte // this round: raw content_block of each start
	retrieve  map[int]bool   // this round: upstream indices of headroom_retrieve blocks
	holding   bool
	noHandle  bool // this round passes everything (a client tool call came, or the stream went opaque)
	held      []heldEvent
	sawStop   bool
	errored   bool
	prevUsage []sse.Usage // usage of each finished round
}

func newAnthropicRounds(x *exchange) *anthropicRounds {
	a := &anthropicRounds{x: x}
	a.reset()
	return a
}

func (a *anthropicRounds) reset() {
	a.index = make(map[int]int)
	a.starts = make(map[int][]byte)
	a.retrieve = make(map[int]bool)
	a.parser = sse.NewAnthropicStream(sse.Options{MaxAccumulated: a.x.r.cfg.MaxEventBytes})
	a.holding, a.noHandle, a.held, a.sawStop, a.errored = false, false, nil, false, false
}

func (a *anthropicRounds) opaque(s *streamBody) {
	a.release(s)
	a.noHandle = true
}

func (a *anthropicRounds) abandon(s *streamBody) bool {
	if !a.holding {
		return false
	}
	a.holding, a.held, a.errored = false, nil, true
	s.fail(anthropicError, heldTooLarge, nil)
	return true
}

func (a *anthropicRounds) event(s *streamBody, raw []byte, ev *sse.Event) {
	if ev == nil {
		a.pass(s, raw, nil, sse.AnthropicEvent{Index: -1})
		return
	}
	dec, err := a.parser.Decode(ev)
	switch ev.Name {
	case sse.AnthropicMessageStart:
		if a.round == 0 {
			s.emit(raw)
		}
		return
	case sse.AnthropicPing:
		s.emit(raw) // keep-alive: never held, harmless anywhere
		return
	case sse.AnthropicError:
		a.errored, a.holding, a.held = true, false, nil
		s.emit(raw)
		return
	case sse.AnthropicMessageStop:
		a.sawStop = true
	case sse.AnthropicContentBlockStart:
		if err == nil && dec.Block != nil {
			if cb := memberBytes(ev.Data, "content_block"); cb != nil && !a.noHandle {
				// Kept for the continuation's assistant turn, which a
				// round that passes everything never builds.
				a.starts[dec.Index] = append([]byte(nil), cb...)
			}
			if dec.Block.Type == "tool_use" {
				if dec.Block.Name == retrieve.ToolName && !a.noHandle {
					a.retrieve[dec.Index] = true
					a.holding = true
				} else if dec.Block.Name != retrieve.ToolName {
					// The client must answer this call, so the turn
					// cannot be continued here: what was held goes out
					// as it came.
					if a.holding {
						a.x.r.stats.mixed.Add(1)
					}
					a.release(s)
					a.noHandle = true
				}
			}
		}
	}
	a.pass(s, raw, ev, dec)
}

// pass forwards an event, or holds it while a retrieval turn is open.
func (a *anthropicRounds) pass(s *streamBody, raw []byte, ev *sse.Event, dec sse.AnthropicEvent) {
	if a.holding {
		h := s.holdEvent(raw, ev)
		h.kind = strconv.Itoa(dec.Index)
		a.held = append(a.held, h)
		return
	}
	a.forward(s, raw, ev, dec.Index)
}

// forward sends an event with its block index mapped to the client's.
func (a *anthropicRounds) forward(s *streamBody, raw []byte, ev *sse.Event, index int) {
	if ev == nil {
		s.emit(raw)
		return
	}
	switch ev.Name {
	case sse.AnthropicContentBlockStart, sse.AnthropicContentBlockDelta, sse.AnthropicContentBlockStop:
		if index < 0 {
			s.emit(raw)
			return
		}
		ci, ok := a.index[index]
		if !ok {
			ci = a.nextIndex
			a.index[index] = ci
			a.nextIndex++
		}
		if ci == index {
			s.emit(raw)
			return
		}
		data, err := setMember(ev.Data, "index", strconv.AppendInt(nil, int64(ci), 10))
		if err != nil {
			s.emit(raw)
			return
		}
		s.emitEvent(ev.Name, data)
	case sse.AnthropicMessageDelta:
		if a.round == 0 {
			s.emit(raw)
			return
		}
		s.emitEvent(ev.Name, a.summedDelta(ev.Data))
	default:
		s.emit(raw)
	}
}

// release forwards the held events as they came (renumbered).
func (a *anthropicRounds) release(s *streamBody) {
	held := a.held
	a.holding, a.held = false, nil
	for _, h := range held {
		idx, _ := strconv.Atoi(h.kind)
		if h.ev == nil {
			idx = -1
		}
		a.forward(s, h.raw, h.ev, idx)
	}
}

// summedDelta rewrites a message_delta's usage to the totals over rounds.
func (a *anthropicRounds) summedDelta(data []byte) []byte {
	total := a.parser.Summary().Usage
	for _, u := range a.prevUsage {
		total.InputTokens += u.InputTokens
		total.OutputTokens += u.OutputTokens
		total.CacheCreationTokens += u.CacheCreationTokens
		total.CacheReadTokens += u.CacheReadTokens
	}
	u := memberBytes(data, "usage")
	if u == nil {
		u = []byte("{}")
	}
	uv, err := jsonx.ParseVerbatim(u)
	if err != nil || uv.Kind() != jsonx.Object {
		return data
	}
	var ob jsonx.ObjectBuilder
	for _, m := range uv.Members() {
		ob.Set(m.Key, m.Value)
	}
	set := func(key string, v int64) {
		if _, ok := uv.Get(key); ok || v > 0 {
			ob.Set(key, jsonx.IntValue(v))
		}
	}
	set("input_tokens", total.InputTokens)
	set("cache_creation_input_tokens", total.CacheCreationTokens)
	set("cache_read_input_tokens", total.CacheReadTokens)
	set("output_tokens", total.OutputTokens)
	out, err := setMember(data, "usage", jsonx.AppendCompact(nil, ob.Value()))
	if err != nil {
		return data
	}
	return out
}

func (a *anthropicRounds) end(s *streamBody, readErr error) io.ReadCloser {
	if a.errored || !a.holding {
		return nil
	}
	if readErr != nil || !a.sawStop {
		a.x.r.stats.contFailures.Add(1)
		s.fail(anthropicError, "headroom: the upstream stream ended inside a retrieval turn", nil)
		return nil
	}
	sum := a.parser.Summary()
	if sum.Truncated {
		s.fail(anthropicError, heldTooLarge, nil)
		return nil
	}
	content, calls := a.turn()
	// The rest of the turn (text after the call, say) still reaches the
	// client; the calls and the turn's end do not.
	for _, h := range a.held {
		if h.ev == nil {
			s.emit(h.raw)
			continue
		}
		idx, _ := strconv.Atoi(h.kind)
		switch h.ev.Name {
		case sse.AnthropicMessageDelta, sse.AnthropicMessageStop:
			continue
		}
		if a.retrieve[idx] {
			continue
		}
		a.forward(s, h.raw, h.ev, idx)
	}
	a.held = nil
	turn := append(append([]byte(`{"role":"assistant","content":`), content...), '}')
	a.prevUsage = append(a.prevUsage, sum.Usage)
	next := s.next([][]byte{turn}, calls, anthropicError)
	if next == nil {
		return nil
	}
	a.round++
	a.reset()
	return next
}

// turn rebuilds the model's content array from the round's blocks, and
// the retrieval calls among them.
func (a *anthropicRounds) turn() ([]byte, []toolCall) {
	var calls []toolCall
	items := make([][]byte, 0, 4)
	for _, b := range a.parser.Blocks() {
		str := jsonx.StringValue
		var v jsonx.Value
		switch b.Type {
		case "text":
			m := []jsonx.Member{{Key: "type", Value: str("text")}, {Key: "text", Value: str(b.Text)}}
			if len(b.Citations) > 0 {
				cites := make([]jsonx.Value, 0, len(b.Citations))
				for _, c := range b.Citations {
					if cv, err := jsonx.ParseVerbatim(c); err == nil {
						cites = append(cites, cv)
					}
				}
				m = append(m, jsonx.Member{Key: "citations", Value: jsonx.ArrayValue(cites)})
			}
			v = jsonx.ObjectValue(m)
		case "thinking":
			v = jsonx.ObjectValue([]jsonx.Member{
				{Key: "type", Value: str("thinking")}, {Key: "thinking", Value: str(b.Thinking)},
				{Key: "signature", Value: str(b.Signature)},
			})
		case "tool_use", "server_tool_use", "mcp_tool_use":
			input, err := jsonx.ParseVerbatim([]byte(b.Input))
			if err != nil || b.Input == "" {
				input = jsonx.ObjectValue(nil)
			}
			v = jsonx.ObjectValue([]jsonx.Member{
				{Key: "type", Value: str(b.Type)}, {Key: "id", Value: str(b.ID)},
				{Key: "name", Value: str(b.Name)}, {Key: "input", Value: input},
			})
			if a.retrieve[b.Index] {
				calls = append(calls, toolCall{id: b.ID, hash: hashArg(input)})
			}
		default:
			// Blocks that arrive whole in their start event
			// (redacted_thinking, server tool results) go back as sent.
			if raw, ok := a.starts[b.Index]; ok {
				items = append(items, raw)
			}
			continue
		}
		items = append(items, jsonx.AppendCompact(nil, v))
	}
	return joinArray(items), calls
}

// anthropicError writes Anthropic's stream error event. A refused
// continuation's own error body is relayed when it has Anthropic's shape.
func anthropicError(s *streamBody, msg string, upstream []byte) {
	if t, _ := memberString(upstream, "type"); t == "error" && memberBytes(upstream, "error") != nil {
		if v, err := jsonx.ParseVerbatim(upstream); err == nil {
			s.emitEvent(sse.AnthropicError, jsonx.AppendCompact(nil, v))
			return
		}
	}
	data := jsonx.AppendCompact(nil, jsonx.ObjectValue([]jsonx.Member{
		{Key: "type", Value: jsonx.StringValue("error")},
		{Key: "error", Value: jsonx.ObjectValue([]jsonx.Member{
			{Key: "type", Value: jsonx.StringValue("api_error")},
			{Key: "message", Value: jsonx.StringValue(msg)},
		})},
	}))
	s.emitEvent(sse.AnthropicError, data)
}
