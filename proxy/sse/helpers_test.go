package sse

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// readStream returns a recorded-format stream from testdata/streams.
func readStream(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "streams", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// logBuffer collects JSON log lines; safe for the Tee's goroutine.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func newTestLogger() (*slog.Logger, *logBuffer) {
	lb := &logBuffer{}
	return slog.New(slog.NewJSONHandler(lb, nil)), lb
}

// frameAll frames a stream split at the given offsets and returns copies
// of the events (framing errors fail the test).
func frameAll(t testing.TB, stream string, splits ...int) []Event {
	t.Helper()
	var f Framer
	var out []Event
	prev := 0
	for _, cut := range append(splits, len(stream)) {
		f.Push([]byte(stream[prev:cut]))
		prev = cut
		for {
			e, err := f.Next()
			if err == ErrNeedMore {
				break
			}
			if err != nil {
				t.Fatalf("framing: %v", err)
			}
			e.Data = bytes.Clone(e.Data)
			e.Raw = bytes.Clone(e.Raw)
			out = append(out, e)
		}
	}
	if err := f.End(); err != nil {
		t.Fatalf("framing end: %v", err)
	}
	return out
}

// sseText renders events in wire form: name (optional) and data lines.
func sseText(events ...[2]string) string {
	var b strings.Builder
	for _, e := range events {
		if e[0] != "" {
			b.WriteString("event: " + e[0] + "\n")
		}
		b.WriteString("data: " + e[1] + "\n\n")
	}
	return b.String()
}

// decodeAll frames stream (split at splits) and runs every event through
// decode, collecting the typed events and the errors in order.
func decodeAll[T any](t testing.TB, decode func(*Event) (T, error), stream string, splits ...int) ([]T, []error) {
	t.Helper()
	var out []T
	var errs []error
	for _, e := range frameAll(t, stream, splits...) {
		v, err := decode(&e)
		out = append(out, v)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return out, errs
}
