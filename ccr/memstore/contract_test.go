package memstore_test

import (
	"testing"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/ccr/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s storetest.Settings) ccr.Store {
		return memstore.New(s.Capacity, s.TTL)
	}, storetest.Options{Capacity: true, ReportsExpired: true})
}
