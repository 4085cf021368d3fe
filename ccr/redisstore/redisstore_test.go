package redisstore_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/redisstore"
	"github.com/headroom-go/headroom/ccr/redisstore/redistest"
)

var bg = context.Background()

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestUnreachableServerFailsOpenWithoutLeakingPassword(t *testing.T) {
	url := "redis://user:s3cret-pw@" + closedPort(t) + "/0"
	ctx, cancel := context.WithTimeout(bg, 3*time.Second)
	defer cancel()
	_, err := redisstore.Open(ctx, redisstore.Config{URL: url})
	if err == nil {
		t.Fatal("Open against a closed port succeeded")
	}
	msg := err.Error()
	if strings.Contains(msg, "s3cret-pw") {
		t.Fatalf("error leaks the password: %v", err)
	}
	if !strings.Contains(msg, "ping") || !strings.Contains(msg, "127.0.0.1") {
		t.Fatalf("error should say the ping to the server failed: %v", err)
	}
}

func TestMalformedURLFailsOpen(t *testing.T) {
	for _, url := range []string{"", "http://localhost:6379", "redis://[::1"} {
		if _, err := redisstore.Open(bg, redisstore.Config{URL: url}); err == nil {
			t.Errorf("Open(%q) succeeded", url)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"redis://user:pw@host:6379/0": "redis://user:xxxxx@host:6379/0",
		"redis://host:6379":           "redis://host:6379",
		"redis://:pw@[bad":            "redis://…",
	} {
		if got := redisstore.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// Keys land under "<prefix>:<key>" with the store's TTL set by Redis itself,
// and a Get pushes the expiry back out.
func TestWritesPrefixedKeysWithServerSideExpiry(t *testing.T) {
	url := redistest.Server(t)
	s := openStore(t, redisstore.Config{URL: url, Prefix: "tenant-a", TTL: time.Hour})
	if err := s.Put(bg, "abc", []byte("v")); err != nil {
		t.Fatal(err)
	}
	opt, _ := redis.ParseURL(url)
	raw := redis.NewClient(opt)
	defer raw.Close()
	ttl, err := raw.PTTL(bg, "tenant-a:abc").Result()
	if err != nil || ttl <= 59*time.Minute || ttl > time.Hour {
		t.Fatalf("PTTL(tenant-a:abc) = %v, %v; want about one hour", ttl, err)
	}
	if err := raw.PExpire(bg, "tenant-a:abc", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(bg, "abc"); err != nil {
		t.Fatal(err)
	}
	if ttl, _ := raw.PTTL(bg, "tenant-a:abc").Result(); ttl <= 59*time.Minute {
		t.Fatalf("after Get, PTTL = %v; the Get must restart the TTL", ttl)
	}
}

func TestPrefixesIsolateStores(t *testing.T) {
	url := redistest.Server(t)
	// "a*" would match "ab:" keys if the prefix were not escaped in SCAN.
	a := openStore(t, redisstore.Config{URL: url, Prefix: "a*"})
	b := openStore(t, redisstore.Config{URL: url, Prefix: "ab"})
	if err := a.Put(bg, "k", []byte("from a")); err != nil {
		t.Fatal(err)
	}
	if err := b.Put(bg, "k", []byte("from b")); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Get(bg, "k"); string(got) != "from a" {
		t.Fatalf("a.Get = %q", got)
	}
	if n, _ := a.Len(bg); n != 1 {
		t.Fatalf("a.Len = %d, want 1 (b's key must not count)", n)
	}
	def := openStore(t, redisstore.Config{URL: url})
	if _, err := def.Get(bg, "k"); !errors.Is(err, ccr.ErrNotFound) {
		t.Fatalf("default prefix sees another prefix's key: %v", err)
	}
}

func TestServerLossIsAnErrorNotAMiss(t *testing.T) {
	url := redistest.Server(t)
	// No client retries: the test is about the error, not the backoff.
	s := openStore(t, redisstore.Config{URL: url + "?max_retries=-1"})
	opt, _ := redis.ParseURL(url)
	raw := redis.NewClient(opt)
	defer raw.Close()
	_ = raw.Do(bg, "SHUTDOWN", "NOSAVE").Err() // the connection drops as the server exits
	ctx, cancel := context.WithTimeout(bg, 3*time.Second)
	defer cancel()
	_, err := s.Get(ctx, "k")
	if err == nil || errors.Is(err, ccr.ErrNotFound) {
		t.Fatalf("Get with the server gone: err = %v, want a connection error", err)
	}
	if err := s.Put(ctx, "k", []byte("v")); err == nil {
		t.Fatal("Put with the server gone succeeded")
	}
}
