package ccr

import "sync/atomic"

// Stats counts what a store did, for the proxy's metrics. The zero value is
// ready to use and every method is safe for concurrent use; methods on a nil
// *Stats do nothing, so a backend may leave counting off.
//
// Counters are cumulative for the life of the store handle, so they describe
// this process's view even when several processes share one backend.
type Stats struct {
	puts      atomic.Uint64
	hits      atomic.Uint64
	misses    atomic.Uint64
	expired   atomic.Uint64
	evictions atomic.Uint64
}

// StatsSnapshot is a point-in-time copy of Stats.
type StatsSnapshot struct {
	Puts      uint64 // successful Put calls
	Hits      uint64 // Get calls that returned a payload
	Misses    uint64 // Get calls that returned ErrNotFound, expired or not
	Expired   uint64 // entries this handle saw dropped because their TTL had passed
	Evictions uint64 // entries dropped to stay within capacity
}

// StatsReporter is implemented by stores that count their operations.
type StatsReporter interface {
	// Stats returns the store's counters so far.
	Stats() StatsSnapshot
}

// RecordPut counts one successful Put.
func (s *Stats) RecordPut() {
	if s != nil {
		s.puts.Add(1)
	}
}

// RecordHit counts one Get that found its entry.
func (s *Stats) RecordHit() {
	if s != nil {
		s.hits.Add(1)
	}
}

// RecordMiss counts one Get that returned ErrNotFound.
func (s *Stats) RecordMiss() {
	if s != nil {
		s.misses.Add(1)
	}
}

// RecordExpired counts n entries dropped because their TTL passed.
func (s *Stats) RecordExpired(n int) {
	if s != nil && n > 0 {
		s.expired.Add(uint64(n))
	}
}

// RecordEvicted counts n entries dropped to stay within capacity.
func (s *Stats) RecordEvicted(n int) {
	if s != nil && n > 0 {
		s.evictions.Add(uint64(n))
	}
}

// Snapshot returns the current counter values. Each counter is read
// atomically; the set is not one atomic cut, which metrics do not need.
func (s *Stats) Snapshot() StatsSnapshot {
	if s == nil {
		return StatsSnapshot{}
	}
	return StatsSnapshot{
		Puts:      s.puts.Load(),
		Hits:      s.hits.Load(),
		Misses:    s.misses.Load(),
		Expired:   s.expired.Load(),
		Evictions: s.evictions.Load(),
	}
}
