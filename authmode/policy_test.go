package authmode

import (
	"math"
	"testing"
)

func TestPolicyTable(t *testing.T) {
	tests := []struct {
		mode Mode
		want Policy
	}{
		{Payg, Policy{LiveZoneOnly: false, CacheAlignerEnabled: true, VolatileTokenThreshold: 128, MaxLossyRatio: 0.45, TOINReadOnly: false}},
		{OAuth, Policy{LiveZoneOnly: false, CacheAlignerEnabled: true, VolatileTokenThreshold: 128, MaxLossyRatio: 0.45, TOINReadOnly: false}},
		{Subscription, Policy{LiveZoneOnly: true, CacheAlignerEnabled: false, VolatileTokenThreshold: 32, MaxLossyRatio: 0.25, TOINReadOnly: true}},
	}
	for _, tc := range tests {
		if got := PolicyFor(tc.mode); got != tc.want {
			t.Errorf("PolicyFor(%v) = %+v, want %+v", tc.mode, got, tc.want)
		}
		if !PolicyFor(tc.mode).LiveZoneCompressionEnabled() {
			t.Errorf("%v: live-zone compression disabled", tc.mode)
		}
	}
}

func TestResolvePolicyEnforcementOff(t *testing.T) {
	if got := ResolvePolicy(Subscription, false); got != PolicyFor(Payg) {
		t.Fatalf("enforcement off gave %+v", got)
	}
	if got := ResolvePolicy(Subscription, true); got != PolicyFor(Subscription) {
		t.Fatalf("enforcement on gave %+v", got)
	}
}

// Golden values from reference-ccr-signals-tokenizer.md §7.2.
func TestNetMutationGain(t *testing.T) {
	p := PolicyFor(Payg)
	tests := []struct {
		dT, s        uint32
		reads, alive float32
		want         float32
		mutate       bool
	}{
		{2000, 50000, 10, 1, -55500, false},
		{50000, 10000, 3, 1, 3500, true},
		{2000, 0, 0, 1, 0, false},
		{2000, 0, -5, 1, 0, false},                            // negative reads clamp to 0
		{2000, 0, float32(math.NaN()), 1, 0, false},           // NaN reads count as 0
		{2000, 50000, 10, float32(math.NaN()), -55500, false}, // NaN alive counts as 1
		{2000, 50000, 10, 7, -55500, false},                   // alive clamps to 1
		{2000, 50000, 10, -1, 2000 * (1.25 + 0.1*9), true},    // alive clamps to 0
	}
	for _, tc := range tests {
		got := p.NetMutationGain(tc.dT, tc.s, tc.reads, tc.alive)
		if math.Abs(float64(got-tc.want)) >= 1 {
			t.Errorf("gain(%d,%d,%v,%v) = %v, want %v", tc.dT, tc.s, tc.reads, tc.alive, got, tc.want)
		}
		if p.ShouldMutateDeep(tc.dT, tc.s, tc.reads, tc.alive) != tc.mutate {
			t.Errorf("ShouldMutateDeep(%d,%d,%v,%v) != %v", tc.dT, tc.s, tc.reads, tc.alive, tc.mutate)
		}
	}
}

func TestBreakEvenReads(t *testing.T) {
	p := PolicyFor(Payg)
	for _, tc := range []struct {
		dT, s uint32
		want  float32
	}{{2000, 50000, 287.5}, {50000, 10000, 2.3}, {0, 10000, 0}} {
		if got := p.BreakEvenReads(tc.dT, tc.s); math.Abs(float64(got-tc.want)) > 1e-3 {
			t.Errorf("BreakEvenReads(%d,%d) = %v, want %v", tc.dT, tc.s, got, tc.want)
		}
	}
}
