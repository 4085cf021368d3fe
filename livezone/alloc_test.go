package livezone_test

import (
	"testing"

	"github.com/headroom-go/headroom/livezone"
)

// TestPassWithoutCandidatesDoesNotAllocate pins the cost every request pays
// when nothing in its live zone is large enough to compress: the scan index
// is pooled and the walk allocates nothing.
func TestPassWithoutCandidatesDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	cases := []struct {
		name string
		f    entryPoint
		body string
		opts livezone.Options
	}{
		{"anthropic frozen", livezone.Anthropic,
			`{"model":"claude-sonnet-4-5","system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral"}}]}]}`,
			livezone.Options{AutoFrozen: true}},
		{"anthropic hot zone only", livezone.Anthropic,
			`{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"n","input":{"a":1.0}}]},{"role":"user","content":[]}]}`,
			livezone.Options{}},
		{"chat n>1", livezone.OpenAIChat, `{"n":2,"messages":[{"role":"tool","content":"x"}]}`, livezone.Options{}},
		{"responses without outputs", livezone.OpenAIResponses,
			`{"input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]},{"type":"reasoning","encrypted_content":"e"}]}`,
			livezone.Options{}},
	}
	for _, c := range cases {
		body := []byte(c.body)
		if _, m, err := c.f(t.Context(), body, c.opts); err != nil || m.Outcome != livezone.NoChange {
			t.Fatalf("%s: err %v, outcome %v", c.name, err, m.Outcome)
		}
		allocs := testing.AllocsPerRun(100, func() {
			if _, _, err := c.f(t.Context(), body, c.opts); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per pass, want 0", c.name, allocs)
		}
	}
}
