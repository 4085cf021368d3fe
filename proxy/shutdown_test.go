package proxy

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// waitListenerClosed polls until addr refuses connections.
func waitListenerClosed(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s still accepts connections after shutdown began", addr)
}

func TestShutdownLetsInFlightStreamFinish(t *testing.T) {
	const events = 5
	resume := make(chan struct{})
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, sseEvent(0))
		http.NewResponseController(w).Flush()
		<-resume // the rest is sent while the proxy is shutting down
		for i := 1; i < events; i++ {
			time.Sleep(50 * time.Millisecond)
			_, _ = io.WriteString(w, sseEvent(i))
			http.NewResponseController(w).Flush()
		}
	})
	const grace = 5 * time.Second
	p := startProxy(t, Config{Upstream: up.URL, GracefulShutdownTimeout: grace})
	res, err := testClient(t).Get(p.URL + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	if _, err := readEvent(br); err != nil {
		t.Fatal(err)
	}

	served := make(chan time.Duration, 1)
	go func() { d, _ := p.shutdown(t, grace+5*time.Second); served <- d }()
	waitListenerClosed(t, p.Addr)
	close(resume)

	rest, err := io.ReadAll(br)
	if err != nil {
		t.Fatalf("in-flight stream cut during graceful shutdown: %v", err)
	}
	var want strings.Builder
	for i := 1; i < events; i++ {
		want.WriteString(sseEvent(i))
	}
	if string(rest) != want.String() {
		t.Errorf("stream tail %q", rest)
	}
	if d := <-served; d >= grace {
		t.Errorf("Serve took %v: it should return once the stream finished, not after the grace period", d)
	}
}

func TestShutdownCutsStreamLongerThanGrace(t *testing.T) {
	upstreamGone := make(chan struct{})
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		defer close(upstreamGone)
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 0; ; i++ {
			if _, err := io.WriteString(w, sseEvent(i)); err != nil {
				return
			}
			http.NewResponseController(w).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
	const grace = 300 * time.Millisecond
	p := startProxy(t, Config{Upstream: up.URL, GracefulShutdownTimeout: grace})
	res, err := testClient(t).Get(p.URL + "/forever")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	if _, err := readEvent(br); err != nil {
		t.Fatal(err)
	}
	d, err := p.shutdown(t, grace+5*time.Second)
	if err != nil {
		t.Errorf("Serve: %v", err)
	}
	if d < grace {
		t.Errorf("Serve returned after %v, before the %v grace period", d, grace)
	}
	if _, err := io.ReadAll(br); err == nil {
		t.Errorf("stream longer than the grace period ended cleanly; want it cut")
	}
	waitClosed(t, upstreamGone, 2*time.Second, "the upstream request to be cancelled")
}

func TestShutdownClosesWebSocketsAfterGrace(t *testing.T) {
	echo := newWSEcho(t)
	up := httptest.NewServer(echo)
	t.Cleanup(up.Close)
	const grace = 300 * time.Millisecond
	p := startProxy(t, Config{Upstream: up.URL, GracefulShutdownTimeout: grace})
	c := dialWS(t, "ws"+strings.TrimPrefix(p.URL, "http")+"/ws", nil)
	defer c.CloseNow()
	echoRoundTrips(t, c)

	d, err := p.shutdown(t, grace+5*time.Second)
	if err != nil {
		t.Errorf("Serve: %v", err)
	}
	if d < grace {
		t.Errorf("Serve returned after %v while a WebSocket was open; want it to wait the %v grace", d, grace)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, _, err := c.Read(ctx); err == nil || ctx.Err() != nil {
		t.Errorf("WebSocket still open after the grace period (read: %v)", err)
	}
}

func TestShutdownReturnsEarlyWhenWebSocketCloses(t *testing.T) {
	echo := newWSEcho(t)
	up := httptest.NewServer(echo)
	t.Cleanup(up.Close)
	const grace = 10 * time.Second
	p := startProxy(t, Config{Upstream: up.URL, GracefulShutdownTimeout: grace})
	c := dialWS(t, "ws"+strings.TrimPrefix(p.URL, "http")+"/ws", nil)
	echoRoundTrips(t, c)
	go func() {
		time.Sleep(200 * time.Millisecond)
		c.Close(websocket.StatusGoingAway, "done")
	}()
	if d, _ := p.shutdown(t, grace); d > grace/2 {
		t.Errorf("Serve took %v after the WebSocket closed", d)
	}
}
