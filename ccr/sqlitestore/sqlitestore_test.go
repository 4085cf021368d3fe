package sqlitestore_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/sqlitestore"
	"github.com/headroom-go/headroom/ccr/storetest"
)

var bg = context.Background()

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func clocked(t *testing.T, ttl time.Duration) (*sqlitestore.Store, *clock) {
	s := openAt(t, filepath.Join(t.TempDir(), "ccr.db"), storetest.Settings{TTL: ttl})
	c := &clock{now: time.Now()}
	sqlitestore.SetClock(s, c.Now)
	return s, c
}

func TestBadPathFailsNamingThePath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "plain-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		filepath.Join(file, "ccr.db"), // parent is a file
		dir,                           // a directory, not a file
	} {
		_, err := sqlitestore.Open(bg, sqlitestore.Config{Path: path})
		if err == nil {
			t.Fatalf("Open(%q) succeeded", path)
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("Open(%q) error does not name the path: %v", path, err)
		}
	}
}

func TestRefusesForeignDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ccr_store.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	// The reference proxy's schema: a different table under the same idea.
	if _, err := db.Exec(`CREATE TABLE ccr_entries (hash TEXT PRIMARY KEY, entry_json TEXT NOT NULL, created_at REAL NOT NULL, ttl INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = sqlitestore.Open(bg, sqlitestore.Config{Path: path})
	if err == nil || !strings.Contains(err.Error(), "another application") {
		t.Fatalf("Open on a foreign database: err = %v, want a refusal", err)
	}
}

func TestFileIsPrivateAndInWALMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dir", "ccr.db")
	s := openAt(t, path, storetest.Settings{})
	if err := s.Put(bg, "k", []byte("secret tool output")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s has mode %v; others must not read originals", filepath.Base(p), perm)
		}
	}
	fi, err := os.Stat(filepath.Dir(path))
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("created directory mode = %v, %v; want 0700", fi.Mode().Perm(), err)
	}
}

func TestExpiredRowIsDeletedAndReportedExpired(t *testing.T) {
	s, clk := clocked(t, time.Minute)
	if err := s.Put(bg, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute) // exactly the TTL: still live
	if _, err := s.Get(bg, "k"); err != nil {
		t.Fatalf("Get at the TTL boundary: %v", err)
	}
	clk.Advance(time.Minute + time.Millisecond)
	if _, err := s.Get(bg, "k"); !errors.Is(err, ccr.ErrExpired) {
		t.Fatalf("Get after TTL: err = %v, want ErrExpired", err)
	}
	if n, err := sqlitestore.RowCount(s); err != nil || n != 0 {
		t.Fatalf("rows after expired Get = %d, %v; want the row deleted", n, err)
	}
	if st := s.Stats(); st.Expired != 1 || st.Hits != 1 || st.Misses != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestPutSweepsExpiredRowsPeriodically(t *testing.T) {
	s, clk := clocked(t, time.Second)
	for _, k := range []string{"a", "b", "c"} {
		if err := s.Put(bg, k, []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(2 * time.Second)
	if err := s.Put(bg, "d", []byte("d")); err != nil { // within the sweep interval: no sweep
		t.Fatal(err)
	}
	if n, _ := sqlitestore.RowCount(s); n != 4 {
		t.Fatalf("rows = %d before the sweep interval passed, want 4", n)
	}
	clk.Advance(2 * time.Minute) // d expires too, and a sweep is due
	if err := s.Put(bg, "e", []byte("e")); err != nil {
		t.Fatal(err)
	}
	if n, _ := sqlitestore.RowCount(s); n != 1 {
		t.Fatalf("rows after the sweep = %d, want only e", n)
	}
	if st := s.Stats(); st.Expired != 4 {
		t.Fatalf("Expired = %d, want 4", st.Expired)
	}
}

func TestOpenSweepsExpiredRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ccr.db")
	s, err := sqlitestore.Open(bg, sqlitestore.Config{Path: path, TTL: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(bg, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	time.Sleep(5 * time.Millisecond)
	s2 := openAt(t, path, storetest.Settings{})
	if n, err := sqlitestore.RowCount(s2); err != nil || n != 0 {
		t.Fatalf("rows after reopening = %d, %v; want expired row swept", n, err)
	}
}

func TestDefaultPathFollowsXDG(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_DATA_HOME": "/data", "HOME": "/home/u"}, "/data/headroom/ccr.db"},
		{map[string]string{"XDG_DATA_HOME": "relative", "HOME": "/home/u"}, "/home/u/.local/share/headroom/ccr.db"},
		{map[string]string{"HOME": "/home/u"}, "/home/u/.local/share/headroom/ccr.db"},
	} {
		got, err := sqlitestore.DefaultPath(env(tc.env))
		if err != nil || got != tc.want {
			t.Errorf("DefaultPath(%v) = %q, %v; want %q", tc.env, got, err, tc.want)
		}
	}
	if _, err := sqlitestore.DefaultPath(env(nil)); err == nil {
		t.Error("DefaultPath with no HOME must fail, not guess")
	}
}

func TestPathWithURISpecialCharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "odd ?name#50%.db")
	s := openAt(t, path, storetest.Settings{})
	if err := s.Put(bg, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not created at the literal path: %v", err)
	}
}

func TestGetRefreshNeverShortensAnotherHandlesTTL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ccr.db")
	long := openAt(t, path, storetest.Settings{TTL: time.Hour})
	short := openAt(t, path, storetest.Settings{TTL: time.Minute})
	clk := &clock{now: time.Now()}
	sqlitestore.SetClock(long, clk.Now)
	sqlitestore.SetClock(short, clk.Now)
	if err := long.Put(bg, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if _, err := short.Get(bg, "k"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * time.Minute)
	if _, err := short.Get(bg, "k"); err != nil {
		t.Fatalf("a 1-minute handle's Get cut a 1-hour entry short: %v", err)
	}
}

func TestGetRefreshExtendsExpiry(t *testing.T) {
	s, clk := clocked(t, time.Minute)
	if err := s.Put(bg, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	for range 5 { // 5 × 50 s: alive only because every Get pushes expiry out
		clk.Advance(50 * time.Second)
		if _, err := s.Get(bg, "k"); err != nil {
			t.Fatalf("Get: %v", err)
		}
	}
}
