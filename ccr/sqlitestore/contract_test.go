package sqlitestore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/sqlitestore"
	"github.com/headroom-go/headroom/ccr/storetest"
)

func openAt(t *testing.T, path string, cfg storetest.Settings) *sqlitestore.Store {
	t.Helper()
	s, err := sqlitestore.Open(context.Background(), sqlitestore.Config{Path: path, TTL: cfg.TTL})
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
	storetest.Run(t, func(t *testing.T, cfg storetest.Settings) ccr.Store {
		return openAt(t, filepath.Join(t.TempDir(), "ccr.db"), cfg)
	}, storetest.Options{
		ReportsExpired: true,
		Reopen: func(t *testing.T, st ccr.Store) ccr.Store {
			s := st.(*sqlitestore.Store)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			return openAt(t, s.Path(), storetest.Settings{})
		},
		Share: func(t *testing.T, st ccr.Store) ccr.Store {
			return openAt(t, st.(*sqlitestore.Store).Path(), storetest.Settings{})
		},
	})
}

func openLocation(t *testing.T, path string) ccr.Store { return openAt(t, path, storetest.Settings{}) }

// TestTwoProcesses shares one file between this process and a child process
// that writes while the parent writes.
func TestTwoProcesses(t *testing.T) {
	storetest.CrossProcess(t, "TestTwoProcessesChild", filepath.Join(t.TempDir(), "shared.db"), openLocation)
}

func TestTwoProcessesChild(t *testing.T) { storetest.RunChild(t, openLocation) }
