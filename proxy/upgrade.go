package proxy

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// upgradeTracker registers client connections hijacked for a protocol
// switch (WebSocket). http.Server.Shutdown neither waits for nor closes
// hijacked connections, so Serve uses this registry to drain them within
// the grace period and close the rest.
type upgradeTracker struct {
	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	closing bool
}

// add registers c. It reports false once shutdown has closed the registry;
// the caller must then close c itself.
func (t *upgradeTracker) add(c net.Conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closing {
		return false
	}
	if t.conns == nil {
		t.conns = make(map[net.Conn]struct{})
	}
	t.conns[c] = struct{}{}
	return true
}

func (t *upgradeTracker) remove(c net.Conn) {
	t.mu.Lock()
	delete(t.conns, c)
	t.mu.Unlock()
}

func (t *upgradeTracker) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.conns)
}

// closeAll closes every registered connection, refuses later ones and
// reports how many it closed.
func (t *upgradeTracker) closeAll() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closing = true
	n := len(t.conns)
	for c := range t.conns {
		_ = c.Close()
		delete(t.conns, c)
	}
	return n
}

// upgradeDrainPoll is how often a drain rechecks the upgraded connections;
// shutdown is rare, so polling keeps the hot path free of signalling.
const upgradeDrainPoll = 25 * time.Millisecond

// wait returns when no connection is registered or ctx is done.
func (t *upgradeTracker) wait(ctx context.Context) {
	tick := time.NewTicker(upgradeDrainPoll)
	defer tick.Stop()
	for t.len() > 0 {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// hijackRecorder wraps the ResponseWriter of an upgrade request so the
// connection the stdlib proxy hijacks is registered with the tracker.
// http.ResponseController finds Hijack here and everything else (Flush,
// deadlines) through Unwrap.
type hijackRecorder struct {
	http.ResponseWriter
	tracker *upgradeTracker
	conn    net.Conn
}

// Hijack takes over the client connection and registers it.
func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if !h.tracker.add(c) {
		// Shutdown already force-closed upgrades: refuse this one too.
		_ = c.Close()
		return nil, nil, net.ErrClosed
	}
	h.conn = c
	return c, brw, nil
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (h *hijackRecorder) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// release unregisters the hijacked connection once the proxy returned; by
// then the stdlib has closed it.
func (h *hijackRecorder) release() {
	if h.conn != nil {
		h.tracker.remove(h.conn)
	}
}
