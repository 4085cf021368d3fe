// Package storetest is the conformance suite every ccr.Store backend runs:
//
//	func TestContract(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, s storetest.Settings) ccr.Store { ... }, storetest.Options{...})
//	}
//
// It checks behaviour through the public interface only, against the real
// backend, so a backend that passes can be swapped for any other.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/headroom-go/headroom/ccr"
)

// Settings are the store parameters a check asks the backend for.
type Settings struct {
	// TTL is the entry lifetime; zero means the backend's default.
	TTL time.Duration
	// Capacity bounds the entry count; zero means the backend's default. Only
	// backends with Options.Capacity set are asked for a small capacity.
	Capacity int
}

// Opener returns a new, empty store with settings s. It must arrange for the
// store to be closed (t.Cleanup) and must not share data with earlier calls.
type Opener func(t *testing.T, s Settings) ccr.Store

// Options describes optional capabilities of the backend under test. A check
// whose capability is absent is skipped with a message saying so.
type Options struct {
	// Capacity is true when the backend bounds its entry count and evicts
	// the first-inserted entry first.
	Capacity bool
	// ReportsExpired is true when Get returns ccr.ErrExpired (rather than a
	// plain ccr.ErrNotFound) for an entry that outlived its TTL.
	ReportsExpired bool
	// Reopen closes st and returns a new handle on the same storage, as a
	// restarted process would get. Nil when originals do not survive a restart.
	Reopen func(t *testing.T, st ccr.Store) ccr.Store
	// Share returns a second, independent handle (own connections) on st's
	// storage, as another proxy process would open. Nil when storage is
	// private to one handle.
	Share func(t *testing.T, st ccr.Store) ccr.Store
}

// Run runs every contract check against stores made by open.
func Run(t *testing.T, open Opener, opts Options) {
	t.Run("RoundTripArbitraryBytes", func(t *testing.T) { testRoundTrip(t, open) })
	t.Run("PutReplacesAndKeepsOwnCopy", func(t *testing.T) { testOverwrite(t, open) })
	t.Run("GetMissingIsNotFound", func(t *testing.T) { testMissing(t, open) })
	t.Run("InvalidKeysRejected", func(t *testing.T) { testInvalidKey(t, open) })
	t.Run("CanceledContext", func(t *testing.T) { testCanceled(t, open) })
	t.Run("LenCountsLiveEntries", func(t *testing.T) { testLen(t, open) })
	t.Run("StatsCountOperations", func(t *testing.T) { testStats(t, open) })
	t.Run("ConcurrentWriters", func(t *testing.T) { testConcurrent(t, open) })
	t.Run("TTL", func(t *testing.T) { testTTL(t, open, opts) })
	t.Run("Capacity", func(t *testing.T) {
		if !opts.Capacity {
			t.Skip("backend has no entry bound")
		}
		testCapacity(t, open)
	})
	t.Run("SurvivesRestart", func(t *testing.T) {
		if opts.Reopen == nil {
			t.Skip("backend keeps originals in process memory only")
		}
		testRestart(t, open, opts.Reopen)
	})
	t.Run("SharedBetweenHandles", func(t *testing.T) {
		if opts.Share == nil {
			t.Skip("backend storage is private to one handle")
		}
		testShared(t, open, opts.Share)
	})
}

var bg = context.Background()

// Payloads returns the byte strings every backend must return unchanged:
// empty, binary with NUL and invalid UTF-8, every byte value, several
// scripts and emoji, JSON, and an 8 MiB random block. The slices are shared
// between calls and must not be modified.
func Payloads() map[string][]byte { return maps.Clone(payloads()) }

var payloads = sync.OnceValue(func() map[string][]byte {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	big := make([]byte, 8<<20)
	r := rand.New(rand.NewChaCha8([32]byte{'c', 'c', 'r'}))
	for i := 0; i < len(big); i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			big[i+j] = byte(v >> (8 * j))
		}
	}
	return map[string][]byte{
		"empty":        {},
		"ascii":        []byte("hello world"),
		"nul-bytes":    []byte("a\x00b\x00\x00c"),
		"invalid-utf8": {0xff, 0xfe, 'x', 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x80},
		"all-bytes":    all,
		"unicode":      []byte("emoji 🚀✨ 中文 русский العربية e\u0301 \u2028\u2029 \ufeff"),
		"json":         []byte(`[{"id":1,"msg":"<b>&amp;</b>"},{"id":2}]`),
		"crlf-lines":   []byte("line one\r\nline two\r\n\ttabbed\n"),
		"8MiB-random":  big,
	}
})

func mustPut(t *testing.T, s ccr.Store, key string, payload []byte) {
	t.Helper()
	if err := s.Put(bg, key, payload); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

func mustGet(t *testing.T, s ccr.Store, key string, want []byte) {
	t.Helper()
	got, err := s.Get(bg, key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Get(%q) returned %d bytes that differ from the %d stored (first diff at %d)",
			key, len(got), len(want), firstDiff(got, want))
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func testRoundTrip(t *testing.T, open Opener) {
	s := open(t, Settings{})
	payloads := Payloads()
	for name, p := range payloads {
		mustPut(t, s, ccr.ComputeKey(p), p)
		_ = name
	}
	for name, p := range payloads {
		t.Run(name, func(t *testing.T) { mustGet(t, s, ccr.ComputeKey(p), p) })
	}
	// Keys are opaque to the store: non-hex keys must work as well.
	for _, key := range []string{"UPPER-and-dash", "with space", "ключ", "a:b:c", "%_*?[]"} {
		mustPut(t, s, key, []byte(key))
		mustGet(t, s, key, []byte(key))
	}
}

func testOverwrite(t *testing.T, open Opener) {
	s := open(t, Settings{})
	buf := []byte("first")
	mustPut(t, s, "k", buf)
	copy(buf, "XXXXX") // the store must have kept its own copy
	mustGet(t, s, "k", []byte("first"))
	mustPut(t, s, "k", []byte("second, longer"))
	mustGet(t, s, "k", []byte("second, longer"))
	got, _ := s.Get(bg, "k")
	if len(got) > 0 {
		got[0] = '!' // nor may a returned slice alias the stored one
	}
	mustGet(t, s, "k", []byte("second, longer"))
}

func testMissing(t *testing.T, open Opener) {
	s := open(t, Settings{})
	_, err := s.Get(bg, ccr.ComputeKey([]byte("never stored")))
	if !errors.Is(err, ccr.ErrNotFound) {
		t.Fatalf("Get of a missing key: err = %v, want ErrNotFound", err)
	}
	if errors.Is(err, ccr.ErrExpired) {
		t.Fatalf("a key that was never stored must not be reported as expired: %v", err)
	}
}

func testInvalidKey(t *testing.T, open Opener) {
	s := open(t, Settings{})
	for _, key := range []string{"", strings.Repeat("k", ccr.MaxKeyLen+1)} {
		if err := s.Put(bg, key, []byte("x")); !errors.Is(err, ccr.ErrInvalidKey) {
			t.Errorf("Put(len %d key): err = %v, want ErrInvalidKey", len(key), err)
		}
		if _, err := s.Get(bg, key); !errors.Is(err, ccr.ErrInvalidKey) {
			t.Errorf("Get(len %d key): err = %v, want ErrInvalidKey", len(key), err)
		}
	}
}

func testCanceled(t *testing.T, open Opener) {
	s := open(t, Settings{})
	mustPut(t, s, "k", []byte("v"))
	ctx, cancel := context.WithCancel(bg)
	cancel()
	if err := s.Put(ctx, "k2", []byte("v")); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with canceled context: err = %v, want context.Canceled", err)
	}
	if _, err := s.Get(ctx, "k"); !errors.Is(err, context.Canceled) {
		t.Errorf("Get with canceled context: err = %v, want context.Canceled", err)
	}
	if _, err := s.Get(bg, "k2"); !errors.Is(err, ccr.ErrNotFound) {
		t.Errorf("a Put with a canceled context must not store: Get err = %v", err)
	}
}

func testLen(t *testing.T, open Opener) {
	s := open(t, Settings{})
	if n, err := s.Len(bg); err != nil || n != 0 {
		t.Fatalf("Len of a new store = %d, %v; want 0", n, err)
	}
	for i := range 5 {
		mustPut(t, s, fmt.Sprintf("k%d", i), []byte("v"))
	}
	mustPut(t, s, "k0", []byte("again")) // replacing does not add an entry
	if n, err := s.Len(bg); err != nil || n != 5 {
		t.Fatalf("Len = %d, %v; want 5", n, err)
	}
}

func testStats(t *testing.T, open Opener) {
	s := open(t, Settings{})
	r, ok := s.(ccr.StatsReporter)
	if !ok {
		t.Skip("backend does not report stats")
	}
	before := r.Stats()
	mustPut(t, s, "a", []byte("1"))
	mustPut(t, s, "b", []byte("2"))
	mustGet(t, s, "a", []byte("1"))
	_, _ = s.Get(bg, "missing")
	after := r.Stats()
	if d := after.Puts - before.Puts; d != 2 {
		t.Errorf("Puts grew by %d, want 2", d)
	}
	if d := after.Hits - before.Hits; d != 1 {
		t.Errorf("Hits grew by %d, want 1", d)
	}
	if d := after.Misses - before.Misses; d != 1 {
		t.Errorf("Misses grew by %d, want 1", d)
	}
}

// testConcurrent runs writers and readers on one handle; under -race it also
// checks the backend's own synchronisation.
func testConcurrent(t *testing.T, open Opener) {
	s := open(t, Settings{})
	const writers, perWriter = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, writers*perWriter*2)
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				p := []byte(fmt.Sprintf("writer %d item %d", w, i))
				if err := s.Put(bg, ccr.ComputeKey(p), p); err != nil {
					errs <- err
					return
				}
				// Every writer also rewrites one shared key: same key, same bytes.
				if err := s.Put(bg, "shared", []byte("shared payload")); err != nil {
					errs <- err
					return
				}
				if _, err := s.Get(bg, "shared"); err != nil {
					errs <- fmt.Errorf("Get(shared) during writes: %w", err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for w := range writers {
		for i := range perWriter {
			p := []byte(fmt.Sprintf("writer %d item %d", w, i))
			mustGet(t, s, ccr.ComputeKey(p), p)
		}
	}
	if n, err := s.Len(bg); err != nil || n != writers*perWriter+1 {
		t.Fatalf("Len = %d, %v; want %d", n, err, writers*perWriter+1)
	}
}

// The TTL checks sleep, since a remote backend's clock cannot be stepped. The
// margins are wide so a loaded machine cannot turn them into flakes, and the
// subtests run in parallel to keep the wall time near one TTL.
const (
	shortTTL = 1500 * time.Millisecond
	margin   = 700 * time.Millisecond
)

func testTTL(t *testing.T, open Opener, opts Options) {
	t.Run("ExpiresAfterTTL", func(t *testing.T) {
		t.Parallel()
		s := open(t, Settings{TTL: shortTTL})
		mustPut(t, s, "k", []byte("v"))
		mustGet(t, s, "k", []byte("v"))
		time.Sleep(shortTTL + margin)
		_, err := s.Get(bg, "k")
		if !errors.Is(err, ccr.ErrNotFound) {
			t.Fatalf("Get after TTL: err = %v, want ErrNotFound", err)
		}
		if opts.ReportsExpired && !errors.Is(err, ccr.ErrExpired) {
			t.Fatalf("Get after TTL: err = %v, want ErrExpired", err)
		}
		if n, err := s.Len(bg); err != nil || n != 0 {
			t.Fatalf("Len after expiry = %d, %v; want 0", n, err)
		}
	})
	t.Run("GetRestartsTTL", func(t *testing.T) {
		t.Parallel()
		s := open(t, Settings{TTL: shortTTL})
		mustPut(t, s, "k", []byte("v"))
		// Two sleeps of TTL-margin add up to more than the TTL: only the Get
		// in between keeps the entry alive.
		time.Sleep(shortTTL - margin)
		mustGet(t, s, "k", []byte("v"))
		time.Sleep(shortTTL - margin)
		mustGet(t, s, "k", []byte("v"))
	})
	t.Run("PutRestartsTTL", func(t *testing.T) {
		t.Parallel()
		s := open(t, Settings{TTL: shortTTL})
		mustPut(t, s, "k", []byte("v"))
		time.Sleep(shortTTL - margin)
		mustPut(t, s, "k", []byte("v"))
		time.Sleep(shortTTL - margin)
		mustGet(t, s, "k", []byte("v"))
	})
	t.Run("ExpiredKeyCanBeStoredAgain", func(t *testing.T) {
		t.Parallel()
		s := open(t, Settings{TTL: shortTTL})
		mustPut(t, s, "k", []byte("old"))
		time.Sleep(shortTTL + margin)
		mustPut(t, s, "k", []byte("new"))
		mustGet(t, s, "k", []byte("new"))
	})
}

func testCapacity(t *testing.T, open Opener) {
	s := open(t, Settings{Capacity: 3})
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		mustPut(t, s, k, []byte(k))
	}
	for _, k := range []string{"a", "b"} {
		if _, err := s.Get(bg, k); !errors.Is(err, ccr.ErrNotFound) {
			t.Errorf("Get(%q) after eviction: err = %v, want ErrNotFound", k, err)
		}
	}
	for _, k := range []string{"c", "d", "e"} {
		mustGet(t, s, k, []byte(k))
	}
	if n, err := s.Len(bg); err != nil || n != 3 {
		t.Fatalf("Len = %d, %v; want 3", n, err)
	}
}

func testRestart(t *testing.T, open Opener, reopen func(*testing.T, ccr.Store) ccr.Store) {
	s := open(t, Settings{})
	payloads := Payloads()
	for _, p := range payloads {
		mustPut(t, s, ccr.ComputeKey(p), p)
	}
	s2 := reopen(t, s)
	for name, p := range payloads {
		t.Run(name, func(t *testing.T) { mustGet(t, s2, ccr.ComputeKey(p), p) })
	}
	if n, err := s2.Len(bg); err != nil || n != len(payloads) {
		t.Fatalf("Len after restart = %d, %v; want %d", n, err, len(payloads))
	}
}

func testShared(t *testing.T, open Opener, share func(*testing.T, ccr.Store) ccr.Store) {
	a := open(t, Settings{})
	b := share(t, a)
	mustPut(t, a, "from-a", []byte("written by a"))
	mustGet(t, b, "from-a", []byte("written by a"))
	mustPut(t, b, "from-b", []byte("written by b"))
	mustGet(t, a, "from-b", []byte("written by b"))

	// Both handles write at once; each then reads everything the other wrote.
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for i, st := range []ccr.Store{a, b} {
		wg.Go(func() {
			for j := range n {
				if err := st.Put(bg, fmt.Sprintf("h%d-%d", i, j), []byte(fmt.Sprint(i, j))); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i, st := range []ccr.Store{b, a} {
		for j := range n {
			mustGet(t, st, fmt.Sprintf("h%d-%d", i, j), []byte(fmt.Sprint(i, j)))
		}
	}
	if c, ok := a.(io.Closer); ok {
		// Closing one handle must not disturb the other.
		if err := c.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		mustGet(t, b, "from-a", []byte("written by a"))
	}
}
