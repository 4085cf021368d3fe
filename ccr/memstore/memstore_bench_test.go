package memstore_test

import (
	"testing"

	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/ccr/storetest"
)

func BenchmarkStore(b *testing.B) { storetest.Bench(b, memstore.New(0, 0)) }
