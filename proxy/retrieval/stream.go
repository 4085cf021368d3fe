package retrieval

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/headroom-go/headroom/proxy/sse"
)

// readChunk is the size of one read from the upstream body.
const readChunk = 32 << 10

// streamBody is the client-bound body of a streamed answer. It reads the
// upstream stream, cuts it into raw event blocks at blank lines, and hands
// each block to the format's rounds logic, which either forwards it
// (unchanged bytes, or with its indices rewritten) or holds it back. At the
// end of an upstream body that logic may start a continuation, whose body
// is then read in the same way, so the client reads one stream.
//
// Blocks are forwarded as soon as they are complete: an event is never
// delayed by a later one unless it belongs to a held headroom_retrieve
// turn. Comment blocks (": keep-alive") are forwarded too.
type streamBody struct {
	x      *exchange
	rounds rounds
	up     io.ReadCloser

	in   []byte // upstream bytes not yet cut into blocks
	scan int    // the terminator search resumes here
	// opaque is set when the stream cannot be framed (an oversized
	// event): the rest of this upstream body is forwarded raw and the
	// round is not resolved.
	opaque bool
	// heldBytes counts the bytes this round held back; past MaxEventBytes
	// the held retrieval turn is abandoned with an error event, so a turn
	// that streams on after the call is not buffered without bound.
	// stopped is then set: the upstream is not read further.
	heldBytes int
	stopped   bool

	out    []byte // bytes for the client
	outOff int
	rbuf   []byte
	fr     sse.Framer

	done bool
	err  error // returned once out is drained (nil means io.EOF)
	// errorWritten is set once the package ended the stream with an
	// error event; the client then reads a clean end after it.
	errorWritten bool
}

// rounds is a format's logic for the events of each round.
type rounds interface {
	// event handles one complete raw block; ev is its decoded form, nil
	// for a block without data (a comment) or one that does not decode.
	event(s *streamBody, raw []byte, ev *sse.Event)
	// opaque tells the logic the rest of the round is forwarded raw.
	opaque(s *streamBody)
	// abandon drops a held retrieval turn that outgrew MaxEventBytes and
	// ends the stream with the format's error event; it reports false,
	// doing nothing, when no turn is held.
	abandon(s *streamBody) bool
	// end is called when the upstream body ends; readErr is nil for a
	// clean EOF. It returns the next upstream body to read, or nil when
	// the client stream is complete.
	end(s *streamBody, readErr error) io.ReadCloser
}

// stream wraps resp so the client reads the rewritten stream.
func (x *exchange) stream(resp *http.Response) *http.Response {
	s := &streamBody{x: x, up: resp.Body, rbuf: make([]byte, readChunk)}
	s.fr.MaxEventSize = x.r.cfg.MaxEventBytes
	switch x.f {
	case formatAnthropic:
		s.rounds = newAnthropicRounds(x)
	case formatChat:
		s.rounds = newChatRounds(x)
	default:
		s.rounds = newResponsesRounds(x)
	}
	resp.Body = s
	// The rewritten length is unknown until the stream ends.
	resp.ContentLength = -1
	resp.Header.Del("Content-Length")
	return resp
}

// Read implements io.Reader.
func (s *streamBody) Read(p []byte) (int, error) {
	for {
		if s.outOff < len(s.out) {
			n := copy(p, s.out[s.outOff:])
			s.outOff += n
			if s.outOff == len(s.out) {
				s.out, s.outOff = s.out[:0], 0
			}
			return n, nil
		}
		if s.done {
			if s.err != nil {
				return 0, s.err
			}
			return 0, io.EOF
		}
		n, err := s.up.Read(s.rbuf)
		if n > 0 {
			s.push(s.rbuf[:n])
		}
		if s.stopped {
			_ = s.up.Close()
			s.done = true
			continue
		}
		if err == nil {
			continue
		}
		_ = s.up.Close()
		readErr := err
		if errors.Is(err, io.EOF) {
			readErr = nil
		}
		if len(s.in) > 0 {
			// An unterminated last event: forward it as it came (the
			// client's parser decides), unless the round holds it back.
			s.block(s.in, nil)
			s.in, s.scan = s.in[:0], 0
		}
		next := s.rounds.end(s, readErr)
		if next != nil {
			s.up, s.opaque, s.heldBytes = next, false, 0
			continue
		}
		s.done = true
		if readErr != nil && !s.endedByUs() {
			s.err = readErr
		}
	}
}

// endedByUs reports whether the package ended the stream with its own
// error event; the client then reads a clean end after it.
func (s *streamBody) endedByUs() bool { return s.errorWritten }

// Close implements io.Closer.
func (s *streamBody) Close() error {
	s.done = true
	return s.up.Close()
}

// push adds upstream bytes and processes every complete block.
func (s *streamBody) push(p []byte) {
	if s.opaque {
		s.emit(p)
		return
	}
	s.in = append(s.in, p...)
	start := 0
	for {
		end := findBlockEnd(s.in, max(s.scan, start))
		if end < 0 {
			break
		}
		s.blockFramed(s.in[start:end])
		start, s.scan = end, end
		if s.heldBytes > s.x.r.cfg.MaxEventBytes && s.rounds.abandon(s) {
			s.stopped = true
			s.in, s.scan = s.in[:0], 0
			return
		}
	}
	if start > 0 {
		n := copy(s.in, s.in[start:])
		s.in = s.in[:n]
	}
	// A terminator is at most three bytes: the next search starts where
	// one could begin that was cut by this chunk's end.
	s.scan = max(0, len(s.in)-2)
	if len(s.in) > s.x.r.cfg.MaxEventBytes {
		// No event is this large; stop interpreting the stream rather
		// than buffering without bound.
		s.opaque = true
		s.rounds.opaque(s)
		s.emit(s.in)
		s.in, s.scan = s.in[:0], 0
	}
}

// findBlockEnd returns the index just past the first blank line at or
// after from ("\n\n" or "\n\r\n", which covers CRLF streams), or -1.
func findBlockEnd(b []byte, from int) int {
	for i := from; i < len(b); i++ {
		if b[i] != '\n' {
			continue
		}
		if i+1 < len(b) && b[i+1] == '\n' {
			return i + 2
		}
		if i+2 < len(b) && b[i+1] == '\r' && b[i+2] == '\n' {
			return i + 3
		}
	}
	return -1
}

// blockFramed decodes one complete block and hands it to the rounds.
func (s *streamBody) blockFramed(raw []byte) {
	s.fr.Reset()
	s.fr.Push(raw)
	ev, err := s.fr.Next()
	if err != nil {
		s.block(raw, nil)
		return
	}
	s.block(raw, &ev)
}

func (s *streamBody) block(raw []byte, ev *sse.Event) { s.rounds.event(s, raw, ev) }

// emit queues bytes for the client.
func (s *streamBody) emit(b []byte) { s.out = append(s.out, b...) }

// emitEvent queues an event written by the package.
func (s *streamBody) emitEvent(name string, data []byte) {
	if name != "" {
		s.out = append(s.out, "event: "...)
		s.out = append(s.out, name...)
		s.out = append(s.out, '\n')
	}
	s.out = append(s.out, "data: "...)
	s.out = append(s.out, data...)
	s.out = append(s.out, "\n\n"...)
}

// heldEvent is a block kept back while the model's turn may turn out to be
// a retrieval. data and name are copies; raw is the block as it came.
type heldEvent struct {
	raw  []byte
	ev   *sse.Event // nil for a comment
	kind string     // the decoded event kind, format-specific
}

func (s *streamBody) holdEvent(raw []byte, ev *sse.Event) heldEvent {
	s.heldBytes += len(raw)
	h := heldEvent{raw: append([]byte(nil), raw...)}
	if ev != nil {
		h.ev = &sse.Event{Name: ev.Name, Data: append([]byte(nil), ev.Data...), Retry: -1}
	}
	return h
}

// next sends the continuation of a resolved turn and returns its body, or
// ends the stream with the format's error event and returns nil.
func (s *streamBody) next(assistant [][]byte, calls []toolCall, errorEvent func(s *streamBody, msg string, upstream []byte)) io.ReadCloser {
	x := s.x
	if x.rounds >= x.r.cfg.MaxRounds {
		x.r.stats.capReached.Add(1)
		x.r.log.LogAttrs(x.ctx, slog.LevelWarn, "retrieval round cap reached in a stream",
			slog.String("event", "ccr_round_cap"), slog.String("provider", x.f.String()), slog.Int("rounds", x.rounds))
		s.fail(errorEvent, "headroom: the model asked for compressed originals "+strconv.Itoa(x.rounds+1)+
			" times in one turn; the proxy stops at "+strconv.Itoa(x.r.cfg.MaxRounds)+" retrieval rounds", nil)
		return nil
	}
	body, err := x.continuation(assistant, calls)
	if err != nil {
		x.r.stats.contFailures.Add(1)
		s.fail(errorEvent, "headroom: could not build the retrieval continuation: "+err.Error(), nil)
		return nil
	}
	x.rounds++
	x.r.stats.rounds.Add(1)
	resp, err := x.send(body)
	if err != nil {
		x.r.stats.contFailures.Add(1)
		s.fail(errorEvent, "headroom: the retrieval continuation failed: "+err.Error(), nil)
		return nil
	}
	if resp.StatusCode != http.StatusOK || mediaType(resp.Header) != "text/event-stream" {
		upstream, _, _ := readUpTo(resp.Body, maxErrorBody)
		_ = resp.Body.Close()
		x.r.stats.contFailures.Add(1)
		s.fail(errorEvent, "headroom: the upstream answered the retrieval continuation with "+resp.Status, upstream)
		return nil
	}
	x.r.log.LogAttrs(x.ctx, slog.LevelDebug, "retrieval continuation streaming",
		slog.String("event", "ccr_continuation"), slog.String("provider", x.f.String()), slog.Int("round", x.rounds))
	return resp.Body
}

// heldTooLarge is the error message of an abandoned retrieval turn.
const heldTooLarge = "headroom: the model's retrieval turn was too large to continue"

// maxErrorBody bounds how much of a refused continuation's body is read
// to relay its error.
const maxErrorBody = 64 << 10

// fail ends the client stream with an error event and logs why.
func (s *streamBody) fail(errorEvent func(s *streamBody, msg string, upstream []byte), msg string, upstream []byte) {
	s.x.r.stats.sErrors.Add(1)
	s.x.r.log.LogAttrs(s.x.ctx, slog.LevelWarn, "retrieval stream ended with an error event",
		slog.String("event", "ccr_stream_error"), slog.String("provider", s.x.f.String()), slog.String("reason", msg))
	errorEvent(s, msg, upstream)
	s.errorWritten = true
}
