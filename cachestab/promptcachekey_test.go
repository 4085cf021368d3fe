package cachestab

import (
	"strings"
	"testing"

	"github.com/headroom-go/headroom/authmode"
	"github.com/headroom-go/headroom/internal/jsonx"
)

// wantKey restates the derivation over hand-written compact JSON, so the
// test does not depend on the package's own serialisation.
func wantKey(model, systemJSON, toolsJSON string) string {
	return sha256hex(model + "\x00" + sha256hex(systemJSON) + "\x00" + sha256hex(toolsJSON))[:32]
}

func TestDerivePromptCacheKey(t *testing.T) {
	tests := []struct {
		name string
		ep   Endpoint
		body string
		want string
	}{
		{
			name: "chat system string and tools",
			ep:   ChatCompletions,
			body: `{"model":"gpt-4o","messages":[{"role":"system","content":"You are helpful."},{"role":"user","content":"Hello"}],"tools":[ {"type":"function", "function":{"name":"f","parameters":{"b":1.0,"a":1e5}}} ]}`,
			want: wantKey("gpt-4o", `"You are helpful."`, `[{"type":"function","function":{"name":"f","parameters":{"b":1.0,"a":1e+5}}}]`),
		},
		{
			name: "chat no system no tools no model",
			ep:   ChatCompletions,
			body: `{"messages":[{"role":"user","content":"Hello"}]}`,
			want: wantKey("", `null`, `null`),
		},
		{
			name: "chat system message without content",
			ep:   ChatCompletions,
			body: `{"model":"m","messages":[{"role":"user","content":"x"},{"role":"system"},{"role":"system","content":"second"}]}`,
			want: wantKey("m", `null`, `null`),
		},
		{
			name: "chat system content blocks",
			ep:   ChatCompletions,
			body: `{"model":"m","messages":[{"role":"system","content":[{"type":"text","text":"a\u00e9/"}]}]}`,
			want: wantKey("m", "[{\"type\":\"text\",\"text\":\"a\u00e9/\"}]", `null`),
		},
		{
			name: "chat ignores instructions",
			ep:   ChatCompletions,
			body: `{"model":"m","instructions":"i","messages":[]}`,
			want: wantKey("m", `null`, `null`),
		},
		{
			name: "non-string model counts as empty",
			ep:   ChatCompletions,
			body: `{"model":4,"messages":[]}`,
			want: wantKey("", `null`, `null`),
		},
		{
			name: "responses instructions win",
			ep:   Responses,
			body: `{"model":"gpt-4o","instructions":"Be brief.","input":[{"role":"system","content":"no"}],"tools":[]}`,
			want: wantKey("gpt-4o", `"Be brief."`, `[]`),
		},
		{
			name: "responses null instructions still win",
			ep:   Responses,
			body: `{"model":"gpt-4o","instructions":null,"input":[{"role":"system","content":"no"}]}`,
			want: wantKey("gpt-4o", `null`, `null`),
		},
		{
			name: "responses system item in input",
			ep:   Responses,
			body: `{"model":"gpt-4o","input":[{"role":"user","content":"u"},{"role":"system","content":"from input"}],"messages":[{"role":"system","content":"from messages"}]}`,
			want: wantKey("gpt-4o", `"from input"`, `null`),
		},
		{
			name: "responses falls back to messages",
			ep:   Responses,
			body: `{"model":"gpt-4o","input":[{"role":"user","content":"u"}],"messages":[{"role":"system","content":"from messages"}]}`,
			want: wantKey("gpt-4o", `"from messages"`, `null`),
		},
		{
			name: "responses string input",
			ep:   Responses,
			body: `{"model":"gpt-4o","input":"hello"}`,
			want: wantKey("gpt-4o", `null`, `null`),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DerivePromptCacheKey(mustParse(t, tc.body), tc.ep); got != tc.want {
				t.Fatalf("key %s, want %s", got, tc.want)
			}
		})
	}
}

// The key ignores user and assistant turns: it must survive a new turn.
func TestPromptCacheKeyStableAcrossTurns(t *testing.T) {
	a := `{"model":"gpt-4o","messages":[{"role":"system","content":"S"},{"role":"user","content":"one"}]}`
	b := `{"model":"gpt-4o","messages":[{"role":"system","content":"S"},{"role":"user","content":"one"},{"role":"assistant","content":"two"},{"role":"user","content":"three"}]}`
	c := `{"model":"gpt-4o-mini","messages":[{"role":"system","content":"S"}]}`
	ka, kb, kc := DerivePromptCacheKey(mustParse(t, a), ChatCompletions), DerivePromptCacheKey(mustParse(t, b), ChatCompletions), DerivePromptCacheKey(mustParse(t, c), ChatCompletions)
	if ka != kb {
		t.Fatal("key changed with a new turn")
	}
	if ka == kc {
		t.Fatal("key ignores the model")
	}
}

// Acceptance (integration_e4_openai_cache_key).
func TestInjectPromptCacheKey(t *testing.T) {
	in := `{"model":"gpt-4o","messages":[{"role":"user","content":"Hello"}],"temperature":1.0}`
	r := InjectPromptCacheKey(mustParse(t, in), ChatCompletions, authmode.Payg)
	key := wantKey("gpt-4o", `null`, `null`)
	want := `{"model":"gpt-4o","messages":[{"role":"user","content":"Hello"}],"temperature":1.0,"prompt_cache_key":"` + key + `"}`
	if r.Status != Applied || string(r.Body) != want || r.Key != key {
		t.Fatalf("got %s (%+v)", r.Body, r.Status)
	}
	if r.KeyPrefix() != key[:8] || r.Step().Event() != "e4_applied" {
		t.Fatalf("prefix %q event %q", r.KeyPrefix(), r.Step().Event())
	}

	// Responses too.
	in = `{"model":"gpt-4o","instructions":"I","input":[{"role":"user","content":"Hello"}]}`
	r = InjectPromptCacheKey(mustParse(t, in), Responses, authmode.Payg)
	if r.Status != Applied || !strings.HasSuffix(string(r.Body), `,"prompt_cache_key":"`+wantKey("gpt-4o", `"I"`, `null`)+`"}`) {
		t.Fatalf("responses: %s", r.Body)
	}
}

func TestInjectPromptCacheKeyReplacesEmptyInPlace(t *testing.T) {
	for _, existing := range []string{`""`, `null`, `7`, `{}`} {
		in := `{"model":"m","prompt_cache_key":` + existing + `,"messages":[]}`
		r := InjectPromptCacheKey(mustParse(t, in), ChatCompletions, authmode.Payg)
		want := `{"model":"m","prompt_cache_key":"` + wantKey("m", `null`, `null`) + `","messages":[]}`
		if r.Status != Applied || string(r.Body) != want {
			t.Fatalf("%s: got %s", existing, r.Body)
		}
	}
}

func TestInjectPromptCacheKeySkips(t *testing.T) {
	tests := []struct {
		name string
		body string
		ep   Endpoint
		mode authmode.Mode
		want Status
	}{
		{"customer key", `{"model":"m","prompt_cache_key":"mine","messages":[]}`, ChatCompletions, authmode.Payg, SkippedKeyPresent},
		{"oauth chat", `{"model":"m","messages":[]}`, ChatCompletions, authmode.OAuth, SkippedAuthMode},
		{"subscription responses", `{"model":"m","input":[]}`, Responses, authmode.Subscription, SkippedAuthMode},
		{"array body", `[1,2]`, ChatCompletions, authmode.Payg, SkippedNotAnObject},
		{"string body", `"x"`, Responses, authmode.Payg, SkippedNotAnObject},
		{"anthropic", `{"model":"m"}`, Messages, authmode.Payg, NotRun},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := InjectPromptCacheKey(mustParse(t, tc.body), tc.ep, tc.mode)
			if r.Status != tc.want || r.Body != nil || r.Key != "" {
				t.Fatalf("got %+v", r)
			}
		})
	}
}

func TestInjectPromptCacheKeyIdempotent(t *testing.T) {
	in := `{"model":"m","messages":[{"role":"system","content":"s"}]}`
	r1 := InjectPromptCacheKey(mustParse(t, in), ChatCompletions, authmode.Payg)
	r2 := InjectPromptCacheKey(mustParse(t, string(r1.Body)), ChatCompletions, authmode.Payg)
	if r1.Status != Applied || r2.Status != SkippedKeyPresent || r2.Body != nil {
		t.Fatalf("second run: %+v", r2)
	}
}

func TestInjectPromptCacheKeyDoesNotMutateInput(t *testing.T) {
	v := mustParse(t, `{"model":"m","prompt_cache_key":"","messages":[]}`)
	before := jsonx.Compact(v)
	InjectPromptCacheKey(v, ChatCompletions, authmode.Payg)
	if jsonx.Compact(v) != before {
		t.Fatal("input changed")
	}
}
