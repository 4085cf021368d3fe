package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// mcpDrainTimeout bounds how long the server keeps answering after its
// standard input ends.
const mcpDrainTimeout = 30 * time.Second

// mcpDrain sits between the SDK's stdio transport and the process's standard
// input and output. The SDK ends the session as soon as its reader reports
// EOF and abandons the calls still running, so a client that writes its
// requests and closes its end at once (a script, a pipe) would get only the
// first answer. mcpDrain holds that EOF back until every request read so
// far has had its response written, or the timeout passes, or ctx ends.
// Interactive clients close only when they are done, so for them nothing
// changes.
//
// Messages are told apart per line, as the stdio transport frames them: a
// request has "id" and "method", a response has "id" and "result" or
// "error" and no "method". Ids are matched by their raw bytes, which is how
// the SDK writes back the id it read.
type mcpDrain struct {
	ctx     context.Context
	in      io.Reader
	out     io.Writer
	timeout time.Duration

	inLine, outLine lineBuf
	eof             bool

	mu      sync.Mutex
	pending map[string]int // request id → how many are unanswered
	idle    chan struct{}  // closed and replaced by nil when pending empties
}

func newMCPDrain(ctx context.Context, in io.Reader, out io.Writer, timeout time.Duration) *mcpDrain {
	return &mcpDrain{ctx: ctx, in: in, out: out, timeout: timeout, pending: map[string]int{}}
}

// transport is the SDK transport that reads and writes through d.
func (d *mcpDrain) transport() *mcp.IOTransport {
	return &mcp.IOTransport{Reader: drainReader{d}, Writer: drainWriter{d}}
}

type drainReader struct{ d *mcpDrain }

func (r drainReader) Read(p []byte) (int, error) { return r.d.read(p) }
func (drainReader) Close() error                 { return nil }

type drainWriter struct{ d *mcpDrain }

func (w drainWriter) Write(p []byte) (int, error) { return w.d.write(p) }
func (drainWriter) Close() error                  { return nil }

// read is called only from the SDK's single reading goroutine.
func (d *mcpDrain) read(p []byte) (int, error) {
	if d.eof {
		return 0, d.waitIdle()
	}
	n, err := d.in.Read(p)
	d.inLine.feed(p[:n], d.sawIn)
	if err != io.EOF {
		return n, err
	}
	d.eof = true
	d.inLine.flush(d.sawIn)
	if n > 0 {
		// Hand over the last bytes first; the next call waits.
		return n, nil
	}
	return 0, d.waitIdle()
}

// write forwards p whole, then counts the responses it carried: a response
// is answered once it is on its way to the client.
func (d *mcpDrain) write(p []byte) (int, error) {
	n, err := d.out.Write(p)
	d.mu.Lock()
	tracking := len(d.pending) > 0
	d.mu.Unlock()
	if tracking {
		d.outLine.feed(p[:n], d.sawOut)
	} else {
		// Nothing to match, so no line needs parsing; a partial line
		// still must not be mistaken for a whole one later.
		d.outLine.skip(p[:n])
	}
	return n, err
}

// waitIdle blocks until no request is unanswered, then reports EOF; on
// timeout it reports how many were left.
func (d *mcpDrain) waitIdle() error {
	d.mu.Lock()
	n := d.unanswered()
	if n == 0 {
		d.mu.Unlock()
		return io.EOF
	}
	if d.idle == nil {
		d.idle = make(chan struct{})
	}
	idle := d.idle
	d.mu.Unlock()
	t := time.NewTimer(d.timeout)
	defer t.Stop()
	select {
	case <-idle:
		return io.EOF
	case <-d.ctx.Done():
		return io.EOF
	case <-t.C:
		d.mu.Lock()
		n = d.unanswered()
		d.mu.Unlock()
		if n == 0 {
			return io.EOF
		}
		return fmt.Errorf("standard input closed with %d request(s) still unanswered after %s", n, d.timeout)
	}
}

func (d *mcpDrain) unanswered() int {
	n := 0
	for _, c := range d.pending {
		n += c
	}
	return n
}

// rpcLine is the part of a JSON-RPC message that tells a request from a
// response; present fields record only that the key is there.
type rpcLine struct {
	ID     json.RawMessage `json:"id"`
	Method present         `json:"method"`
	Result present         `json:"result"`
	Error  present         `json:"error"`
}

type present bool

func (p *present) UnmarshalJSON([]byte) error { *p = true; return nil }

// parseLine decodes one message or a batch of them. A line that is not
// JSON-RPC yields nothing: the SDK reports it to the client or ends the
// session, and either way there is nothing to wait for.
func parseLine(line []byte, each func(*rpcLine)) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return
	}
	if line[0] == '[' {
		var batch []rpcLine
		if json.Unmarshal(line, &batch) == nil {
			for i := range batch {
				each(&batch[i])
			}
		}
		return
	}
	var m rpcLine
	if json.Unmarshal(line, &m) == nil {
		each(&m)
	}
}

func (d *mcpDrain) sawIn(line []byte) {
	parseLine(line, func(m *rpcLine) {
		if len(m.ID) == 0 || !bool(m.Method) || bytes.Equal(m.ID, []byte("null")) {
			return
		}
		d.mu.Lock()
		d.pending[string(m.ID)]++
		d.mu.Unlock()
	})
}

func (d *mcpDrain) sawOut(line []byte) {
	parseLine(line, func(m *rpcLine) {
		if len(m.ID) == 0 || bool(m.Method) || !bool(m.Result) && !bool(m.Error) {
			return
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		// The lookup with string(m.ID) does not allocate.
		c, ok := d.pending[string(m.ID)]
		if !ok {
			return
		}
		if c > 1 {
			d.pending[string(m.ID)] = c - 1
		} else {
			delete(d.pending, string(m.ID))
		}
		if len(d.pending) == 0 && d.idle != nil {
			close(d.idle)
			d.idle = nil
		}
	})
}

// lineBuf cuts a byte stream into lines. Whole lines inside one chunk are
// handed over in place; only a line split across chunks is copied.
type lineBuf struct {
	partial []byte
	// over is set while the current line outgrew the SDK's own frame
	// limit; such a line ends the session anyway and is not kept.
	over bool
}

func (b *lineBuf) feed(p []byte, line func([]byte)) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			b.keep(p)
			return
		}
		switch {
		case b.over:
			b.over = false
		case len(b.partial) > 0:
			b.keep(p[:i])
			if !b.over {
				line(b.partial)
			}
			b.partial, b.over = b.partial[:0], false
		default:
			line(p[:i])
		}
		p = p[i+1:]
	}
}

// skip consumes p without parsing, keeping the framing right.
func (b *lineBuf) skip(p []byte) {
	if i := bytes.LastIndexByte(p, '\n'); i >= 0 {
		b.partial, b.over = b.partial[:0], false
		p = p[i+1:]
	}
	if len(p) > 0 {
		b.partial, b.over = b.partial[:0], true
	}
}

func (b *lineBuf) keep(p []byte) {
	if b.over {
		return
	}
	if len(b.partial)+len(p) > mcp.DefaultMaxLineLength {
		b.partial, b.over = b.partial[:0], true
		return
	}
	b.partial = append(b.partial, p...)
}

// flush hands over a last line that had no newline.
func (b *lineBuf) flush(line func([]byte)) {
	if len(b.partial) > 0 && !b.over {
		line(b.partial)
	}
	b.partial, b.over = b.partial[:0], false
}
