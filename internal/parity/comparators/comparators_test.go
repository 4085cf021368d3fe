package comparators

import (
	"testing"

	"github.com/headroom-go/headroom/internal/parity"
)

// TestParity replays every fixture directory: a registered comparator must
// match all its fixtures (run one with -run 'TestParity/<name>$'); a
// directory whose transform is not ported yet is reported as skipped.
func TestParity(t *testing.T) {
	for _, c := range All() {
		t.Run(c.Name(), func(t *testing.T) {
			if !Registered(c.Name()) {
				t.Skipf("%s: %v", c.Name(), ErrNotPorted)
			}
			parity.Run(t, c)
		})
	}
}

func TestAllFollowsNamesOrder(t *testing.T) {
	all := All()
	if len(all) != len(Names) {
		t.Fatalf("All() returned %d comparators, want %d", len(all), len(Names))
	}
	for i, c := range all {
		if c.Name() != Names[i] {
			t.Errorf("All()[%d] = %q, want %q", i, c.Name(), Names[i])
		}
	}
}

func TestUnportedComparatorRefusesToRun(t *testing.T) {
	for _, c := range All() {
		if Registered(c.Name()) {
			continue
		}
		if out, err := c.Run([]byte(`""`), []byte(`{}`)); err == nil {
			t.Errorf("%s: placeholder returned %q and no error", c.Name(), out)
		}
	}
}
