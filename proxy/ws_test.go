package proxy

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// wsEchoHandler accepts a WebSocket (offering chat.v2), echoes every
// message, and reports the close frame it received and the handshake
// request it saw.
type wsEchoHandler struct {
	t         *testing.T
	handshake chan *http.Request
	closed    chan error
}

// wsReadLimit lifts coder/websocket's 32 KiB default so the binary
// messages below can span several proxy copy buffers.
const wsReadLimit = 1 << 20

func newWSEcho(t *testing.T) *wsEchoHandler {
	return &wsEchoHandler{t: t, handshake: make(chan *http.Request, 4), closed: make(chan error, 4)}
}

func (h *wsEchoHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.handshake <- r.Clone(context.Background())
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"chat.v2"}})
	if err != nil {
		h.t.Errorf("upstream accept: %v", err)
		return
	}
	defer c.CloseNow()
	c.SetReadLimit(wsReadLimit)
	ctx := context.Background()
	for {
		typ, msg, err := c.Read(ctx)
		if err != nil {
			h.closed <- err
			return
		}
		if err := c.Write(ctx, typ, msg); err != nil {
			h.closed <- err
			return
		}
	}
}

func dialWS(t *testing.T, url string, hdr http.Header) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, res, err := websocket.Dial(ctx, url, &websocket.DialOptions{
		Subprotocols: []string{"chat.v1", "chat.v2"},
		HTTPHeader:   hdr,
	})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	if res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake status %d", res.StatusCode)
	}
	c.SetReadLimit(wsReadLimit)
	return c
}

func echoRoundTrips(t *testing.T, c *websocket.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := range 5 {
		for _, m := range []struct {
			typ  websocket.MessageType
			data []byte
		}{
			{websocket.MessageText, fmt.Appendf(nil, "héllo %d ✓", i)},
			{websocket.MessageBinary, append([]byte{0, 0xff, byte(i)}, bytes.Repeat([]byte{0xab}, 70000)...)},
		} {
			if err := c.Write(ctx, m.typ, m.data); err != nil {
				t.Fatalf("write: %v", err)
			}
			typ, got, err := c.Read(ctx)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if typ != m.typ || !bytes.Equal(got, m.data) {
				t.Fatalf("echo %d: type %v, %d bytes; want type %v, %d bytes", i, typ, len(got), m.typ, len(m.data))
			}
		}
	}
}

func TestWebSocketEchoSubprotocolAndClose(t *testing.T) {
	echo := newWSEcho(t)
	up := httptest.NewServer(echo)
	t.Cleanup(up.Close)
	p := startProxy(t, Config{Upstream: strings.Replace(up.URL, "http://", "ws://", 1)})

	c := dialWS(t, "ws"+strings.TrimPrefix(p.URL, "http")+"/v1/responses?session=1",
		http.Header{"X-Headroom-Mode": {"audit"}, "Authorization": {"Bearer sk-x"}})
	defer c.CloseNow()
	if c.Subprotocol() != "chat.v2" {
		t.Errorf("subprotocol %q, want the upstream's choice chat.v2", c.Subprotocol())
	}
	hs := <-echo.handshake
	if hs.URL.RequestURI() != "/v1/responses?session=1" || hs.Header.Get("Authorization") != "Bearer sk-x" {
		t.Errorf("upstream handshake %s with Authorization %q", hs.URL.RequestURI(), hs.Header.Get("Authorization"))
	}
	if hs.Header.Get("X-Headroom-Mode") != "" || hs.Header.Get("X-Request-Id") == "" || hs.Header.Get("X-Forwarded-For") == "" {
		t.Errorf("upstream handshake headers: %v", hs.Header)
	}

	echoRoundTrips(t, c)

	// Close is a handshake: coder/websocket's Close returns nil only when
	// the peer's close frame comes back through the proxy.
	done := make(chan error, 1)
	go func() { done <- c.Close(websocket.StatusNormalClosure, "bye") }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("close handshake: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("close handshake did not complete within 3s")
	}
	select {
	case err := <-echo.closed:
		if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
			t.Errorf("upstream saw %v, want a normal closure", err)
		}
		var ce websocket.CloseError
		if errors.As(err, &ce) && ce.Reason != "bye" {
			t.Errorf("close reason %q, want bye", ce.Reason)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("upstream never saw the close")
	}
	rec := p.logs.waitRecords(t, "forwarded", 1)[0]
	if rec["protocol"] != "ws" || rec["status"] != float64(http.StatusSwitchingProtocols) {
		t.Errorf("forwarded line for the WebSocket: %v", rec)
	}
}

// TestTLSUpstreamKeepsTLSAndUsesHTTP2: https/wss upstreams stay TLS (the
// reference downgraded wss to ws), plain requests negotiate HTTP/2 and
// WebSocket upgrades go over HTTP/1.1 TLS.
func TestTLSUpstreamKeepsTLSAndUsesHTTP2(t *testing.T) {
	echo := newWSEcho(t)
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			t.Errorf("upstream request without TLS")
		}
		if r.Header.Get("Upgrade") != "" {
			echo.ServeHTTP(w, r)
			return
		}
		fmt.Fprintf(w, "proto=%s", r.Proto)
	}))
	up.EnableHTTP2 = true
	up.StartTLS()
	t.Cleanup(up.Close)

	for _, scheme := range []string{"https", "wss"} {
		p := startProxy(t, Config{Upstream: strings.Replace(up.URL, "https", scheme, 1)})
		p.srv.transport.TLSClientConfig = &tls.Config{RootCAs: up.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}

		res, err := testClient(t).Get(p.URL + "/proto")
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		_, _ = body.ReadFrom(res.Body)
		res.Body.Close()
		if body.String() != "proto=HTTP/2.0" {
			t.Errorf("%s upstream: %d %q, want HTTP/2 over TLS", scheme, res.StatusCode, body.String())
		}

		c := dialWS(t, "ws"+strings.TrimPrefix(p.URL, "http")+"/ws", nil)
		echoRoundTrips(t, c)
		c.Close(websocket.StatusNormalClosure, "")
	}
}
