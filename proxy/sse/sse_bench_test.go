package sse

import (
	"fmt"
	"io"
	"slices"
	"testing"
)

// benchStream is a 200-event Anthropic stream (195 text deltas plus the
// envelope events) with keep-alives and multi-byte text.
var benchStream = bigAnthropicStream(195)

func BenchmarkFramer(b *testing.B) {
	for _, size := range []int{64, 1024, 32 << 10} {
		b.Run(fmt.Sprintf("chunk=%d", size), func(b *testing.B) {
			chunks := slices.Collect(slices.Chunk(benchStream, size))
			var f Framer
			b.SetBytes(int64(len(benchStream)))
			b.ReportAllocs()
			events := 0
			for b.Loop() {
				f.Reset()
				events = 0
				for _, c := range chunks {
					f.Push(c)
					for {
						if _, err := f.Next(); err != nil {
							break
						}
						events++
					}
				}
			}
			if events != 200 {
				b.Fatalf("framed %d events, want 200", events)
			}
		})
	}
}

// BenchmarkParse is framing plus a state machine: the work the Tee's
// goroutine does per stream, off the client's byte path.
func BenchmarkParse(b *testing.B) {
	cases := []struct {
		name   string
		stream []byte
		newP   func() Parser
	}{
		{"anthropic-200", benchStream, func() Parser { return NewAnthropicStream(Options{}) }},
		{"chat", []byte(readStream(b, "chat_tools.sse")), func() Parser { return NewChatStream(Options{}) }},
		{"responses", []byte(readStream(b, "responses_text.sse")), func() Parser { return NewResponsesStream(Options{}) }},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			chunks := slices.Collect(slices.Chunk(tc.stream, 1024))
			var f Framer
			b.SetBytes(int64(len(tc.stream)))
			b.ReportAllocs()
			for b.Loop() {
				f.Reset()
				p := tc.newP()
				for _, c := range chunks {
					f.Push(c)
					for {
						e, err := f.Next()
						if err != nil {
							break
						}
						p.Observe(e)
					}
				}
				if p.Summary().Status != StatusCompleted {
					b.Fatal("stream did not complete")
				}
			}
		})
	}
}

// BenchmarkCopy compares io.Copy of the 200-event stream, read 1 KiB at a
// time, plain and through a Tee.
//
//   - plain: the baseline.
//   - tee-bytepath: the Tee's Read path (copy into a pooled buffer and
//     queue) with a consumer that only recycles buffers, isolating what
//     the client-facing path pays.
//   - tee-parsed: the full Tee, waiting each iteration for the parser
//     goroutine's summary (parsing runs concurrently with the copy).
func BenchmarkCopy(b *testing.B) {
	const readSize = 1024
	b.Run("plain", func(b *testing.B) {
		b.SetBytes(int64(len(benchStream)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := io.Copy(io.Discard, &chunkReader{data: benchStream, size: readSize}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("tee-bytepath", func(b *testing.B) {
		b.SetBytes(int64(len(benchStream)))
		b.ReportAllocs()
		for b.Loop() {
			tee, err := newTee(&chunkReader{data: benchStream, size: readSize}, TeeOptions{Provider: ProviderAnthropic})
			if err != nil {
				b.Fatal(err)
			}
			done := make(chan struct{})
			go func() {
				for c := range tee.queue {
					tee.queued.Add(-int64(len(*c.buf)))
					chunkPools[c.class].Put(c.buf)
				}
				close(done)
			}()
			if _, err := io.Copy(io.Discard, tee); err != nil {
				b.Fatal(err)
			}
			tee.Close()
			<-done
		}
	})
	b.Run("tee-parsed", func(b *testing.B) {
		b.SetBytes(int64(len(benchStream)))
		b.ReportAllocs()
		sums := make(chan Summary, 1)
		onSummary := func(s Summary) { sums <- s }
		for b.Loop() {
			tee, err := NewTee(&chunkReader{data: benchStream, size: readSize}, TeeOptions{Provider: ProviderAnthropic, OnSummary: onSummary})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, tee); err != nil {
				b.Fatal(err)
			}
			tee.Close()
			if s := <-sums; s.Status != StatusCompleted {
				b.Fatalf("status %v", s.Status)
			}
		}
	})
}
