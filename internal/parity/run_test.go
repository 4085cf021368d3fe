package parity

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

const helperEnv = "PARITY_RUN_HELPER"

// TestRunHelper only does something in a child process started by runHelper:
// it lets the tests below watch parity.Run drive a real *testing.T (subtests,
// failures, skips) without failing this test binary.
func TestRunHelper(t *testing.T) {
	switch os.Getenv(helperEnv) {
	case "":
		t.Skip("helper for the TestRun* tests; runs only in a child process")
	case "echo":
		Run(t, echoComparator("stats"))
	case "bump":
		Run(t, ComparatorFunc("stats", bumpLastCount))
	case "error":
		Run(t, ComparatorFunc("stats", func(_, _ []byte) ([]byte, error) { return nil, errors.New("not ported yet") }))
	case "nodir":
		Run(t, echoComparator("nodir"))
	case "empty":
		Run(t, echoComparator("empty"))
	}
}

// runHelper re-executes the test binary on TestRunHelper in mode with the
// given parity environment and returns its verbose output and whether it failed.
func runHelper(t *testing.T, mode string, env map[string]string) (string, bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunHelper$", "-test.v", "-test.count=1")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, EnvFixtures+"=") && !strings.HasPrefix(kv, EnvRequire+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, helperEnv+"="+mode)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run helper: %v\n%s", err, out)
	}
	return string(out), err != nil
}

func requireLines(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("child output lacks %q:\n%s", w, out)
		}
	}
}

func TestRunPassesMatchingFixturesAsSubtests(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), statsFixtures)
	out, failed := runHelper(t, "echo", map[string]string{EnvFixtures: dir})
	if failed {
		t.Fatalf("matching comparator failed:\n%s", out)
	}
	requireLines(t, out, "--- PASS: TestRunHelper/ratio", "--- PASS: TestRunHelper/same")
}

func TestRunFailsDivergentFixtureWithPath(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), statsFixtures)
	out, failed := runHelper(t, "bump", map[string]string{EnvFixtures: dir})
	if !failed {
		t.Fatalf("divergent comparator passed:\n%s", out)
	}
	requireLines(t, out,
		"--- PASS: TestRunHelper/ratio",
		"--- FAIL: TestRunHelper/same",
		filepath.Join(dir, "stats", "same.json")+": $.output.stats[3].count: expected 4, actual 5",
	)
}

func TestRunSkipsFixturesTheComparatorCannotRun(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), statsFixtures)
	out, failed := runHelper(t, "error", map[string]string{EnvFixtures: dir})
	if failed {
		t.Fatalf("skipping comparator failed:\n%s", out)
	}
	requireLines(t, out, "--- SKIP: TestRunHelper/ratio", "--- SKIP: TestRunHelper/same", "not ported yet")
}

func TestRunMissingFixtureRoot(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-fixtures")
	for _, tt := range []struct {
		require    string
		wantFailed bool
		want       string
	}{
		{"", false, "--- SKIP: TestRunHelper"},
		{"0", false, "--- SKIP: TestRunHelper"},
		{"1", true, "--- FAIL: TestRunHelper"},
	} {
		t.Run("require="+tt.require, func(t *testing.T) {
			out, failed := runHelper(t, "nodir", map[string]string{EnvFixtures: missing, EnvRequire: tt.require})
			if failed != tt.wantFailed {
				t.Fatalf("failed = %v, want %v:\n%s", failed, tt.wantFailed, out)
			}
			requireLines(t, out, tt.want, "parity fixtures not found: looked in "+missing+" (from $"+EnvFixtures+")")
		})
	}
}

func TestRunFailsWhenTransformHasNoFixtures(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string]string{"empty/README": "nothing here"})
	out, failed := runHelper(t, "empty", map[string]string{EnvFixtures: dir})
	if !failed {
		t.Fatalf("a parity test with zero fixtures passed:\n%s", out)
	}
	requireLines(t, out, "no *.json fixtures for empty")
	out, failed = runHelper(t, "nodir", map[string]string{EnvFixtures: dir})
	if !failed {
		t.Fatalf("a parity test with a missing transform directory passed:\n%s", out)
	}
}

func TestResolveTestDirFindsModuleRootFromSubdirectory(t *testing.T) {
	mod := writeFiles(t, t.TempDir(), map[string]string{
		"repo/go.mod":            "module example.com/x\n",
		"repo/internal/a/b/x.go": "package b\n",
	})
	t.Setenv(EnvFixtures, "")
	t.Chdir(filepath.Join(mod, "repo", "internal", "a", "b"))
	loc, err := resolveTestDir()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(mod, "shared", "parity", "fixtures"); loc.Dir != want {
		t.Errorf("Dir = %q, want %q", loc.Dir, want)
	}
	t.Setenv(EnvFixtures, "/elsewhere")
	if loc, _ := resolveTestDir(); loc.Dir != "/elsewhere" || loc.From != "$"+EnvFixtures {
		t.Errorf("with $%s set: %+v", EnvFixtures, loc)
	}
}

func TestResolveTestDirWithoutModule(t *testing.T) {
	t.Setenv(EnvFixtures, "")
	t.Chdir(t.TempDir())
	if _, err := resolveTestDir(); err == nil || !strings.Contains(err.Error(), "no go.mod") {
		t.Errorf("err = %v, want a no go.mod error", err)
	}
}

func TestResolveDirPrecedence(t *testing.T) {
	t.Setenv(EnvFixtures, "/from/env")
	if got := ResolveDir("/from/flag"); got.Dir != "/from/flag" {
		t.Errorf("flag: %+v", got)
	}
	if got := ResolveDir(""); got.Dir != "/from/env" {
		t.Errorf("env: %+v", got)
	}
	t.Setenv(EnvFixtures, "")
	if got := ResolveDir(""); got.Dir != DefaultRelDir {
		t.Errorf("default: %+v", got)
	}
}

// recordingTB is a testing.TB that is not a *testing.T, to exercise the
// inline path of Run. Methods Run does not use are left to the embedded nil
// interface and would panic.
type recordingTB struct {
	testing.TB
	mu      sync.Mutex
	errors  []string
	logs    []string
	skipped string
	fatal   string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.errors) > 0 || r.fatal != ""
}
func (r *recordingTB) Errorf(f string, a ...any) {
	r.mu.Lock()
	r.errors = append(r.errors, fmt.Sprintf(f, a...))
	r.mu.Unlock()
}
func (r *recordingTB) Logf(f string, a ...any) {
	r.mu.Lock()
	r.logs = append(r.logs, fmt.Sprintf(f, a...))
	r.mu.Unlock()
}
func (r *recordingTB) Fatal(a ...any)            { r.fatal = fmt.Sprint(a...); runtime.Goexit() }
func (r *recordingTB) Fatalf(f string, a ...any) { r.fatal = fmt.Sprintf(f, a...); runtime.Goexit() }
func (r *recordingTB) Skip(a ...any)             { r.skipped = fmt.Sprint(a...); runtime.Goexit() }
func (r *recordingTB) Skipf(f string, a ...any)  { r.skipped = fmt.Sprintf(f, a...); runtime.Goexit() }

// runRecorded runs Run on a fresh recordingTB in its own goroutine, as the
// testing package does, so Goexit from Skip or Fatal ends only that goroutine.
func runRecorded(c Comparator) *recordingTB {
	r := &recordingTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run(r, c)
	}()
	<-done
	return r
}

func TestRunInlineForOtherTB(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), statsFixtures)
	t.Setenv(EnvFixtures, dir)

	r := runRecorded(ComparatorFunc("stats", bumpLastCount))
	if len(r.errors) != 1 || !strings.Contains(r.errors[0], "$.output.stats[3].count: expected 4, actual 5") || r.skipped != "" {
		t.Errorf("divergent: errors=%q skipped=%q", r.errors, r.skipped)
	}

	r = runRecorded(ComparatorFunc("stats", func(_, _ []byte) ([]byte, error) { return nil, errors.New("not ported yet") }))
	if len(r.errors) != 0 || r.skipped != "2 of 2 stats fixtures skipped" || len(r.logs) != 2 {
		t.Errorf("unported: errors=%q skipped=%q logs=%q", r.errors, r.skipped, r.logs)
	}

	t.Setenv(EnvFixtures, filepath.Join(dir, "missing"))
	t.Setenv(EnvRequire, "1")
	r = runRecorded(echoComparator("stats"))
	if !strings.Contains(r.fatal, "parity fixtures not found") || r.skipped != "" {
		t.Errorf("required but missing: fatal=%q skipped=%q", r.fatal, r.skipped)
	}
	t.Setenv(EnvRequire, "")
	r = runRecorded(echoComparator("stats"))
	if !strings.Contains(r.skipped, "parity fixtures not found") || r.fatal != "" {
		t.Errorf("missing: fatal=%q skipped=%q", r.fatal, r.skipped)
	}
}
