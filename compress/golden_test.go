package compress_test

import (
	"context"
	"testing"

	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/compress"
)

func TestCorpusTable(t *testing.T) {
	store := memstore.New(0, 0)
	c, err := compress.New(compress.Options{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range loadCorpus(t) {
		res, err := c.Compress(context.Background(), s.content, compress.Request{})
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		st := res.Stats
		t.Logf("%-40s %-10s %-12s %6d -> %6d %v %v", s.name, st.DetectedType, st.Outcome, st.TokensBefore, st.TokensAfter, st.Steps, st.Duration)
		for _, p := range st.Passed {
			t.Logf("    passed %s: %s", p.Name, firstLine(p.Reason))
		}
	}
}

func firstLine(s string) string {
	for i := range len(s) {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}
