package smartcrusher

import (
	"fmt"
	"testing"

	"github.com/headroom-go/headroom/transform/adaptive"
)

// MaxItemsAfterCrush 0 is the reference's None: no cap, which differs from
// the shared sizer's cap of 0 when the items form few clusters.
func TestOptimalKTreatsZeroCapAsNone(t *testing.T) {
	same := make([]string, 10)
	for i := range same {
		same[i] = "abc"
	}
	if got := optimalK(same, 1, 3, 0); got != 3 {
		t.Errorf("identical items, no cap: %d, want minK 3", got)
	}
	if got := adaptive.OptimalK(same, 1, 3, 0); got != 0 {
		t.Errorf("identical items, shared sizer with cap 0: %d, want 0", got)
	}
	unique := make([]string, 20)
	for i := range unique {
		unique[i] = fmt.Sprintf("unique item number %d with some long content", i)
	}
	if got := optimalK(unique, 1, 3, 0); got != 20 {
		t.Errorf("all unique, no cap: %d, want 20", got)
	}
	if got := optimalK(unique, 1, 3, 10); got != 10 {
		t.Errorf("all unique, cap 10: %d, want 10", got)
	}
}
