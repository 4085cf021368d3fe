package ccr

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"

	"lukechampine.com/blake3"
)

// KeyLen is the length in hex characters of the keys ComputeKey returns:
// 96 bits of BLAKE3, enough that accidental collisions among the originals
// one deployment keeps alive are not a practical concern.
const KeyLen = 24

// MaxKeyLen bounds the keys a Store accepts. Keys are short hex strings in
// practice; the bound keeps a malformed caller from using the key as a payload.
const MaxKeyLen = 256

// ErrExpired is returned by Get when the backend still knew the entry but its
// TTL had passed. It matches ErrNotFound under errors.Is, so callers that do
// not care about the difference need not check for it; callers that explain
// a miss to a model or an operator can say "expired" instead of "unknown".
var ErrExpired error = expiredError{}

type expiredError struct{}

func (expiredError) Error() string        { return "ccr: key expired" }
func (expiredError) Is(target error) bool { return target == ErrNotFound }

// ErrInvalidKey is wrapped by Put and Get errors for an empty or oversized key.
var ErrInvalidKey = errors.New("ccr: invalid key")

// ComputeKey returns the content key of payload: the first KeyLen lowercase
// hex characters of its BLAKE3-256 digest. The key depends only on the bytes,
// never on the backend, so a store can be swapped without changing markers.
func ComputeKey(payload []byte) string {
	sum := blake3.Sum256(payload)
	var dst [KeyLen]byte
	hex.Encode(dst[:], sum[:KeyLen/2])
	return string(dst[:])
}

// MD5Key returns the key the reference's diff, log and search compressors
// and the pipeline's offloads put originals under (their markers read
// "hash=KEY"): the first KeyLen lowercase hex characters of the MD5 digest.
// The scheme is kept for parity with recorded outputs; new producers use
// ComputeKey.
func MD5Key(payload []byte) string {
	sum := md5.Sum(payload)
	var dst [KeyLen]byte
	hex.Encode(dst[:], sum[:KeyLen/2])
	return string(dst[:])
}

// ValidateKey reports whether key is acceptable to a Store: non-empty and at
// most MaxKeyLen bytes. Backends call it so every one rejects the same keys.
func ValidateKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	}
	if len(key) > MaxKeyLen {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrInvalidKey, len(key), MaxKeyLen)
	}
	return nil
}
