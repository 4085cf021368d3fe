package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Per-request header work runs on every forwarded request; these budgets
// keep it from growing allocations unnoticed.
func TestHeaderHelpersAllocationBudget(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector adds allocations")
	}
	reused := http.Header{"X-Request-Id": {"client-id-123"}}
	plain := http.Header{"Authorization": {"Bearer x"}, "Content-Type": {"application/json"}, "Connection": {"keep-alive, Upgrade"}}
	for _, tc := range []struct {
		name string
		max  float64
		fn   func()
	}{
		{"reuse client id", 0, func() { _ = requestID(reused) }},
		{"generate id", 1, func() { _ = requestID(plain) }}, // the id string itself
		{"no internal headers", 0, func() { _ = stripInternalHeaders(plain) }},
		{"upgrade check", 0, func() { _ = isUpgradeRequest(plain) }},
	} {
		if got := testing.AllocsPerRun(100, tc.fn); got > tc.max {
			t.Errorf("%s: %v allocations per run, budget %v", tc.name, got, tc.max)
		}
	}
}

// discardWriter is a minimal http.ResponseWriter whose header map is reused,
// so the allocations measured are the proxy's and its transport's.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header  { return w.h }
func (w *discardWriter) WriteHeader(code int) { w.status = code }
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(p)
	return len(p), nil
}

// The passthrough of a small JSON POST is the proxy's most common request.
// The budget covers the whole in-process exchange: the proxy's own work,
// the stdlib reverse proxy and transport, and the loopback upstream
// server's handling; the proxy's share is a handful of allocations.
func TestServeHTTPSmallJSONAllocationBudget(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector adds allocations")
	}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header()["Content-Type"] = []string{"application/json"}
		_, _ = io.WriteString(w, benchSmallReply)
	}))
	defer up.Close()
	srv, err := New(Config{Upstream: up.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.transport.CloseIdleConnections()

	const runs = 200
	reqs := make([]*http.Request, runs+2) // AllocsPerRun adds a warm-up run
	for i := range reqs {
		reqs[i] = httptest.NewRequest(http.MethodPost, "/v1/messages", strings.NewReader(benchSmallJSON))
		reqs[i].Header.Set("Content-Type", "application/json")
	}
	w := &discardWriter{h: make(http.Header, 8)}
	serve := func(i int) {
		clear(w.h)
		w.status, w.n = 0, 0
		srv.ServeHTTP(w, reqs[i])
		if w.status != http.StatusOK || w.n != len(benchSmallReply) {
			t.Fatalf("request %d: status %d, %d bytes", i, w.status, w.n)
		}
	}
	serve(len(reqs) - 1) // open the upstream connection outside the count
	next := 0
	got := testing.AllocsPerRun(runs, func() {
		serve(next)
		next++
	})
	const budget = 110 // 108 measured with Go 1.26
	t.Logf("%v allocations per proxied request", got)
	if got > budget {
		t.Errorf("%v allocations per proxied small-JSON request, budget %d", got, budget)
	}
}
