package observe

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/headroom-go/headroom/cachestab"
	"github.com/headroom-go/headroom/internal/jsonx"
)

func mustParse(t testing.TB, s string) jsonx.Value {
	t.Helper()
	v, err := jsonx.ParseString(s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return v
}

func findingStrings(fs []VolatileFinding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Kind.String() + "@" + f.Location + "=" + f.Sample
	}
	return out
}

func TestDetectVolatile(t *testing.T) {
	tests := []struct {
		name string
		ep   cachestab.Endpoint
		body string
		want []string
	}{
		{
			// Acceptance (integration_volatile_detector).
			name: "timestamp in system prompt",
			ep:   cachestab.Messages,
			body: `{"system":"Today is 2026-05-04T14:30:00Z. Be concise.","messages":[]}`,
			want: []string{"iso8601_timestamp@system=2026-05-04T14:30:00"},
		},
		{
			name: "timestamp separators",
			ep:   cachestab.Messages,
			body: `{"system":"a 2026-05-04t14:30:00 b 2026-05-04 14:30:00 c 2026-05-04_14:30:00 d 2026/05/04T14:30:00"}`,
			want: []string{"iso8601_timestamp@system=2026-05-04t14:30:00", "iso8601_timestamp@system=2026-05-04 14:30:00"},
		},
		{
			name: "uuid in user message",
			ep:   cachestab.Messages,
			body: `{"messages":[{"role":"user","content":"trace=550e8400-e29b-41d4-a716-446655440000"}]}`,
			want: []string{"uuid_v4@messages[0].content=550e8400-e29b-41d4-a716-446655440000"},
		},
		{
			name: "uuid version and variant rules",
			ep:   cachestab.Messages,
			body: `{"system":"v1 550e8400-e29b-11d4-a716-446655440000 badvariant 550e8400-e29b-41d4-c716-446655440000 upper 550E8400-E29B-41D4-B716-446655440000 nonhex 550g8400-e29b-41d4-a716-446655440000"}`,
			want: []string{"uuid_v4@system=550E8400-E29B-41D4-B716-446655440000"},
		},
		{
			name: "system blocks and nested message blocks",
			ep:   cachestab.Messages,
			body: `{"system":[{"type":"text","text":"static"},{"type":"text","text":"now 2026-01-02T03:04:05"}],"messages":[{"role":"user","content":"x"},{"role":"assistant","content":[{"type":"text","text":"a"},{"type":"tool_use","input":{"q":"2026-01-02T03:04:05"}},{"type":"text","text":"id 123e4567-e89b-42d3-a456-426614174000"}]}]}`,
			want: []string{
				"iso8601_timestamp@system[1].text=2026-01-02T03:04:05",
				"iso8601_timestamp@messages[1].content[1].input.q=2026-01-02T03:04:05",
				"uuid_v4@messages[1].content[2].text=123e4567-e89b-42d3-a456-426614174000",
			},
		},
		{
			name: "id field in a tool schema",
			ep:   cachestab.Messages,
			body: `{"tools":[{"name":"lookup","description":"Look up a user.","input_schema":{"type":"object","properties":{"user_id":{"type":"string"},"request_id":"req-2026-abc-12345"}}}],"messages":[]}`,
			want: []string{"id_field@tools[0].input_schema.properties.request_id=req-2026-abc-12345"},
		},
		{
			name: "id field names match as case-insensitive substrings",
			ep:   cachestab.Messages,
			body: `{"system":[{"type":"text","text":"x","X-Trace_ID":42,"meta":{"Correlation_Id":{"a":1},"sessionid":"no-underscore","session_id":"","request_id":null,"trace_id":[],"correlation_id":{}}}]}`,
			want: []string{"id_field@system[0].X-Trace_ID=42", `id_field@system[0].meta.Correlation_Id={"a":1}`},
		},
		{
			name: "id field value is scanned too",
			ep:   cachestab.Messages,
			body: `{"system":[{"request_id":"550e8400-e29b-41d4-a716-446655440000"}]}`,
			want: []string{"id_field@system[0].request_id=550e8400-e29b-41d4-a716-446655440000", "uuid_v4@system[0].request_id=550e8400-e29b-41d4-a716-446655440000"},
		},
		{
			name: "tool description is scanned, tool name is not",
			ep:   cachestab.Messages,
			body: `{"tools":[{"name":"2026-05-04T14:30:00","description":"built 2026-05-04T14:30:00"}]}`,
			want: []string{"iso8601_timestamp@tools[0].description=2026-05-04T14:30:00"},
		},
		{
			name: "anthropic top-level metadata is not scanned",
			ep:   cachestab.Messages,
			body: `{"metadata":{"session_id":"sess_1","user_id":"550e8400-e29b-41d4-a716-446655440000"},"messages":[]}`,
			want: nil,
		},
		{
			name: "openai chat messages and function tools",
			ep:   cachestab.ChatCompletions,
			body: `{"messages":[{"role":"system","content":"It is 2026-05-04T14:30:00."}],"tools":[{"type":"function","function":{"name":"f","description":"d 550e8400-e29b-41d4-a716-446655440000","parameters":{"properties":{"trace_id":{"type":"string","default":"t-1"}}}}}]}`,
			want: []string{
				"iso8601_timestamp@messages[0].content=2026-05-04T14:30:00",
				"uuid_v4@tools[0].function.description=550e8400-e29b-41d4-a716-446655440000",
				`id_field@tools[0].function.parameters.properties.trace_id={"type":"string","default":"t-1"}`,
			},
		},
		{
			name: "chat does not look at the anthropic fields",
			ep:   cachestab.ChatCompletions,
			body: `{"system":"2026-05-04T14:30:00","tools":[{"description":"2026-05-04T14:30:00","input_schema":{"request_id":"x"}}]}`,
			want: nil,
		},
		{
			name: "responses instructions, input and flat tools",
			ep:   cachestab.Responses,
			body: `{"instructions":"Date: 2026-05-04 14:30:00","input":[{"role":"user","content":[{"type":"input_text","text":"550e8400-e29b-41d4-a716-446655440000"}]},{"type":"function_call_output","output":"2026-05-04T14:30:00"}],"tools":[{"type":"function","name":"f","description":"2026-05-04T14:30:00","parameters":{"session_id":"s"}}]}`,
			want: []string{
				"iso8601_timestamp@instructions=2026-05-04 14:30:00",
				"uuid_v4@input[0].content[0].text=550e8400-e29b-41d4-a716-446655440000",
				"iso8601_timestamp@tools[0].description=2026-05-04T14:30:00",
				"id_field@tools[0].parameters.session_id=s",
			},
		},
		{
			name: "no overlapping matches",
			ep:   cachestab.Messages,
			body: `{"system":"2026-05-04T14:30:00:00:00:00"}`,
			want: []string{"iso8601_timestamp@system=2026-05-04T14:30:00"},
		},
		{name: "not an object", ep: cachestab.Messages, body: `[1,2]`},
		{name: "zero endpoint", ep: 0, body: `{"system":"2026-05-04T14:30:00"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := findingStrings(DetectVolatile(mustParse(t, tc.body), tc.ep))
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

func TestDetectVolatileCapsFindings(t *testing.T) {
	var sb strings.Builder
	for i := range 25 {
		fmt.Fprintf(&sb, "line %d at 2026-05-04T14:30:%02d\\n", i, i)
	}
	body := `{"system":"` + sb.String() + `","messages":[{"role":"user","content":"2026-05-04T14:30:00"}]}`
	got := DetectVolatile(mustParse(t, body), cachestab.Messages)
	if len(got) != MaxVolatileFindings {
		t.Fatalf("%d findings", len(got))
	}
	if got[9].Sample != "2026-05-04T14:30:09" || got[9].Location != "system" {
		t.Fatalf("last finding %+v", got[9])
	}
}

func TestDetectVolatileSampleTruncation(t *testing.T) {
	long := strings.Repeat("é", 50) // 100 bytes; byte 80 starts a rune
	odd := "x" + strings.Repeat("é", 50)
	body := `{"system":[{"request_id":"` + long + `","trace_id":"` + odd + `","session_id":"` + strings.Repeat("a", 80) + `"}]}`
	got := DetectVolatile(mustParse(t, body), cachestab.Messages)
	if len(got) != 3 {
		t.Fatalf("%d findings", len(got))
	}
	if got[0].Sample != strings.Repeat("é", 40)+"…" {
		t.Fatalf("sample 0 %q", got[0].Sample)
	}
	// 81 bytes would split a rune: cut back to 79.
	if got[1].Sample != "x"+strings.Repeat("é", 39)+"…" || len(got[1].Sample) != 79+len("…") {
		t.Fatalf("sample 1 %q", got[1].Sample)
	}
	if got[2].Sample != strings.Repeat("a", 80) {
		t.Fatalf("exactly 80 bytes must not be cut: %q", got[2].Sample)
	}
	for _, f := range got {
		if !utf8.ValidString(f.Sample) {
			t.Fatalf("invalid sample %q", f.Sample)
		}
	}
}

func TestDetectVolatileDoesNotMutate(t *testing.T) {
	in := `{"system":[{"type":"text","text":"2026-05-04T14:30:00","request_id":"r"}],"messages":[{"role":"user","content":"550e8400-e29b-41d4-a716-446655440000"}]}`
	v := mustParse(t, in)
	if len(DetectVolatile(v, cachestab.Messages)) != 3 {
		t.Fatal("expected findings")
	}
	if jsonx.Compact(v) != in {
		t.Fatal("body changed")
	}
}

func TestDetectVolatileAllocatesOnlyForFindings(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	v := mustParse(t, `{"system":[{"type":"text","text":"a long stable system prompt with 2026 in it"}],"messages":[{"role":"user","content":[{"type":"text","text":"hello"}]}],"tools":[{"name":"t","description":"d","input_schema":{"type":"object","properties":{"q":{"type":"string"}}}}]}`)
	if n := testing.AllocsPerRun(50, func() { DetectVolatile(v, cachestab.Messages) }); n != 0 {
		t.Fatalf("clean body costs %v allocations", n)
	}
}
