package offload

import (
	"context"
	"testing"

	"github.com/headroom-go/headroom/transform"
)

// FuzzOffloadContract checks the Offloader contract on every offload:
// estimates in [0, 1], no internal error with a healthy store, and a key
// that resolves to exactly the input.
func FuzzOffloadContract(f *testing.F) {
	for _, s := range []string{"", rows(12), noisyLog(60), contextHeavyDiff(3, 20), lockfileDiff(), "[{}, {}]", grep(3, 12)} {
		f.Add(s)
	}
	store := newStore()
	j, err1 := NewJSON(refJSON, store)
	l, err2 := NewLog(LogBloatConfig{MinLines: 0, SampleSize: 100, HighPriorityThreshold: 0.4, UniquenessWeight: 0.5, PriorityDilutionWeight: 0.5}, store)
	d, err3 := NewDiff(DiffBloatConfig{MinLines: 0, NormalContextRatio: 0.6}, store)
	dnCfg := refDiffNoise
	dnCfg.MinLines = 0
	dn, err4 := NewDiffNoise(dnCfg, store)
	sr, err5 := NewSearch(SearchBloatConfig{MinMatches: 0, ClusterThreshold: 10}, store)
	for _, err := range []error{err1, err2, err3, err4, err5} {
		if err != nil {
			f.Fatal(err)
		}
	}
	offs := []transform.Offloader{j, l, d, dn, sr}
	f.Fuzz(func(t *testing.T, in string) {
		for _, o := range offs {
			if s := o.EstimateBloat(in); !(s >= 0 && s <= 1) {
				t.Fatalf("%s: estimate %v outside [0, 1]", o.Name(), s)
			}
			res, err := o.Offload(context.Background(), in, transform.Hints{})
			if err != nil {
				if k := transform.KindOf(err); k == transform.Internal {
					t.Fatalf("%s: internal error: %v", o.Name(), err)
				}
				continue
			}
			if res.Key == "" {
				t.Fatalf("%s: empty key", o.Name())
			}
			mustResolve(t, store, res.Key, in)
		}
	})
}
