package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// testProxy is a real Server listening on loopback in front of a real
// upstream, driven through Serve like the binary does.
type testProxy struct {
	URL    string // http://127.0.0.1:port
	Addr   string
	srv    *Server
	logs   *logBuffer
	stop   context.CancelFunc
	served chan error
}

// startProxy starts a proxy with cfg (Upstream must be set). Unset fields
// get test-friendly values: short grace so cleanup is quick.
func startProxy(t testing.TB, cfg Config) *testProxy {
	t.Helper()
	if cfg.GracefulShutdownTimeout == 0 {
		cfg.GracefulShutdownTimeout = 2 * time.Second
	}
	logs := &logBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := New(cfg, logger)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &testProxy{
		URL: "http://" + ln.Addr().String(), Addr: ln.Addr().String(),
		srv: srv, logs: logs, stop: cancel, served: make(chan error, 1),
	}
	go func() { p.served <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-p.served:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
			p.served <- err // let a test that already waited read it again
		case <-time.After(cfg.GracefulShutdownTimeout + 10*time.Second):
			t.Errorf("Serve did not return after shutdown")
		}
	})
	return p
}

// shutdown cancels Serve and returns its result and how long it took.
func (p *testProxy) shutdown(t testing.TB, limit time.Duration) (time.Duration, error) {
	t.Helper()
	start := time.Now()
	p.stop()
	select {
	case err := <-p.served:
		p.served <- err
		return time.Since(start), err
	case <-time.After(limit):
		t.Fatalf("Serve did not return within %v of shutdown", limit)
		return 0, nil
	}
}

// startUpstream starts a plain HTTP/1.1 upstream on loopback.
func startUpstream(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	up := httptest.NewServer(h)
	t.Cleanup(up.Close)
	return up
}

// client returns an HTTP/1.1 client that talks to the proxy only.
func testClient(t testing.TB) *http.Client {
	t.Helper()
	tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 16}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{
		Transport: tr,
		// The proxy must pass 3xx through; the test client must not
		// hide that by following them.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

// logBuffer collects the proxy's JSON log lines.
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

// records returns every log line with the given msg, decoded.
func (l *logBuffer) records(t testing.TB, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(l.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q: %v", line, err)
		}
		if rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// waitRecords polls until at least n lines with msg were logged (the
// forwarded line is written after the response completes).
func (l *logBuffer) waitRecords(t testing.TB, msg string, n int) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		recs := l.records(t, msg)
		if len(recs) >= n || time.Now().After(deadline) {
			if len(recs) < n {
				t.Fatalf("want %d %q log lines, got %d; logs:\n%s", n, msg, len(recs), l.String())
			}
			return recs
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// waitClosed waits for ch to be closed, failing after d.
func waitClosed(t testing.TB, ch <-chan struct{}, d time.Duration, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(d):
		t.Fatalf("timed out after %v waiting for %s", d, what)
	}
}
