package retrieval

import (
	"io"
	"strconv"

	"github.com/headroom-go/headroom/ccr/retrieve"
	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/proxy/sse"
)

// responsesRounds rewrites an OpenAI Responses stream across rounds.
//
// The client receives the first round's response.created and
// response.in_progress, the output items of every round renumbered into
// one sequence of output_index values, sequence numbers that keep rising
// across rounds, and the final round's terminal event (response.completed,
// say) whose response carries every output item the client was sent and
// the usage summed over rounds. The headroom_retrieve function_call items
// and the terminal event of a retrieval turn are never sent.
type responsesRounds struct {
	x *exchange

	round      int
	lastSeq    int64 // the last sequence_number the client got
	nextOutput int   // the client's next output_index
	index      map[int]int
	retrieve   map[int]bool
	holding    bool
	noHandle   bool
	held       []heldEvent
	terminal   []byte // this round's response object from its terminal event
	errored    bool
	sentItems  [][]byte // items of earlier rounds the client was sent
	prevUsage  [][]byte
}

func newResponsesRounds(x *exchange) *responsesRounds {
	r := &responsesRounds{x: x, lastSeq: -1}
	r.reset()
	return r
}

func (r *responsesRounds) reset() {
	r.index = make(map[int]int)
	r.retrieve = make(map[int]bool)
	r.holding, r.noHandle, r.held, r.terminal, r.errored = false, false, nil, nil, false
}

func (r *responsesRounds) opaque(s *streamBody) {
	r.release(s)
	r.noHandle = true
}

// eventType is the event's "type" (the data names it even when the
// upstream sends no event line).
func eventType(ev *sse.Event) string {
	if t, ok := memberString(ev.Data, "type"); ok {
		return t
	}
	return ev.Name
}

func isTerminal(t string) bool {
	return t == sse.ResponsesCompleted || t == sse.ResponsesIncomplete || t == sse.ResponsesFailed
}

func (r *responsesRounds) abandon(s *streamBody) bool {
	if !r.holding {
		return false
	}
	r.holding, r.held, r.errored = false, nil, true
	s.fail(responsesError(r), heldTooLarge, nil)
	return true
}

func (r *responsesRounds) event(s *streamBody, raw []byte, ev *sse.Event) {
	if ev == nil {
		r.pass(s, raw, nil)
		return
	}
	switch t := eventType(ev); {
	case t == sse.ResponsesError:
		r.errored, r.holding, r.held = true, false, nil
		r.forward(s, raw, ev)
		return
	case t == sse.ResponsesCreated || t == sse.ResponsesInProgress || t == sse.ResponsesQueued:
		if r.round > 0 {
			return
		}
	case isTerminal(t):
		r.terminal = append([]byte(nil), memberBytes(ev.Data, "response")...)
	case t == sse.ResponsesOutputItemAdded:
		item := memberBytes(ev.Data, "item")
		it, _ := memberString(item, "type")
		name, _ := memberString(item, "name")
		oi, ok := memberInt(ev.Data, "output_index")
		switch {
		case it == "function_call" && name == retrieve.ToolName && !r.noHandle && ok:
			r.retrieve[int(oi)] = true
			r.holding = true
		case responsesClientItem(it) && !(it == "function_call" && name == retrieve.ToolName):
			if r.holding {
				r.x.r.stats.mixed.Add(1)
			}
			r.release(s)
			r.noHandle = true
		}
	}
	r.pass(s, raw, ev)
}

func (r *responsesRounds) pass(s *streamBody, raw []byte, ev *sse.Event) {
	if r.holding {
		r.held = append(r.held, s.holdEvent(raw, ev))
		return
	}
	r.forward(s, raw, ev)
}

func (r *responsesRounds) release(s *streamBody) {
	held := r.held
	r.holding, r.held = false, nil
	for _, h := range held {
		r.forward(s, h.raw, h.ev)
	}
}

// forward sends an event with its output_index and sequence_number mapped
// to the client's; the bytes are unchanged when both already match.
func (r *responsesRounds) forward(s *streamBody, raw []byte, ev *sse.Event) {
	if ev == nil {
		s.emit(raw)
		return
	}
	data := ev.Data
	changed := false
	if oi, ok := memberInt(data, "output_index"); ok && oi >= 0 {
		ci, seen := r.index[int(oi)]
		if !seen {
			ci = r.nextOutput
			r.index[int(oi)] = ci
			r.nextOutput++
		}
		if int64(ci) != oi {
			if d, err := setMember(data, "output_index", strconv.AppendInt(nil, int64(ci), 10)); err == nil {
				data, changed = d, true
			}
		}
	}
	if seq, ok := memberInt(data, "sequence_number"); ok {
		want := r.lastSeq + 1
		if seq > r.lastSeq && r.round == 0 && !changed {
			want = seq // the first round keeps its numbers while it can
		}
		if want != seq {
			if d, err := setMember(data, "sequence_number", strconv.AppendInt(nil, want, 10)); err == nil {
				data, changed = d, true
			}
		}
		r.lastSeq = want
	}
	if t := eventType(ev); isTerminal(t) && r.round > 0 {
		if d, ok := r.finalResponse(data); ok {
			data, changed = d, true
		}
	}
	if !changed {
		s.emit(raw)
		return
	}
	s.emitEvent(ev.Name, data)
}

// finalResponse rewrites the terminal event's response: every output item
// the client was sent, and usage summed over rounds.
func (r *responsesRounds) finalResponse(data []byte) ([]byte, bool) {
	sp, ok, err := member(data, "response")
	if err != nil || !ok {
		return nil, false
	}
	resp := data[sp.start:sp.end]
	if out := memberBytes(resp, "output"); out != nil {
		elems, err := arrayElements(out)
		if err == nil {
			items := append([][]byte(nil), r.sentItems...)
			for _, e := range elems {
				items = append(items, out[e.start:e.end])
			}
			if nr, err := setMember(resp, "output", joinArray(items)); err == nil {
				resp = nr
			}
		}
	}
	if us, ok, _ := member(resp, "usage"); ok {
		if u, ok := sumUsage(resp[us.start:us.end], r.prevUsage...); ok {
			resp = replaceSpan(resp, us, u)
		}
	}
	return replaceSpan(data, sp, resp), true
}

func (r *responsesRounds) end(s *streamBody, readErr error) io.ReadCloser {
	if r.errored || !r.holding {
		return nil
	}
	if readErr != nil || r.terminal == nil {
		r.x.r.stats.contFailures.Add(1)
		s.fail(responsesError(r), "headroom: the upstream stream ended inside a retrieval turn", nil)
		return nil
	}
	if st, _ := memberString(r.terminal, "status"); st != "completed" {
		s.fail(responsesError(r), "headroom: the model's retrieval turn ended with status "+strconv.Quote(st), nil)
		return nil
	}
	state, calls, items := turnCalls(formatResponses, r.terminal)
	if state != onlyRetrieve {
		// The terminal response disagrees with the events: let the client
		// have the turn as it came.
		r.release(s)
		return nil
	}
	// Output items other than the calls still reach the client.
	for _, h := range r.held {
		if h.ev == nil {
			s.emit(h.raw)
			continue
		}
		if isTerminal(eventType(h.ev)) {
			continue
		}
		if oi, ok := memberInt(h.ev.Data, "output_index"); ok && r.retrieve[int(oi)] {
			continue
		}
		r.forward(s, h.raw, h.ev)
	}
	r.held = nil
	if out := memberBytes(r.terminal, "output"); out != nil {
		if elems, err := arrayElements(out); err == nil {
			for i, e := range elems {
				if !r.retrieve[i] {
					r.sentItems = append(r.sentItems, out[e.start:e.end])
				}
			}
		}
	}
	if u := memberBytes(r.terminal, "usage"); u != nil {
		r.prevUsage = append(r.prevUsage, u)
	}
	next := s.next(items, calls, responsesError(r))
	if next == nil {
		return nil
	}
	r.round++
	r.reset()
	return next
}

// responsesError writes the Responses API's stream error event, numbered
// after the last event the client got.
func responsesError(r *responsesRounds) func(s *streamBody, msg string, upstream []byte) {
	return func(s *streamBody, msg string, upstream []byte) {
		code, message := "server_error", msg
		if e := memberBytes(upstream, "error"); e != nil {
			if m, ok := memberString(e, "message"); ok {
				message = m
			}
			if c, ok := memberString(e, "code"); ok {
				code = c
			}
		}
		r.lastSeq++
		s.emitEvent(sse.ResponsesError, jsonx.AppendCompact(nil, jsonx.ObjectValue([]jsonx.Member{
			{Key: "type", Value: jsonx.StringValue(sse.ResponsesError)},
			{Key: "code", Value: jsonx.StringValue(code)},
			{Key: "message", Value: jsonx.StringValue(message)},
			{Key: "param", Value: jsonx.NullValue()},
			{Key: "sequence_number", Value: jsonx.IntValue(r.lastSeq)},
		})))
	}
}
