package parity

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// cliFixtures gives three comparators something to do: "alpha" matches,
// "beta" diverges on one fixture, "gamma" cannot run.
var cliFixtures = map[string]string{
	"alpha/1.json": `{"transform":"alpha","input":[1,2],"output":[1,2]}`,
	"beta/1.json":  `{"transform":"beta","input":{"a":1},"output":{"a":1}}`,
	"beta/2.json":  `{"transform":"beta","input":{"stats":[{"count":4}]},"output":{"stats":[{"count":4}]}}`,
	"gamma/1.json": `{"transform":"gamma","input":1,"output":1}`,
	"gamma/2.json": `{"transform":"gamma","input":2,"output":2}`,
	"gamma/3.json": `{"transform":"gamma","input":3,"output":3}`,
}

func cliComparators() []Comparator {
	calls := 0
	return []Comparator{
		echoComparator("alpha"),
		ComparatorFunc("beta", bumpLastCount),
		ComparatorFunc("gamma", func(_, _ []byte) ([]byte, error) {
			calls++
			if calls == 2 {
				return nil, errors.New("needs a tokenizer\nthat is not built")
			}
			return nil, errors.New("not ported yet")
		}),
	}
}

func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = CLI(args, &out, &errOut, cliComparators())
	return out.String(), errOut.String(), code
}

func TestCLIRunReportsEveryComparator(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), cliFixtures)
	stdout, stderr, code := runCLI(t, "run", "--fixtures", dir)
	want := strings.Join([]string{
		"[alpha] total=1 matched=1 skipped=0 diffed=0",
		"[beta] total=2 matched=1 skipped=0 diffed=1",
		"[gamma] total=3 matched=0 skipped=3 diffed=0",
		"diff beta: " + filepath.Join(dir, "beta", "2.json") + ": $.output.stats[0].count: expected 4, actual 5",
		"skip gamma: 2 fixtures: not ported yet",
		"skip gamma: 1 fixtures: needs a tokenizer that is not built",
	}, "\n") + "\n"
	if stdout != want || stderr != "" || code != ExitDiff {
		t.Errorf("exit %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", code, stdout, want, stderr)
	}
}

func TestCLIRunOnly(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), cliFixtures)
	stdout, _, code := runCLI(t, "run", "--only", "alpha", "--fixtures", dir)
	if stdout != "[alpha] total=1 matched=1 skipped=0 diffed=0\n" || code != ExitOK {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
	stdout, _, code = runCLI(t, "run", "--fixtures", dir, "--only", "gamma")
	if !strings.HasPrefix(stdout, "[gamma] total=3 matched=0 skipped=3 diffed=0\n") || code != ExitOK {
		t.Errorf("skips alone must exit 0: exit %d, stdout %q", code, stdout)
	}
}

func TestCLIFixtureDirFromEnvironment(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), cliFixtures)
	t.Setenv(EnvFixtures, dir)
	stdout, stderr, code := runCLI(t, "run", "--only", "alpha")
	if code != ExitOK || !strings.HasPrefix(stdout, "[alpha] total=1 ") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// The flag wins over the environment.
	t.Setenv(EnvFixtures, filepath.Join(dir, "nowhere"))
	if _, _, code := runCLI(t, "run", "--only", "alpha", "--fixtures", dir); code != ExitOK {
		t.Errorf("--fixtures did not override $%s: exit %d", EnvFixtures, code)
	}
}

func TestCLIDefaultFixtureDirIsRelativeToWorkingDirectory(t *testing.T) {
	root := writeFiles(t, t.TempDir(), map[string]string{})
	writeFiles(t, filepath.Join(root, "shared", "parity", "fixtures"), cliFixtures)
	t.Setenv(EnvFixtures, "")
	repo := filepath.Join(root, "repo")
	writeFiles(t, repo, map[string]string{"go.mod": "module x\n"})
	t.Chdir(repo)
	stdout, stderr, code := runCLI(t, "run", "--only", "alpha")
	if code != ExitOK || stdout != "[alpha] total=1 matched=1 skipped=0 diffed=0\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestCLIList(t *testing.T) {
	stdout, _, code := runCLI(t, "list")
	if stdout != "alpha\nbeta\ngamma\n" || code != ExitOK {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
}

func TestCLIUsageAndLoadErrors(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), cliFixtures)
	bad := writeFiles(t, t.TempDir(), map[string]string{
		"alpha/1.json": `{"transform":"beta","input":1,"output":1}`,
	})
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no command", nil, "usage:"},
		{"unknown command", []string{"walk"}, `unknown command "walk"`},
		{"unknown only", []string{"run", "--fixtures", dir, "--only", "delta"}, `--only "delta" is not a comparator; known: alpha, beta, gamma`},
		{"unknown flag", []string{"run", "--verbose"}, "flag provided but not defined: -verbose"},
		{"stray argument", []string{"run", "--fixtures", dir, "alpha"}, `unexpected arguments ["alpha"]`},
		{"list with arguments", []string{"list", "x"}, `unexpected arguments ["x"]`},
		{"missing root", []string{"run", "--fixtures", filepath.Join(dir, "nope")}, "does not exist"},
		{"root is a file", []string{"run", "--fixtures", filepath.Join(dir, "alpha", "1.json")}, "is not a directory"},
		{"transform mismatch", []string{"run", "--fixtures", bad, "--only", "alpha"}, `declares transform "beta" but is stored under "alpha"`},
		{"missing transform dir", []string{"run", "--fixtures", bad, "--only", "gamma"}, "fixtures for gamma"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, tt.args...)
			if code != ExitUsage || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, ExitUsage, tt.wantErr)
			}
		})
	}
}

func TestCLIHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"run", "-h"}} {
		stdout, stderr, code := runCLI(t, args...)
		if code != ExitOK || !strings.Contains(stdout+stderr, "parity-run run [--fixtures DIR] [--only NAME]") {
			t.Errorf("%q: exit %d, output %q", args, code, stdout+stderr)
		}
	}
}
