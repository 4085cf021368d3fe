package parity

import (
	"fmt"
	"os"
	"testing"
)

// Run replays every fixture of c as a subtest of t (when t is a *testing.T)
// named after the fixture file. A Diff fails the subtest with the fixture
// path and the first differing JSON path; a Skipped fixture skips its subtest
// with the comparator's reason.
//
// The fixture root is $HEADROOM_PARITY_FIXTURES, else ../shared/parity/fixtures
// relative to the module root. When it does not exist, Run skips t and says
// where it looked, unless $HEADROOM_REQUIRE_PARITY is "1", which makes that
// a failure. A root that exists but has no fixtures for c always fails: a
// parity test must never pass without comparing anything.
func Run(t testing.TB, c Comparator) {
	t.Helper()
	loc, err := resolveTestDir()
	if err != nil {
		t.Fatal(err)
	}
	found, err := checkRoot(loc.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if !found {
		msg := fmt.Sprintf("parity fixtures not found: looked in %s; set $%s to the fixture root", loc, EnvFixtures)
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("%s ($%s=1 requires them)", msg, EnvRequire)
		}
		t.Skip(msg)
	}
	fixtures, err := Load(loc.Dir, c.Name())
	if err != nil {
		t.Fatal(err)
	}
	if len(fixtures) == 0 {
		t.Fatalf("parity: no *.json fixtures for %s under %s", c.Name(), loc)
	}
	if tt, ok := t.(*testing.T); ok {
		for i := range fixtures {
			f := &fixtures[i]
			tt.Run(f.Name(), func(st *testing.T) {
				st.Helper()
				o := CompareFixture(c, f)
				switch o.Status {
				case Diff:
					st.Errorf("%s: %s", f.Path, o.Difference)
				case Skipped:
					st.Skip(o.Reason)
				}
			})
		}
		return
	}
	// Other testing.TB implementations cannot run subtests: replay inline
	// and skip at the end only if nothing failed.
	skipped := 0
	for i := range fixtures {
		f := &fixtures[i]
		o := CompareFixture(c, f)
		switch o.Status {
		case Diff:
			t.Errorf("%s: %s", f.Path, o.Difference)
		case Skipped:
			skipped++
			t.Logf("%s: skipped: %s", f.Path, o.Reason)
		}
	}
	if skipped > 0 && !t.Failed() {
		t.Skipf("%d of %d %s fixtures skipped", skipped, len(fixtures), c.Name())
	}
}
