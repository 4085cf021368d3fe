package linescan

import (
	"slices"
	"testing"

	"github.com/headroom-go/headroom/internal/pycompat"
)

func collect(s string) []string {
	var out []string
	sc := New(s)
	for {
		l, ok := sc.Next()
		if !ok {
			return out
		}
		out = append(out, l)
	}
}

// The scanner must agree with the reference-semantics splitter the
// compressors already use, including the CR rules.
func TestScannerMatchesRustLines(t *testing.T) {
	for _, s := range []string{"", "\n", "a", "a\n", "a\nb", "a\r\nb\r\n", "a\r", "\r\n\r\n", "x\n\ny\n\n", "a\r\r\nb"} {
		got := collect(s)
		want := pycompat.Lines(s)
		if len(got) == 0 && len(want) == 0 {
			continue
		}
		if !slices.Equal(got, want) {
			t.Errorf("lines(%q) = %q, want %q", s, got, want)
		}
		if n := Count(s); n != len(want) {
			t.Errorf("Count(%q) = %d, want %d", s, n, len(want))
		}
	}
}

func FuzzScanner(f *testing.F) {
	f.Add("a\r\nb\n\nc\r")
	f.Fuzz(func(t *testing.T, s string) {
		got := collect(s)
		want := pycompat.Lines(s)
		if len(got) != len(want) || (len(got) > 0 && !slices.Equal(got, want)) {
			t.Fatalf("lines(%q) = %q, want %q", s, got, want)
		}
		if Count(s) != len(want) {
			t.Fatalf("Count(%q) = %d, want %d", s, Count(s), len(want))
		}
	})
}
