package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/headroom-go/headroom/internal/version"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds headroom-proxy once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "headroom-proxy-test")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "headroom-proxy")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("build: %v", buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// cleanEnv is the test process environment without HEADROOM_PROXY_* and
// HEADROOM_CCR_* values.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HEADROOM_PROXY_") && !strings.HasPrefix(kv, "HEADROOM_CCR_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

func run(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func TestStartupErrorsExitNonZeroWithClearMessage(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"missing upstream", nil, nil, "--upstream (or HEADROOM_PROXY_UPSTREAM) is required"},
		{"bad scheme", nil, []string{"--upstream", "ftp://h"}, `scheme "ftp" not supported`},
		{"not a URL", nil, []string{"--upstream", "127.0.0.1:8788"}, "not an absolute URL"},
		{"bad env", []string{"HEADROOM_PROXY_UPSTREAM=gopher://x"}, nil, "HEADROOM_PROXY_UPSTREAM="},
		{"bad size", nil, []string{"--upstream", "http://h", "--max-body-bytes", "lots"}, `byte size "lots"`},
		{"unknown flag", nil, []string{"--upstream", "http://h", "--frobnicate"}, "frobnicate"},
		{"detached bool", nil, []string{"--upstream", "http://h", "--rewrite-host", "false"}, "--rewrite-host=false"},
	} {
		_, stderr, code := run(t, cleanEnv(tc.env...), tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 mentioning %q", tc.name, code, stderr, tc.want)
		}
	}
}

// TestUnusableCCRStoreAbortsStartup: with --compression the store is opened
// before listening, and a store that cannot open is fatal (exit 1), never
// replaced by an in-memory one.
func TestUnusableCCRStoreAbortsStartup(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// A path under a regular file cannot be created.
	_, stderr, code := run(t, cleanEnv("HEADROOM_CCR_BACKEND=sqlite", "HEADROOM_CCR_SQLITE_PATH="+filepath.Join(blocker, "ccr.db")),
		"--upstream", "http://127.0.0.1:1", "--listen", "127.0.0.1:0", "--compression")
	if code != 1 || !strings.Contains(stderr, "open CCR store") {
		t.Errorf("exit %d, stderr %q; want exit 1 naming the CCR store", code, stderr)
	}
	_, stderr, code = run(t, cleanEnv("HEADROOM_CCR_BACKEND=floppy"), "--upstream", "http://127.0.0.1:1")
	if code != 2 || !strings.Contains(stderr, "floppy") {
		t.Errorf("bad backend: exit %d, stderr %q; want exit 2 naming it", code, stderr)
	}
}

func TestVersionAndHelp(t *testing.T) {
	out, _, code := run(t, cleanEnv(), "--version")
	if code != 0 || out != version.Version+"\n" {
		t.Errorf("--version: exit %d, %q", code, out)
	}
	out, _, code = run(t, cleanEnv(), "--help")
	if code != 0 {
		t.Errorf("--help exit %d", code)
	}
	for _, want := range []string{
		"--listen", "--upstream", "--upstream-timeout", "--upstream-connect-timeout", "--max-body-bytes",
		"--log-level", "--rewrite-host", "--no-rewrite-host", "--graceful-shutdown-timeout",
		"--strip-internal-headers", "--compression", "--version", "HEADROOM_PROXY_COMPRESSION", "default 600s",
		"--compression-max-body-bytes", "--cache-control-auto-frozen", "--auth-mode-policy-enforcement",
		"--retrieve-allow", "--ccr-backend", "HEADROOM_CCR_BACKEND",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--help does not mention %q", want)
		}
	}
}

// TestServesAndExitsZeroOnSIGTERM runs the real binary: it logs JSON to
// stdout, answers /healthz, and exits 0 on SIGTERM.
func TestServesAndExitsZeroOnSIGTERM(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	down := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(binary(t), "--listen", "127.0.0.1:0", "--graceful-shutdown-timeout", "2s")
	cmd.Env = cleanEnv("HEADROOM_PROXY_UPSTREAM=http://"+down, "HEADROOM_PROXY_COMPRESSION=on", "HEADROOM_CCR_BACKEND=memory")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["msg"] == "headroom-proxy listening" {
				if rec["compression"] != true {
					t.Errorf("startup line does not log compression=true: %s", sc.Bytes())
				}
				addr <- rec["listen"].(string)
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case <-time.After(10 * time.Second):
		t.Fatal("no listening log line")
	}
	res, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), `"service":"headroom-proxy"`) {
		t.Errorf("/healthz: %d %s", res.StatusCode, body)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not exit after SIGTERM")
	}
}
