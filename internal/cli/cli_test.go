package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/internal/version"
)

// result is what one Main call produced.
type result struct {
	code           int
	stdout, stderr string
}

// runMain runs Main in this process with stdin and the given environment
// (nothing else from the test process's environment leaks in).
func runMain(t *testing.T, stdin []byte, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, Env{
		Stdin:  bytes.NewReader(stdin),
		Stdout: &out,
		Stderr: &errb,
		Getenv: func(k string) string { return env[k] },
	})
	return result{code, out.String(), errb.String()}
}

// sqliteEnv points the default store at a fresh file under t.TempDir and
// returns the environment and the file's path.
func sqliteEnv(t *testing.T) (map[string]string, string) {
	dir := t.TempDir()
	path := filepath.Join(dir, "store", "ccr.db")
	return map[string]string{
		"HOME":                     dir,
		"HEADROOM_CCR_SQLITE_PATH": path,
	}, path
}

func TestHelpListsEveryRegisteredCommand(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"help", "--help"}} {
		r := runMain(t, nil, nil, args...)
		if r.code != ExitOK || r.stderr != "" {
			t.Fatalf("%q: exit %d, stderr %q", args, r.code, r.stderr)
		}
		if len(commands) < 4 {
			t.Fatalf("only %d commands registered", len(commands))
		}
		for name, c := range commands {
			if !strings.Contains(r.stdout, "  "+name+" ") || !strings.Contains(r.stdout, c.summary) {
				t.Errorf("%q: help does not list %s: %q", args, name, r.stdout)
			}
		}
	}
}

func TestEveryCommandAnswersHelp(t *testing.T) {
	for name := range commands {
		for _, args := range [][]string{{name, "--help"}, {"help", name}} {
			r := runMain(t, nil, nil, args...)
			if r.code != ExitOK || r.stderr != "" || !strings.Contains(r.stdout, "headroom "+name) {
				t.Errorf("%q: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
			}
		}
	}
}

func TestUsageErrorsExit2AndPointToHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "no command given"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"--ccr-backend", "memory", "ccr"}, "flags go after it"},
		{[]string{"help", "frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"help", "ccr", "proxy"}, "at most one command"},
		{[]string{"version", "extra"}, `unexpected argument "extra"`},
		{[]string{"ccr"}, "want a subcommand"},
		{[]string{"ccr", "list"}, `unknown subcommand "list"`},
		{[]string{"ccr", "get"}, "exactly one HASH, got 0"},
		{[]string{"ccr", "get", "0123456789ab", "0123456789ab"}, "exactly one HASH, got 2"},
		{[]string{"ccr", "put", "a", "b"}, "at most one FILE"},
		{[]string{"ccr", "get", "--frobnicate", "0123456789ab"}, "frobnicate"},
		{[]string{"ccr", "get", "--ccr-backend", "postgres", "0123456789ab"}, `unknown backend "postgres"`},
		{[]string{"ccr", "get", "--ccr-backend", "redis", "0123456789ab"}, "needs a URL"},
		{[]string{"ccr", "get", "--ccr-ttl", "-5s", "0123456789ab"}, "must be positive"},
		{[]string{"proxy"}, "--upstream (or HEADROOM_PROXY_UPSTREAM) is required"},
		{[]string{"proxy", "--upstream", "http://127.0.0.1:1", "stray"}, `unexpected argument "stray"`},
	} {
		r := runMain(t, nil, map[string]string{"HOME": t.TempDir()}, tc.args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "Run 'headroom help") {
			t.Errorf("%q: exit %d, stderr %q; want exit %d mentioning %q and the help", tc.args, r.code, r.stderr, ExitUsage, tc.want)
		}
		if r.stdout != "" && tc.args != nil {
			t.Errorf("%q: usage error wrote to stdout: %q", tc.args, r.stdout)
		}
	}
}

func TestBadEnvironmentIsAUsageErrorNamingTheVariable(t *testing.T) {
	for _, kv := range [][2]string{
		{"HEADROOM_CCR_TTL_SECONDS", "soon"},
		{"HEADROOM_CCR_BACKEND", "etcd"},
	} {
		env, _ := sqliteEnv(t)
		env[kv[0]] = kv[1]
		r := runMain(t, nil, env, "ccr", "get", "0123456789ab")
		if r.code != ExitUsage || !strings.Contains(r.stderr, kv[0]) && !strings.Contains(r.stderr, kv[1]) {
			t.Errorf("%s=%s: exit %d, stderr %q", kv[0], kv[1], r.code, r.stderr)
		}
	}
}

func TestCCRHelpWorksWithABadEnvironment(t *testing.T) {
	r := runMain(t, nil, map[string]string{"HEADROOM_CCR_TTL_SECONDS": "soon"}, "ccr", "--help")
	if r.code != ExitOK || !strings.Contains(r.stdout, "--ccr-backend") {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestMalformedHashIsRejectedBeforeTheStoreIsOpened(t *testing.T) {
	for _, h := range []string{
		"", "xyz", "0123456789a", "0123456789abc", "0123456789abcdef0123456", "0123456789abcdef012345678",
		"0123456789ag", "0123456789a ", "../../etc/pa", "<<ccr:0123456789ab>>", "0123456789ab\n",
	} {
		env, path := sqliteEnv(t)
		r := runMain(t, nil, env, "ccr", "get", "--", h)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "not a hash") {
			t.Errorf("%q: exit %d, stderr %q", h, r.code, r.stderr)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("%q: the store was opened (stat: %v)", h, err)
		}
	}
}

func TestPutThenGetReturnsTheSameBytes(t *testing.T) {
	env, path := sqliteEnv(t)
	payloads := map[string][]byte{
		"empty":   {},
		"binary":  {0, 1, 2, 0xff, 0, '\n'},
		"utf8":    []byte("żółw 🐢 — 亀\n"),
		"invalid": {'a', 0xc3, 0x28, 0xed, 0xa0, 0x80, 'z'},
		"noeol":   []byte("no trailing newline"),
	}
	for name, p := range payloads {
		put := runMain(t, p, env, "ccr", "put")
		want := ccr.ComputeKey(p) + "\n"
		if put.code != ExitOK || put.stdout != want || put.stderr != "" {
			t.Fatalf("%s: put: exit %d, stdout %q (want %q), stderr %q", name, put.code, put.stdout, want, put.stderr)
		}
		hash := strings.TrimSuffix(put.stdout, "\n")
		for _, h := range []string{hash, strings.ToUpper(hash)} {
			get := runMain(t, nil, env, "ccr", "get", h)
			if get.code != ExitOK || get.stdout != string(p) || get.stderr != "" {
				t.Errorf("%s: get %s: exit %d, stdout %q, stderr %q", name, h, get.code, get.stdout, get.stderr)
			}
		}
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the configured sqlite file was not used: %v", err)
	}
}

func TestPutReadsAFileOrDashForStdin(t *testing.T) {
	env, _ := sqliteEnv(t)
	file := filepath.Join(t.TempDir(), "in")
	fromFile := []byte("from the file\x00")
	if err := os.WriteFile(file, fromFile, 0o600); err != nil {
		t.Fatal(err)
	}
	r := runMain(t, []byte("stdin must be ignored"), env, "ccr", "put", file)
	if r.code != ExitOK || r.stdout != ccr.ComputeKey(fromFile)+"\n" {
		t.Fatalf("put FILE: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	fromStdin := []byte("from stdin")
	r = runMain(t, fromStdin, env, "ccr", "put", "-")
	if r.code != ExitOK || r.stdout != ccr.ComputeKey(fromStdin)+"\n" {
		t.Fatalf("put -: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runMain(t, nil, env, "ccr", "put", filepath.Join(t.TempDir(), "absent"))
	if r.code != ExitFailure || !strings.Contains(r.stderr, "absent") || r.stdout != "" {
		t.Errorf("put of a missing file: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestFlagsMayFollowTheArgument(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "flagged.db")
	env := map[string]string{"HOME": dir} // default path under HOME, not the flag's
	p := []byte("flags after the argument")
	if r := runMain(t, p, env, "ccr", "put", "-", "--ccr-sqlite-path", path); r.code != ExitOK {
		t.Fatalf("put: exit %d, stderr %q", r.code, r.stderr)
	}
	r := runMain(t, nil, env, "ccr", "get", ccr.ComputeKey(p), "--ccr-sqlite-path="+path)
	if r.code != ExitOK || r.stdout != string(p) {
		t.Errorf("get: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestMissingHashExits1WithAMessage(t *testing.T) {
	env, path := sqliteEnv(t)
	hash := ccr.ComputeKey([]byte("never stored"))
	r := runMain(t, nil, env, "ccr", "get", hash)
	if r.code != ExitFailure || r.stdout != "" || !strings.Contains(r.stderr, "nothing stored under "+hash) || !strings.Contains(r.stderr, path) {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestVersionPrintsTheLinkedVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}, {"proxy", "--version"}} {
		r := runMain(t, nil, nil, args...)
		if r.code != ExitOK || r.stdout != version.Version+"\n" {
			t.Errorf("%q: exit %d, stdout %q", args, r.code, r.stdout)
		}
	}
}
