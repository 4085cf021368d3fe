package sse

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// framed is one Next result in comparable form.
type framed struct {
	Name, Data, ID string
	Retry          int64
	Raw            string
	Err            error // a sentinel, compared with errors.Is
}

func (f framed) String() string {
	if f.Err != nil {
		return fmt.Sprintf("error(%v)", f.Err)
	}
	return fmt.Sprintf("{name=%q data=%q id=%q retry=%d raw=%q}", f.Name, f.Data, f.ID, f.Retry, f.Raw)
}

// ev builds an expected event; Raw is checked only when raw is non-empty.
func ev(name, data string) framed { return framed{Name: name, Data: data, Retry: -1} }

// frameChunks pushes chunks one at a time, draining after each, and
// returns every result plus End's error.
func frameChunks(f *Framer, chunks []string) ([]framed, error) {
	var out []framed
	for _, c := range chunks {
		f.Push([]byte(c))
		for {
			e, err := f.Next()
			if err == ErrNeedMore {
				break
			}
			if err != nil {
				for _, s := range []error{ErrEventTooLarge, ErrInvalidUTF8} {
					if errors.Is(err, s) {
						err = s
					}
				}
				out = append(out, framed{Err: err})
				continue
			}
			out = append(out, framed{Name: e.Name, Data: string(e.Data), ID: e.ID, Retry: e.Retry, Raw: string(e.Raw)})
		}
	}
	return out, f.End()
}

func sameFramed(got, want []framed, checkRaw bool) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		g, w := got[i], want[i]
		if !checkRaw || w.Raw == "" {
			g.Raw, w.Raw = "", ""
		}
		if g.Err != w.Err || (g.Err == nil && g != w) {
			return false
		}
	}
	return true
}

type framerCase struct {
	name    string
	in      string
	max     int // MaxEventSize; 0 = default
	want    []framed
	wantEnd error // nil or ErrTruncated
}

var framerCases = []framerCase{
	{
		name: "anthropic events with an emoji",
		in: "event: content_block_delta\ndata: {\"text\":\"hi 👋\"}\n\n" +
			"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
		want: []framed{
			{Name: "content_block_delta", Data: `{"text":"hi 👋"}`, Retry: -1,
				Raw: "event: content_block_delta\ndata: {\"text\":\"hi 👋\"}\n\n"},
			{Name: "message_stop", Data: `{"type":"message_stop"}`, Retry: -1,
				Raw: "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"},
		},
	},
	{
		name: "CRLF line endings",
		in:   "event: ping\r\ndata: {}\r\n\r\ndata: x\r\n\r\n",
		want: []framed{
			{Name: "ping", Data: "{}", Retry: -1, Raw: "event: ping\r\ndata: {}\r\n\r\n"},
			{Data: "x", Retry: -1, Raw: "data: x\r\n\r\n"},
		},
	},
	{
		name: "mixed LF and CRLF blank lines",
		in:   "data: a\r\n\ndata: b\n\r\ndata: c\n\n",
		want: []framed{ev("", "a"), ev("", "b"), ev("", "c")},
	},
	{
		name: "comments and keep-alives produce no event",
		in:   ": ping\n\n:\n\n: note\ndata: kept\n\n: trailing ping\n\n",
		want: []framed{ev("", "kept")},
	},
	{
		name: "multi-line data joined with LF",
		in:   "data: first\ndata:second\ndata\ndata:  indented\n\n",
		want: []framed{ev("", "first\nsecond\n\n indented")},
	},
	{
		name: "empty data line still dispatches",
		in:   "data:\n\ndata\n\n",
		want: []framed{ev("", ""), ev("", "")},
	},
	{
		name: "missing final blank line leaves the event undispatched",
		in:   "data: one\n\ndata: two\n",
		want: []framed{ev("", "one")}, wantEnd: ErrTruncated,
	},
	{
		name: "trailing line breaks after the last event are not a truncation",
		in:   "data: one\n\n\n\r\n",
		want: []framed{ev("", "one")},
	},
	{
		name: "DONE sentinel and data after it",
		in:   "data: {\"a\":1}\n\ndata: [DONE]\n\ndata: late\n\n",
		want: []framed{ev("", `{"a":1}`), ev("", "[DONE]"), ev("", "late")},
	},
	{
		name: "id and retry fields",
		in:   "id: 7\nretry: 3000\ndata: x\n\nid: a\x00b\nretry: 3s\ndata: y\n\nid: only\n\n",
		want: []framed{
			{Data: "x", ID: "7", Retry: 3000},
			{Data: "y", Retry: -1},
		},
	},
	{
		name: "last event field wins and unknown fields are ignored",
		in:   "event: first\nfoo: bar\nevent: second\ndata: x\n\nevent\ndata: y\n\n",
		want: []framed{ev("second", "x"), ev("", "y")},
	},
	{
		name: "lone CR is part of the value",
		in:   "data: a\rb\n\n",
		want: []framed{ev("", "a\rb")},
	},
	{
		name: "leading blank lines and a byte order mark",
		in:   "\xEF\xBB\xBF\n\n\ndata: x\n\n",
		want: []framed{ev("", "x")},
	},
	{
		name: "single LF never ends an event",
		in:   "data: a\ndata: b\n",
		want: nil, wantEnd: ErrTruncated,
	},
	{
		name: "invalid UTF-8 skips only that event",
		in:   "data: ok1\n\ndata: bad\xff\xfe\n\ndata: ok2\n\n",
		want: []framed{ev("", "ok1"), {Err: ErrInvalidUTF8}, ev("", "ok2")},
	},
	{
		name: "oversized event skipped up to its end",
		in:   "data: small\n\ndata: " + strings.Repeat("x", 100) + "\n\ndata: after\n\n",
		max:  32,
		want: []framed{ev("", "small"), {Err: ErrEventTooLarge}, ev("", "after")},
	},
	{
		name: "oversized event with CRLF terminator",
		in:   "data: " + strings.Repeat("y", 80) + "\r\n\r\ndata: after\r\n\r\n",
		max:  16,
		want: []framed{{Err: ErrEventTooLarge}, ev("", "after")},
	},
	{
		name: "event exactly at the size limit is kept",
		in:   "data: 0123456789\n\n",
		max:  len("data: 0123456789"),
		want: []framed{ev("", "0123456789")},
	},
	{
		name: "oversized event at end of stream",
		in:   "data: ok\n\ndata: " + strings.Repeat("z", 64),
		max:  16,
		want: []framed{ev("", "ok"), {Err: ErrEventTooLarge}}, wantEnd: ErrTruncated,
	},
}

func TestFramerWholeInput(t *testing.T) {
	for _, tc := range framerCases {
		t.Run(tc.name, func(t *testing.T) {
			f := &Framer{MaxEventSize: tc.max}
			got, end := frameChunks(f, []string{tc.in})
			if !sameFramed(got, tc.want, true) {
				t.Errorf("events\n got %v\nwant %v", got, tc.want)
			}
			if !errors.Is(end, tc.wantEnd) || (tc.wantEnd == nil && end != nil) {
				t.Errorf("End() = %v, want %v", end, tc.wantEnd)
			}
		})
	}
}

// Every split point, and one byte at a time, must give the same events:
// chunk boundaries land inside field names, terminators and UTF-8
// sequences (the emoji case puts one inside a 4-byte character).
func TestFramerAnySplitGivesSameEvents(t *testing.T) {
	for _, tc := range framerCases {
		t.Run(tc.name, func(t *testing.T) {
			for i := 0; i <= len(tc.in); i++ {
				f := &Framer{MaxEventSize: tc.max}
				got, end := frameChunks(f, []string{tc.in[:i], tc.in[i:]})
				if !sameFramed(got, tc.want, true) || !errors.Is(end, tc.wantEnd) || (tc.wantEnd == nil && end != nil) {
					t.Fatalf("split at %d: events %v end %v, want %v end %v", i, got, end, tc.want, tc.wantEnd)
				}
			}
			var bytewise []string
			for i := range len(tc.in) {
				bytewise = append(bytewise, tc.in[i:i+1])
			}
			got, end := frameChunks(&Framer{MaxEventSize: tc.max}, bytewise)
			if !sameFramed(got, tc.want, true) || !errors.Is(end, tc.wantEnd) || (tc.wantEnd == nil && end != nil) {
				t.Fatalf("byte by byte: events %v end %v, want %v", got, end, tc.want)
			}
		})
	}
}

func TestFramerThreeWaySplitsOfMultiEventStream(t *testing.T) {
	in := framerCases[0].in + framerCases[1].in + "data: [DONE]\n\n"
	whole, _ := frameChunks(&Framer{}, []string{in})
	if len(whole) != 5 {
		t.Fatalf("whole stream gave %d events, want 5", len(whole))
	}
	for i := 0; i <= len(in); i++ {
		for j := i; j <= len(in); j++ {
			f := &Framer{}
			got, end := frameChunks(f, []string{in[:i], in[i:j], in[j:]})
			if !sameFramed(got, whole, true) || end != nil || !f.Done() {
				t.Fatalf("splits %d,%d: %v end %v done %v", i, j, got, end, f.Done())
			}
		}
	}
}

func TestFramerDoneFlag(t *testing.T) {
	f := &Framer{}
	f.Push([]byte("data: {}\n\n"))
	for _, err := f.Next(); err == nil; _, err = f.Next() {
	}
	if f.Done() {
		t.Fatal("Done before the sentinel")
	}
	f.Push([]byte("data: [DONE]\n\n"))
	e, err := f.Next()
	if err != nil || !e.IsDone() || !f.Done() {
		t.Fatalf("sentinel: %v %v done=%v", e, err, f.Done())
	}
	// "[DONE]" must be the whole value.
	for _, s := range []string{"data: [DONE] \n\n", "data: [DONE]x\n\n", "data: [done]\n\n"} {
		f := &Framer{}
		f.Push([]byte(s))
		e, err := f.Next()
		if err != nil || e.IsDone() || f.Done() {
			t.Errorf("%q treated as the sentinel", s)
		}
	}
}

// The framer must hold at most one partial event: an endless event (no
// blank line ever) is dropped once it passes the limit, however it is fed.
func TestFramerBoundsBufferOnEndlessEvent(t *testing.T) {
	const limit = 1 << 10
	f := &Framer{MaxEventSize: limit}
	f.Push([]byte("data: "))
	chunk := []byte(strings.Repeat("a", 100) + "\n")
	tooLarge := 0
	for range 10000 {
		f.Push(chunk)
		for {
			_, err := f.Next()
			if err == ErrNeedMore {
				break
			}
			if errors.Is(err, ErrEventTooLarge) {
				tooLarge++
			}
		}
		if f.Buffered() > limit+len(chunk)+2 {
			t.Fatalf("buffered %d bytes, limit %d", f.Buffered(), limit)
		}
	}
	if tooLarge != 1 {
		t.Fatalf("ErrEventTooLarge reported %d times, want once", tooLarge)
	}
	f.Push([]byte("\ndata: next\n\n"))
	e, err := f.Next()
	if err != nil || string(e.Data) != "next" {
		t.Fatalf("after the oversized event: %q, %v", e.Data, err)
	}
}

func TestFramerResyncDropsPartialEventAndSkipsToNextBoundary(t *testing.T) {
	f := &Framer{}
	got, _ := frameChunks(f, []string{"data: one\n\ndata: par"})
	f.Resync()
	// The bytes after a gap start mid-event; everything up to the next
	// blank line belongs to an event we cannot reassemble.
	rest, end := frameChunks(f, []string{"tial\n\ndata: two\n\n"})
	got = append(got, rest...)
	if want := []framed{ev("", "one"), ev("", "two")}; !sameFramed(got, want, false) {
		t.Fatalf("got %v want %v", got, want)
	}
	if end != nil {
		t.Fatalf("End after resync: %v", end)
	}
}

func TestFramerResetReusesFramer(t *testing.T) {
	f := &Framer{MaxEventSize: 64}
	frameChunks(f, []string{"data: [DONE]\n\ndata: partial"})
	f.Reset()
	if f.Done() || f.Buffered() != 0 || f.MaxEventSize != 64 {
		t.Fatalf("Reset left state: done=%v buffered=%d max=%d", f.Done(), f.Buffered(), f.MaxEventSize)
	}
	got, end := frameChunks(f, []string{"data: x\n\n"})
	if !sameFramed(got, []framed{ev("", "x")}, false) || end != nil {
		t.Fatalf("after Reset: %v %v", got, end)
	}
}

// Framing the dominant shape (known event names, one data line) must not
// allocate once the buffer has grown.
func TestFramerSteadyStateDoesNotAllocate(t *testing.T) {
	stream := []byte(readStream(t, "anthropic_tool_use.sse"))
	f := &Framer{}
	run := func() {
		f.Reset()
		for c := range slices.Chunk(stream, 256) {
			f.Push(c)
			for {
				if _, err := f.Next(); err != nil {
					break
				}
			}
		}
	}
	run()
	if n := testing.AllocsPerRun(50, run); n != 0 {
		t.Fatalf("%v allocations per stream, want 0", n)
	}
}
