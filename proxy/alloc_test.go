package proxy

import (
	"net/http"
	"testing"
)

// Per-request header work runs on every forwarded request; these budgets
// keep it from growing allocations unnoticed.
func TestHeaderHelpersAllocationBudget(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector adds allocations")
	}
	reused := http.Header{"X-Request-Id": {"client-id-123"}}
	plain := http.Header{"Authorization": {"Bearer x"}, "Content-Type": {"application/json"}, "Connection": {"keep-alive, Upgrade"}}
	for _, tc := range []struct {
		name string
		max  float64
		fn   func()
	}{
		{"reuse client id", 0, func() { _ = requestID(reused) }},
		{"generate id", 1, func() { _ = requestID(plain) }}, // the id string itself
		{"no internal headers", 0, func() { _ = stripInternalHeaders(plain) }},
		{"upgrade check", 0, func() { _ = isUpgradeRequest(plain) }},
	} {
		if got := testing.AllocsPerRun(100, tc.fn); got > tc.max {
			t.Errorf("%s: %v allocations per run, budget %v", tc.name, got, tc.max)
		}
	}
}
