// Package offload holds the pipeline's CCR steps: transforms that drop
// bytes from a tool output after storing the text they were given in a CCR
// store, and end their output with a marker naming the key it is stored
// under.
//
//   - JSON wraps SmartCrusher for JSON arrays of rows.
//   - Log wraps LogCompressor for build and test output.
//   - Diff wraps DiffCompressor for unified diffs.
//   - DiffNoise drops lockfile and whitespace-only hunks from diffs.
//
// Each carries a cheap, structural bloat estimate the pipeline uses to
// decide whether running it is worth a retrieval round trip. All implement
// transform.Offloader, are built once with their store, and are safe for
// concurrent use.
package offload

import (
	"context"
	"errors"
	"fmt"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/transform"
)

// errNoStore is returned by every constructor given a nil store: an
// offload without a store would emit markers that resolve nowhere.
var errNoStore = errors.New("a CCR store is required")

// put stores content under key, classifying a failure as Internal.
func put(ctx context.Context, store ccr.Store, name, key, content string) error {
	if err := store.Put(ctx, key, []byte(content)); err != nil {
		return transform.Fail(name, fmt.Errorf("store original under %s: %w", key, err))
	}
	return nil
}

// clamp01 limits a score to [0, 1]; NaN becomes 0.
func clamp01(x float32) float32 {
	if !(x > 0) {
		return 0
	}
	if x > 1 {
		return 1
	}
	return x
}

// finite32 reports whether x is neither NaN nor infinite.
func finite32(x float32) bool {
	return x == x && x-x == 0
}
