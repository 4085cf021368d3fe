package proxycmd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/headroom-go/headroom/internal/version"
	"github.com/headroom-go/headroom/proxy"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines to log to
// while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// envOf is an Env whose variables are exactly vars, so the test process's
// own HEADROOM_* settings cannot leak in.
func envOf(out *syncBuffer, vars map[string]string) Env {
	return Env{Stdout: out, Getenv: func(k string) string { return vars[k] }}
}

// cancelled is a context that is already done: a Run that got as far as
// listening fails at once instead of serving.
func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func TestUsageErrors(t *testing.T) {
	up := []string{"--upstream", "http://127.0.0.1:1"}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown flag", []string{"--no-such-flag"}, nil, "no-such-flag"},
		{"stray argument", append(up, "--rewrite-host", "false"), nil, `unexpected argument "false"`},
		{"no upstream", nil, nil, "--upstream (or HEADROOM_PROXY_UPSTREAM) is required"},
		{"bad flag value", append(up, "--upstream-timeout", "soon"), nil, "soon"},
		{"bad proxy env", up, map[string]string{"HEADROOM_PROXY_MAX_BODY_BYTES": "lots"}, `HEADROOM_PROXY_MAX_BODY_BYTES="lots"`},
		{"bad reference env", up, map[string]string{"HEADROOM_NO_CCR_INJECT_TOOL": "perhaps"}, `HEADROOM_NO_CCR_INJECT_TOOL="perhaps"`},
		{"bad store env", up, map[string]string{"HEADROOM_CCR_TTL_SECONDS": "-5"}, "HEADROOM_CCR_TTL_SECONDS"},
		{"store config", append(up, "--ccr-backend=redis"), nil, "redis needs a URL"},
		{"unknown backend", append(up, "--ccr-backend", "floppy"), nil, "floppy"},
	} {
		var out syncBuffer
		err := Run(cancelled(), "headroom-proxy", tc.args, envOf(&out, tc.env))
		var ue *UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %T %v, want a *UsageError mentioning %q", tc.name, err, err, tc.want)
			continue
		}
		if got := ExitCode(err); got != ExitUsage {
			t.Errorf("%s: exit code %d, want %d", tc.name, got, ExitUsage)
		}
		if out.String() != "" {
			t.Errorf("%s: wrote to stdout: %q", tc.name, out.String())
		}
	}
	var out syncBuffer
	if err := Run(cancelled(), "headroom-proxy", nil, envOf(&out, nil)); !errors.Is(err, proxy.ErrNoUpstream) {
		t.Errorf("no upstream: %v does not wrap proxy.ErrNoUpstream", err)
	}
}

func TestExitCode(t *testing.T) {
	usage := &UsageError{errors.New("bad flag")}
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{usage, ExitUsage},
		{fmt.Errorf("starting: %w", usage), ExitUsage},
		{errors.New("listen: address in use"), ExitFailure},
		{context.Canceled, ExitFailure},
	} {
		if got := ExitCode(tc.err); got != tc.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

// TestStoreFailsBeforeListening: a CCR store that cannot be opened is a
// plain failure naming the store, reported before the listen address is
// touched (the address is taken, so listening first would fail
// differently). Without --compression the store is not opened at all.
func TestStoreFailsBeforeListening(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	badPath := filepath.Join(notDir, "ccr.db") // its parent is a regular file
	args := []string{"--upstream", "http://127.0.0.1:1", "--listen", taken.Addr().String(),
		"--ccr-backend=sqlite", "--ccr-sqlite-path", badPath}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out syncBuffer
	err = Run(ctx, "headroom-proxy", append([]string{"--compression"}, args...), envOf(&out, nil))
	var ue *UsageError
	switch {
	case err == nil:
		t.Fatal("Run succeeded with an unopenable store")
	case errors.As(err, &ue) || ExitCode(err) != ExitFailure:
		t.Errorf("store failure %v is a usage error (exit %d)", err, ExitCode(err))
	case !strings.Contains(err.Error(), "open CCR store") || !strings.Contains(err.Error(), badPath):
		t.Errorf("error %q does not say the CCR store at %s failed", err, badPath)
	case strings.Contains(err.Error(), "listen"):
		t.Errorf("error %q: the listener was tried before the store", err)
	}

	err = Run(ctx, "headroom-proxy", args, envOf(&out, nil))
	if err == nil || !strings.Contains(err.Error(), "listen") || strings.Contains(err.Error(), "CCR store") {
		t.Errorf("without --compression: %v, want the taken address to be the failure", err)
	}
}

func TestVersionAndHelp(t *testing.T) {
	var out syncBuffer
	// No --upstream: --version answers before the configuration is checked.
	if err := Run(cancelled(), "headroom-proxy", []string{"--version"}, envOf(&out, nil)); err != nil {
		t.Fatalf("--version: %v", err)
	}
	if got, want := out.String(), version.Version+"\n"; got != want {
		t.Errorf("--version printed %q, want %q", got, want)
	}
	for _, arg := range []string{"--help", "-h"} {
		var out syncBuffer
		if err := Run(cancelled(), "headroom proxy", []string{arg}, envOf(&out, nil)); err != nil {
			t.Fatalf("%s: %v", arg, err)
		}
		help := out.String()
		for _, want := range []string{"Usage: headroom proxy --upstream URL", "--ccr-inject-tool[=BOOL]", "--ccr-backend", "--version"} {
			if !strings.Contains(help, want) {
				t.Errorf("%s output lacks %q", arg, want)
			}
		}
	}
}

// TestServesUntilCancelled runs the command on a free port with a memory
// store: it logs the store and its address, answers /healthz, and returns
// nil once its context is cancelled, leaving the port closed.
func TestServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, "headroom-proxy", []string{
			"--upstream", "http://127.0.0.1:1", "--listen", "127.0.0.1:0", "--compression",
			"--ccr-backend", "memory", "--graceful-shutdown-timeout", "2s",
		}, envOf(&out, map[string]string{"HEADROOM_PROXY_CCR_HANDLE_RESPONSES": "false"}))
	}()

	addr := waitForListen(t, &out, done)
	if !strings.Contains(out.String(), `"store":"backend=memory`) {
		t.Errorf("no store line in the log:\n%s", out.String())
	}
	res, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %d", res.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after Run returned", addr)
	}
}

// waitForListen returns the address from the start-up log line, checking
// the switches the environment set on the way; it fails if Run returns
// first.
func waitForListen(t *testing.T, out *syncBuffer, done <-chan error) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		sc := bufio.NewScanner(strings.NewReader(out.String()))
		for sc.Scan() {
			var line struct {
				Msg          string `json:"msg"`
				Listen       string `json:"listen"`
				InjectTool   *bool  `json:"ccr_inject_tool"`
				HandleResult *bool  `json:"ccr_handle_responses"`
			}
			if json.Unmarshal(sc.Bytes(), &line) != nil || line.Msg != "headroom-proxy listening" {
				continue
			}
			if line.InjectTool == nil || !*line.InjectTool || line.HandleResult == nil || *line.HandleResult {
				t.Errorf("start-up line does not show the tool on and handling off: %s", sc.Bytes())
			}
			return line.Listen
		}
		select {
		case err := <-done:
			t.Fatalf("Run returned before listening: %v\n%s", err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("no listening line within 20s:\n%s", out.String())
	return ""
}
