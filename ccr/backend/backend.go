// Package backend turns configuration into a ready ccr.Store. It is the one
// library package that imports every backend; the proxy and the CLI both
// call Bind to get the same flags and environment variables, then Open.
//
// A backend that cannot start is an error: Open never substitutes another
// backend, because a proxy that silently keeps originals in process memory
// loses them on the next restart and across workers.
package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/ccr/redisstore"
	"github.com/headroom-go/headroom/ccr/sqlitestore"
)

// Backend names, as accepted by --ccr-backend and HEADROOM_CCR_BACKEND.
const (
	Memory = "memory"
	SQLite = "sqlite"
	Redis  = "redis"
)

// Config selects and configures a backend. The zero value opens SQLite at
// its default path with the default TTL.
type Config struct {
	// Backend is Memory, SQLite or Redis; empty means SQLite.
	Backend string
	// SQLitePath is the SQLite database file; empty means
	// sqlitestore.DefaultPath. Used only by the SQLite backend.
	SQLitePath string
	// RedisURL locates the Redis server; required for the Redis backend.
	RedisURL string
	// RedisPrefix namespaces Redis keys; empty means redisstore.DefaultPrefix.
	RedisPrefix string
	// TTL is how long an original stays retrievable after its last store
	// or retrieval; zero means ccr.DefaultTTL. Negative is an error.
	TTL time.Duration
	// MemoryCapacity bounds the memory backend; zero means
	// ccr.DefaultCapacity. Negative is an error.
	MemoryCapacity int
}

// Store is what Open returns: a ccr.Store that counts its operations and
// must be closed when the process is done with it.
type Store interface {
	ccr.Store
	ccr.StatsReporter
	io.Closer
}

// Validate reports configuration errors without touching disk or network.
func (c Config) Validate() error {
	if c.TTL < 0 {
		return fmt.Errorf("ccr: ttl %v is negative", c.TTL)
	}
	if c.MemoryCapacity < 0 {
		return fmt.Errorf("ccr: memory capacity %d is negative", c.MemoryCapacity)
	}
	switch c.backend() {
	case Memory, SQLite:
		return nil
	case Redis:
		if c.RedisURL == "" {
			return errors.New("ccr: backend redis needs a URL (--ccr-redis-url or HEADROOM_CCR_REDIS_URL)")
		}
		return nil
	default:
		return fmt.Errorf("ccr: unknown backend %q (want %s, %s or %s)", c.Backend, Memory, SQLite, Redis)
	}
}

func (c Config) backend() string {
	if c.Backend == "" {
		return SQLite
	}
	return c.Backend
}

func (c Config) ttl() time.Duration {
	if c.TTL == 0 {
		return ccr.DefaultTTL
	}
	return c.TTL
}

// String describes the configuration for a start-up log line, with any
// Redis password redacted.
func (c Config) String() string {
	switch b := c.backend(); b {
	case SQLite:
		path := c.SQLitePath
		if path == "" {
			path = "(default)"
		}
		return fmt.Sprintf("backend=sqlite path=%s ttl=%v", path, c.ttl())
	case Redis:
		prefix := c.RedisPrefix
		if prefix == "" {
			prefix = redisstore.DefaultPrefix
		}
		return fmt.Sprintf("backend=redis url=%s prefix=%s ttl=%v", redisstore.Redact(c.RedisURL), prefix, c.ttl())
	case Memory:
		capacity := c.MemoryCapacity
		if capacity == 0 {
			capacity = ccr.DefaultCapacity
		}
		return fmt.Sprintf("backend=memory capacity=%d ttl=%v", capacity, c.ttl())
	default:
		return fmt.Sprintf("backend=%q", b)
	}
}

// Open validates cfg, opens the chosen backend and checks it is ready: the
// SQLite file is writable and in WAL mode, the Redis server answers.
func Open(ctx context.Context, cfg Config) (Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch cfg.backend() {
	case Memory:
		return memstore.New(cfg.MemoryCapacity, cfg.ttl()), nil
	case SQLite:
		s, err := sqlitestore.Open(ctx, sqlitestore.Config{Path: cfg.SQLitePath, TTL: cfg.ttl()})
		if err != nil {
			return nil, err
		}
		return s, nil
	default: // Redis; Validate rejected everything else
		s, err := redisstore.Open(ctx, redisstore.Config{URL: cfg.RedisURL, Prefix: cfg.RedisPrefix, TTL: cfg.ttl()})
		if err != nil {
			return nil, err
		}
		return s, nil
	}
}
