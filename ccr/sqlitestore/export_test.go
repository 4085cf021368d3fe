package sqlitestore

import "time"

// SetClock replaces the store's time source so tests can step time.
func SetClock(s *Store, now func() time.Time) { s.now = now }

// RowCount counts rows including expired ones not yet swept.
func RowCount(s *Store) (int, error) {
	var n int
	err := s.db.QueryRow(`SELECT count(*) FROM ccr_originals`).Scan(&n)
	return n, err
}
