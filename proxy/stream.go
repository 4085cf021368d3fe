package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// ErrUpstreamIdle is the cause given to a streamed response that was cut
// because the upstream sent nothing for longer than the upstream timeout.
var ErrUpstreamIdle = errors.New("upstream stream idle timeout")

// idleTimeoutBody cuts an upstream response body when a single Read waits
// longer than the timeout. The timer runs only while a Read is blocked on
// the upstream, so a slow client (back-pressure while the proxy writes)
// never counts against the upstream, and a stream that keeps sending is
// never cut however long it lasts. The reference used a total deadline,
// which killed long model turns mid-answer.
type idleTimeoutBody struct {
	body    io.ReadCloser
	timeout time.Duration
	st      *requestState
	timer   *time.Timer // created on first Read
	fired   atomic.Bool
}

func (b *idleTimeoutBody) expire() {
	b.fired.Store(true)
	// Cancelling the outbound request's context makes the blocked Read
	// return; the stdlib then aborts the client response.
	b.st.cancel(ErrUpstreamIdle)
}

// Read reads from the upstream body with the idle timer armed.
func (b *idleTimeoutBody) Read(p []byte) (int, error) {
	if b.timer == nil {
		b.timer = time.AfterFunc(b.timeout, b.expire)
	} else {
		b.timer.Reset(b.timeout)
	}
	n, err := b.body.Read(p)
	b.timer.Stop()
	b.st.responseBytes += int64(n)
	if err != nil && err != io.EOF {
		switch {
		case b.fired.Load():
			err = fmt.Errorf("%w: no data for %v: %w", ErrUpstreamIdle, b.timeout, err)
			b.st.err = err
		case errors.Is(err, context.Canceled):
			// The client went away (or shutdown force-closed it): not an
			// upstream fault, so it is not reported as an error.
		default:
			err = fmt.Errorf("upstream body read: %w", err)
			b.st.err = err
		}
	}
	return n, err
}

// Close stops the timer and closes the upstream body.
func (b *idleTimeoutBody) Close() error {
	if b.timer != nil {
		b.timer.Stop()
	}
	return b.body.Close()
}

// declaredLengthBody ends a request body with io.EOF as soon as its declared
// Content-Length has been read, without touching the server's body again.
//
// The upstream transport reads once more after the declared length to check
// for excess bytes. If the upstream answers first (it has the whole body),
// the HTTP/1 server, on seeing the proxy write response headers, drains and
// closes the inbound body; that late read then fails, the transport tears
// down the upstream connection, and the response is cut mid-stream. Ending
// the body here closes that window. The server already enforces the
// declared length, so nothing is lost.
//
// It also counts the bytes for the request metrics.
type declaredLengthBody struct {
	body      io.ReadCloser
	remaining int64
	st        *requestState
}

func (b *declaredLengthBody) Read(p []byte) (int, error) {
	if b.remaining <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.remaining {
		p = p[:b.remaining]
	}
	n, err := b.body.Read(p)
	b.remaining -= int64(n)
	b.st.countRequestBody(n)
	switch {
	case err == nil && b.remaining == 0:
		err = io.EOF
	case err == io.EOF && b.remaining > 0:
		err = io.ErrUnexpectedEOF // never forward a short body as complete
	}
	return n, err
}

func (b *declaredLengthBody) Close() error { return b.body.Close() }

// countingBody counts a streamed request body of unknown length (chunked)
// for the request metrics.
type countingBody struct {
	body io.ReadCloser
	st   *requestState
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	b.st.countRequestBody(n)
	return n, err
}

func (b *countingBody) Close() error { return b.body.Close() }

// countRequestBody records n streamed body bytes: a streamed body reaches
// the upstream exactly as received.
func (st *requestState) countRequestBody(n int) {
	if n > 0 {
		st.bodyIn.Add(int64(n))
		st.bodyOut.Add(int64(n))
	}
}

// copyBufferSize is the chunk the stdlib copies bodies with; SSE events and
// most JSON responses fit in one.
const copyBufferSize = 32 << 10

// bufferPool hands out fixed-size copy buffers to the stdlib proxy. Buffers
// of any other size are dropped rather than pooled. It pools array pointers:
// a slice of the pooled size converts back to one without allocating, where
// boxing a slice header for sync.Pool would cost an allocation per Put.
type bufferPool struct{ p sync.Pool }

var copyBufferPool bufferPool

// Get returns a buffer of copyBufferSize bytes.
func (bp *bufferPool) Get() []byte {
	if b, ok := bp.p.Get().(*[copyBufferSize]byte); ok {
		return b[:]
	}
	return make([]byte, copyBufferSize)
}

// Put returns buf to the pool if it has the pooled size.
func (bp *bufferPool) Put(buf []byte) {
	if cap(buf) != copyBufferSize {
		return
	}
	bp.p.Put((*[copyBufferSize]byte)(buf[:copyBufferSize]))
}
