package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/memstore"
)

// fakeClock is a manually stepped time source.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newClocked(capacity int, ttl time.Duration) (*memstore.Store, *fakeClock) {
	s := memstore.New(capacity, ttl)
	c := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	memstore.SetClock(s, c.Now)
	return s, c
}

func mustPut(t *testing.T, s ccr.Store, key, val string) {
	t.Helper()
	if err := s.Put(context.Background(), key, []byte(val)); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

func present(s ccr.Store, key string) bool {
	_, err := s.Get(context.Background(), key)
	return err == nil
}

func TestCapacityEvictsFirstInserted(t *testing.T) {
	s, _ := newClocked(2, time.Hour)
	mustPut(t, s, "a", "1")
	mustPut(t, s, "b", "2")
	mustPut(t, s, "c", "3")
	if present(s, "a") || !present(s, "b") || !present(s, "c") {
		t.Fatal("want a evicted, b and c kept")
	}
	if n, _ := s.Len(context.Background()); n != 2 {
		t.Fatalf("Len = %d, want 2", n)
	}
	if st := s.Stats(); st.Evictions != 1 {
		t.Fatalf("Evictions = %d, want 1", st.Evictions)
	}
}

func TestRePutKeepsEvictionOrder(t *testing.T) {
	s, _ := newClocked(2, time.Hour)
	mustPut(t, s, "a", "1")
	mustPut(t, s, "b", "2")
	mustPut(t, s, "a", "1 again") // refreshes a, but a stays first in line
	mustPut(t, s, "c", "3")
	if present(s, "a") {
		t.Fatal("a was re-put but must still be evicted first")
	}
	if !present(s, "b") || !present(s, "c") {
		t.Fatal("b and c must survive")
	}
}

func TestExpiryBoundaryAndSlidingRefresh(t *testing.T) {
	s, clk := newClocked(10, time.Minute)
	mustPut(t, s, "k", "v")
	clk.Advance(time.Minute) // exactly ttl elapsed: still live
	if !present(s, "k") {
		t.Fatal("entry must be live when exactly ttl has elapsed")
	}
	clk.Advance(59 * time.Second) // 59s after the Get that refreshed it
	if !present(s, "k") {
		t.Fatal("a Get must restart the TTL")
	}
	clk.Advance(time.Minute + time.Nanosecond)
	_, err := s.Get(context.Background(), "k")
	if !errors.Is(err, ccr.ErrExpired) || !errors.Is(err, ccr.ErrNotFound) {
		t.Fatalf("Get after ttl: err = %v, want ErrExpired", err)
	}
	// The expired entry is gone now: a second Get is a plain miss.
	if _, err := s.Get(context.Background(), "k"); errors.Is(err, ccr.ErrExpired) || !errors.Is(err, ccr.ErrNotFound) {
		t.Fatalf("second Get: err = %v, want plain ErrNotFound", err)
	}
	st := s.Stats()
	if st.Expired != 1 || st.Misses != 2 || st.Hits != 2 || st.Puts != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestLenSweepsExpiredEntries(t *testing.T) {
	s, clk := newClocked(10, time.Second)
	mustPut(t, s, "a", "1")
	clk.Advance(2 * time.Second)
	mustPut(t, s, "b", "2")
	if n, err := s.Len(context.Background()); err != nil || n != 1 {
		t.Fatalf("Len = %d, %v; want 1", n, err)
	}
	if st := s.Stats(); st.Expired != 1 {
		t.Fatalf("Expired = %d, want 1", st.Expired)
	}
}

// A key that expired and was stored again gets a new place in the queue; the
// stale slot of its first life must not evict the new entry early.
func TestStaleQueueSlotDoesNotEvictReinsertedKey(t *testing.T) {
	s, clk := newClocked(2, time.Second)
	mustPut(t, s, "a", "1")
	clk.Advance(2 * time.Second)
	if present(s, "a") {
		t.Fatal("a should have expired")
	}
	mustPut(t, s, "b", "2")
	mustPut(t, s, "a", "1 again") // a now younger than b
	mustPut(t, s, "c", "3")       // full: b is the oldest live entry
	if present(s, "b") {
		t.Fatal("b should be evicted")
	}
	if !present(s, "a") || !present(s, "c") {
		t.Fatal("a (re-inserted) and c must survive")
	}
}

func TestQueueStaysBoundedUnderChurn(t *testing.T) {
	s, clk := newClocked(8, time.Second)
	for i := range 10_000 {
		mustPut(t, s, fmt.Sprintf("k%d", i%50), "v")
		if i%3 == 0 {
			clk.Advance(2 * time.Second) // expire everything now and then
			present(s, fmt.Sprintf("k%d", i%50))
		}
	}
	if n := memstore.FIFOLen(s); n > 2*8+64 {
		t.Fatalf("FIFO holds %d slots for capacity 8", n)
	}
}

func TestZeroValuesMeanDefaults(t *testing.T) {
	s, clk := newClocked(0, 0)
	for i := range ccr.DefaultCapacity + 1 {
		mustPut(t, s, fmt.Sprintf("k%d", i), "v")
	}
	if n, _ := s.Len(context.Background()); n != ccr.DefaultCapacity {
		t.Fatalf("Len = %d, want default capacity %d", n, ccr.DefaultCapacity)
	}
	clk.Advance(ccr.DefaultTTL)
	if !present(s, "k1") {
		t.Fatal("entry must live for the default TTL")
	}
	clk.Advance(ccr.DefaultTTL + time.Second)
	if present(s, "k1") {
		t.Fatal("entry must expire after the default TTL")
	}
}

func TestPutAndGetCopyPayload(t *testing.T) {
	s := memstore.New(4, time.Hour)
	buf := []byte("original")
	if err := s.Put(context.Background(), "k", buf); err != nil {
		t.Fatal(err)
	}
	buf[0] = 'X'
	got, err := s.Get(context.Background(), "k")
	if err != nil || string(got) != "original" {
		t.Fatalf("Get = %q, %v; caller's later write leaked into the store", got, err)
	}
	got[0] = 'Y'
	again, _ := s.Get(context.Background(), "k")
	if string(again) != "original" {
		t.Fatalf("Get = %q; mutating a returned slice changed the store", again)
	}
}

func TestCanceledContextIsReported(t *testing.T) {
	s := memstore.New(4, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Put(ctx, "k", nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put: %v", err)
	}
	if _, err := s.Get(ctx, "k"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get: %v", err)
	}
}
