package compress_test

import (
	"context"
	"errors"
	"testing"

	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/compress"
	"github.com/headroom-go/headroom/pipeline"
)

// FuzzCompress checks the entry point's promises on any input: no panic
// (recovered panics are failures too), never more tokens out than in, the
// input back byte for byte unless compressed, and every marker resolvable.
func FuzzCompress(f *testing.F) {
	for _, s := range []string{prettyRows, serviceLog, heartbeatLog, contextDiff, lockDiff, grepOutput, pythonSource, htmlPage, prose, "", "[1,2,3]"} {
		f.Add(s, "")
	}
	f.Add(`[{"id":1,"err":"timeout"},{"id":2},{"id":3},{"id":4},{"id":5},{"id":6}]`, "timeout")
	store := memstore.New(0, 0)
	c := newCompressor(f, store)
	f.Fuzz(func(t *testing.T, in, query string) {
		res, err := c.Compress(context.Background(), in, compress.Request{Query: query})
		if err != nil {
			if errors.Is(err, pipeline.ErrPanic) {
				t.Fatalf("a step panicked: %v", err)
			}
			t.Fatalf("unexpected error with a healthy store: %v", err)
		}
		st := res.Stats
		if st.TokensAfter > st.TokensBefore {
			t.Fatalf("%d tokens out for %d in", st.TokensAfter, st.TokensBefore)
		}
		if st.Outcome != compress.Compressed {
			if res.Text != in {
				t.Fatal("uncompressed result differs from the input")
			}
			return
		}
		if st.TokensAfter >= st.TokensBefore {
			t.Fatalf("kept %d tokens for %d", st.TokensAfter, st.TokensBefore)
		}
		checkMarkers(t, store, in, res.Text, st)
	})
}
