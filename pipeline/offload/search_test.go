package offload

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/transform"
)

var refSearchBloat = SearchBloatConfig{MinMatches: 10, ClusterThreshold: 10}

// grep returns files×perFile grep -n lines.
func grep(files, perFile int) string {
	var b strings.Builder
	for f := range files {
		for i := range perFile {
			fmt.Fprintf(&b, "src/pkg%d/handler.go:%d:\tif err := check(ctx, %d); err != nil {\n", f, 10+i*4, i)
		}
	}
	return b.String()
}

func TestMatchFile(t *testing.T) {
	for line, want := range map[string]string{
		"a/b.go:12:x":       "a/b.go",
		"a/b.go-12-context": "a/b.go",
		`C:\src\x.go:3:y`:   `C:\src\x.go`,
		"my-file.txt:7:z":   "my-file.txt",
		":5:empty path":     "",
		// As in the reference, a date reads as a ripgrep context line.
		"2025-01-06 started": "2025",
	} {
		if got, ok := matchFile(line); !ok || got != want {
			t.Errorf("matchFile(%q) = %q, %v; want %q", line, got, ok, want)
		}
	}
	for _, line := range []string{"", "plain text", "a.go:12-x", "a.go::x", "a.go:12"} {
		if got, ok := matchFile(line); ok {
			t.Errorf("matchFile(%q) = %q, want no match", line, got)
		}
	}
}

func TestSearchBloatMeasuresClustering(t *testing.T) {
	s, err := NewSearch(refSearchBloat, newStore())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		content string
		want    float32
	}{
		{"empty", "", 0},
		{"too few matches", grep(1, 9), 0},
		{"one match per file", grep(20, 1), 0},
		{"six per file", grep(3, 6), 0.5},
		{"saturated", grep(2, 40), 1},
	} {
		if got := s.EstimateBloat(tc.content); !near(got, tc.want) {
			t.Errorf("%s: EstimateBloat = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSearchOffloadStoresTheInput(t *testing.T) {
	store := newStore()
	s, err := NewSearch(refSearchBloat, store)
	if err != nil {
		t.Fatal(err)
	}
	in := grep(4, 30)
	res, err := s.Offload(context.Background(), in, transform.Hints{Query: "check"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Key != md5hex24(in) || !strings.HasSuffix(res.Output, "Retrieve more: hash="+res.Key+"]") {
		t.Fatalf("key %s, tail %q", res.Key, res.Output[max(0, len(res.Output)-80):])
	}
	mustResolve(t, store, res.Key, in)

	_, err = s.Offload(context.Background(), grep(1, 3), transform.Hints{})
	wantKind(t, err, transform.Skipped, SearchName)
	if _, err := NewSearch(refSearchBloat, nil); err == nil {
		t.Error("nil store accepted")
	}
}
