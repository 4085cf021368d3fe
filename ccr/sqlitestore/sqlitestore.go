// Package sqlitestore is the default ccr.Store: one SQLite file on local
// disk, shared by every headroom process on the host and kept across
// restarts. It uses a pure-Go SQLite (modernc.org/sqlite), so binaries need
// no C toolchain.
//
// Concurrency: the database runs in WAL mode, so readers never block, and
// writers from any process wait up to busyTimeout for the write lock instead
// of failing. Every statement that writes runs as one autocommit statement,
// which takes the write lock before it reads and so cannot hit the WAL
// "stale snapshot" busy error that the busy handler does not retry.
package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/headroom-go/headroom/ccr"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// DefaultFileName is the database file name inside the headroom data directory.
const DefaultFileName = "ccr.db"

const (
	// busyTimeout is how long a writer waits for another process's write
	// transaction; writes are single small statements, so a wait this long
	// means something is wrong rather than busy.
	busyTimeout = 5 * time.Second
	// purgeInterval spaces the sweeps that delete expired rows nobody read.
	// Expired rows are invisible already; the sweep only reclaims disk.
	purgeInterval = time.Minute
	// maxConns bounds the handle's pool: SQLite serialises writers anyway,
	// and a few connections let readers overlap a writer under WAL.
	maxConns = 4
	// walSizeLimit truncates the WAL after checkpoints, so one burst of large
	// originals does not leave a large -wal file behind for good.
	walSizeLimit = 64 << 20
	// applicationID marks the file as a headroom CCR database ("HRCC"), so a
	// foreign database is refused instead of written into.
	applicationID = 0x48524343
	schemaVersion = 1
)

// Config configures Open. The zero value of each field is documented there.
type Config struct {
	// Path is the database file. Empty means DefaultPath. Its directory is
	// created (mode 0700) if missing; the file is created with mode 0600,
	// since originals can hold secrets from tool output.
	Path string
	// TTL is the entry lifetime after its last Put or successful Get; zero or
	// less means ccr.DefaultTTL. Each handle stamps rows with its own TTL.
	TTL time.Duration
}

// Store is a ccr.Store on one SQLite file. Safe for concurrent use; any
// number of Stores in any number of processes may open the same file.
type Store struct {
	db    *sql.DB
	path  string
	ttl   time.Duration
	now   func() time.Time // replaced in tests through export_test.go
	stats ccr.Stats

	lastPurge atomic.Int64 // unix ms of the last sweep by this handle
	closeOnce sync.Once
	closeErr  error
}

var (
	_ ccr.Store         = (*Store)(nil)
	_ ccr.StatsReporter = (*Store)(nil)
)

// DefaultPath returns where the database lives when no path is configured:
// $XDG_DATA_HOME/headroom/ccr.db, else $HOME/.local/share/headroom/ccr.db.
// getenv is os.Getenv in production; tests pass their own.
func DefaultPath(getenv func(string) string) (string, error) {
	if dir := getenv("XDG_DATA_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "headroom", DefaultFileName), nil
	}
	if home := getenv("HOME"); filepath.IsAbs(home) {
		return filepath.Join(home, ".local", "share", "headroom", DefaultFileName), nil
	}
	return "", errors.New("ccr: no default sqlite path: neither XDG_DATA_HOME nor HOME is an absolute path; set the path explicitly")
}

// Open opens (creating if needed) the database at cfg.Path, switches it to
// WAL mode, creates the schema and sweeps expired rows. Every failure is
// returned with the path in the message; Open never falls back to anything.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	path := cfg.Path
	if path == "" {
		p, err := DefaultPath(os.Getenv)
		if err != nil {
			return nil, err
		}
		path = p
	}
	s, err := open(ctx, path, cfg.TTL)
	if err != nil {
		return nil, fmt.Errorf("ccr: open sqlite %q: %w", path, err)
	}
	return s, nil
}

func open(ctx context.Context, path string, ttl time.Duration) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, err
	}
	// Create the file ourselves so it gets 0600; SQLite gives its -wal and
	// -shm companions the database file's permissions.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	if ttl <= 0 {
		ttl = ccr.DefaultTTL
	}
	s := &Store{db: db, path: abs, ttl: ttl, now: time.Now}
	if err := s.init(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// dsn builds a SQLite URI for path. The pragmas run on every new pooled
// connection; busy_timeout goes first so the others wait for locks too.
func dsn(path string) string {
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(path))
	return fmt.Sprintf("file:%s?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=journal_size_limit(%d)",
		escaped, busyTimeout.Milliseconds(), walSizeLimit)
}

func (s *Store) init(ctx context.Context) error {
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		// WAL is what makes several processes safe; a file system that
		// refuses it (some network mounts) is not a place for this store.
		return fmt.Errorf("journal_mode is %q, want wal (is the file on a local disk?)", mode)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var appID, version int64
	if err := conn.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return err
	}
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	switch {
	case appID == applicationID && version == schemaVersion:
		// Ours, current schema.
	case appID == applicationID:
		return fmt.Errorf("schema version %d is not supported (want %d)", version, schemaVersion)
	case appID != 0:
		return fmt.Errorf("not a headroom CCR database (application_id %#x)", appID)
	default:
		if err := s.createSchema(ctx, conn); err != nil {
			return err
		}
	}
	s.purge(ctx, s.now())
	return nil
}

// createSchema initialises a new file. BEGIN IMMEDIATE serialises two
// processes racing to create the same new file; the loser re-checks and
// finds the schema done.
func (s *Store) createSchema(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	err := func() error {
		var appID int64
		if err := conn.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
			return err
		}
		if appID == applicationID {
			return nil
		}
		var tables int
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'").Scan(&tables); err != nil {
			return err
		}
		if tables != 0 {
			return fmt.Errorf("database already holds %d tables of another application; refusing to share it", tables)
		}
		// The expiry column comes before the payload so that refreshing
		// it rewrites a fixed-size integer in the row's first page; SQLite
		// then leaves unchanged overflow pages of a large payload alone.
		for _, stmt := range []string{
			`CREATE TABLE ccr_originals (
				key        TEXT    PRIMARY KEY NOT NULL,
				expires_ms INTEGER NOT NULL,
				payload    BLOB    NOT NULL
			)`,
			`CREATE INDEX ccr_originals_expiry ON ccr_originals (expires_ms)`,
			fmt.Sprintf("PRAGMA application_id = %d", applicationID),
			fmt.Sprintf("PRAGMA user_version = %d", schemaVersion),
		} {
			if _, err := conn.ExecContext(ctx, stmt); err != nil {
				return err
			}
		}
		return nil
	}()
	if err != nil {
		_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		return err
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	return err
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Put stores payload under key, replacing any earlier row and restarting its
// TTL, and now and then sweeps expired rows.
func (s *Store) Put(ctx context.Context, key string, payload []byte) error {
	if err := ccr.ValidateKey(key); err != nil {
		return err
	}
	if payload == nil {
		payload = []byte{} // NOT NULL column: an empty original is still an original
	}
	now := s.now()
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO ccr_originals (key, expires_ms, payload) VALUES (?, ?, ?)
		 ON CONFLICT (key) DO UPDATE SET expires_ms = excluded.expires_ms, payload = excluded.payload`,
		key, s.expiry(now), payload)
	if err != nil {
		return fmt.Errorf("ccr: sqlite %q: put: %w", s.path, err)
	}
	s.stats.RecordPut()
	if last := s.lastPurge.Load(); now.UnixMilli()-last >= purgeInterval.Milliseconds() && s.lastPurge.CompareAndSwap(last, now.UnixMilli()) {
		s.purge(ctx, now)
	}
	return nil
}

// Get returns the payload under key and restarts its TTL. A row found
// expired is deleted and reported as ccr.ErrExpired.
//
// The read and the refresh are separate statements so that a hit takes no
// write lock unless the expiry actually moves by more than
// refreshGranularity: hot originals read many times a second cost readers
// only, and a large payload is never copied through the write path.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ccr.ValidateKey(key); err != nil {
		return nil, err
	}
	now := s.now()
	var payload []byte
	var expires int64
	err := s.db.QueryRowContext(ctx, `SELECT expires_ms, payload FROM ccr_originals WHERE key = ?`, key).Scan(&expires, &payload)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		s.stats.RecordMiss()
		return nil, ccr.ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("ccr: sqlite %q: get: %w", s.path, err)
	case expires < now.UnixMilli():
		return nil, s.dropExpired(ctx, key, now)
	}
	if next := s.expiry(now); next-expires > s.refreshGranularity() {
		// max(): a handle with a shorter TTL must not cut short an entry
		// another handle stored for longer.
		_, err := s.db.ExecContext(ctx, `UPDATE ccr_originals SET expires_ms = max(expires_ms, ?) WHERE key = ?`, next, key)
		if err != nil {
			return nil, fmt.Errorf("ccr: sqlite %q: get: refresh: %w", s.path, err)
		}
	}
	s.stats.RecordHit()
	if payload == nil {
		payload = []byte{}
	}
	return payload, nil
}

// dropExpired deletes key if it is still expired (another process may have
// stored it again since it was read) and returns the miss to report.
func (s *Store) dropExpired(ctx context.Context, key string, now time.Time) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM ccr_originals WHERE key = ? AND expires_ms < ?`, key, now.UnixMilli())
	if err != nil {
		return fmt.Errorf("ccr: sqlite %q: get: %w", s.path, err)
	}
	s.stats.RecordMiss()
	if n, _ := res.RowsAffected(); n > 0 {
		s.stats.RecordExpired(int(n))
	}
	return ccr.ErrExpired
}

// refreshGranularity is how far a Get must move an entry's expiry before it
// is worth a write: a tenth of the TTL, at most a second.
func (s *Store) refreshGranularity() int64 {
	return min(s.ttl/10, time.Second).Milliseconds()
}

// Len counts the rows that have not expired, across all processes.
func (s *Store) Len(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM ccr_originals WHERE expires_ms >= ?`, s.now().UnixMilli()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("ccr: sqlite %q: len: %w", s.path, err)
	}
	return n, nil
}

// Stats returns this handle's operation counters.
func (s *Store) Stats() ccr.StatsSnapshot { return s.stats.Snapshot() }

// Close closes the database handle. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.db.Close() })
	return s.closeErr
}

func (s *Store) expiry(now time.Time) int64 { return now.Add(s.ttl).UnixMilli() }

// purge deletes rows that expired before now. A failed sweep only delays
// reclaiming space (expired rows are never returned), so it is not an error
// for the Put or Open that triggered it.
func (s *Store) purge(ctx context.Context, now time.Time) {
	s.lastPurge.Store(now.UnixMilli())
	res, err := s.db.ExecContext(ctx, `DELETE FROM ccr_originals WHERE expires_ms < ?`, now.UnixMilli())
	if err != nil {
		return
	}
	if n, err := res.RowsAffected(); err == nil {
		s.stats.RecordExpired(int(n))
	}
}
