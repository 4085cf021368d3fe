// Package memstore is the in-process ccr.Store: a bounded map with FIFO
// eviction and a TTL. It suits tests and a single proxy process; originals do
// not survive a restart and are not shared with other processes.
package memstore

import (
	"context"
	"sync"
	"time"

	"github.com/headroom-go/headroom/ccr"
)

// Store is a bounded in-memory ccr.Store. Eviction order is first-insertion
// order: re-putting a key refreshes its payload and TTL but does not move it
// to the back of the queue, matching the reference's in-memory backend.
// Expiry is lazy (checked on Get and Len) and never blocks other callers for
// long: every operation holds one mutex for O(1) work, except Len, which
// sweeps expired entries.
type Store struct {
	capacity int
	ttl      time.Duration
	now      func() time.Time // replaced in tests through export_test.go
	stats    ccr.Stats

	mu      sync.Mutex
	entries map[string]*entry
	// fifo holds keys in first-insertion order. A slot is stale when its key
	// was deleted (expired) or deleted and inserted again: seq tells the
	// live insertion apart from the dead one.
	fifo    []slot
	head    int
	nextSeq uint64
}

type entry struct {
	payload []byte
	touched time.Time // last Put or successful Get
	seq     uint64
}

type slot struct {
	key string
	seq uint64
}

var (
	_ ccr.Store         = (*Store)(nil)
	_ ccr.StatsReporter = (*Store)(nil)
)

// New returns an empty store holding at most capacity entries, each live for
// ttl after its last Put or successful Get. A capacity or ttl of zero or less
// means ccr.DefaultCapacity or ccr.DefaultTTL.
func New(capacity int, ttl time.Duration) *Store {
	if capacity <= 0 {
		capacity = ccr.DefaultCapacity
	}
	if ttl <= 0 {
		ttl = ccr.DefaultTTL
	}
	return &Store{
		capacity: capacity,
		ttl:      ttl,
		now:      time.Now,
		entries:  make(map[string]*entry, min(capacity, 1024)),
	}
}

// Put stores a copy of payload under key, evicting the oldest entries first
// when the store is full.
func (s *Store) Put(ctx context.Context, key string, payload []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ccr.ValidateKey(key); err != nil {
		return err
	}
	// Copy outside the lock: large originals must not stall other callers.
	own := make([]byte, len(payload))
	copy(own, payload)
	now := s.now()

	s.mu.Lock()
	if e, ok := s.entries[key]; ok {
		e.payload = own
		e.touched = now
		s.mu.Unlock()
		s.stats.RecordPut()
		return nil
	}
	evicted := 0
	for len(s.entries) >= s.capacity {
		if !s.evictOldestLocked() {
			break
		}
		evicted++
	}
	s.nextSeq++
	s.entries[key] = &entry{payload: own, touched: now, seq: s.nextSeq}
	s.fifo = append(s.fifo, slot{key: key, seq: s.nextSeq})
	s.compactLocked()
	s.mu.Unlock()

	s.stats.RecordEvicted(evicted)
	s.stats.RecordPut()
	return nil
}

// Get returns a copy of the payload under key and restarts its TTL.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := ccr.ValidateKey(key); err != nil {
		return nil, err
	}
	now := s.now()

	s.mu.Lock()
	e, ok := s.entries[key]
	if !ok {
		s.mu.Unlock()
		s.stats.RecordMiss()
		return nil, ccr.ErrNotFound
	}
	if s.expired(e, now) {
		delete(s.entries, key)
		s.mu.Unlock()
		s.stats.RecordExpired(1)
		s.stats.RecordMiss()
		return nil, ccr.ErrExpired
	}
	e.touched = now
	payload := e.payload
	s.mu.Unlock()

	s.stats.RecordHit()
	// The stored slice is never written after Put, so copying it outside the
	// lock is safe even if a concurrent Put replaces the entry.
	out := make([]byte, len(payload))
	copy(out, payload)
	return out, nil
}

// Len drops expired entries and reports how many remain.
func (s *Store) Len(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now := s.now()
	s.mu.Lock()
	dropped := 0
	for k, e := range s.entries {
		if s.expired(e, now) {
			delete(s.entries, k)
			dropped++
		}
	}
	s.compactLocked()
	n := len(s.entries)
	s.mu.Unlock()
	s.stats.RecordExpired(dropped)
	return n, nil
}

// Stats returns the store's operation counters.
func (s *Store) Stats() ccr.StatsSnapshot { return s.stats.Snapshot() }

// Close does nothing; it lets callers close every backend the same way.
func (s *Store) Close() error { return nil }

// expired uses the reference's boundary: an entry is live while no more than
// ttl has elapsed since it was touched.
func (s *Store) expired(e *entry, now time.Time) bool {
	return now.Sub(e.touched) > s.ttl
}

// evictOldestLocked removes the entry at the front of the FIFO, skipping
// stale slots. It reports false when the queue held no live entry.
func (s *Store) evictOldestLocked() bool {
	for s.head < len(s.fifo) {
		sl := s.fifo[s.head]
		s.fifo[s.head] = slot{}
		s.head++
		if e, ok := s.entries[sl.key]; ok && e.seq == sl.seq {
			delete(s.entries, sl.key)
			return true
		}
	}
	return false
}

// compactLocked keeps the FIFO proportional to the number of live entries:
// stale slots from expired keys and the consumed prefix would otherwise grow
// without bound under churn.
func (s *Store) compactLocked() {
	live := len(s.fifo) - s.head
	if live <= 2*len(s.entries)+64 && s.head <= len(s.fifo)/2 {
		return
	}
	kept := make([]slot, 0, len(s.entries)+len(s.entries)/4+1)
	for _, sl := range s.fifo[s.head:] {
		if e, ok := s.entries[sl.key]; ok && e.seq == sl.seq {
			kept = append(kept, sl)
		}
	}
	s.fifo = kept
	s.head = 0
}
