package backend_test

import (
	"context"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/backend"
	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/ccr/redisstore/redistest"
	"github.com/headroom-go/headroom/ccr/sqlitestore"
)

var bg = context.Background()

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func bind(t *testing.T, env map[string]string, args ...string) (*backend.Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg, err := backend.Bind(fs, envOf(env))
	if err != nil {
		return nil, err
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return cfg, nil
}

func TestBindDefaults(t *testing.T) {
	cfg, err := bind(t, map[string]string{"HOME": "/home/u"})
	if err != nil {
		t.Fatal(err)
	}
	want := backend.Config{SQLitePath: "/home/u/.local/share/headroom/ccr.db"}
	if *cfg != want {
		t.Fatalf("config = %+v, want %+v", *cfg, want)
	}
}

func TestBindEnvironmentThenFlags(t *testing.T) {
	env := map[string]string{
		"HOME":                       "/home/u",
		"HEADROOM_CCR_BACKEND":       " Redis ",
		"HEADROOM_CCR_SQLITE_PATH":   "~/ccr/store.db",
		"HEADROOM_CCR_REDIS_URL":     "redis://env:6379/0",
		"HEADROOM_CCR_REDIS_PREFIX":  "tenant",
		"HEADROOM_CCR_TTL_SECONDS":   "3600",
		"HEADROOM_REDIS_URL":         "redis://reference-name-loses:6379",
		"HEADROOM_CCR_TENANT_PREFIX": "loses-too",
	}
	cfg, err := bind(t, env)
	if err != nil {
		t.Fatal(err)
	}
	want := backend.Config{Backend: "redis", SQLitePath: "/home/u/ccr/store.db", RedisURL: "redis://env:6379/0", RedisPrefix: "tenant", TTL: time.Hour}
	if *cfg != want {
		t.Fatalf("from env: %+v, want %+v", *cfg, want)
	}
	cfg, err = bind(t, env, "--ccr-backend=sqlite", "--ccr-sqlite-path=/var/lib/h.db", "--ccr-redis-url=redis://flag:1/2",
		"--ccr-redis-prefix=p", "--ccr-ttl=90")
	if err != nil {
		t.Fatal(err)
	}
	want = backend.Config{Backend: "sqlite", SQLitePath: "/var/lib/h.db", RedisURL: "redis://flag:1/2", RedisPrefix: "p", TTL: 90 * time.Second}
	if *cfg != want {
		t.Fatalf("flags over env: %+v, want %+v", *cfg, want)
	}
	cfg, err = bind(t, nil, "--ccr-ttl=45m")
	if err != nil || cfg.TTL != 45*time.Minute {
		t.Fatalf("--ccr-ttl=45m: %v, %v", cfg, err)
	}
}

func TestBindAcceptsReferenceEnvNames(t *testing.T) {
	cfg, err := bind(t, map[string]string{"HEADROOM_REDIS_URL": "redis://ref:6379", "HEADROOM_CCR_TENANT_PREFIX": "acme"})
	if err != nil || cfg.RedisURL != "redis://ref:6379" || cfg.RedisPrefix != "acme" {
		t.Fatalf("config = %+v, %v", cfg, err)
	}
}

func TestBindRejectsBadValues(t *testing.T) {
	for _, env := range []map[string]string{
		{"HEADROOM_CCR_BACKEND": "postgres"},
		{"HEADROOM_CCR_TTL_SECONDS": "0"},
		{"HEADROOM_CCR_TTL_SECONDS": "-5"},
		{"HEADROOM_CCR_TTL_SECONDS": "30m"},
		{"HEADROOM_CCR_TTL_SECONDS": "99999999999999"},
	} {
		if _, err := bind(t, env); err == nil {
			t.Errorf("env %v accepted", env)
		}
	}
	for _, args := range [][]string{
		{"--ccr-backend=memcached"},
		{"--ccr-ttl=0"},
		{"--ccr-ttl=-1s"},
		{"--ccr-ttl=soon"},
		{"--ccr-sqlite-path="},
	} {
		if _, err := bind(t, nil, args...); err == nil {
			t.Errorf("flags %v accepted", args)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, cfg := range []backend.Config{
		{Backend: "mysql"},
		{Backend: backend.Redis},
		{TTL: -time.Second},
		{Backend: backend.Memory, MemoryCapacity: -1},
	} {
		if err := cfg.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil", cfg)
		}
		if s, err := backend.Open(bg, cfg); err == nil || s != nil {
			t.Errorf("Open(%+v) = %v, %v; want no store and an error", cfg, s, err)
		}
	}
}

func TestOpenSelectsTheConfiguredBackend(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]backend.Config{
		"memory": {Backend: backend.Memory},
		"sqlite": {Backend: backend.SQLite, SQLitePath: filepath.Join(dir, "ccr.db")},
		"zero":   {SQLitePath: filepath.Join(dir, "zero.db")},
		"redis":  {Backend: backend.Redis}, // URL filled in by the subtest
	}
	payload := []byte(`[{"id":1}]` + "\x00\xff")
	key := ccr.ComputeKey(payload)
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			if cfg.Backend == backend.Redis {
				cfg.RedisURL = redistest.Server(t)
			}
			s, err := backend.Open(bg, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			switch name {
			case "memory":
				if _, ok := s.(*memstore.Store); !ok {
					t.Fatalf("got %T", s)
				}
			case "sqlite", "zero":
				if _, ok := s.(*sqlitestore.Store); !ok {
					t.Fatalf("got %T", s)
				}
			}
			if err := s.Put(bg, key, payload); err != nil {
				t.Fatal(err)
			}
			got, err := s.Get(bg, key)
			if err != nil || string(got) != string(payload) {
				t.Fatalf("Get = %q, %v", got, err)
			}
			if st := s.Stats(); st.Puts != 1 || st.Hits != 1 {
				t.Fatalf("stats = %+v", st)
			}
		})
	}
}

func TestOpenFailsLoudlyInsteadOfFallingBack(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(file, "ccr.db")
	s, err := backend.Open(bg, backend.Config{Backend: backend.SQLite, SQLitePath: bad})
	if err == nil || s != nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("Open with an unusable path = %v, %v; want an error naming %s", s, err, bad)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithTimeout(bg, 3*time.Second)
	defer cancel()
	s, err = backend.Open(ctx, backend.Config{Backend: backend.Redis, RedisURL: "redis://:pw@" + addr})
	if err == nil || s != nil {
		t.Fatalf("Open with an unreachable Redis = %v, %v; want an error", s, err)
	}
	if strings.Contains(err.Error(), ":pw@") {
		t.Fatalf("error leaks the password: %v", err)
	}
}

func TestStringRedactsPassword(t *testing.T) {
	got := backend.Config{Backend: backend.Redis, RedisURL: "redis://u:hunter2@h:6379/0"}.String()
	if strings.Contains(got, "hunter2") || !strings.Contains(got, "backend=redis") || !strings.Contains(got, "prefix=ccr") {
		t.Fatalf("String() = %q", got)
	}
	if got := (backend.Config{}).String(); got != "backend=sqlite path=(default) ttl=30m0s" {
		t.Fatalf("zero String() = %q", got)
	}
}
