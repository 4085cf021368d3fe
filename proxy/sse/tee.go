package sse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/bits"
	"sync"
	"sync/atomic"
)

// Tee defaults.
const (
	// DefaultQueueChunks is the number of chunk copies a Tee queues for
	// its parser before it starts dropping them.
	DefaultQueueChunks = 256
	// DefaultQueueBytes caps the bytes held in a Tee's queue, so a stalled
	// parser costs at most this much memory per stream.
	DefaultQueueBytes = 4 << 20
)

// Chunk copies come from pools of power-of-two buffers between
// minChunkBuf and maxChunkBuf bytes; a read larger than maxChunkBuf is
// queued as several chunks, so pooled buffers never exceed the cap.
const (
	minChunkShift = 9  // 512 B
	maxChunkShift = 15 // 32 KiB, the size of ReverseProxy's copy buffer
	maxChunkBuf   = 1 << maxChunkShift
)

var chunkPools [maxChunkShift - minChunkShift + 1]sync.Pool

func init() {
	for i := range chunkPools {
		size := 1 << (minChunkShift + i)
		chunkPools[i].New = func() any {
			b := make([]byte, size)
			return &b
		}
	}
}

// poolClass returns the index of the smallest pool whose buffers hold n
// bytes (1 <= n <= maxChunkBuf).
func poolClass(n int) int {
	if n <= 1<<minChunkShift {
		return 0
	}
	return bits.Len(uint(n-1)) - minChunkShift
}

// ErrClosedEarly is Summary.StreamErr when the body was closed before the
// upstream finished (typically the client went away).
var ErrClosedEarly = errors.New("sse: body closed before the end of the stream")

// TeeOptions configures a Tee. Only Provider is required.
type TeeOptions struct {
	// Provider selects the state machine; ProviderNone is an error.
	Provider Provider
	// Parser configures the state machine. A nil Parser.Logger means
	// Logger is used.
	Parser Options
	// MaxEventSize is the framer's event size limit; zero means
	// DefaultMaxEventSize.
	MaxEventSize int
	// QueueChunks and QueueBytes bound the queue between the byte path and
	// the parser; a chunk that does not fit is dropped from telemetry and
	// counted. Zero means DefaultQueueChunks / DefaultQueueBytes.
	QueueChunks, QueueBytes int
	// Logger receives framing warnings (event=sse_framing_error), at most
	// a few per stream. Nil logs nothing.
	Logger *slog.Logger
	// OnSummary, if set, is called once with the stream's summary after
	// the stream ends (EOF, read error or Close). It runs on the parser
	// goroutine, never on the byte path.
	OnSummary func(Summary)
}

// Tee is an io.ReadCloser that passes a response body through unchanged
// while a background goroutine parses a copy of it.
//
// Read returns exactly what the wrapped body returns. Each chunk read is
// copied into a pooled buffer and offered to a bounded queue without
// waiting: when the queue is full the copy is dropped and counted, and the
// parser resynchronises at the next event boundary. The parser goroutine
// exits, after calling OnSummary, once the body reaches EOF or an error,
// or the Tee is closed, so the owner must read it to the end or Close it.
type Tee struct {
	body      io.ReadCloser
	queue     chan teeChunk
	queued    atomic.Int64 // bytes in the queue
	maxQueued int64

	// Guarded by mu; the parser reads them only after the queue is
	// closed, which happens under mu.
	mu           sync.Mutex
	closed       bool
	gap          bool // a chunk was dropped since the last one queued
	endErr       error
	bytes        int64
	droppedN     int64
	droppedBytes int64

	parser    Parser
	framer    Framer
	logger    *slog.Logger
	onSummary func(Summary)
	hook      func() // test seam: runs before each chunk is parsed
}

type teeChunk struct {
	buf   *[]byte
	class int8
	gap   bool
}

// NewTee wraps body and starts the parser goroutine.
func NewTee(body io.ReadCloser, o TeeOptions) (*Tee, error) {
	t, err := newTee(body, o)
	if err != nil {
		return nil, err
	}
	go t.consume()
	return t, nil
}

func newTee(body io.ReadCloser, o TeeOptions) (*Tee, error) {
	if body == nil {
		return nil, errors.New("sse: NewTee: nil body")
	}
	po := o.Parser
	if po.Logger == nil {
		po.Logger = o.Logger
	}
	parser, err := NewParser(o.Provider, po)
	if err != nil {
		return nil, fmt.Errorf("sse: NewTee: %w", err)
	}
	chunks, maxBytes := o.QueueChunks, o.QueueBytes
	if chunks <= 0 {
		chunks = DefaultQueueChunks
	}
	if maxBytes <= 0 {
		maxBytes = DefaultQueueBytes
	}
	return &Tee{
		body:      body,
		queue:     make(chan teeChunk, chunks),
		maxQueued: int64(maxBytes),
		parser:    parser,
		framer:    Framer{MaxEventSize: o.MaxEventSize},
		logger:    o.Logger,
		onSummary: o.OnSummary,
	}, nil
}

// Read reads from the wrapped body and queues a copy of what it got.
func (t *Tee) Read(p []byte) (int, error) {
	n, err := t.body.Read(p)
	if n > 0 {
		t.offer(p[:n])
	}
	if err != nil {
		if err == io.EOF {
			t.finish(nil)
		} else {
			t.finish(err)
		}
	}
	return n, err
}

// Close closes the wrapped body. Closing before EOF ends the parse with
// StreamErr ErrClosedEarly.
func (t *Tee) Close() error {
	err := t.body.Close()
	t.finish(ErrClosedEarly)
	return err
}

// offer queues copies of b without ever blocking.
func (t *Tee) offer(b []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	t.bytes += int64(len(b))
	for len(b) > 0 {
		n := min(len(b), maxChunkBuf)
		if t.queued.Load()+int64(n) > t.maxQueued || !t.send(b[:n]) {
			t.droppedN++
			t.droppedBytes += int64(n)
			t.gap = true
		}
		b = b[n:]
	}
}

func (t *Tee) send(b []byte) bool {
	class := poolClass(len(b))
	bp := chunkPools[class].Get().(*[]byte)
	*bp = (*bp)[:len(b)]
	copy(*bp, b)
	select {
	case t.queue <- teeChunk{buf: bp, class: int8(class), gap: t.gap}:
		t.queued.Add(int64(len(b)))
		t.gap = false
		return true
	default:
		chunkPools[class].Put(bp)
		return false
	}
}

// finish ends the queue once; err is how the stream ended.
func (t *Tee) finish(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	t.closed = true
	t.endErr = err
	close(t.queue)
}

// consume is the parser goroutine.
func (t *Tee) consume() {
	framingErrors := 0
	for c := range t.queue {
		if t.hook != nil {
			t.hook()
		}
		if c.gap {
			t.framer.Resync()
		}
		b := *c.buf
		t.framer.Push(b)
		t.queued.Add(-int64(len(b)))
		*c.buf = b[:cap(b)]
		chunkPools[c.class].Put(c.buf)
		for {
			ev, err := t.framer.Next()
			if err == ErrNeedMore {
				break
			}
			if err != nil {
				framingErrors++
				if t.logger != nil && framingErrors <= maxProblems {
					t.logger.LogAttrs(context.Background(), slog.LevelWarn, "sse: sse_framing_error",
						slog.String("event", "sse_framing_error"),
						slog.String("detail", err.Error()))
				}
				continue
			}
			t.parser.Observe(ev)
		}
	}
	sum := t.parser.Summary()
	sum.FramingErrors = framingErrors
	sum.Bytes = t.bytes
	sum.DroppedChunks, sum.DroppedBytes = t.droppedN, t.droppedBytes
	sum.StreamErr = t.endErr
	if sum.StreamErr == nil && !t.gap {
		sum.StreamErr = t.framer.End()
	}
	if t.onSummary != nil {
		t.onSummary(sum)
	}
}
