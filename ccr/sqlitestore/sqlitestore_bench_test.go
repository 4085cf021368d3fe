package sqlitestore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/headroom-go/headroom/ccr/sqlitestore"
	"github.com/headroom-go/headroom/ccr/storetest"
)

func BenchmarkStore(b *testing.B) {
	s, err := sqlitestore.Open(context.Background(), sqlitestore.Config{Path: filepath.Join(b.TempDir(), "bench.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.Bench(b, s)
}
