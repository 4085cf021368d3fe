package offload

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/transform"
)

// contextHeavyDiff is a git diff of files files, each one hunk of ctx
// context lines around one changed line.
func contextHeavyDiff(files, ctx int) string {
	var b strings.Builder
	for f := range files {
		name := fmt.Sprintf("pkg/module%d/file.go", f)
		fmt.Fprintf(&b, "diff --git a/%s b/%s\nindex 1111111..2222222 100644\n--- a/%s\n+++ b/%s\n", name, name, name, name)
		fmt.Fprintf(&b, "@@ -1,%d +1,%d @@\n", ctx+1, ctx+1)
		for i := range ctx / 2 {
			fmt.Fprintf(&b, " \tunchanged line %d of %s\n", i, name)
		}
		fmt.Fprintf(&b, "-\treturn oldValue(%d)\n+\treturn newValue(%d)\n", f, f)
		for i := ctx / 2; i < ctx; i++ {
			fmt.Fprintf(&b, " \tunchanged line %d of %s\n", i, name)
		}
	}
	return b.String()
}

func TestDiffBloatMeasuresContextShare(t *testing.T) {
	d, err := NewDiff(refDiffBloat, newStore())
	if err != nil {
		t.Fatal(err)
	}
	dense := strings.Repeat("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n+b\n-c\n+d\n", 10)
	for _, tc := range []struct {
		name    string
		content string
		want    float32
	}{
		{"empty", "", 0},
		// 30 context, 2 changes per file: ratio 30/32, (ratio-0.6)/0.4.
		{"context heavy", contextHeavyDiff(8, 30), float32((30.0/32 - 0.6) / 0.4)},
		{"below min_lines", contextHeavyDiff(1, 30), 0},
		{"all changes", dense, 0},
		{"no hunks", strings.Repeat("just text\n", 80), 0},
	} {
		if got := d.EstimateBloat(tc.content); !near(got, tc.want) {
			t.Errorf("%s: EstimateBloat = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDiffOffloadStoresTheInput(t *testing.T) {
	store := newStore()
	d, err := NewDiff(refDiffBloat, store)
	if err != nil {
		t.Fatal(err)
	}
	in := contextHeavyDiff(8, 30)
	res, err := d.Offload(context.Background(), in, transform.Hints{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Key != md5hex24(in) || !strings.HasSuffix(res.Output, "Retrieve full diff: hash="+res.Key+"]") {
		t.Fatalf("key %s, output tail %q", res.Key, res.Output[max(0, len(res.Output)-90):])
	}
	for f := range 8 {
		if !strings.Contains(res.Output, fmt.Sprintf("+\treturn newValue(%d)", f)) {
			t.Errorf("change of file %d lost", f)
		}
	}
	mustResolve(t, store, res.Key, in)
}

func TestDiffOffloadSkipsShortDiffs(t *testing.T) {
	d, err := NewDiff(refDiffBloat, newStore())
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Offload(context.Background(), contextHeavyDiff(1, 4), transform.Hints{})
	wantKind(t, err, transform.Skipped, DiffName)
}
