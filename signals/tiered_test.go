package signals

import "testing"

// fixedTier always returns the same signal and counts how often it was asked,
// so the tests can see which tiers Tiered consulted.
type fixedTier struct {
	sig   Signal
	calls int
}

func (f *fixedTier) Score(string, Context) Signal { f.calls++; return f.sig }

func TestTieredConfidentTierShortCircuits(t *testing.T) {
	first := &fixedTier{sig: Signal{Category: Security, Priority: 0.99, Confidence: 0.95}}
	last := &fixedTier{}
	stack := Tiered{first, DefaultKeywordDetector(), last}
	got := stack.Score("ERROR: connection refused", Diff)
	if got != first.sig {
		t.Fatalf("got %+v, want the first tier's %+v", got, first.sig)
	}
	if last.calls != 0 {
		t.Errorf("a tier after a confident one was consulted %d times", last.calls)
	}
}

func TestTieredThresholdIsInclusive(t *testing.T) {
	atThreshold := &fixedTier{sig: Signal{Category: Warning, Priority: 0.1, Confidence: 0.7}}
	later := &fixedTier{sig: Signal{Category: Error, Priority: 1, Confidence: 1}}
	got := Tiered{atThreshold, later}.Score("x", Log)
	if got != atThreshold.sig || later.calls != 0 {
		t.Errorf("confidence equal to the threshold must win: got %+v, later calls %d", got, later.calls)
	}
}

func TestTieredUnsureTierFallsThroughToKeywords(t *testing.T) {
	unsure := &fixedTier{sig: Signal{Category: Importance, Priority: 0.4, Confidence: 0.5}}
	got := Tiered{unsure, DefaultKeywordDetector()}.Score("ERROR: connection refused", Diff)
	if got.Category != Error || got.Confidence != 0.7 {
		t.Errorf("got %+v, want the keyword tier's Error signal", got)
	}
}

func TestTieredReturnsMostConfidentWhenNoneIsSure(t *testing.T) {
	low := &fixedTier{sig: Signal{Category: Importance, Priority: 0.4, Confidence: 0.3}}
	mid := &fixedTier{sig: Signal{Category: Warning, Priority: 0.2, Confidence: 0.5}}
	tie := &fixedTier{sig: Signal{Category: Error, Priority: 0.9, Confidence: 0.5}}
	got := Tiered{low, mid, DefaultKeywordDetector(), tie}.Score("the quick brown fox", Text)
	if got != mid.sig {
		t.Errorf("got %+v, want the earliest most confident signal %+v", got, mid.sig)
	}
	if low.calls != 1 || mid.calls != 1 || tie.calls != 1 {
		t.Errorf("every tier must be asked once when none is sure: %d %d %d", low.calls, mid.calls, tie.calls)
	}
}

func TestTieredZeroConfidenceIsNeutral(t *testing.T) {
	// A tier that names a category with no confidence says nothing.
	vague := &fixedTier{sig: Signal{Category: Error, Priority: 0.9}}
	if got := (Tiered{vague}).Score("x", Log); got != (Signal{}) {
		t.Errorf("got %+v, want neutral", got)
	}
	if got := (Tiered{}).Score("ERROR", Log); got != (Signal{}) {
		t.Errorf("empty stack: got %+v, want neutral", got)
	}
	if got := Tiered(nil).Score("ERROR", Log); got != (Signal{}) {
		t.Errorf("nil stack: got %+v, want neutral", got)
	}
}

func TestTieredNests(t *testing.T) {
	inner := Tiered{&fixedTier{sig: Signal{Category: Warning, Priority: 0.3, Confidence: 0.4}}}
	got := Tiered{inner, DefaultKeywordDetector()}.Score("fatal", Log)
	if got.Category != Error {
		t.Errorf("got %+v, want the keyword tier to win over an unsure nested stack", got)
	}
}

func TestDefaultIsTheKeywordTierOnly(t *testing.T) {
	stack := Default()
	if len(stack) != 1 {
		t.Fatalf("Default has %d tiers, want exactly the keyword tier", len(stack))
	}
	if _, ok := stack[0].(*KeywordDetector); !ok {
		t.Fatalf("Default tier is %T, want *KeywordDetector", stack[0])
	}
	kd := DefaultKeywordDetector()
	for _, line := range []string{"ERROR x", "missing auth", "# h", "note", "plain", ""} {
		for _, ctx := range []Context{Text, Search, Diff, Log} {
			if a, b := stack.Score(line, ctx), kd.Score(line, ctx); a != b {
				t.Errorf("Default().Score(%q, %v) = %+v, keyword tier says %+v", line, ctx, a, b)
			}
		}
	}
}
