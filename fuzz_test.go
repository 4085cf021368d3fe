package headroom_test

import (
	"bytes"
	"testing"

	"github.com/headroom-go/headroom"
	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/internal/jsonx"
)

// FuzzCompressRequest feeds arbitrary bodies to every format and to
// detection. Whatever the body, the call must not panic, an error must
// hand back the input, an unmodified result must be the input, and a
// modified one must differ only inside its splices, still be JSON, and
// count exactly what it says it saved.
func FuzzCompressRequest(f *testing.F) {
	f.Add([]byte(`{"model":"gpt-4o","messages":[{"role":"tool","content":"ok"}]}`), uint8(0))
	f.Add([]byte(`{"model":"claude-3","system":"s","messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"[1,2]"}]}]}`), uint8(1))
	f.Add([]byte(`{"input":[{"type":"function_call_output","call_id":"c","output":"x"}]}`), uint8(3))
	providers := []headroom.Provider{"", headroom.Anthropic, headroom.OpenAIChat, headroom.OpenAIResponses}
	f.Fuzz(func(t *testing.T, body []byte, p uint8) {
		in := bytes.Clone(body)
		opts := headroom.RequestOptions{Provider: providers[int(p)%len(providers)], Store: memstore.New(0, 0)}
		res, err := headroom.CompressRequest(t.Context(), body, opts)
		if !bytes.Equal(body, in) {
			t.Fatal("the input was modified")
		}
		if err != nil || !res.Modified {
			if !bytes.Equal(res.Body, in) || res.Modified {
				t.Fatalf("err %v, modified %v: body is not the input", err, res.Modified)
			}
			return
		}
		checkSplices(t, in, res.Body, res)
		if _, err := jsonx.Parse(res.Body); err != nil {
			t.Fatalf("rewritten body is not JSON: %v", err)
		}
		if got := promptTokens(t, res.Body, res.Model); got != res.Stats.TokensAfter || res.Stats.TokensAfter >= res.Stats.TokensBefore {
			t.Fatalf("TokensAfter %d (before %d), counted %d", res.Stats.TokensAfter, res.Stats.TokensBefore, got)
		}
	})
}
