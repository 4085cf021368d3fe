package offload

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/ccr/sqlitestore"
	"github.com/headroom-go/headroom/transform"
)

// Reference defaults of the pipeline configuration.
var (
	refJSON      = JSONConfig{MinArrayRows: 5, SaturationRows: 50}
	refLogBloat  = LogBloatConfig{MinLines: 50, SampleSize: 100, HighPriorityThreshold: 0.4, UniquenessWeight: 0.5, PriorityDilutionWeight: 0.5}
	refDiffBloat = DiffBloatConfig{MinLines: 50, NormalContextRatio: 0.6}
	refDiffNoise = DiffNoiseConfig{MinLines: 30, DropWhitespaceOnlyHunks: true, LockfileSuffixes: []string{
		"Cargo.lock", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock",
		"Pipfile.lock", "Gemfile.lock", "go.sum", "composer.lock"}}
)

func newStore() *memstore.Store { return memstore.New(0, 0) }

// closedStore returns a real store whose every write fails: a SQLite store
// after Close, as when the database goes away under a running proxy.
func closedStore(t *testing.T) ccr.Store {
	t.Helper()
	s, err := sqlitestore.Open(context.Background(), sqlitestore.Config{Path: filepath.Join(t.TempDir(), "ccr.db")})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return s
}

// mustResolve checks that key resolves in store to exactly want.
func mustResolve(t *testing.T, store ccr.Store, key, want string) {
	t.Helper()
	got, err := store.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("key %s does not resolve: %v", key, err)
	}
	if string(got) != want {
		t.Fatalf("key %s resolves to %d bytes, want the %d-byte original", key, len(got), len(want))
	}
}

func md5hex24(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])[:24]
}

func wantKind(t *testing.T, err error, kind transform.ErrorKind, name string) {
	t.Helper()
	var te *transform.Error
	if !errors.As(err, &te) || te.Kind != kind || te.Transform != name {
		t.Fatalf("error = %v, want %s from %s", err, kind, name)
	}
}

func TestConstructorsRequireAStore(t *testing.T) {
	if _, err := NewJSON(refJSON, nil); err == nil {
		t.Error("NewJSON accepted a nil store")
	}
	if _, err := NewLog(refLogBloat, nil); err == nil {
		t.Error("NewLog accepted a nil store")
	}
	if _, err := NewDiff(refDiffBloat, nil); err == nil {
		t.Error("NewDiff accepted a nil store")
	}
	if _, err := NewDiffNoise(refDiffNoise, nil); err == nil {
		t.Error("NewDiffNoise accepted a nil store")
	}
}

func TestConstructorsRejectBadConfig(t *testing.T) {
	s := newStore()
	if _, err := NewJSON(JSONConfig{MinArrayRows: -1}, s); err == nil {
		t.Error("negative min_array_rows accepted")
	}
	if _, err := NewLog(LogBloatConfig{SampleSize: -1}, s); err == nil {
		t.Error("negative sample_size accepted")
	}
	if _, err := NewLog(LogBloatConfig{UniquenessWeight: float32(inf())}, s); err == nil {
		t.Error("infinite weight accepted")
	}
	if _, err := NewDiff(DiffBloatConfig{NormalContextRatio: 1.5}, s); err == nil {
		t.Error("normal_context_ratio 1.5 accepted")
	}
	if _, err := NewDiffNoise(DiffNoiseConfig{LockfileSuffixes: []string{""}}, s); err == nil {
		t.Error("empty lockfile suffix accepted")
	}
	if err := (SearchBloatConfig{ClusterThreshold: 0}).Validate(); err == nil {
		t.Error("cluster_threshold 0 accepted")
	}
}

func inf() float64 { z := 0.0; return 1 / z }

// rows returns a compact JSON array of n similar objects.
func rows(n int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"host":"server-%02d","status":"ok","latency_ms":%d}`, i, i%7, 20+i%13)
	}
	b.WriteByte(']')
	return b.String()
}

func TestJSONBloatCountsRows(t *testing.T) {
	j, err := NewJSON(refJSON, newStore())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		content string
		want    float32
	}{
		{"", 0},
		{`{"a":1}`, 0},
		{rows(4), 0},                 // 3 separators < min_array_rows-1
		{rows(5), float32(4) / 49},   // 4 separators, saturation 49
		{rows(50), 1},                // 49 separators saturate
		{rows(80), 1},                // clamped
		{"  \n" + rows(10), 9. / 49}, // leading white space allowed
		{"[{\"a\":1}, {\"a\":2}, {\"a\":3},\n{\"a\":4},\n{\"a\":5}]", float32(4) / 49},
	} {
		if got := j.EstimateBloat(tc.content); got != tc.want {
			t.Errorf("EstimateBloat(%.40q…) = %v, want %v", tc.content, got, tc.want)
		}
	}
}

func TestJSONOffloadStoresTheInput(t *testing.T) {
	store := newStore()
	j, err := NewJSON(refJSON, store)
	if err != nil {
		t.Fatal(err)
	}
	in := rows(120)
	res, err := j.Offload(context.Background(), in, transform.Hints{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Key != md5hex24(in) {
		t.Fatalf("key %s, want MD5-24 of the input %s", res.Key, md5hex24(in))
	}
	if !strings.HasSuffix(res.Output, "\n[json_offload CCR: hash="+res.Key+"]") {
		t.Fatalf("output does not end with the marker line: …%s", res.Output[max(0, len(res.Output)-80):])
	}
	if len(res.Output) >= len(in) {
		t.Fatalf("output %d bytes, input %d", len(res.Output), len(in))
	}
	mustResolve(t, store, res.Key, in)
}

func TestJSONOffloadSkipsWhatItCannotShrink(t *testing.T) {
	j, err := NewJSON(refJSON, newStore())
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{"not json", `[{"a":1},{"a":2}]`} {
		_, err := j.Offload(context.Background(), in, transform.Hints{})
		wantKind(t, err, transform.Skipped, JSONName)
	}
}

func TestOffloadsReportStoreFailuresAsInternal(t *testing.T) {
	broken := closedStore(t)
	ctx := context.Background()
	j, err := NewJSON(refJSON, broken)
	if err != nil {
		t.Fatal(err)
	}
	_, err = j.Offload(ctx, rows(120), transform.Hints{})
	wantKind(t, err, transform.Internal, JSONName)

	l, err := NewLog(refLogBloat, broken)
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.Offload(ctx, noisyLog(300), transform.Hints{})
	wantKind(t, err, transform.Internal, LogName)

	d, err := NewDiff(refDiffBloat, broken)
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Offload(ctx, contextHeavyDiff(8, 30), transform.Hints{})
	wantKind(t, err, transform.Internal, DiffName)

	dn, err := NewDiffNoise(refDiffNoise, broken)
	if err != nil {
		t.Fatal(err)
	}
	_, err = dn.Offload(ctx, lockfileDiff(), transform.Hints{})
	wantKind(t, err, transform.Internal, DiffNoiseName)
}
