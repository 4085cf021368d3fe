package redisstore_test

import (
	"context"
	"testing"

	"github.com/headroom-go/headroom/ccr/redisstore"
	"github.com/headroom-go/headroom/ccr/redisstore/redistest"
	"github.com/headroom-go/headroom/ccr/storetest"
)

func BenchmarkStore(b *testing.B) {
	s, err := redisstore.Open(context.Background(), redisstore.Config{URL: redistest.Server(b), Prefix: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.Bench(b, s)
}
