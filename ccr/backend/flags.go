package backend

import (
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/headroom-go/headroom/ccr/sqlitestore"
)

// Environment variables read by Bind. Where the reference proxy has a name
// for the same setting, that name is used (or accepted as a fallback).
const (
	EnvBackend      = "HEADROOM_CCR_BACKEND"
	EnvSQLitePath   = "HEADROOM_CCR_SQLITE_PATH"
	EnvRedisURL     = "HEADROOM_CCR_REDIS_URL"
	EnvRedisPrefix  = "HEADROOM_CCR_REDIS_PREFIX"
	EnvTTLSeconds   = "HEADROOM_CCR_TTL_SECONDS"
	envRedisURLRef  = "HEADROOM_REDIS_URL"         // the reference's plugin URL
	envRedisPrefRef = "HEADROOM_CCR_TENANT_PREFIX" // the reference's plugin prefix
)

// Bind registers the --ccr-* flags on fs and returns the Config they fill.
// Each flag's default comes from its environment variable (read through
// getenv, normally os.Getenv), so the precedence is flag, then environment,
// then built-in default. An environment value that does not parse is an
// error here, at start-up, rather than being ignored.
func Bind(fs *flag.FlagSet, getenv func(string) string) (*Config, error) {
	cfg := &Config{}
	env := func(names ...string) string {
		for _, n := range names {
			if v := strings.TrimSpace(getenv(n)); v != "" {
				return v
			}
		}
		return ""
	}
	if v := env(EnvBackend); v != "" {
		if err := (*backendValue)(&cfg.Backend).Set(v); err != nil {
			return nil, fmt.Errorf("%s: %w", EnvBackend, err)
		}
	}
	if v := env(EnvSQLitePath); v != "" {
		cfg.SQLitePath = expandHome(v, getenv)
	} else if p, err := sqlitestore.DefaultPath(getenv); err == nil {
		cfg.SQLitePath = p
	}
	cfg.RedisURL = env(EnvRedisURL, envRedisURLRef)
	cfg.RedisPrefix = env(EnvRedisPrefix, envRedisPrefRef)
	if v := env(EnvTTLSeconds); v != "" {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs <= 0 || secs > int64(maxTTL/time.Second) {
			return nil, fmt.Errorf("%s=%q: want a positive whole number of seconds", EnvTTLSeconds, v)
		}
		cfg.TTL = time.Duration(secs) * time.Second
	}

	fs.Var((*backendValue)(&cfg.Backend), "ccr-backend",
		"where compressed originals are kept for retrieval: memory (this process only, lost on restart), "+
			"sqlite (a file shared by every process on this host; the default) or redis (shared by every host); env "+EnvBackend)
	fs.Var(&pathValue{p: &cfg.SQLitePath, getenv: getenv}, "ccr-sqlite-path",
		"SQLite database file for --ccr-backend=sqlite (default $XDG_DATA_HOME/headroom/ccr.db or ~/.local/share/headroom/ccr.db); env "+EnvSQLitePath)
	fs.StringVar(&cfg.RedisURL, "ccr-redis-url", cfg.RedisURL,
		"Redis URL for --ccr-backend=redis, e.g. redis://:password@host:6379/0 or rediss:// for TLS; env "+EnvRedisURL)
	fs.StringVar(&cfg.RedisPrefix, "ccr-redis-prefix", cfg.RedisPrefix,
		"key prefix for --ccr-backend=redis, so deployments can share one server (default \"ccr\"); env "+EnvRedisPrefix)
	fs.Var((*ttlValue)(&cfg.TTL), "ccr-ttl",
		"how long an original stays retrievable after it was last stored or retrieved, as seconds (1800) or a duration (30m) (default 30m0s); env "+EnvTTLSeconds+" in seconds")
	return cfg, nil
}

// maxTTL keeps TTL arithmetic (expiry stamps in ms) far from overflow.
const maxTTL = 100 * 365 * 24 * time.Hour

func expandHome(p string, getenv func(string) string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home := getenv("HOME"); home != "" {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}

type backendValue string

func (v *backendValue) String() string { return string(*v) }
func (v *backendValue) Set(s string) error {
	switch b := strings.ToLower(strings.TrimSpace(s)); b {
	case Memory, SQLite, Redis:
		*v = backendValue(b)
		return nil
	default:
		return fmt.Errorf("unknown backend %q (want %s, %s or %s)", s, Memory, SQLite, Redis)
	}
}

type pathValue struct {
	p      *string
	getenv func(string) string
}

func (v *pathValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

func (v *pathValue) Set(s string) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("empty path")
	}
	*v.p = expandHome(s, v.getenv)
	return nil
}

type ttlValue time.Duration

func (v *ttlValue) String() string {
	if *v == 0 {
		return ""
	}
	return time.Duration(*v).String()
}

func (v *ttlValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		secs, serr := strconv.ParseInt(s, 10, 64)
		if serr != nil {
			return fmt.Errorf("%q is neither seconds nor a duration", s)
		}
		if secs > int64(maxTTL/time.Second) {
			return fmt.Errorf("%q is longer than %v", s, maxTTL)
		}
		d = time.Duration(secs) * time.Second
	}
	if d <= 0 || d > maxTTL {
		return fmt.Errorf("%q must be positive and at most %v", s, maxTTL)
	}
	*v = ttlValue(d)
	return nil
}
