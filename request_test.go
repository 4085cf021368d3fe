package headroom_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/headroom-go/headroom"
	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/livezone"
)

func TestCorpusRequestsAreDetectedSplicedAndCounted(t *testing.T) {
	modified := map[headroom.Provider]int{}
	for _, r := range loadCorpusRequests(t) {
		t.Run(r.name, func(t *testing.T) {
			store := memstore.New(0, 0)
			res, err := headroom.CompressRequest(t.Context(), r.body, headroom.RequestOptions{Store: store})
			if err != nil {
				t.Fatal(err)
			}
			if res.Provider != r.want {
				t.Fatalf("detected %s, the file is %s", res.Provider, r.want)
			}
			checkSplices(t, r.body, res.Body, res)

			// Token counts are recounted from the bodies themselves: the
			// "after" figure is derived from the manifest, so this checks
			// that derivation.
			if got, want := res.Stats.TokensBefore, promptTokens(t, r.body, res.Model); got != want {
				t.Errorf("TokensBefore = %d, counted %d", got, want)
			}
			if got, want := res.Stats.TokensAfter, promptTokens(t, res.Body, res.Model); got != want {
				t.Errorf("TokensAfter = %d, counted %d", got, want)
			}
			if res.Stats.BytesBefore != len(r.body) || res.Stats.BytesAfter != len(res.Body) {
				t.Errorf("bytes %d → %d, want %d → %d", res.Stats.BytesBefore, res.Stats.BytesAfter, len(r.body), len(res.Body))
			}
			if !res.Modified {
				if res.Stats.TokensSaved() != 0 || len(res.Stats.Transforms) != 0 || len(res.Stats.Markers) != 0 {
					t.Errorf("unmodified body reports %+v", res.Stats)
				}
				return
			}
			modified[r.want]++
			if res.Stats.TokensSaved() <= 0 || len(res.Stats.Transforms) == 0 {
				t.Errorf("modified body reports %+v", res.Stats)
			}
			for _, key := range res.Stats.Markers {
				if _, err := store.Get(t.Context(), key); err != nil {
					t.Errorf("marker %s does not resolve: %v", key, err)
				}
			}
			// Every format is reversible with a store: OpenAI bodies get
			// block markers like Anthropic ones (beyond the reference,
			// which marks Anthropic only).
			checkBlockMarkers(t, store, r.body, res)
			t.Logf("%s: %d → %d tokens, %v, %d markers", res.Provider, res.Stats.TokensBefore, res.Stats.TokensAfter,
				res.Stats.Transforms, len(res.Stats.Markers))
		})
	}
	for _, p := range []headroom.Provider{headroom.Anthropic, headroom.OpenAIChat} {
		if modified[p] == 0 {
			t.Errorf("no %s corpus request was compressed", p)
		}
	}
}

// checkBlockMarkers checks that every compressed block ends with the
// marker of its exact original, which the store returns.
func checkBlockMarkers(t *testing.T, store ccr.Store, in []byte, res headroom.RequestResult) {
	t.Helper()
	// Splices are in body order; blocks in the order they were examined
	// (a Chat tool slot before the user slot), so pair them by position.
	var done []livezone.BlockOutcome
	for _, b := range res.Manifest.Blocks {
		if b.Action.Kind == livezone.Compressed {
			done = append(done, b)
		}
	}
	if len(done) == 0 || len(done) != len(res.Manifest.Splices) {
		t.Fatalf("%d compressed blocks, %d splices", len(done), len(res.Manifest.Splices))
	}
	slices.SortStableFunc(done, func(x, y livezone.BlockOutcome) int {
		if x.MessageIndex != y.MessageIndex {
			return x.MessageIndex - y.MessageIndex
		}
		return x.BlockIndex - y.BlockIndex
	})
	for k, b := range done {
		s := res.Manifest.Splices[k]
		orig := decodeLiteral(t, in[s.In.Start:s.In.End])
		repl := decodeLiteral(t, res.Body[s.Out.Start:s.Out.End])
		if b.Action.Marker != ccr.ComputeKey([]byte(orig)) || !strings.HasSuffix(repl, ccr.Marker(b.Action.Marker)) {
			t.Errorf("block %d/%d: marker %q is not the original's key at the end of the block", b.MessageIndex, b.BlockIndex, b.Action.Marker)
			continue
		}
		got, err := store.Get(t.Context(), b.Action.Marker)
		if err != nil || string(got) != orig {
			t.Errorf("block %d/%d: store returned %d bytes (%v), want the %d-byte original", b.MessageIndex, b.BlockIndex, len(got), err, len(orig))
		}
		if !containsString(res.Stats.Markers, b.Action.Marker) {
			t.Errorf("Stats.Markers %v lacks the block marker %s", res.Stats.Markers, b.Action.Marker)
		}
	}
}

func decodeLiteral(t *testing.T, lit []byte) string {
	t.Helper()
	v, err := jsonx.Parse(lit)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := v.Str()
	if !ok {
		t.Fatalf("splice %q is not a string literal", lit)
	}
	return s
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// bigToolResult is a JSON array the live zone compresses.
var bigToolResult = mustJSON(toolRows(200))

func TestFormatIsDetectedFromTheBody(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		want headroom.Provider // "" means ErrUnknownProvider
	}{
		{"responses input", `{"model":"x","input":[{"type":"function_call_output","call_id":"c","output":"ok"}]}`, headroom.OpenAIResponses},
		{"anthropic system", `{"model":"x","system":"be brief","messages":[{"role":"user","content":"hi"}]}`, headroom.Anthropic},
		{"anthropic tool_result", `{"model":"x","messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"ok"}]}]}`, headroom.Anthropic},
		{"bedrock version", `{"anthropic_version":"bedrock-2023-05-31","messages":[{"role":"user","content":"hi"}]}`, headroom.Anthropic},
		{"openai tool role", `{"model":"x","messages":[{"role":"tool","tool_call_id":"c","content":"ok"}]}`, headroom.OpenAIChat},
		{"openai system role", `{"model":"x","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]}`, headroom.OpenAIChat},
		{"openai image_url", `{"model":"x","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"u"}}]}]}`, headroom.OpenAIChat},
		{"plain, claude model", `{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}]}`, headroom.Anthropic},
		{"plain, gpt model", `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`, headroom.OpenAIChat},
		{"plain, o3 model", `{"model":"o3","messages":[{"role":"user","content":"hi"}]}`, headroom.OpenAIChat},
		{"plain, other model", `{"model":"llama-3","messages":[{"role":"user","content":"hi"}]}`, ""},
		{"plain, no model", `{"messages":[{"role":"user","content":"hi"}]}`, ""},
		{"both kinds, other model", `{"model":"mistral","system":"s","messages":[{"role":"tool","content":"ok"}]}`, ""},
		{"both kinds, claude model", `{"model":"claude-3","system":"s","messages":[{"role":"tool","content":"ok"}]}`, headroom.Anthropic},
		{"system role with tool_use", `{"model":"m","messages":[{"role":"system","content":"s"},{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"n","input":{}}]}]}`, headroom.Anthropic},
		{"developer role alone", `{"model":"m","messages":[{"role":"developer","content":"s"},{"role":"user","content":"hi"}]}`, headroom.OpenAIChat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := headroom.CompressRequest(t.Context(), []byte(tc.body), headroom.RequestOptions{})
			if tc.want == "" {
				if !errors.Is(err, headroom.ErrUnknownProvider) {
					t.Fatalf("err = %v, want ErrUnknownProvider", err)
				}
				if !strings.Contains(err.Error(), "RequestOptions.Provider") {
					t.Errorf("error does not say how to fix it: %v", err)
				}
				return
			}
			if err != nil || res.Provider != tc.want {
				t.Fatalf("got %q, %v; want %s", res.Provider, err, tc.want)
			}
		})
	}
}

func TestPathOrProviderOverridesTheBody(t *testing.T) {
	// An Anthropic-looking body read as OpenAI Chat: the tool result is not
	// a Chat slot, so nothing is examined.
	body := []byte(`{"model":"claude-sonnet-4-5","system":"s","messages":[{"role":"user","content":[` +
		`{"type":"tool_result","tool_use_id":"t","content":` + bigToolResult + `}]}]}`)
	for _, opts := range []headroom.RequestOptions{
		{Path: "/v1/chat/completions"},
		{Path: "/v1/chat/completions?api-version=1"},
		{Provider: headroom.OpenAIChat, Path: "/v1/messages"},
	} {
		res, err := headroom.CompressRequest(t.Context(), body, opts)
		if err != nil || res.Provider != headroom.OpenAIChat || res.Modified {
			t.Errorf("%+v: provider %s, modified %v, err %v", opts, res.Provider, res.Modified, err)
		}
	}
	res, err := headroom.CompressRequest(t.Context(), body, headroom.RequestOptions{Path: "/v1/messages?beta=true"})
	if err != nil || res.Provider != headroom.Anthropic || !res.Modified {
		t.Errorf("/v1/messages: provider %s, modified %v, err %v", res.Provider, res.Modified, err)
	}
}

func TestUnknownPathOrProviderIsAnError(t *testing.T) {
	body := []byte(`{"model":"claude-3","messages":[]}`)
	for _, opts := range []headroom.RequestOptions{
		{Path: "/v1/messages/count_tokens"},
		{Path: "/v1/embeddings"},
		{Provider: "gemini"},
	} {
		res, err := headroom.CompressRequest(t.Context(), body, opts)
		if !errors.Is(err, headroom.ErrUnknownProvider) {
			t.Errorf("%+v: err = %v", opts, err)
		}
		if &res.Body[0] != &body[0] {
			t.Errorf("%+v: the body on error is not the input", opts)
		}
	}
}

func TestBadBodiesAreErrorsAndComeBackUnchanged(t *testing.T) {
	for _, tc := range []struct {
		body string
		want error
	}{
		{`{"messages":[`, livezone.ErrBodyNotJSON},
		{``, livezone.ErrBodyNotJSON},
		{`{"a":1} {"b":2}`, livezone.ErrBodyNotJSON},
		{`[1,2]`, livezone.ErrNoMessagesArray},
		{`{"model":"gpt-4o"}`, livezone.ErrNoMessagesArray},
		{`{"model":"gpt-4o","messages":{}}`, livezone.ErrNoMessagesArray},
	} {
		body := []byte(tc.body)
		res, err := headroom.CompressRequest(t.Context(), body, headroom.RequestOptions{Provider: headroom.OpenAIChat})
		if tc.body == `[1,2]` || tc.body == `{"model":"gpt-4o"}` {
			// Detection reports the missing array too.
			_, derr := headroom.CompressRequest(t.Context(), body, headroom.RequestOptions{})
			if !errors.Is(derr, tc.want) {
				t.Errorf("%q detected: err = %v, want %v", tc.body, derr, tc.want)
			}
		}
		if !errors.Is(err, tc.want) {
			t.Errorf("%q: err = %v, want %v", tc.body, err, tc.want)
		}
		if string(res.Body) != tc.body || res.Modified {
			t.Errorf("%q: body on error is %q", tc.body, res.Body)
		}
	}
}

func TestCacheControlFloorIsHonouredUnlessIgnored(t *testing.T) {
	// The tool result sits in a message that carries a cache_control
	// marker, so the provider has cached it.
	body := []byte(`{"model":"claude-sonnet-4-5","max_tokens":1,"messages":[{"role":"user","content":[` +
		`{"type":"tool_result","tool_use_id":"t","content":` + bigToolResult + `,"cache_control":{"type":"ephemeral"}}]}]}`)
	res, err := headroom.CompressRequest(t.Context(), body, headroom.RequestOptions{})
	if err != nil || res.Modified || res.Manifest.FrozenCount != 1 {
		t.Fatalf("frozen body: modified %v, floor %d, err %v", res.Modified, res.Manifest.FrozenCount, err)
	}
	res, err = headroom.CompressRequest(t.Context(), body, headroom.RequestOptions{IgnoreCacheControl: true})
	if err != nil || !res.Modified {
		t.Fatalf("IgnoreCacheControl: modified %v, err %v", res.Modified, err)
	}
}

func TestModelPicksTheTokenizer(t *testing.T) {
	body := []byte(`{"model":"gpt-4o","messages":[{"role":"tool","content":` + bigToolResult + `}]}`)
	res, err := headroom.CompressRequest(t.Context(), body, headroom.RequestOptions{})
	if err != nil || res.Model != "gpt-4o" {
		t.Fatalf("model %q, err %v", res.Model, err)
	}
	res2, err := headroom.CompressRequest(t.Context(), body, headroom.RequestOptions{Model: "claude-sonnet-4-5"})
	if err != nil || res2.Model != "claude-sonnet-4-5" {
		t.Fatalf("model %q, err %v", res2.Model, err)
	}
	if res.Stats.TokensBefore == res2.Stats.TokensBefore {
		t.Errorf("both tokenizers counted %d tokens; the option did not take effect", res.Stats.TokensBefore)
	}
	noModel := []byte(`{"messages":[{"role":"tool","content":"ok"}]}`)
	res, err = headroom.CompressRequest(t.Context(), noModel, headroom.RequestOptions{})
	if err != nil || res.Model != livezone.DefaultModel {
		t.Errorf("model %q, err %v; want the default", res.Model, err)
	}
}

func TestCanceledContextLeavesTheBodyAlone(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	body := []byte(`{"model":"gpt-4o","messages":[{"role":"tool","content":` + bigToolResult + `}]}`)
	res, err := headroom.CompressRequest(ctx, body, headroom.RequestOptions{})
	if !errors.Is(err, context.Canceled) || res.Modified || &res.Body[0] != &body[0] {
		t.Fatalf("modified %v, err %v", res.Modified, err)
	}
}
