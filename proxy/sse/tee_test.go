package sse

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// serveOverTCP writes stream to a real loopback TCP connection in
// irregular writes (so reads on the other side split events, lines and
// UTF-8 sequences) and returns the client end.
func serveOverTCP(t *testing.T, stream []byte, seed uint64) net.Conn {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		rng := rand.New(rand.NewPCG(seed, 1))
		for rest := stream; len(rest) > 0; {
			n := min(len(rest), 1+rng.IntN(700))
			if _, err := c.Write(rest[:n]); err != nil {
				return
			}
			rest = rest[n:]
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// summaryChan returns an OnSummary callback and the channel it fills.
func summaryChan() (func(Summary), chan Summary) {
	ch := make(chan Summary, 1)
	return func(s Summary) { ch <- s }, ch
}

func waitSummary(t *testing.T, ch chan Summary) Summary {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no summary: the parser goroutine did not finish")
		return Summary{}
	}
}

// bigAnthropicStream is a long realistic stream: message_start, n text
// deltas with multi-byte text, message_delta with usage, message_stop.
func bigAnthropicStream(n int) []byte {
	var b bytes.Buffer
	b.WriteString("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_big\",\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":200,\"cache_read_input_tokens\":800,\"output_tokens\":1}}}\n\n")
	b.WriteString("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n")
	for i := range n {
		if i%50 == 0 {
			b.WriteString(": keep-alive\n\n")
		}
		b.WriteString("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"token ")
		b.WriteString(strings.Repeat("é👋", i%7))
		b.WriteString("\"}}\n\n")
	}
	b.WriteString("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n")
	b.WriteString("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":4242}}\n\n")
	b.WriteString("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")
	return b.Bytes()
}

func TestTeePassesBytesUnchangedAndSummarises(t *testing.T) {
	cases := []struct {
		provider Provider
		stream   []byte
		check    func(t *testing.T, s Summary)
	}{
		{ProviderAnthropic, []byte(readStream(t, "anthropic_tool_use.sse")), func(t *testing.T, s Summary) {
			if s.Usage.CacheReadTokens != 800 || len(s.ToolCalls) != 1 || s.ToolCalls[0].Name != "get_weather" || s.Status != StatusCompleted {
				t.Errorf("summary %+v", s)
			}
		}},
		{ProviderOpenAIChat, []byte(readStream(t, "chat_tools.sse")), func(t *testing.T, s Summary) {
			if s.Usage.InputTokens != 2006 || len(s.ToolCalls) != 2 || s.Status != StatusCompleted {
				t.Errorf("summary %+v", s)
			}
		}},
		{ProviderOpenAIResponses, []byte(readStream(t, "responses_text.sse")), func(t *testing.T, s Summary) {
			if s.Usage.CacheReadTokens != 1024 || s.Outputs != 2 || s.Status != StatusCompleted {
				t.Errorf("summary %+v", s)
			}
		}},
		{ProviderAnthropic, bigAnthropicStream(20000), func(t *testing.T, s Summary) {
			if s.DroppedChunks == 0 && (s.Usage.OutputTokens != 4242 || s.Events != 20005) {
				t.Errorf("summary %+v", s)
			}
		}},
	}
	for i, tc := range cases {
		onSummary, ch := summaryChan()
		tee, err := NewTee(serveOverTCP(t, tc.stream, uint64(i)), TeeOptions{Provider: tc.provider, OnSummary: onSummary})
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		n, err := io.Copy(h, tee)
		if err != nil || n != int64(len(tc.stream)) {
			t.Fatalf("case %d: copied %d of %d: %v", i, n, len(tc.stream), err)
		}
		if got, want := h.Sum(nil), sha256.Sum256(tc.stream); !bytes.Equal(got, want[:]) {
			t.Fatalf("case %d: bytes changed in transit", i)
		}
		tee.Close()
		s := waitSummary(t, ch)
		if s.StreamErr != nil || s.Bytes != int64(len(tc.stream)) || s.FramingErrors != 0 || s.Provider != tc.provider {
			t.Errorf("case %d: stream err %v bytes %d framing %d", i, s.StreamErr, s.Bytes, s.FramingErrors)
		}
		tc.check(t, s)
	}
}

// chunkReader serves data in fixed-size reads, like a network body.
type chunkReader struct {
	data []byte
	size int
	err  error // returned once data is exhausted; io.EOF when nil
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.size)], r.data)
	r.data = r.data[n:]
	return n, nil
}

func (r *chunkReader) Close() error { return nil }

// A parser that never makes progress must not slow or stop the byte path:
// the copy finishes, chunks that do not fit are dropped and counted.
func TestTeeNeverBlocksOnStalledParser(t *testing.T) {
	stream := bigAnthropicStream(40000)
	onSummary, ch := summaryChan()
	tee, err := newTee(&chunkReader{data: stream, size: 4096}, TeeOptions{
		Provider: ProviderAnthropic, OnSummary: onSummary, QueueChunks: 16,
	})
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	unblock := sync.OnceFunc(func() { close(release) })
	t.Cleanup(unblock) // never leave the parser goroutine blocked
	var once sync.Once
	tee.hook = func() { once.Do(func() { <-release }) }
	go tee.consume()

	copied := make(chan error, 1)
	h := sha256.New()
	go func() {
		_, err := io.Copy(h, tee)
		copied <- err
	}()
	select {
	case err := <-copied:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		unblock()
		t.Fatal("io.Copy blocked behind the stalled parser")
	}
	if got, want := h.Sum(nil), sha256.Sum256(stream); !bytes.Equal(got, want[:]) {
		t.Fatal("bytes changed")
	}
	unblock()
	s := waitSummary(t, ch)
	chunks := int64((len(stream) + 4095) / 4096)
	// The parser held one chunk while blocked, so at most the queue plus
	// that one got through; the rest were dropped, and every byte is
	// accounted for.
	if s.DroppedChunks < chunks-17 || s.DroppedChunks > chunks {
		t.Errorf("dropped %d of %d chunks", s.DroppedChunks, chunks)
	}
	if s.Bytes != int64(len(stream)) || s.DroppedBytes <= 0 || s.DroppedBytes >= s.Bytes {
		t.Errorf("bytes %d dropped %d", s.Bytes, s.DroppedBytes)
	}
	// The parser resynchronised after the gap instead of gluing unrelated
	// bytes together: what it did parse has no framing or JSON errors.
	if s.FramingErrors != 0 || s.MalformedEvents != 0 {
		t.Errorf("framing errors %d malformed %d after resync: %v", s.FramingErrors, s.MalformedEvents, s.Problems)
	}
	if s.ID != "msg_big" {
		t.Errorf("the first chunk (message_start) should have been parsed, got id %q", s.ID)
	}
}

func TestTeeQueueBytesBoundsMemory(t *testing.T) {
	stream := bigAnthropicStream(5000)
	onSummary, ch := summaryChan()
	tee, err := newTee(&chunkReader{data: stream, size: 1000}, TeeOptions{
		Provider: ProviderAnthropic, OnSummary: onSummary, QueueBytes: 8000,
	})
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	unblock := sync.OnceFunc(func() { close(release) })
	t.Cleanup(unblock)
	tee.hook = func() { <-release }
	go tee.consume()
	if _, err := io.Copy(io.Discard, tee); err != nil {
		t.Fatal(err)
	}
	if q := tee.queued.Load(); q > 8000 {
		t.Errorf("%d bytes queued, cap 8000", q)
	}
	unblock()
	s := waitSummary(t, ch)
	if passed := s.Bytes - s.DroppedBytes; passed > 8000 || passed <= 0 {
		t.Errorf("%d bytes reached the parser with an 8000-byte queue and a stalled parser", passed)
	}
}

func TestTeeReportsHowTheStreamEnded(t *testing.T) {
	full := []byte(readStream(t, "anthropic_text.sse"))
	upstreamErr := errors.New("connection reset by peer")
	cases := []struct {
		name    string
		body    *chunkReader
		closeAt int // close after this many bytes; -1 reads to the end
		want    error
	}{
		{"clean EOF", &chunkReader{data: full, size: 100}, -1, nil},
		{"truncated mid-event", &chunkReader{data: full[:len(full)-5], size: 100}, -1, ErrTruncated},
		{"upstream read error", &chunkReader{data: full[:300], size: 100, err: upstreamErr}, -1, upstreamErr},
		{"closed before EOF", &chunkReader{data: full, size: 100}, 200, ErrClosedEarly},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			onSummary, ch := summaryChan()
			tee, err := NewTee(tc.body, TeeOptions{Provider: ProviderAnthropic, OnSummary: onSummary})
			if err != nil {
				t.Fatal(err)
			}
			if tc.closeAt >= 0 {
				if _, err := io.CopyN(io.Discard, tee, int64(tc.closeAt)); err != nil {
					t.Fatal(err)
				}
			} else {
				_, err := io.Copy(io.Discard, tee)
				if !errors.Is(err, tc.body.err) {
					t.Fatalf("Read error %v, want the upstream's %v unchanged", err, tc.body.err)
				}
			}
			tee.Close()
			tee.Close() // idempotent
			s := waitSummary(t, ch)
			if !errors.Is(s.StreamErr, tc.want) || (tc.want == nil && s.StreamErr != nil) {
				t.Errorf("StreamErr %v, want %v", s.StreamErr, tc.want)
			}
			if tc.want == nil && s.Status != StatusCompleted {
				t.Errorf("status %v", s.Status)
			}
		})
	}
}

func TestTeeCloseConcurrentWithRead(t *testing.T) {
	for range 20 {
		pr, pw := io.Pipe()
		onSummary, ch := summaryChan()
		tee, err := NewTee(pr, TeeOptions{Provider: ProviderOpenAIChat, OnSummary: onSummary})
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for {
				if _, err := pw.Write([]byte("data: {\"choices\":[]}\n\n")); err != nil {
					return
				}
			}
		}()
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = io.Copy(io.Discard, tee)
		}()
		time.Sleep(time.Millisecond)
		tee.Close()
		<-done
		s := waitSummary(t, ch)
		if s.StreamErr == nil {
			t.Fatal("a stream closed mid-way reported a clean end")
		}
	}
}

func TestNewTeeRejectsBadOptions(t *testing.T) {
	if _, err := NewTee(&chunkReader{}, TeeOptions{}); err == nil {
		t.Error("ProviderNone accepted")
	}
	if _, err := NewTee(nil, TeeOptions{Provider: ProviderAnthropic}); err == nil {
		t.Error("nil body accepted")
	}
}

func TestTeeFramingWarningsAreLogged(t *testing.T) {
	log, logs := newTestLogger()
	onSummary, ch := summaryChan()
	stream := "event: ping\ndata: {}\n\nevent: ping\ndata: \xff\n\n"
	tee, err := NewTee(&chunkReader{data: []byte(stream), size: 7}, TeeOptions{Provider: ProviderAnthropic, Logger: log, OnSummary: onSummary})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, tee); err != nil {
		t.Fatal(err)
	}
	s := waitSummary(t, ch)
	if s.FramingErrors != 1 || s.Events != 1 {
		t.Errorf("framing errors %d events %d", s.FramingErrors, s.Events)
	}
	if !strings.Contains(logs.String(), `"event":"sse_framing_error"`) {
		t.Errorf("log: %s", logs)
	}
}

// The client-facing Read adds no allocation: the copy goes into a pooled
// buffer, whether it is queued or dropped.
func TestTeeReadDoesNotAllocate(t *testing.T) {
	chunk := bytes.Repeat([]byte("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n"), 40)
	body := &loopReader{chunk: chunk}
	tee, err := newTee(body, TeeOptions{Provider: ProviderOpenAIChat, QueueChunks: 4})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 32<<10)
	queued := func() {
		if _, err := tee.Read(buf); err != nil {
			t.Fatal(err)
		}
		c := <-tee.queue // stand-in for the parser goroutine
		chunkPools[c.class].Put(c.buf)
		tee.queued.Add(-int64(len(chunk)))
	}
	queued()
	if n := testing.AllocsPerRun(1000, queued); n != 0 {
		t.Errorf("queued path: %v allocs per Read", n)
	}
	for range 4 {
		_, _ = tee.Read(buf) // fill the queue
	}
	dropped := func() { _, _ = tee.Read(buf) }
	dropped()
	if n := testing.AllocsPerRun(1000, dropped); n != 0 {
		t.Errorf("dropped path: %v allocs per Read", n)
	}
}

// loopReader returns chunk on every Read forever.
type loopReader struct{ chunk []byte }

func (r *loopReader) Read(p []byte) (int, error) { return copy(p, r.chunk), nil }
func (r *loopReader) Close() error               { return nil }

func TestPoolClassFitsAndCaps(t *testing.T) {
	for _, n := range []int{1, 511, 512, 513, 1000, 4096, 4097, 32 << 10} {
		c := poolClass(n)
		size := 1 << (minChunkShift + c)
		if size < n || (c > 0 && size/2 >= n) || c >= len(chunkPools) {
			t.Errorf("poolClass(%d) = %d (size %d)", n, c, size)
		}
	}
}
