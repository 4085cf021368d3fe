package proxy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// sseEvent formats event i the way the upstreams below send it.
func sseEvent(i int) string {
	return fmt.Sprintf("event: message\ndata: {\"i\":%d,\"text\":\"héllo ✓\"}\n\n", i)
}

// readEvent reads one SSE event (up to the blank line) from br.
func readEvent(br *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		line, err := br.ReadString('\n')
		b.WriteString(line)
		if err != nil {
			return b.String(), err
		}
		if line == "\n" {
			return b.String(), nil
		}
	}
}

func TestSSEEventReachesClientBeforeUpstreamSendsNext(t *testing.T) {
	const events = 5
	received := make(chan int, events)
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		for i := range events {
			_, _ = io.WriteString(w, sseEvent(i))
			http.NewResponseController(w).Flush()
			if i == events-1 {
				return
			}
			// Send event i+1 only once the client has seen event i: a
			// buffering proxy deadlocks here and the test times out.
			select {
			case got := <-received:
				if got != i {
					t.Errorf("client acknowledged %d, want %d", got, i)
				}
			case <-time.After(5 * time.Second):
				t.Errorf("client never received event %d through the proxy", i)
				return
			case <-r.Context().Done():
				return
			}
		}
	})
	p := startProxy(t, Config{Upstream: up.URL})
	req, _ := http.NewRequest("POST", p.URL+"/v1/messages", strings.NewReader(`{"stream":true}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	res, err := testClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("content-type %q", ct)
	}
	br := bufio.NewReader(res.Body)
	for i := range events {
		ev, err := readEvent(br)
		if err != nil {
			t.Fatalf("event %d: %v (got %q)", i, err, ev)
		}
		if ev != sseEvent(i) {
			t.Fatalf("event %d bytes %q, want %q", i, ev, sseEvent(i))
		}
		received <- i
	}
	if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
		t.Errorf("after the last event: %q, %v", rest, err)
	}
}

func TestSSEClientDisconnectCancelsUpstream(t *testing.T) {
	upstreamGone := make(chan struct{})
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			if _, err := io.WriteString(w, sseEvent(i)); err != nil {
				close(upstreamGone)
				return
			}
			http.NewResponseController(w).Flush()
			select {
			case <-r.Context().Done():
				close(upstreamGone)
				return
			case <-tick.C:
			}
		}
	})
	p := startProxy(t, Config{Upstream: up.URL})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", p.URL+"/stream", nil)
	res, err := testClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readEvent(bufio.NewReader(res.Body)); err != nil {
		t.Fatal(err)
	}
	cancel()
	res.Body.Close()
	waitClosed(t, upstreamGone, 2*time.Second, "the upstream to see the client's disconnect")
}

// TestSlowStreamOutlivesUpstreamTimeout: the stream lasts several times the
// upstream timeout, but no gap reaches it, so it must arrive whole.
func TestSlowStreamOutlivesUpstreamTimeout(t *testing.T) {
	// Gaps are a fifth of the timeout so a loaded machine cannot stretch
	// one past it; the whole stream still lasts well past the timeout.
	const timeout = time.Second
	const events = 8
	const gap = 200 * time.Millisecond
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range events {
			time.Sleep(gap) // the first gap also delays the headers
			if i == 0 {
				w.WriteHeader(http.StatusOK)
			}
			_, _ = io.WriteString(w, sseEvent(i))
			http.NewResponseController(w).Flush()
		}
	})
	p := startProxy(t, Config{Upstream: up.URL, UpstreamTimeout: timeout})
	start := time.Now()
	res, err := testClient(t).Get(p.URL + "/slow")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatalf("stream cut after %v: %v\nlogs:\n%s", time.Since(start), err, p.logs.String())
	}
	var want strings.Builder
	for i := range events {
		want.WriteString(sseEvent(i))
	}
	if string(body) != want.String() {
		t.Errorf("slow stream arrived as %q", body)
	}
	if d := time.Since(start); d < timeout+gap {
		t.Errorf("stream took %v; the test needs it longer than the timeout", d)
	}
}

func TestIdleGapLongerThanUpstreamTimeoutCutsStream(t *testing.T) {
	const timeout = 300 * time.Millisecond
	upstreamCancelled := make(chan struct{})
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, sseEvent(0))
		http.NewResponseController(w).Flush()
		select {
		case <-r.Context().Done():
			close(upstreamCancelled)
		case <-time.After(10 * time.Second):
			_, _ = io.WriteString(w, sseEvent(1))
		}
	})
	p := startProxy(t, Config{Upstream: up.URL, UpstreamTimeout: timeout})
	res, err := testClient(t).Get(p.URL + "/idle")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	if ev, err := readEvent(br); err != nil || ev != sseEvent(0) {
		t.Fatalf("first event %q, %v", ev, err)
	}
	start := time.Now()
	rest, err := io.ReadAll(br)
	if err == nil {
		t.Fatalf("stream ended cleanly after an idle gap (%q); want it cut", rest)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("idle stream cut only after %v", d)
	}
	waitClosed(t, upstreamCancelled, 2*time.Second, "the upstream request to be cancelled")
	rec := p.logs.waitRecords(t, "forwarded", 1)[0]
	if e, _ := rec["error"].(string); !strings.Contains(e, ErrUpstreamIdle.Error()) {
		t.Errorf("forwarded line error %q, want the idle timeout named", e)
	}
}
