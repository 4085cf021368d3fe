package sse

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"
)

// DefaultMaxEventSize is the event size limit used when
// Framer.MaxEventSize is zero. OpenAI Responses repeats the whole response
// (all output text and tool arguments) in response.completed, so the limit
// is generous; it exists to stop a hostile upstream from growing memory
// without bound, not to police normal traffic.
const DefaultMaxEventSize = 8 << 20

// retainedBufferCap is the largest buffer a Framer keeps once it holds no
// pending bytes; a larger one (left behind by one big event) is released so
// a long-lived stream does not pin it.
const retainedBufferCap = 64 << 10

// doneSentinel is the data value OpenAI sends as the last event of a
// stream instead of an event name.
var doneSentinel = []byte("[DONE]")

// utf8BOM is skipped once at the start of a stream (WHATWG: "a single
// U+FEFF BYTE ORDER MARK character at the start of the stream is ignored").
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

var (
	// ErrNeedMore is returned by Framer.Next when the buffered bytes hold
	// no complete event. It is flow control, not a failure: Push more bytes.
	ErrNeedMore = errors.New("sse: need more input")

	// ErrEventTooLarge reports an event longer than the framer's maximum
	// event size. The event is skipped; framing resumes after its end.
	ErrEventTooLarge = errors.New("sse: event exceeds the maximum event size")

	// ErrInvalidUTF8 reports an event whose bytes are not valid UTF-8. The
	// event is skipped rather than decoded with replacement characters.
	ErrInvalidUTF8 = errors.New("sse: event is not valid UTF-8")

	// ErrTruncated is returned by Framer.End when the stream stopped in the
	// middle of an event (no blank line after its last line). Such an event
	// is never dispatched, as in the WHATWG processing model.
	ErrTruncated = errors.New("sse: stream ended inside an event")
)

// Event is one framed SSE event. Its byte slices alias the framer's buffer
// and stay valid only until the next call to Push, Next, Resync or Reset on
// that framer; copy what must outlive that.
type Event struct {
	// Name is the value of the last "event" field, or "" when the event had
	// none (the WHATWG default type "message"). Known provider event names
	// are returned as constants without allocating.
	Name string
	// Data is the value of the event's "data" fields joined by "\n". It is
	// valid UTF-8. An event always has at least one data line, though the
	// value may be empty.
	Data []byte
	// ID is the value of the last "id" field in this event ("" when none;
	// a value containing NUL is ignored, as WHATWG requires).
	ID string
	// Retry is the reconnection time in milliseconds from the last valid
	// "retry" field (ASCII digits only), or -1 when there was none.
	Retry int64
	// Raw is the event exactly as it appeared on the wire, from its first
	// byte through its terminating blank line, so a stream rewriter can
	// forward events it does not change byte for byte.
	Raw []byte
}

// IsDone reports whether the event is OpenAI's "[DONE]" end sentinel.
func (e *Event) IsDone() bool { return bytes.Equal(e.Data, doneSentinel) }

// Framer splits an SSE byte stream into events. Feed it with Push and
// drain it with Next until ErrNeedMore after every Push; it then buffers
// at most one partial event, and a partial event longer than MaxEventSize
// is discarded up to its end instead of being buffered.
//
// Event boundaries follow the WHATWG line rules for LF and CRLF: an event
// ends at a blank line, that is "\n\n", "\r\n\r\n" or the mixed forms. A
// lone CR is not a line break (no provider sends one). Blocks with no data
// line (comments such as ": ping", id-only blocks) produce no event.
//
// The zero value is ready to use. A Framer is not safe for concurrent use.
type Framer struct {
	// MaxEventSize caps the bytes of one event, excluding its terminating
	// blank line. Zero means DefaultMaxEventSize.
	MaxEventSize int

	buf  []byte // pending bytes live in buf[r:]
	r    int
	scan int // terminator search resumes here (an index into buf)

	discarding bool  // inside an oversized event; bytes are dropped
	discState  uint8 // terminator progress while discarding (see skipDiscarded)
	silent     bool  // the discarded event was caused by Resync: no error

	bomDone bool // the stream's first bytes were checked for a BOM
	done    bool // a [DONE] event was framed

	joined []byte // scratch for multi-line data
}

// Push appends the next chunk of the stream. Chunks may split events,
// lines and UTF-8 sequences anywhere. Push does not retain p.
func (f *Framer) Push(p []byte) {
	if f.discarding {
		n := f.skipDiscarded(p)
		if f.discarding {
			return
		}
		p = p[n:]
	}
	if len(p) == 0 {
		return
	}
	if f.r == len(f.buf) {
		// Everything before was consumed: restart at the front.
		if cap(f.buf) > retainedBufferCap {
			f.buf = nil
		}
		f.buf, f.r, f.scan = f.buf[:0], 0, 0
	} else if f.r > 0 && cap(f.buf)-len(f.buf) < len(p) {
		n := copy(f.buf, f.buf[f.r:])
		f.buf = f.buf[:n]
		f.scan -= f.r
		f.r = 0
	}
	f.buf = append(f.buf, p...)
}

// skipDiscarded drops bytes of an oversized event until its terminating
// blank line and returns how many bytes of p it consumed. discState
// remembers the tail of the dropped bytes: 1 after "\n", 2 after "\n\r",
// so a terminator split across chunks is still found.
func (f *Framer) skipDiscarded(p []byte) int {
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\n' && f.discState != 0:
			f.discarding, f.discState = false, 0
			return i + 1
		case c == '\n':
			f.discState = 1
		case c == '\r' && f.discState == 1:
			f.discState = 2
		default:
			f.discState = 0
			// Jump to the next line feed; nothing before it can end the event.
			j := bytes.IndexByte(p[i+1:], '\n')
			if j < 0 {
				return len(p)
			}
			i += j
		}
	}
	return len(p)
}

// Next returns the next complete event. It returns ErrNeedMore when no
// complete event is buffered, and ErrEventTooLarge or ErrInvalidUTF8
// (wrapped with detail) for an event it skipped; after such an error call
// Next again.
func (f *Framer) Next() (Event, error) {
	for {
		if f.discarding {
			return Event{}, ErrNeedMore
		}
		if !f.bomDone && !f.skipBOM() {
			return Event{}, ErrNeedMore
		}
		start := max(f.scan, f.r)
		lf, end := findTerminator(f.buf, start)
		if lf < 0 {
			f.scan = max(f.r, len(f.buf)-2)
			if pending := len(f.buf) - f.r; pending > f.maxEventSize()+2 {
				// No terminator can start before len-2, so this event is
				// already longer than the limit: stop buffering it.
				f.startDiscard()
				return Event{}, fmt.Errorf("%w (more than %d bytes)", ErrEventTooLarge, f.maxEventSize())
			}
			return Event{}, ErrNeedMore
		}
		block := f.buf[f.r:lf]
		raw := f.buf[f.r:end]
		f.r, f.scan = end, end
		if len(block) > f.maxEventSize() {
			return Event{}, fmt.Errorf("%w (%d bytes, limit %d)", ErrEventTooLarge, len(block), f.maxEventSize())
		}
		if !utf8.Valid(block) {
			return Event{}, ErrInvalidUTF8
		}
		ev, ok := f.parseBlock(block)
		if !ok {
			continue
		}
		ev.Raw = raw
		if ev.IsDone() {
			f.done = true
		}
		return ev, nil
	}
}

func (f *Framer) maxEventSize() int {
	if f.MaxEventSize > 0 {
		return f.MaxEventSize
	}
	return DefaultMaxEventSize
}

// skipBOM drops a leading byte order mark. It reports false while the
// pending bytes are too few to tell.
func (f *Framer) skipBOM() bool {
	pending := f.buf[f.r:]
	if len(pending) < len(utf8BOM) && bytes.HasPrefix(utf8BOM, pending) {
		return false
	}
	if bytes.HasPrefix(pending, utf8BOM) {
		f.r += len(utf8BOM)
	}
	f.bomDone = true
	return true
}

// startDiscard drops the pending bytes of an oversized event and switches
// Push to skipping until the event's end.
func (f *Framer) startDiscard() {
	pending := f.buf[f.r:]
	switch {
	case bytes.HasSuffix(pending, []byte("\n")):
		f.discState = 1
	case bytes.HasSuffix(pending, []byte("\n\r")):
		f.discState = 2
	default:
		f.discState = 0
	}
	f.discarding, f.silent = true, false
	f.buf, f.r, f.scan = f.buf[:0], 0, 0
}

// findTerminator finds the first blank line at or after from: a '\n'
// followed by "\n" or "\r\n". It returns the index of that first '\n'
// (where the event's last line ends) and the index just past the
// terminator, or -1.
func findTerminator(buf []byte, from int) (lf, end int) {
	for i := from; i < len(buf); {
		j := bytes.IndexByte(buf[i:], '\n')
		if j < 0 {
			return -1, 0
		}
		k := i + j
		switch {
		case k+1 < len(buf) && buf[k+1] == '\n':
			return k, k + 2
		case k+2 < len(buf) && buf[k+1] == '\r' && buf[k+2] == '\n':
			return k, k + 3
		}
		i = k + 1
	}
	return -1, 0
}

// parseBlock interprets the lines of one event block. It reports false
// for a block without data lines.
func (f *Framer) parseBlock(block []byte) (Event, bool) {
	ev := Event{Retry: -1}
	var name []byte
	hasName, dataLines := false, 0
	for len(block) > 0 {
		var line []byte
		if i := bytes.IndexByte(block, '\n'); i >= 0 {
			line, block = block[:i], block[i+1:]
		} else {
			line, block = block, nil
		}
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if len(line) == 0 || line[0] == ':' {
			continue // blank, or a comment such as ": ping"
		}
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		switch string(field) {
		case "event":
			name, hasName = value, true
		case "data":
			switch dataLines {
			case 0:
				ev.Data = value
			case 1:
				f.joined = append(append(append(f.joined[:0], ev.Data...), '\n'), value...)
				ev.Data = f.joined
			default:
				f.joined = append(append(f.joined, '\n'), value...)
				ev.Data = f.joined
			}
			dataLines++
		case "id":
			if bytes.IndexByte(value, 0) < 0 {
				ev.ID = string(value)
			}
		case "retry":
			if ms, ok := parseRetry(value); ok {
				ev.Retry = ms
			}
		}
	}
	if dataLines == 0 {
		return Event{}, false
	}
	if hasName {
		ev.Name = internName(name)
	}
	return ev, true
}

// parseRetry accepts a non-empty run of ASCII digits that fits in int64.
func parseRetry(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// Done reports whether a "[DONE]" event has been framed. Bytes after it
// are still framed normally.
func (f *Framer) Done() bool { return f.done }

// Buffered returns the number of bytes held for an incomplete event.
func (f *Framer) Buffered() int { return len(f.buf) - f.r }

// End reports how the stream ended once its last byte has been pushed and
// Next has returned ErrNeedMore: nil when it ended on an event boundary,
// or an error wrapping ErrTruncated when an event was left unterminated.
// Trailing line breaks alone are not a truncated event.
func (f *Framer) End() error {
	if f.discarding && !f.silent {
		return fmt.Errorf("%w: the stream ended inside an oversized event", ErrTruncated)
	}
	pending := f.buf[f.r:]
	if len(bytes.Trim(pending, "\r\n")) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %d bytes after the last complete event", ErrTruncated, len(pending))
}

// Resync recovers from a gap in the input (bytes the caller lost): it
// drops the pending partial event and skips input up to the next blank
// line, so the bytes before and after the gap are never glued into one
// bogus event. The event following the gap is lost with it.
func (f *Framer) Resync() {
	f.buf, f.r, f.scan = f.buf[:0], 0, 0
	f.discarding, f.discState, f.silent = true, 0, true
	f.bomDone = true
}

// Reset returns the framer to its initial state for a new stream, keeping
// its buffers.
func (f *Framer) Reset() {
	*f = Framer{MaxEventSize: f.MaxEventSize, buf: f.buf[:0], joined: f.joined[:0]}
}
