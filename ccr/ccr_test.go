package ccr_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/ccr"
)

// The vectors are the reference's pinned compute_key values (spec §1.2), so a
// key made here resolves markers the reference produced and vice versa.
func TestComputeKeyMatchesReferenceVectors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"hello world", "d74981efa70a0c880b8d8c19"},
		{"hello", "ea8f163db38682925e4491c5"},
		{"", "af1349b9f5f9a1a6a0404dea"},
		{`[{"id":1},{"id":2},{"id":3}]`, "51fb891b755a843fa255546e"},
	} {
		if got := ccr.ComputeKey([]byte(tc.in)); got != tc.want {
			t.Errorf("ComputeKey(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestMarkerWrapsKey(t *testing.T) {
	if got := ccr.Marker("abc123"); got != "<<ccr:abc123>>" {
		t.Fatalf("Marker = %q", got)
	}
}

func TestErrExpiredIsNotFound(t *testing.T) {
	if !errors.Is(ccr.ErrExpired, ccr.ErrNotFound) {
		t.Fatal("ErrExpired does not match ErrNotFound")
	}
	if errors.Is(ccr.ErrNotFound, ccr.ErrExpired) {
		t.Fatal("ErrNotFound must not match ErrExpired: a plain miss is not an expiry")
	}
}

func TestValidateKeyRejectsEmptyAndOversized(t *testing.T) {
	if err := ccr.ValidateKey(""); !errors.Is(err, ccr.ErrInvalidKey) {
		t.Errorf("empty key: %v", err)
	}
	if err := ccr.ValidateKey(strings.Repeat("a", ccr.MaxKeyLen+1)); !errors.Is(err, ccr.ErrInvalidKey) {
		t.Errorf("oversized key: %v", err)
	}
	if err := ccr.ValidateKey(strings.Repeat("a", ccr.MaxKeyLen)); err != nil {
		t.Errorf("key at the limit: %v", err)
	}
}

func TestStatsCountsAndNilIsInert(t *testing.T) {
	var s ccr.Stats
	s.RecordPut()
	s.RecordHit()
	s.RecordHit()
	s.RecordMiss()
	s.RecordExpired(3)
	s.RecordEvicted(2)
	s.RecordEvicted(0)
	want := ccr.StatsSnapshot{Puts: 1, Hits: 2, Misses: 1, Expired: 3, Evictions: 2}
	if got := s.Snapshot(); got != want {
		t.Fatalf("Snapshot = %+v, want %+v", got, want)
	}
	var nilStats *ccr.Stats
	nilStats.RecordPut()
	if got := nilStats.Snapshot(); got != (ccr.StatsSnapshot{}) {
		t.Fatalf("nil Stats snapshot = %+v", got)
	}
}

// The MD5 scheme must give the values Python's hashlib.md5(s).hexdigest()[:24]
// gives (reference-ccr-signals-tokenizer.md §1.3), or markers recorded by the
// reference would stop resolving.
func TestMD5KeyVectors(t *testing.T) {
	for in, want := range map[string]string{
		"hello": "5d41402abc4b2a76b9719d91",
		"":      "d41d8cd98f00b204e9800998",
	} {
		if got := ccr.MD5Key([]byte(in)); got != want {
			t.Errorf("MD5Key(%q) = %s, want %s", in, got, want)
		}
	}
}
