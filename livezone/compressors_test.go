package livezone_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/livezone"
	"github.com/headroom-go/headroom/transform"
)

// A build log without a single error, warning or summary line gives the
// log compressor nothing to keep; the block must then stay as it is
// rather than become an empty tool result.
func TestBuildLogWithNothingToKeepIsLeftAlone(t *testing.T) {
	var b strings.Builder
	for i := range 200 {
		fmt.Fprintf(&b, "2024-01-01 00:00:%02d [main] step %d of the build ran\n", i%60, i)
	}
	log := b.String()
	body := `{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":[` +
		`{"type":"tool_result","tool_use_id":"t","content":` + str(log) + `}]}]}`
	st := memstore.New(0, 0)
	comps, err := livezone.NewCompressors(st)
	if err != nil {
		t.Fatal(err)
	}
	for name, opts := range map[string]livezone.Options{
		"no store":   {},
		"with store": {Store: st, Compressor: comps},
	} {
		t.Run(name, func(t *testing.T) {
			out, m := anthropic(t, body, opts)
			if len(m.Blocks) != 1 {
				t.Fatalf("blocks = %+v, want one", m.Blocks)
			}
			a := m.Blocks[0].Action
			if a.ContentType != transform.BuildOutput.String() {
				t.Fatalf("content type %q, want %q: the block never reaches the log compressor", a.ContentType, transform.BuildOutput)
			}
			if a.Kind != livezone.NoCompressionApplied || string(out) != body {
				t.Fatalf("action %+v, body changed: %q", a, clip(out))
			}
		})
	}
}
