package offload

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/transform"
)

// section returns a "diff --git" section for path with the given body
// lines (the "@@" line included).
func section(path string, body ...string) (header, bodyText string) {
	header = fmt.Sprintf("diff --git a/%s b/%s\nindex 1111111..2222222 100644\n--- a/%s\n+++ b/%s\n", path, path, path, path)
	return header, strings.Join(body, "\n") + "\n"
}

func lockBody(n int) []string {
	body := []string{fmt.Sprintf("@@ -1,%d +1,%d @@", n, n)}
	for i := range n {
		body = append(body, fmt.Sprintf("-    \"resolved\": \"https://registry.example/pkg-%d-1.0.0.tgz\",", i),
			fmt.Sprintf("+    \"resolved\": \"https://registry.example/pkg-%d-1.0.1.tgz\",", i))
	}
	return body
}

// lockfileDiff is a commit touching real code, a lockfile and a file whose
// name only ends like one.
func lockfileDiff() string {
	prelude := "commit 0123456789abcdef\nAuthor: dev\n\n"
	h1, b1 := section("src/main.go", "@@ -1,3 +1,3 @@", " package main", "-const v = 1", "+const v = 2")
	h2, b2 := section("web/package-lock.json", lockBody(20)...)
	h3, b3 := section("MyCargo.lock", "@@ -1 +1 @@", "-a", "+b")
	return prelude + h1 + b1 + h2 + b2 + h3 + b3
}

func TestDiffNoiseDropsLockfileHunks(t *testing.T) {
	store := newStore()
	dn, err := NewDiffNoise(refDiffNoise, store)
	if err != nil {
		t.Fatal(err)
	}
	in := lockfileDiff()
	res, err := dn.Offload(context.Background(), in, transform.Hints{})
	if err != nil {
		t.Fatal(err)
	}
	h1, b1 := section("src/main.go", "@@ -1,3 +1,3 @@", " package main", "-const v = 1", "+const v = 2")
	h2, _ := section("web/package-lock.json")
	h3, b3 := section("MyCargo.lock", "@@ -1 +1 @@", "-a", "+b")
	key := md5hex24(in)
	want := "commit 0123456789abcdef\nAuthor: dev\n\n" + h1 + b1 + h2 +
		"[diff_noise: lockfile hunks dropped (41 lines)]\n" + h3 + b3 +
		"\n[diff_noise CCR: hash=" + key + "]"
	if res.Output != want {
		t.Fatalf("got:\n%s\nwant:\n%s", res.Output, want)
	}
	if res.Key != key {
		t.Fatalf("key %s, want %s", res.Key, key)
	}
	mustResolve(t, store, key, in)
}

func TestDiffNoiseDropsWhitespaceOnlyHunks(t *testing.T) {
	dn, err := NewDiffNoise(refDiffNoise, newStore())
	if err != nil {
		t.Fatal(err)
	}
	reindent := []string{"@@ -1,30 +1,30 @@"}
	for i := range 30 {
		reindent = append(reindent, fmt.Sprintf("-    call(%d)", i), fmt.Sprintf("+\tcall( %d )", i))
	}
	h1, b1 := section("a.py", reindent...)
	h2, b2 := section("b.py", "@@ -1 +1 @@", "-x = 1", "+x = 2")
	res, err := dn.Offload(context.Background(), h1+b1+h2+b2, transform.Hints{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.Output, h1+"[diff_noise: whitespace-only hunks dropped (61 lines)]\n"+h2+b2) {
		t.Fatalf("unexpected output:\n%s", res.Output)
	}

	off := refDiffNoise
	off.DropWhitespaceOnlyHunks = false
	dn2, err := NewDiffNoise(off, newStore())
	if err != nil {
		t.Fatal(err)
	}
	_, err = dn2.Offload(context.Background(), h1+b1+h2+b2, transform.Hints{})
	wantKind(t, err, transform.Skipped, DiffNoiseName)
}

func TestDiffNoiseBloatIsDroppableShare(t *testing.T) {
	dn, err := NewDiffNoise(refDiffNoise, newStore())
	if err != nil {
		t.Fatal(err)
	}
	in := lockfileDiff()
	var lock, all int
	for _, b := range [][]string{{"@@ -1,3 +1,3 @@", " package main", "-const v = 1", "+const v = 2"}, lockBody(20), {"@@ -1 +1 @@", "-a", "+b"}} {
		n := 0
		for _, l := range b {
			n += len(l) + 1
		}
		all += n
		if len(b) == 41 {
			lock = n
		}
	}
	if got, want := dn.EstimateBloat(in), float32(lock)/float32(all); !near(got, want) {
		t.Fatalf("EstimateBloat = %v, want %v", got, want)
	}
	if got := dn.EstimateBloat(strings.Repeat("no sections\n", 40)); got != 0 {
		t.Errorf("no sections: %v", got)
	}
	h, b := section("x/Cargo.lock", "@@ -1 +1 @@", "-a", "+b")
	if got := dn.EstimateBloat(h + b); got != 0 {
		t.Errorf("below min_lines: %v", got)
	}
}

func TestDiffNoiseLockfileMatchesAtPathBoundary(t *testing.T) {
	dn, err := NewDiffNoise(refDiffNoise, newStore())
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]bool{
		"Cargo.lock": true, "crates/x/Cargo.lock": true, `win\go.sum`: true,
		"MyCargo.lock": false, "Cargo.lock.bak": false, "": false, "cargo.lock": false,
	} {
		if got := dn.isLockfile(path); got != want {
			t.Errorf("isLockfile(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestDiffNoiseSkipsWhatItCannotDrop(t *testing.T) {
	dn, err := NewDiffNoise(refDiffNoise, newStore())
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]string{
		"no sections":       "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
		"nothing droppable": contextHeavyDiff(3, 10),
	} {
		_, err := dn.Offload(context.Background(), in, transform.Hints{})
		var te *transform.Error
		if !errors.As(err, &te) || te.Kind != transform.Skipped {
			t.Errorf("%s: error = %v, want Skipped", name, err)
		}
	}
}
