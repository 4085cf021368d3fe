package sse

import (
	"bytes"
	"reflect"
	"testing"
	"unicode/utf8"
)

// frameFuzz frames data cut at the given offsets and checks the framer's
// invariants on the way.
func frameFuzz(t *testing.T, data []byte, limit int, cuts ...int) ([]framed, error) {
	t.Helper()
	f := &Framer{MaxEventSize: limit}
	var chunks []string
	prev := 0
	for _, c := range cuts {
		c = min(max(c, prev), len(data))
		chunks = append(chunks, string(data[prev:c]))
		prev = c
	}
	chunks = append(chunks, string(data[prev:]))
	var out []framed
	for _, c := range chunks {
		f.Push([]byte(c))
		for {
			e, err := f.Next()
			if err == ErrNeedMore {
				break
			}
			if err != nil {
				out = append(out, framed{Err: err})
				continue
			}
			if !utf8.Valid(e.Data) || !utf8.ValidString(e.Name) {
				t.Fatalf("event with invalid UTF-8: %q %q", e.Name, e.Data)
			}
			if len(e.Raw) > f.maxEventSize()+3 || !bytes.Contains(data, e.Raw) {
				t.Fatalf("raw %q is not a bounded slice of the input", e.Raw)
			}
			out = append(out, framed{Name: e.Name, Data: string(e.Data), ID: e.ID, Retry: e.Retry, Raw: string(e.Raw)})
		}
		// At most one partial event (bounded by the limit) plus the chunk
		// just pushed may be held.
		if f.Buffered() > f.maxEventSize()+2+len(c) {
			t.Fatalf("buffered %d bytes with limit %d and chunk %d", f.Buffered(), f.maxEventSize(), len(c))
		}
	}
	return out, f.End()
}

func FuzzFramer(f *testing.F) {
	f.Add([]byte("event: a\ndata: 1\n\n"), uint16(3), uint16(9), uint16(0))
	f.Add([]byte("data: 👋\r\n\r\n: ping\n\ndata: [DONE]\n\n"), uint16(7), uint16(8), uint16(5))
	f.Fuzz(func(t *testing.T, data []byte, cut1, cut2, limit uint16) {
		max := 0
		if limit > 0 {
			max = int(limit%256) + 1 // small limits exercise the discard path
		}
		whole, wholeEnd := frameFuzz(t, data, max)
		split, splitEnd := frameFuzz(t, data, max, int(cut1), int(cut1)+int(cut2))
		if len(whole) != len(split) {
			t.Fatalf("whole gave %d results, split at %d,%d gave %d", len(whole), cut1, cut2, len(split))
		}
		for i := range whole {
			w, s := whole[i], split[i]
			if (w.Err == nil) != (s.Err == nil) || (w.Err == nil && w != s) {
				t.Fatalf("result %d: whole %v split %v", i, w, s)
			}
		}
		if (wholeEnd == nil) != (splitEnd == nil) {
			t.Fatalf("End: whole %v split %v", wholeEnd, splitEnd)
		}
	})
}

// FuzzStateMachines feeds arbitrary streams to every state machine: no
// panic, state within the configured limits, and the same state however
// the bytes are chunked.
func FuzzStateMachines(f *testing.F) {
	f.Add([]byte("event: message_start\ndata: {\"message\":{\"id\":\"m\",\"usage\":{\"input_tokens\":1}}}\n\n"), uint16(10))
	f.Add([]byte("data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c\"}]}}]}\n\ndata: [DONE]\n\n"), uint16(30))
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		const maxAcc, maxOut = 512, 8
		o := Options{MaxAccumulated: maxAcc, MaxOutputs: maxOut}
		run := func(splits ...int) (*AnthropicStream, *ChatStream, *ResponsesStream) {
			a, c, r := NewAnthropicStream(o), NewChatStream(o), NewResponsesStream(o)
			fr := &Framer{MaxEventSize: 4096}
			prev := 0
			for _, cut := range append(splits, len(data)) {
				cut = min(max(cut, prev), len(data))
				fr.Push(data[prev:cut])
				prev = cut
				for {
					e, err := fr.Next()
					if err == ErrNeedMore {
						break
					}
					if err != nil {
						continue
					}
					a.Observe(e)
					c.Observe(e)
					r.Observe(e)
				}
			}
			return a, c, r
		}
		a, c, r := run()

		kept := 0
		blocks := a.Blocks()
		for _, b := range blocks {
			kept += len(b.Text) + len(b.Thinking) + len(b.Signature) + len(b.Input)
			for _, ci := range b.Citations {
				kept += len(ci)
			}
		}
		if kept > maxAcc || len(blocks) > maxOut {
			t.Fatalf("anthropic kept %d bytes in %d blocks", kept, len(blocks))
		}
		kept = 0
		choices := c.Choices()
		for _, ch := range choices {
			kept += len(ch.Content) + len(ch.Refusal)
			if len(ch.ToolCalls) > maxOut {
				t.Fatalf("%d tool calls", len(ch.ToolCalls))
			}
			for _, tc := range ch.ToolCalls {
				kept += len(tc.Arguments)
			}
		}
		if kept > maxAcc || len(choices) > maxOut {
			t.Fatalf("chat kept %d bytes in %d choices", kept, len(choices))
		}
		kept = 0
		items := r.Items()
		for _, it := range items {
			kept += len(it.Text) + len(it.Arguments) + len(it.ReasoningSummary)
			if len(it.Parts) > maxOut {
				t.Fatalf("%d parts", len(it.Parts))
			}
		}
		if kept > maxAcc || len(items) > maxOut {
			t.Fatalf("responses kept %d bytes in %d items", kept, len(items))
		}
		for _, s := range []Summary{a.Summary(), c.Summary(), r.Summary()} {
			if len(s.Problems) > maxProblems {
				t.Fatalf("%d problems recorded", len(s.Problems))
			}
			if s.Usage.InputTokens < 0 || s.Usage.OutputTokens < 0 || s.Usage.CacheReadTokens < 0 || s.Usage.CacheCreationTokens < 0 {
				t.Fatalf("negative usage %+v", s.Usage)
			}
			if rate, ok := s.Usage.CacheHitRate(); ok && (rate < 0 || rate > 1) {
				t.Fatalf("hit rate %v", rate)
			}
		}

		a2, c2, r2 := run(int(cut))
		if !reflect.DeepEqual(a.Summary(), a2.Summary()) || !reflect.DeepEqual(blocks, a2.Blocks()) {
			t.Fatalf("anthropic state depends on chunking (cut %d)", cut)
		}
		if !reflect.DeepEqual(c.Summary(), c2.Summary()) || !reflect.DeepEqual(choices, c2.Choices()) {
			t.Fatalf("chat state depends on chunking (cut %d)", cut)
		}
		if !reflect.DeepEqual(r.Summary(), r2.Summary()) || !reflect.DeepEqual(items, r2.Items()) {
			t.Fatalf("responses state depends on chunking (cut %d)", cut)
		}
	})
}
