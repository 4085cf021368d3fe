package offload

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/transform"
)

// noisyLog is n lines of a service log: mostly routine INFO lines, a few
// warnings and errors.
func noisyLog(n int) string {
	var b strings.Builder
	for i := range n {
		switch {
		case i%97 == 13:
			fmt.Fprintf(&b, "2025-01-06T00:%02d:%02dZ ERROR payment gateway timeout after %dms (order %d)\n", i/60%60, i%60, 3000+i, 9000+i)
		case i%41 == 7:
			fmt.Fprintf(&b, "2025-01-06T00:%02d:%02dZ WARN retrying connection to replica-%d\n", i/60%60, i%60, i%3)
		default:
			fmt.Fprintf(&b, "2025-01-06T00:%02d:%02dZ INFO request handled path=/api/v1/items/%d status=200 duration=%dms\n", i/60%60, i%60, i, 10+i%17)
		}
	}
	return b.String()
}

func repeat(line string, n int) string { return strings.Repeat(line+"\n", n) }

func near(a, b float32) bool { return math.Abs(float64(a-b)) < 1e-6 }

func TestLogBloatMixesRepetitionAndDilution(t *testing.T) {
	l, err := NewLog(refLogBloat, newStore())
	if err != nil {
		t.Fatal(err)
	}
	var uniqueErrors, half strings.Builder
	for i := range 60 {
		fmt.Fprintf(&uniqueErrors, "ERROR job %d failed\n", i)
		if i%2 == 0 {
			fmt.Fprintf(&half, "ERROR job %d failed\n", i)
		} else {
			fmt.Fprintf(&half, "INFO job %d done\n", i)
		}
	}
	for _, tc := range []struct {
		name    string
		content string
		want    float32
	}{
		{"empty", "", 0},
		{"below min_lines", repeat("INFO heartbeat ok", 49), 0},
		// 60 identical routine lines: repetition 59/60, dilution 1.
		{"heartbeats", repeat("INFO heartbeat ok", 60), 0.5*(1-1.0/60) + 0.5},
		// Unique errors: nothing repeats, nothing dilutes.
		{"unique errors", uniqueErrors.String(), 0},
		// Unique lines, half of them routine.
		{"half routine", half.String(), 0.25},
		// Only the first sample_size lines are scored.
		{"sampled", repeat("INFO heartbeat ok", 100) + uniqueErrors.String(), 0.5*(1-1.0/100) + 0.5},
	} {
		if got := l.EstimateBloat(tc.content); !near(got, tc.want) {
			t.Errorf("%s: EstimateBloat = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestLogOffloadStoresTheInput(t *testing.T) {
	store := newStore()
	l, err := NewLog(refLogBloat, store)
	if err != nil {
		t.Fatal(err)
	}
	in := noisyLog(400)
	res, err := l.Offload(context.Background(), in, transform.Hints{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Key != md5hex24(in) || !strings.HasSuffix(res.Output, "Retrieve more: hash="+res.Key+"]") {
		t.Fatalf("key %s, output tail %q", res.Key, res.Output[max(0, len(res.Output)-90):])
	}
	if !strings.Contains(res.Output, "ERROR payment gateway timeout") {
		t.Error("the errors did not survive")
	}
	mustResolve(t, store, res.Key, in)
}

func TestLogOffloadSkipsShortLogs(t *testing.T) {
	l, err := NewLog(refLogBloat, newStore())
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.Offload(context.Background(), noisyLog(10), transform.Hints{})
	wantKind(t, err, transform.Skipped, LogName)
}
