// Package ccr defines the compress–cache–retrieve contract: lossy transforms
// store the original bytes under a key, the prompt carries a marker naming that
// key, and the model (or an operator) can ask for the original back.
//
// The backends live in their own packages (memstore, sqlitestore, redisstore)
// so that a library user pulls in a database driver only when they choose it.
package ccr

import (
	"context"
	"errors"
	"time"
)

// DefaultTTL is how long an original stays retrievable when the caller does
// not configure a TTL. Users of the reference lost originals to short TTLs, so
// the default matches its production value rather than its stale docs.
const DefaultTTL = 1800 * time.Second

// DefaultCapacity bounds the in-memory backend when no capacity is configured.
const DefaultCapacity = 1000

// ErrNotFound is returned by Get when the key is unknown or has expired.
var ErrNotFound = errors.New("ccr: key not found or expired")

// Store keeps originals under their keys. Implementations are safe for
// concurrent use by many goroutines.
//
// Every entry lives for the store's TTL, counted from its last Put or
// successful Get: an original the model keeps coming back to stays
// retrievable, while an abandoned one ages out. Keys must pass ValidateKey.
type Store interface {
	// Put stores payload under key, replacing any earlier value; the same key
	// always names the same content, so a repeated Put is harmless. The store
	// keeps its own copy: the caller may reuse payload after Put returns.
	Put(ctx context.Context, key string, payload []byte) error
	// Get returns the payload stored under key, or an error wrapping
	// ErrNotFound when it is missing or expired (ErrExpired when the backend
	// can tell). The caller owns the returned slice.
	Get(ctx context.Context, key string) ([]byte, error)
	// Len reports how many live entries the store holds. It is informational
	// (telemetry, tests); backends that cannot count cheaply document it.
	Len(ctx context.Context) (int, error)
}

// Marker returns the compact retrieval marker for key, "<<ccr:KEY>>", the form
// the live-zone dispatcher appends to compressed blocks.
func Marker(key string) string { return "<<ccr:" + key + ">>" }
