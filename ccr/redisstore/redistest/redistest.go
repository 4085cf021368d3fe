// Package redistest starts a throwaway redis-server for tests, the way
// net/http/httptest starts a server: on a free loopback port, with
// persistence off, stopped when the test ends.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startTimeout bounds how long a fresh server may take to answer PING.
const startTimeout = 10 * time.Second

// Server starts redis-server on a free 127.0.0.1 port and returns its URL.
// The server is killed in t.Cleanup. When redis-server is not installed the
// test is skipped with a message saying how to get it (CI installs it).
func Server(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not in PATH; install it (apt-get install redis-server) to run the Redis tests")
	}
	for attempt := 0; ; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatalf("redistest: pick a port: %v", err)
		}
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning")
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatalf("redistest: start %s: %v", bin, err)
		}
		exited := make(chan struct{})
		var waitErr error
		go func() { waitErr = cmd.Wait(); close(exited) }()
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if err := waitForPing(addr, exited, &waitErr); err != nil {
			_ = cmd.Process.Kill()
			<-exited
			// Another process may have taken the port between our probe
			// and the server's bind; try a new one a few times.
			if attempt < 3 {
				continue
			}
			t.Fatalf("redistest: redis-server on %s: %v\n%s", addr, err, out.String())
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			<-exited
		})
		return "redis://" + addr + "/0"
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitForPing speaks just enough RESP to know the server is serving.
func waitForPing(addr string, exited <-chan struct{}, waitErr *error) error {
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("exited before serving: %v", *waitErr)
		default:
		}
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.SetDeadline(time.Now().Add(time.Second))
			_, err = c.Write([]byte("PING\r\n"))
			var line string
			if err == nil {
				line, err = bufio.NewReader(c).ReadString('\n')
			}
			c.Close()
			if err == nil && line == "+PONG\r\n" {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("no PONG within %v", startTimeout)
}
