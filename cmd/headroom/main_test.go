package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/redisstore/redistest"
)

// testVersion is linked into the test binary so the version tests see a
// value that only the build could have put there.
const testVersion = "9.8.7-clitest"

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// binaries builds headroom (with testVersion linked in) and headroom-proxy
// once per test run and returns their paths.
func binaries(t *testing.T) (headroom, headroomProxy string) {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "headroom-cli-test")
		if buildErr != nil {
			return
		}
		for _, b := range [][]string{
			{"-ldflags", "-X github.com/headroom-go/headroom/internal/version.Version=" + testVersion,
				"-o", filepath.Join(buildDir, "headroom"), "."},
			{"-o", filepath.Join(buildDir, "headroom-proxy"), "../headroom-proxy"},
		} {
			out, err := exec.Command("go", append([]string{"build"}, b...)...).CombinedOutput()
			if err != nil {
				buildErr = errors.New(string(out))
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatalf("build: %v", buildErr)
	}
	return filepath.Join(buildDir, "headroom"), filepath.Join(buildDir, "headroom-proxy")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// testEnv is the test process's environment without any HEADROOM_* value,
// with HOME and XDG_DATA_HOME in a temporary directory so no run can touch
// the real default store, plus extra.
func testEnv(t *testing.T, extra ...string) []string {
	home := t.TempDir()
	env := []string{"HOME=" + home, "XDG_DATA_HOME=" + filepath.Join(home, "data")}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HEADROOM_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "XDG_DATA_HOME=") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

type result struct {
	code           int
	stdout, stderr []byte
}

// run runs the headroom binary in a new process.
func run(t *testing.T, env []string, stdin []byte, args ...string) result {
	t.Helper()
	bin, _ := binaries(t)
	return runBin(t, bin, env, stdin, args...)
}

func runBin(t *testing.T, bin string, env []string, stdin []byte, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	code := 0
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.Bytes(), errb.Bytes()}
}

// payloads are the originals every backend must give back byte for byte.
func payloads(t *testing.T) map[string][]byte {
	big := make([]byte, 1<<20)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{
		"nul":          []byte("before\x00after\x00"),
		"invalid-utf8": {0xff, 0xfe, 'x', 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80},
		"unicode":      []byte("Zażółć gęślą jaźń — 日本語 — 🐢🚀 — e\u0301\r\n\t"),
		"1MiB-random":  big,
		"no-newline":   []byte("ends without a newline"),
		"empty":        {},
	}
}

// roundTrip puts every payload in one process (alternately from stdin and
// from a file) and gets it back in another, with the store chosen by env
// and args alone.
func roundTrip(t *testing.T, env []string, args ...string) {
	dir := t.TempDir()
	i := 0
	for name, p := range payloads(t) {
		putArgs := append([]string{"ccr", "put"}, args...)
		if i++; i%2 == 0 {
			file := filepath.Join(dir, name)
			if err := os.WriteFile(file, p, 0o600); err != nil {
				t.Fatal(err)
			}
			putArgs = append(putArgs, file)
		}
		put := run(t, env, p, putArgs...)
		want := ccr.ComputeKey(p) + "\n"
		if put.code != 0 || string(put.stdout) != want {
			t.Fatalf("%s: put %q: exit %d, stdout %q (want %q), stderr %s", name, putArgs, put.code, put.stdout, want, put.stderr)
		}
		hash := strings.TrimSuffix(string(put.stdout), "\n")
		get := run(t, env, nil, append(append([]string{"ccr", "get"}, args...), hash)...)
		if get.code != 0 || !bytes.Equal(get.stdout, p) || len(get.stderr) != 0 {
			t.Errorf("%s: get %s: exit %d, %d bytes (want %d, equal %v), stderr %s",
				name, hash, get.code, len(get.stdout), len(p), bytes.Equal(get.stdout, p), get.stderr)
		}
	}
}

func TestCCRPutThenGetInANewProcessSQLite(t *testing.T) {
	t.Run("flags", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nested", "dir", "ccr.db")
		roundTrip(t, testEnv(t), "--ccr-backend", "sqlite", "--ccr-sqlite-path", path)
		if _, err := os.Stat(path); err != nil {
			t.Errorf("the sqlite file was not created where configured: %v", err)
		}
	})
	t.Run("env", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "ccr.db")
		roundTrip(t, testEnv(t, "HEADROOM_CCR_BACKEND=sqlite", "HEADROOM_CCR_SQLITE_PATH="+path))
		if _, err := os.Stat(path); err != nil {
			t.Errorf("the sqlite file was not created where configured: %v", err)
		}
	})
	t.Run("default path", func(t *testing.T) {
		env := testEnv(t)
		roundTrip(t, env)
		var data string
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, "XDG_DATA_HOME="); ok {
				data = v
			}
		}
		if _, err := os.Stat(filepath.Join(data, "headroom", "ccr.db")); err != nil {
			t.Errorf("no store at the default path under XDG_DATA_HOME: %v", err)
		}
	})
}

func TestCCRPutThenGetInANewProcessRedis(t *testing.T) {
	url := redistest.Server(t)
	t.Run("flags", func(t *testing.T) {
		roundTrip(t, testEnv(t), "--ccr-backend", "redis", "--ccr-redis-url", url)
	})
	t.Run("env", func(t *testing.T) {
		roundTrip(t, testEnv(t, "HEADROOM_CCR_BACKEND=redis", "HEADROOM_CCR_REDIS_URL="+url, "HEADROOM_CCR_REDIS_PREFIX=cli-test"))
	})
	t.Run("prefix separates deployments", func(t *testing.T) {
		p := []byte("kept under one prefix")
		env := testEnv(t, "HEADROOM_CCR_BACKEND=redis", "HEADROOM_CCR_REDIS_URL="+url)
		if r := run(t, env, p, "ccr", "put", "--ccr-redis-prefix", "a"); r.code != 0 {
			t.Fatalf("put: exit %d, %s", r.code, r.stderr)
		}
		r := run(t, env, nil, "ccr", "get", "--ccr-redis-prefix", "b", ccr.ComputeKey(p))
		if r.code != 1 || !bytes.Contains(r.stderr, []byte("nothing stored")) {
			t.Errorf("get under another prefix: exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
		}
	})
}

func TestCCRGetMissingHashExits1WithAMessage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ccr.db")
	hash := ccr.ComputeKey([]byte("never stored"))
	r := run(t, testEnv(t), nil, "ccr", "get", "--ccr-sqlite-path", path, hash)
	if r.code != 1 || len(r.stdout) != 0 || !bytes.Contains(r.stderr, []byte("nothing stored under "+hash)) {
		t.Errorf("exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
}

func TestCCRGetExpiredHashExits1SayingExpired(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ccr.db")
	env := testEnv(t, "HEADROOM_CCR_SQLITE_PATH="+path, "HEADROOM_CCR_TTL_SECONDS=1")
	p := []byte("short-lived")
	if r := run(t, env, p, "ccr", "put"); r.code != 0 {
		t.Fatalf("put: exit %d, %s", r.code, r.stderr)
	}
	time.Sleep(1100 * time.Millisecond) // the shortest TTL the flags accept is 1s
	r := run(t, env, nil, "ccr", "get", ccr.ComputeKey(p))
	if r.code != 1 || len(r.stdout) != 0 || !bytes.Contains(r.stderr, []byte("expired")) {
		t.Errorf("exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
}

func TestCCRGetMalformedHashExits2(t *testing.T) {
	env := testEnv(t)
	for _, h := range []string{"xyz", "0123456789abcdef012345", "0123456789abcdef0123456789", "zz23456789ab", "<<ccr:0123456789ab>>"} {
		r := run(t, env, nil, "ccr", "get", h)
		if r.code != 2 || len(r.stdout) != 0 || !bytes.Contains(r.stderr, []byte("not a hash")) {
			t.Errorf("%q: exit %d, stdout %q, stderr %s", h, r.code, r.stdout, r.stderr)
		}
	}
}

func TestBadBackendConfigFailsLoudly(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	badPath := filepath.Join(file, "sub", "ccr.db") // its parent cannot be a directory
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadRedis := "redis://" + ln.Addr().String() + "/0"
	ln.Close() // nothing listens there any more
	hash := ccr.ComputeKey([]byte("x"))
	// Each case runs put and get, except that the unreachable Redis cases
	// (each run spends the client's dial retries) split the two between them.
	both := []string{"put", "get"}
	for _, tc := range []struct {
		name string
		subs []string
		env  []string
		args []string
		want []string
	}{
		{"uncreatable sqlite dir", both, nil, []string{"--ccr-sqlite-path", badPath}, []string{badPath, "not a directory"}},
		{"unreachable redis", []string{"get"}, nil, []string{"--ccr-backend", "redis", "--ccr-redis-url", deadRedis}, []string{deadRedis, "refused"}},
		{"unreachable redis via env", []string{"put"}, []string{"HEADROOM_CCR_BACKEND=redis", "HEADROOM_CCR_REDIS_URL=" + deadRedis}, nil, []string{deadRedis, "refused"}},
		{"redis without url", both, nil, []string{"--ccr-backend", "redis"}, []string{"needs a URL"}},
		{"unparsable redis url", both, nil, []string{"--ccr-backend", "redis", "--ccr-redis-url", "http://nope"}, []string{"http://nope"}},
		{"unknown backend", both, []string{"HEADROOM_CCR_BACKEND=etcd"}, nil, []string{"HEADROOM_CCR_BACKEND", "etcd"}},
		{"bad ttl env", both, []string{"HEADROOM_CCR_TTL_SECONDS=forever"}, nil, []string{"HEADROOM_CCR_TTL_SECONDS"}},
	} {
		env := testEnv(t, tc.env...)
		for _, sub := range tc.subs {
			args := append([]string{"ccr", sub}, tc.args...)
			if sub == "get" {
				args = append(args, hash)
			}
			r := run(t, env, []byte("payload"), args...)
			if r.code == 0 || len(r.stdout) != 0 {
				t.Errorf("%s: ccr %s: exit %d, stdout %q", tc.name, sub, r.code, r.stdout)
			}
			for _, w := range tc.want {
				if !bytes.Contains(r.stderr, []byte(w)) {
					t.Errorf("%s: ccr %s: stderr does not name %q: %s", tc.name, sub, w, r.stderr)
				}
			}
		}
	}
}

// TestMemoryBackendIsPerProcess documents why memory is not the default:
// what one headroom process stored is gone for the next one.
func TestMemoryBackendIsPerProcess(t *testing.T) {
	env := testEnv(t, "HEADROOM_CCR_BACKEND=memory")
	p := []byte("lives and dies with one process")
	put := run(t, env, p, "ccr", "put")
	if put.code != 0 || string(put.stdout) != ccr.ComputeKey(p)+"\n" || !bytes.Contains(put.stderr, []byte("memory backend")) {
		t.Fatalf("put: exit %d, stdout %q, stderr %s", put.code, put.stdout, put.stderr)
	}
	get := run(t, env, nil, "ccr", "get", ccr.ComputeKey(p))
	if get.code != 1 || len(get.stdout) != 0 || !bytes.Contains(get.stderr, []byte("memory backend only holds what this same process stored")) {
		t.Errorf("get: exit %d, stdout %q, stderr %s", get.code, get.stdout, get.stderr)
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}, {"proxy", "--version"}} {
		r := run(t, testEnv(t), nil, args...)
		if r.code != 0 || string(r.stdout) != testVersion+"\n" || len(r.stderr) != 0 {
			t.Errorf("%q: exit %d, stdout %q, stderr %s", args, r.code, r.stdout, r.stderr)
		}
	}
}

func TestHelpListsTheCommands(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		r := run(t, testEnv(t), nil, args...)
		if r.code != 0 {
			t.Errorf("%q: exit %d", args, r.code)
		}
		for _, want := range []string{"\n  ccr ", "\n  proxy ", "\n  version ", "\n  help ", "\nExit status"} {
			if !bytes.Contains(r.stdout, []byte(want)) {
				t.Errorf("%q: help lacks %q: %s", args, want, r.stdout)
			}
		}
	}
	r := run(t, testEnv(t), nil)
	if r.code != 2 || !bytes.Contains(r.stderr, []byte("ccr")) {
		t.Errorf("no command: exit %d, stderr %s", r.code, r.stderr)
	}
}

// TestProxyTakesExactlyTheFlagsOfHeadroomProxy compares the help of the
// two binaries: the proxy flags come from one table, so they must agree
// line for line apart from the program name.
func TestProxyTakesExactlyTheFlagsOfHeadroomProxy(t *testing.T) {
	_, hp := binaries(t)
	env := testEnv(t)
	ours := run(t, env, nil, "proxy", "--help")
	theirs := runBin(t, hp, env, nil, "--help")
	if ours.code != 0 || theirs.code != 0 {
		t.Fatalf("--help exits %d and %d", ours.code, theirs.code)
	}
	want := strings.ReplaceAll(string(theirs.stdout), "headroom-proxy", "headroom proxy")
	if string(ours.stdout) != want {
		t.Errorf("headroom proxy --help differs from headroom-proxy --help:\n--- headroom proxy\n%s\n--- headroom-proxy\n%s", ours.stdout, theirs.stdout)
	}
	for _, tc := range []struct {
		env  []string
		args []string
		want string
	}{
		{nil, nil, "--upstream (or HEADROOM_PROXY_UPSTREAM) is required"},
		{[]string{"HEADROOM_PROXY_UPSTREAM=gopher://x"}, nil, "HEADROOM_PROXY_UPSTREAM="},
		{nil, []string{"--upstream", "http://h", "--max-body-bytes", "lots"}, `byte size "lots"`},
		{nil, []string{"--upstream", "http://h", "--rewrite-host", "false"}, "--rewrite-host=false"},
	} {
		ours := run(t, testEnv(t, tc.env...), nil, append([]string{"proxy"}, tc.args...)...)
		theirs := runBin(t, hp, testEnv(t, tc.env...), nil, tc.args...)
		if ours.code != 2 || theirs.code != 2 || !bytes.Contains(ours.stderr, []byte(tc.want)) || !bytes.Contains(theirs.stderr, []byte(tc.want)) {
			t.Errorf("%q %q: headroom proxy exit %d %s; headroom-proxy exit %d %s; want both 2 mentioning %q",
				tc.env, tc.args, ours.code, ours.stderr, theirs.code, theirs.stderr, tc.want)
		}
	}
}

// TestProxyServesAndExitsZeroOnSIGTERM runs headroom proxy against a real
// loopback upstream: /healthz answers, a request is forwarded, and SIGTERM
// ends it with status 0.
func TestProxyServesAndExitsZeroOnSIGTERM(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "upstream saw "+r.URL.Path)
	}))
	defer upstream.Close()
	bin, _ := binaries(t)
	cmd := exec.Command(bin, "proxy", "--upstream", upstream.URL, "--listen", "127.0.0.1:0", "--graceful-shutdown-timeout", "2s")
	cmd.Env = testEnv(t)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	defer func() {
		select {
		case <-done:
		default:
			cmd.Process.Kill()
			<-done
		}
	}()

	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["msg"] == "headroom-proxy listening" {
				if a, ok := rec["listen"].(string); ok {
					addr <- a
				}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		done <- cmd.Wait()
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case err := <-done:
		done <- err
		t.Fatalf("exited before listening: %v\n%s", err, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("no listening log line within 10s")
	}

	for _, c := range []struct{ path, want string }{
		{"/healthz", `"service":"headroom-proxy"`},
		{"/v1/models", "upstream saw /v1/models"},
	} {
		res, err := http.Get(base + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(body), c.want) {
			t.Errorf("GET %s: %d %s", c.path, res.StatusCode, body)
		}
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		done <- err
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not exit within 10s of SIGTERM")
	}
}
