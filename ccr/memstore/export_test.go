package memstore

import "time"

// SetClock replaces the store's time source so tests can step time instead of
// sleeping.
func SetClock(s *Store, now func() time.Time) { s.now = now }

// FIFOLen reports the eviction queue's length, consumed prefix excluded.
func FIFOLen(s *Store) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.fifo) - s.head
}
