package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/internal/parity"
	"github.com/headroom-go/headroom/internal/parity/comparators"
)

func TestListPrintsEveryFixtureDirectory(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"list"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	want := "cache_aligner\nccr\ncontent_detector\ndiff_compressor\nlog_compressor\nsmart_crusher\ntext_crusher\ntokenizer\n"
	if out.String() != want {
		t.Errorf("list printed %q, want %q", out.String(), want)
	}
}

func TestRunReportsUnportedTransformAsSkipped(t *testing.T) {
	var unported string
	for _, n := range comparators.Names {
		if !comparators.Registered(n) {
			unported = n
			break
		}
	}
	if unported == "" {
		t.Skip("every transform is ported")
	}
	dir := t.TempDir()
	sub := filepath.Join(dir, unported)
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, body := range []string{`"a"`, `{"k":[1,2]}`} {
		fx := `{"transform":"` + unported + `","input":` + body + `,"config":{},"output":` + body + `}`
		if err := os.WriteFile(filepath.Join(sub, strconv.Itoa(i)+".json"), []byte(fx), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut bytes.Buffer
	code := run([]string{"run", "--fixtures", dir, "--only", unported}, &out, &errOut)
	want := "[" + unported + "] total=2 matched=0 skipped=2 diffed=0\nskip " + unported + ": 2 fixtures: not ported yet\n"
	if code != 0 || out.String() != want {
		t.Errorf("exit %d\nstdout %q\nwant   %q\nstderr %q", code, out.String(), want, errOut.String())
	}
}

func TestRunOverRecordedFixtures(t *testing.T) {
	dir := os.Getenv(parity.EnvFixtures)
	if dir == "" {
		dir = filepath.Join("..", "..", filepath.FromSlash(parity.DefaultRelDir))
	}
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv(parity.EnvRequire) == "1" {
			t.Fatalf("parity fixtures not found at %s: %v", dir, err)
		}
		t.Skipf("parity fixtures not found at %s: %v", dir, err)
	}
	var out, errOut bytes.Buffer
	code := run([]string{"run", "--fixtures", dir}, &out, &errOut)
	if code == parity.ExitUsage {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	summary := regexp.MustCompile(`^\[([a-z_]+)\] total=(\d+) matched=(\d+) skipped=(\d+) diffed=(\d+)$`)
	var seen []string
	diffed := 0
	for line := range strings.Lines(out.String()) {
		m := summary.FindStringSubmatch(strings.TrimSuffix(line, "\n"))
		if m == nil {
			continue
		}
		seen = append(seen, m[1])
		files, _ := filepath.Glob(filepath.Join(dir, m[1], "*.json"))
		n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
		if n(2) != len(files) || n(3)+n(4)+n(5) != n(2) {
			t.Errorf("%q: counts disagree with %d fixture files", line, len(files))
		}
		diffed += n(5)
	}
	if strings.Join(seen, ",") != strings.Join(comparators.Names, ",") {
		t.Errorf("summary lines for %v, want %v", seen, comparators.Names)
	}
	if (diffed > 0) != (code == parity.ExitDiff) {
		t.Errorf("exit %d with %d diffed fixtures", code, diffed)
	}
}
