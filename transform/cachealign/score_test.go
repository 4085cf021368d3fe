package cachealign

import "testing"

func TestShouldApplyAndScores(t *testing.T) {
	msgs := mustParse(t, `[{"role":"system","content":"Today 2026-04-23 and v1.2.3.  \r\n\n\n"},{"role":"user","content":"2026-04-23"}]`)
	cfg := DefaultConfig()
	off, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if off.ShouldApply(msgs) {
		t.Error("a disabled aligner must not apply")
	}
	cfg.Enabled = true
	on, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !on.ShouldApply(msgs) || on.ShouldApply(mustParse(t, `[{"role":"system","content":"static"},{"role":"user","content":"2026-04-23"}]`)) {
		t.Error("ShouldApply must follow dynamic content in system messages only")
	}
	// Two spans (20), '\r' (5), a double space (2), three newlines (2).
	if got := on.AlignmentScore(msgs); got != 71 {
		t.Errorf("rewriting score = %v, want 71", got)
	}
	// One ISO date token; "v1.2.3." is not volatile for the checker.
	if got := NewChecker(nil).AlignmentScore(msgs); got != 90 {
		t.Errorf("detect-only score = %v, want 90", got)
	}
	many := mustParse(t, `[{"role":"system","content":"2026-01-01 2026-01-02 2026-01-03 2026-01-04 2026-01-05 2026-01-06 2026-01-07 2026-01-08 2026-01-09 2026-01-10 2026-01-11"}]`)
	if got := NewChecker(nil).AlignmentScore(many); got != 0 {
		t.Errorf("score must clamp at 0, got %v", got)
	}
}
