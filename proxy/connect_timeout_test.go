//go:build linux

package proxy

import (
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"
)

// blackholeAddr returns a loopback address whose accept queue is full, so
// further connection attempts hang in SYN_SENT instead of being refused:
// a listening socket with backlog 0 that never accepts, filled up front.
func blackholeAddr(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Skipf("socket: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Skipf("bind: %v", err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Skipf("listen: %v", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Skipf("getsockname: %v", err)
	}
	addr := (&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sa.(*syscall.SockaddrInet4).Port}).String()
	// Fill the queue until a dial stops completing.
	for range 8 {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return addr
		}
		t.Cleanup(func() { c.Close() })
	}
	t.Skip("could not fill the accept queue; this kernel accepts regardless")
	return ""
}

func TestConnectTimeoutIs504(t *testing.T) {
	addr := blackholeAddr(t)
	p := startProxy(t, Config{Upstream: "http://" + addr, UpstreamConnectTimeout: 300 * time.Millisecond})
	start := time.Now()
	res, err := testClient(t).Get(p.URL + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	expectProxyError(t, res, http.StatusGatewayTimeout, "upstream connect timeout: dial "+addr)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("connect timeout answered after %v with a 300ms limit", d)
	}
}
