package redisstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/redisstore"
	"github.com/headroom-go/headroom/ccr/redisstore/redistest"
	"github.com/headroom-go/headroom/ccr/storetest"
)

var prefixSeq atomic.Int64

// uniquePrefix gives every store its own namespace on the shared server, so
// stores opened by one test never see each other's keys.
func uniquePrefix(t *testing.T) string {
	return fmt.Sprintf("t%d:%s", prefixSeq.Add(1), strings.ReplaceAll(t.Name(), "/", "."))
}

func openStore(t *testing.T, cfg redisstore.Config) *redisstore.Store {
	t.Helper()
	s, err := redisstore.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestContract(t *testing.T) {
	url := redistest.Server(t)
	var mu sync.Mutex // the TTL checks open stores in parallel
	configs := map[ccr.Store]redisstore.Config{}
	config := func(st ccr.Store) redisstore.Config {
		mu.Lock()
		defer mu.Unlock()
		return configs[st]
	}
	open := func(t *testing.T, s storetest.Settings) ccr.Store {
		cfg := redisstore.Config{URL: url, Prefix: uniquePrefix(t), TTL: s.TTL}
		st := openStore(t, cfg)
		mu.Lock()
		configs[st] = cfg
		mu.Unlock()
		return st
	}
	storetest.Run(t, open, storetest.Options{
		// A restarted proxy reconnects to the same server and prefix.
		Reopen: func(t *testing.T, st ccr.Store) ccr.Store {
			if err := st.(*redisstore.Store).Close(); err != nil {
				t.Fatal(err)
			}
			return openStore(t, config(st))
		},
		// Another proxy: its own client and connection pool.
		Share: func(t *testing.T, st ccr.Store) ccr.Store { return openStore(t, config(st)) },
	})
}

func openLocation(t *testing.T, location string) ccr.Store {
	url, prefix, _ := strings.Cut(location, " ")
	return openStore(t, redisstore.Config{URL: url, Prefix: prefix})
}

// TestTwoProcesses shares one Redis namespace between this process and a
// child process writing at the same time.
func TestTwoProcesses(t *testing.T) {
	storetest.CrossProcess(t, "TestTwoProcessesChild", redistest.Server(t)+" "+uniquePrefix(t), openLocation)
}

func TestTwoProcessesChild(t *testing.T) { storetest.RunChild(t, openLocation) }
