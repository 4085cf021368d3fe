package smartcrusher

import (
	"github.com/headroom-go/headroom/internal/pycompat"
	"github.com/headroom-go/headroom/transform/adaptive"
)

// optimalK sizes items (renderings of the candidates in importance order)
// with the shared adaptive sizer. maxK <= 0 means no cap beyond
// len(items): the reference passes `max_items_after_crush or None`, and
// None is not the same as a cap of 0 (which would cap the few-cluster
// answer at 0), so MaxItemsAfterCrush 0 must become len(items) here.
func optimalK(items []string, bias float64, minK, maxK int) int {
	if maxK <= 0 {
		maxK = len(items)
	}
	return adaptive.OptimalK(items, bias, minK, maxK)
}

// truncUint is Rust's `f as usize` (see pycompat.AsUsize).
func truncUint(x float64) int { return pycompat.AsUsize(x) }
