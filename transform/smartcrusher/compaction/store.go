package compaction

import (
	"context"
	"fmt"

	"github.com/headroom-go/headroom/ccr"
)

// StoreRefs puts the payload of every opaque reference in c into store
// under its Hash, so each rendered marker resolves to the original bytes.
// A payload that appears several times is put once. It stops at the first
// failure and returns it wrapped with the key; callers must then not show
// the rendered markers, since they would promise data the store lacks.
func StoreRefs(ctx context.Context, store ccr.Store, c *Compaction) error {
	var done map[string]struct{}
	for r := range c.Refs() {
		if _, ok := done[r.Hash]; ok {
			continue
		}
		if err := store.Put(ctx, r.Hash, []byte(r.Payload)); err != nil {
			return fmt.Errorf("compaction: store opaque payload %s: %w", r.Hash, err)
		}
		if done == nil {
			done = make(map[string]struct{})
		}
		done[r.Hash] = struct{}{}
	}
	return nil
}
