// Package redisstore is the ccr.Store for fleets: every proxy on every host
// points at one Redis (or Valkey), so an original stored by one process can
// be retrieved through any other.
//
// Expiry is Redis's own: each write sets the key's TTL, each successful Get
// restarts it (GETEX, Redis 6.2 or later). Redis forgets expired keys without
// a trace, so Get reports every miss as plain ccr.ErrNotFound.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/headroom-go/headroom/ccr"
)

// DefaultPrefix namespaces the keys when no prefix is configured.
const DefaultPrefix = "ccr"

// pingTimeout bounds the start-up check when the caller's context has no
// deadline: an unreachable Redis must fail start-up, not hang it.
const pingTimeout = 5 * time.Second

// Config configures Open.
type Config struct {
	// URL locates the server: redis://[user:password@]host:port/db,
	// rediss:// for TLS, or unix:///path/to/socket. Required.
	URL string
	// Prefix namespaces keys as "<prefix>:<key>", so deployments (or
	// tenants) can share one Redis. Empty means DefaultPrefix.
	Prefix string
	// TTL is the entry lifetime after its last Put or successful Get; zero or
	// less means ccr.DefaultTTL.
	TTL time.Duration
}

// Store is a ccr.Store on a Redis server. Safe for concurrent use.
type Store struct {
	client *redis.Client
	prefix string // with the trailing ':'
	ttl    time.Duration
	where  string // redacted URL, for error messages
	stats  ccr.Stats

	closeOnce sync.Once
	closeErr  error
}

var (
	_ ccr.Store         = (*Store)(nil)
	_ ccr.StatsReporter = (*Store)(nil)
)

// Open connects to cfg.URL and checks that the server answers PING and
// supports GETEX. Any failure is returned (with the password redacted from
// the URL); Open never falls back to another backend.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	where := Redact(cfg.URL)
	if cfg.URL == "" {
		return nil, errors.New("ccr: redis: no URL configured")
	}
	opt, err := redis.ParseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("ccr: redis %s: %w", where, err)
	}
	// The store needs plain request/response only; hitless-upgrade push
	// notifications would add a background handshake for nothing.
	opt.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	prefix := cfg.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	ttl := cfg.TTL
	if ttl <= 0 {
		ttl = ccr.DefaultTTL
	}
	s := &Store{client: redis.NewClient(opt), prefix: prefix + ":", ttl: ttl, where: where}
	if err := s.check(ctx); err != nil {
		s.client.Close()
		return nil, fmt.Errorf("ccr: redis %s: %w", where, err)
	}
	return s, nil
}

func (s *Store) check(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, pingTimeout)
		defer cancel()
	}
	if err := s.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	// Get depends on GETEX; find out now rather than on the first retrieval.
	// A negative expiration sends the bare form, which changes nothing.
	if err := s.client.GetEx(ctx, s.prefix+"\x00getex-probe", -1).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("GETEX unsupported (Redis 6.2 or later is required): %w", err)
	}
	return nil
}

// Redact returns rawURL with any password replaced by "xxxxx", for logs and
// errors. A URL that does not parse is reduced to its scheme, because its
// user-info part may still hold a secret.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		if i := strings.Index(rawURL, "://"); i >= 0 {
			return rawURL[:i+3] + "…"
		}
		return "<unparsable URL>"
	}
	return u.Redacted()
}

// Put stores payload under key with the store's TTL.
func (s *Store) Put(ctx context.Context, key string, payload []byte) error {
	if err := ccr.ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if payload == nil {
		payload = []byte{}
	}
	if err := s.client.Set(ctx, s.prefix+key, payload, s.ttl).Err(); err != nil {
		return fmt.Errorf("ccr: redis %s: put: %w", s.where, err)
	}
	s.stats.RecordPut()
	return nil
}

// Get returns the payload under key and restarts its TTL in the same command.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ccr.ValidateKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := s.client.GetEx(ctx, s.prefix+key, s.ttl).Bytes()
	switch {
	case err == nil:
		s.stats.RecordHit()
		return b, nil
	case errors.Is(err, redis.Nil):
		s.stats.RecordMiss()
		return nil, ccr.ErrNotFound
	default:
		return nil, fmt.Errorf("ccr: redis %s: get: %w", s.where, err)
	}
}

// Len counts the keys under the store's prefix with SCAN. It walks the whole
// keyspace, so it is for operators and tests, not for hot paths.
func (s *Store) Len(ctx context.Context) (int, error) {
	match := globEscape(s.prefix) + "*"
	var n int
	var cursor uint64
	for {
		keys, next, err := s.client.Scan(ctx, cursor, match, 1000).Result()
		if err != nil {
			return 0, fmt.Errorf("ccr: redis %s: len: %w", s.where, err)
		}
		n += len(keys)
		if next == 0 {
			return n, nil
		}
		cursor = next
	}
}

// globEscape quotes the characters SCAN MATCH treats as pattern syntax.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\', '^', '-':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Stats returns this handle's operation counters. Expired stays zero:
// Redis expires keys without telling the client.
func (s *Store) Stats() ccr.StatsSnapshot { return s.stats.Snapshot() }

// Close closes the connection pool. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.client.Close() })
	return s.closeErr
}
