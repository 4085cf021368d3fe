package retrieval

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// benchStream is a 200-event Anthropic answer without a retrieval: the
// common case, whose cost is the pass-through overhead.
func benchStream() []byte {
	evs := []string{aMessageStart("msg_b", 1000)}
	var parts []string
	for i := range 196 {
		parts = append(parts, fmt.Sprintf("token %d ", i))
	}
	evs = append(evs, aTextBlock(0, parts...)...)
	evs = append(evs, aMessageEnd("end_turn", 200)...)
	return []byte(strings.Join(evs, ""))
}

// BenchmarkStreamPassThrough measures the rewriter on a stream it only
// forwards (no HTTP: the upstream body is in memory).
func BenchmarkStreamPassThrough(b *testing.B) {
	data := benchStream()
	rt, err := New(Config{Store: newStore(b), Base: http.DefaultTransport})
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 32<<10)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		x := &exchange{r: rt, ctx: context.Background(), f: formatAnthropic}
		resp := x.stream(&http.Response{Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(data))})
		n, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{resp.Body}, buf)
		if err != nil || n != int64(len(data)) {
			b.Fatalf("copied %d of %d: %v", n, len(data), err)
		}
	}
}

// BenchmarkInject measures Inject on a request with a marker.
func BenchmarkInject(b *testing.B) {
	rt, err := New(Config{Store: newStore(b), Base: http.DefaultTransport})
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(anthropicRequest("0123456789abcdef01234567", true))
	req := Request{Path: "/v1/messages", Session: "s", Body: body}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if in, err := rt.Inject(context.Background(), req); err != nil || !in.Injected() {
			b.Fatal(err)
		}
	}
}
