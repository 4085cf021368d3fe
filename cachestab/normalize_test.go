package cachestab

import (
	"strings"
	"testing"

	"github.com/headroom-go/headroom/authmode"
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

// normalizeString runs Normalize and returns the bytes the proxy would
// forward: Result.Body, or the input when nothing changed.
func normalizeString(t testing.TB, in string, ep Endpoint, mode authmode.Mode) (string, Result) {
	t.Helper()
	r := Normalize(mustParse(t, in), ep, mode)
	if r.Body == nil {
		return in, r
	}
	if !jsonx.Valid(string(r.Body)) {
		t.Fatalf("Normalize produced invalid JSON: %s", r.Body)
	}
	return string(r.Body), r
}

// Acceptance (integration_tool_sort): PAYG Anthropic tools zebra/apple/mango
// arrive as apple, mango, zebra — and E3 marks the new last tool.
func TestToolSortAnthropicPayg(t *testing.T) {
	in := `{"model":"claude-3-5-sonnet-20241022","tools":[{"name":"zebra","input_schema":{"type":"object"}},{"name":"apple","input_schema":{"type":"object"}},{"name":"mango","input_schema":{"type":"object"}}],"messages":[{"role":"user","content":"hi"}]}`
	got, r := normalizeString(t, in, Messages, authmode.Payg)
	want := `{"model":"claude-3-5-sonnet-20241022","tools":[{"name":"apple","input_schema":{"type":"object"}},{"name":"mango","input_schema":{"type":"object"}},{"name":"zebra","input_schema":{"type":"object"},"cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"hi"}]}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if r.ToolSort != Applied || r.SchemaSort != Unchanged || r.CacheControl != Applied || r.ToolCount != 3 {
		t.Fatalf("report %+v", r)
	}
	if strings.Join(r.Tags(), ",") != "tool_array_sort,e3_anthropic_cache_control" {
		t.Fatalf("tags %v", r.Tags())
	}
	if len(r.Locations) != 1 || r.Locations[0] != "tools[2]" {
		t.Fatalf("locations %v", r.Locations)
	}
}

func TestToolSortOpenAIChat(t *testing.T) {
	in := `{"model":"gpt-4o","messages":[],"tools":[{"type":"function","function":{"name":"Z_tool"}},{"type":"function","function":{"name":"A_tool"}},{"type":"function","function":{"name":"M_tool"}}]}`
	got, r := normalizeString(t, in, ChatCompletions, authmode.Payg)
	want := `{"model":"gpt-4o","messages":[],"tools":[{"type":"function","function":{"name":"A_tool"}},{"type":"function","function":{"name":"M_tool"}},{"type":"function","function":{"name":"Z_tool"}}]}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if r.ToolSort != Applied || r.CacheControl != NotRun {
		t.Fatalf("report %+v", r)
	}
	if len(r.Steps(ChatCompletions)) != 2 {
		t.Fatalf("chat steps %v", r.Steps(ChatCompletions))
	}
}

func TestToolSortResponsesFlatTools(t *testing.T) {
	in := `{"model":"gpt-4o","input":[],"tools":[{"type":"function","name":"b","parameters":{"type":"object","properties":{}}},{"type":"function","name":"a","parameters":{"type":"object","properties":{}}}]}`
	got, r := normalizeString(t, in, Responses, authmode.Payg)
	// Sorted by the flat name; the flat parameters keep their order
	// (E2 only targets function.parameters, like the reference).
	want := `{"model":"gpt-4o","input":[],"tools":[{"type":"function","name":"a","parameters":{"type":"object","properties":{}}},{"type":"function","name":"b","parameters":{"type":"object","properties":{}}}]}`
	if got != want || r.ToolSort != Applied || r.SchemaSort != Unchanged {
		t.Fatalf("got %s (%+v)", got, r)
	}
}

// Byte-wise comparison: uppercase sorts before lowercase; the sort is
// stable for equal names.
func TestToolSortByteOrderAndStability(t *testing.T) {
	in := `{"tools":[{"name":"b","n":1},{"name":"a","n":1},{"name":"B"},{"name":"a","n":2},{"name":"_x"}]}`
	got, _ := normalizeString(t, in, ChatCompletions, authmode.Payg)
	want := `{"tools":[{"name":"B"},{"name":"_x"},{"name":"a","n":1},{"name":"a","n":2},{"name":"b","n":1}]}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// Already sorted input is byte identical: not even whitespace changes.
func TestToolSortNoOpIsByteIdentical(t *testing.T) {
	in := `{ "tools" : [ {"name":"a"} , {"name":"b"}, {"function":{"name":"c"}} ],
	  "model": "gpt-4o", "temperature": 1.0 }`
	r := Normalize(mustParse(t, in), ChatCompletions, authmode.Payg)
	if r.Body != nil || r.ToolSort != Unchanged || r.Changed() {
		t.Fatalf("already-sorted tools rewritten: %+v", r)
	}
}

// A nameless tool sorts by the MD5 of its compact JSON (hex digits sort
// before letters), and two shuffles of the same set give the same bytes.
func TestToolSortNamelessUsesMD5(t *testing.T) {
	a := `{"tools":[{"description":"second"},{"description":"first"},{"name":"zz"}]}`
	b := `{"tools":[{"name":"zz"},{"description":"first"},{"description":"second"}]}`
	ga, _ := normalizeString(t, a, ChatCompletions, authmode.Payg)
	gb, _ := normalizeString(t, b, ChatCompletions, authmode.Payg)
	if ga != gb {
		t.Fatalf("shuffles differ:\n%s\n%s", ga, gb)
	}
	if !strings.HasSuffix(ga, `{"name":"zz"}]}`) {
		t.Fatalf("named tool should sort after hex keys: %s", ga)
	}
	if k := ToolSortKey(mustParse(t, `{"description":"first"}`)); k != md5hex(`{"description":"first"}`) {
		t.Fatalf("key %s", k)
	}
	// A non-string name falls back too.
	if k := ToolSortKey(mustParse(t, `{"name":7}`)); k != md5hex(`{"name":7}`) {
		t.Fatalf("key %s", k)
	}
}

// Acceptance (integration_tool_sort): subscription, OAuth and PAYG with a
// tool-level cache_control are byte-equal.
func TestToolSortSkipped(t *testing.T) {
	in := `{"tools":[{"name":"zebra"},{"name":"apple","cache_control":{"type":"ephemeral"}}],"messages":[]}`
	r := Normalize(mustParse(t, in), Messages, authmode.Payg)
	if r.Body != nil || r.ToolSort != SkippedMarkerPresent || r.CacheControl != SkippedMarkerPresent {
		t.Fatalf("marker: %+v", r)
	}
	for _, m := range []authmode.Mode{authmode.OAuth, authmode.Subscription} {
		in := `{"tools":[{"name":"zebra","input_schema":{"type":"object","a":1}},{"name":"apple"}],"messages":[]}`
		r := Normalize(mustParse(t, in), Messages, m)
		if r.Body != nil || r.ToolSort != SkippedAuthMode || r.SchemaSort != SkippedAuthMode || r.CacheControl != SkippedAuthMode {
			t.Fatalf("%v: %+v", m, r)
		}
		steps := r.Steps(Messages)
		if steps[0].Event() != "e1_skipped" || steps[1].Event() != "e2_skipped" || steps[2].Event() != "e3_skipped" || steps[2].Reason() != "auth_mode" {
			t.Fatalf("%v events %v", m, steps)
		}
	}
}

// Acceptance (integration_schema_sort).
func TestSchemaSort(t *testing.T) {
	in := `{"tools":[{"name":"search","input_schema":{"type":"object","required":["query"],"properties":{"z_filter":{"type":"string"},"query":{"type":"string","description":"q"},"a_field":{"type":"integer"}},"oneOf":[{"required":["z"],"title":"Z"},{"title":"A","required":["a"]}]}}],"messages":[]}`
	got, r := normalizeString(t, in, Messages, authmode.Payg)
	want := `{"tools":[{"name":"search","input_schema":{"oneOf":[{"required":["z"],"title":"Z"},{"required":["a"],"title":"A"}],"properties":{"a_field":{"type":"integer"},"query":{"description":"q","type":"string"},"z_filter":{"type":"string"}},"required":["query"],"type":"object"},"cache_control":{"type":"ephemeral"}}],"messages":[]}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if r.SchemaSort != Applied || r.ToolSort != Unchanged {
		t.Fatalf("report %+v", r)
	}
}

// With a customer marker E1 is skipped (order zebra, apple kept) but E2
// still sorts the schema keys; E3 stays out.
func TestSchemaSortRunsDespiteMarker(t *testing.T) {
	in := `{"tools":[{"name":"zebra","input_schema":{"type":"object","properties":{}}},{"name":"apple","input_schema":{"type":"object","properties":{}},"cache_control":{"type":"ephemeral"}}]}`
	got, r := normalizeString(t, in, Messages, authmode.Payg)
	want := `{"tools":[{"name":"zebra","input_schema":{"properties":{},"type":"object"}},{"name":"apple","input_schema":{"properties":{},"type":"object"},"cache_control":{"type":"ephemeral"}}]}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if r.ToolSort != SkippedMarkerPresent || r.SchemaSort != Applied || r.CacheControl != SkippedMarkerPresent {
		t.Fatalf("report %+v", r)
	}
}

// E2 targets only the schema: other tool keys and everything outside the
// tools stay in their order; OpenAI schemas live at function.parameters.
func TestSchemaSortTargets(t *testing.T) {
	in := `{"z":{"b":1,"a":2},"tools":[{"type":"function","function":{"parameters":{"b":1,"a":{"d":[{"y":1,"x":2}],"c":3}},"name":"f","description":"d"}}]}`
	got, _ := normalizeString(t, in, ChatCompletions, authmode.Payg)
	want := `{"z":{"b":1,"a":2},"tools":[{"type":"function","function":{"parameters":{"a":{"c":3,"d":[{"x":2,"y":1}]},"b":1},"name":"f","description":"d"}}]}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	// Anthropic's input_schema key is not a target on OpenAI endpoints.
	in = `{"tools":[{"name":"f","input_schema":{"b":1,"a":2}}]}`
	if r := Normalize(mustParse(t, in), ChatCompletions, authmode.Payg); r.Body != nil || r.SchemaSort != Unchanged {
		t.Fatalf("input_schema sorted on chat: %+v", r)
	}
}

// Acceptance (integration_e3_anthropic_cache_control).
func TestCacheControlPlacement(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   string // "" means byte-equal
		status Status
	}{
		{
			name:   "three tools get one marker on the last",
			in:     `{"model":"m","system":"s","tools":[{"name":"a"},{"name":"b"},{"name":"c","description":"x"}],"messages":[{"role":"user","content":"hi"}]}`,
			want:   `{"model":"m","system":"s","tools":[{"name":"a"},{"name":"b"},{"name":"c","description":"x","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"hi"}]}`,
			status: Applied,
		},
		{
			name:   "one tool",
			in:     `{"tools":[{"name":"only"}]}`,
			want:   `{"tools":[{"name":"only","cache_control":{"type":"ephemeral"}}]}`,
			status: Applied,
		},
		{name: "marker in system blocks", in: `{"system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral"}}],"tools":[{"name":"a"}]}`, status: SkippedMarkerPresent},
		{name: "marker in a message block", in: `{"tools":[{"name":"a"}],"messages":[{"role":"user","content":[{"type":"text","text":"x","cache_control":{"type":"ephemeral","ttl":"1h"}}]}]}`, status: SkippedMarkerPresent},
		{name: "null marker still counts", in: `{"tools":[{"name":"a"}],"messages":[{"role":"user","content":[{"type":"text","text":"x","cache_control":null}]}]}`, status: SkippedMarkerPresent},
		{name: "marker on a tool", in: `{"tools":[{"name":"a","cache_control":{"type":"ephemeral"}},{"name":"b"}]}`, status: SkippedMarkerPresent},
		{
			name:   "cache_control deep in a schema is not a marker",
			in:     `{"tools":[{"name":"a","input_schema":{"properties":{"cache_control":{"type":"string"}},"type":"object"}}]}`,
			want:   `{"tools":[{"name":"a","input_schema":{"properties":{"cache_control":{"type":"string"}},"type":"object"},"cache_control":{"type":"ephemeral"}}]}`,
			status: Applied,
		},
		{
			name:   "marker key on a message object itself is not honoured",
			in:     `{"tools":[{"name":"a"}],"messages":[{"role":"user","content":"x","cache_control":{"type":"ephemeral"}}]}`,
			want:   `{"tools":[{"name":"a","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"x","cache_control":{"type":"ephemeral"}}]}`,
			status: Applied,
		},
		{name: "no tools", in: `{"messages":[{"role":"user","content":"hi"}]}`, status: NoTarget},
		{name: "empty tools", in: `{"tools":[]}`, status: NoTarget},
		{name: "tools not an array", in: `{"tools":{"name":"a"}}`, status: NoTarget},
		// md5("5") = e4da…, which sorts after "0", so E1 keeps the order.
		{name: "last tool not an object", in: `{"tools":[{"name":"0"},5]}`, status: NoTarget},
		{name: "body not an object", in: `[{"tools":[{"name":"a"}]}]`, status: NoTarget},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, r := normalizeString(t, tc.in, Messages, authmode.Payg)
			want := tc.want
			if want == "" {
				want = tc.in
			}
			if got != want {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
			if r.CacheControl != tc.status {
				t.Fatalf("status %v, want %v", r.CacheControl, tc.status)
			}
			if n := strings.Count(got, `"cache_control"`) - strings.Count(tc.in, `"cache_control"`); n > 1 {
				t.Fatalf("placed %d markers", n)
			}
		})
	}
}

func TestCacheControlEvents(t *testing.T) {
	r := Normalize(mustParse(t, `{"tools":[{"name":"a"}]}`), Messages, authmode.Payg)
	if e := (Step{CacheControl, r.CacheControl}).Event(); e != "e3_applied" || r.Locations[0] != "tools[0]" {
		t.Fatalf("event %q locations %v", e, r.Locations)
	}
	r = Normalize(mustParse(t, `{}`), Messages, authmode.Payg)
	if e := (Step{CacheControl, r.CacheControl}).Event(); e != "e3_no_target" {
		t.Fatalf("event %q", e)
	}
	if e := (Step{ToolSort, Unchanged}).Event(); e != "" {
		t.Fatalf("unchanged logs %q", e)
	}
	if e := (Step{PromptCacheKey, SkippedNotAnObject}); e.Event() != "e4_skipped" || e.Reason() != "not_an_object" {
		t.Fatalf("e4 event %q %q", e.Event(), e.Reason())
	}
}

// Re-serialisation keeps every number's literal text.
func TestNormalizeKeepsNumberLiterals(t *testing.T) {
	in := `{"temperature":1.0,"seed":12345678901234567,"big":123456789012345678901234567890,"e":1e5,"neg":-0.0,"f":2.50,"tools":[{"name":"b","input_schema":{"maximum":1.0e-7,"minimum":-12345678901234567}},{"name":"a"}]}`
	got, r := normalizeString(t, in, Messages, authmode.Payg)
	if !r.Changed() {
		t.Fatal("expected a rewrite")
	}
	for _, lit := range []string{`"temperature":1.0,`, `"seed":12345678901234567,`, `"big":123456789012345678901234567890,`, `"neg":-0.0,`, `"f":2.50,`, `"maximum":1.0e-7`, `"minimum":-12345678901234567`} {
		if !strings.Contains(got, lit) {
			t.Errorf("lost %s in %s", lit, got)
		}
	}
	// serde_json (arbitrary_precision) stores an exponent with an explicit
	// sign; jsonx's parser does the same, so 1e5 is sent as the reference
	// sends it.
	if !strings.Contains(got, `"e":1e+5,`) {
		t.Errorf("exponent: %s", got)
	}
}

// Strings are written in the compact contract: raw non-ASCII, '/', '<',
// U+2028; escaped control characters.
func TestNormalizeStringEscaping(t *testing.T) {
	in := `{"system":"<a href=\"x/y\">\u00e9\u2028\ud83d\ude00\t\u0001</a>","tools":[{"name":"b"},{"name":"a"}]}`
	got, _ := normalizeString(t, in, ChatCompletions, authmode.Payg)
	want := "{\"system\":\"<a href=\\\"x/y\\\">\u00e9\u2028\U0001F600\\t\\u0001</a>\",\"tools\":[{\"name\":\"a\"},{\"name\":\"b\"}]}"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// Normalize never edits the value it is given.
func TestNormalizeDoesNotMutateInput(t *testing.T) {
	in := `{"tools":[{"name":"b","input_schema":{"z":1,"a":2}},{"name":"a"}],"messages":[]}`
	v := mustParse(t, in)
	before := jsonx.Compact(v)
	r := Normalize(v, Messages, authmode.Payg)
	if !r.Changed() {
		t.Fatal("expected a rewrite")
	}
	if after := jsonx.Compact(v); after != before {
		t.Fatalf("input changed:\n%s\n%s", before, after)
	}
}

func TestNormalizeNoTools(t *testing.T) {
	for _, in := range []string{`{}`, `{"tools":[]}`, `{"tools":null}`, `"x"`, `[]`} {
		r := Normalize(mustParse(t, in), ChatCompletions, authmode.Payg)
		if r.Body != nil || r.ToolSort != NotRun || r.SchemaSort != NotRun {
			t.Fatalf("%s: %+v", in, r)
		}
	}
	if r := Normalize(mustParse(t, `{"tools":[{"name":"b"},{"name":"a"}]}`), 0, authmode.Payg); r.Body != nil {
		t.Fatal("zero endpoint rewrote")
	}
}

func TestNormalizeIdempotent(t *testing.T) {
	inputs := []string{
		`{"tools":[{"name":"b","input_schema":{"z":1,"a":2}},{"name":"a"}],"messages":[]}`,
		`{"tools":[{"input_schema":{"z":1,"a":2}},{"input_schema":{"y":1,"b":2}},{"name":"a"}]}`,
	}
	for _, in := range inputs {
		for _, ep := range []Endpoint{Messages, ChatCompletions, Responses} {
			once, r1 := normalizeString(t, in, ep, authmode.Payg)
			twice, r2 := normalizeString(t, once, ep, authmode.Payg)
			if r1.Changed() && (r2.Changed() || twice != once) {
				t.Fatalf("%v: not idempotent:\n%s\n%s", ep, once, twice)
			}
		}
	}
}

func TestEndpointForPath(t *testing.T) {
	for _, ep := range []Endpoint{Messages, ChatCompletions, Responses} {
		got, ok := EndpointForPath(ep.String())
		if !ok || got != ep {
			t.Fatalf("%v round trip", ep)
		}
	}
	if _, ok := EndpointForPath("/v1/messages/count_tokens"); ok {
		t.Fatal("matched a prefix")
	}
}

// The common case — payg, tools already normalised — must not allocate.
func TestNormalizeNoOpDoesNotAllocate(t *testing.T) {
	v := mustParse(t, `{"system":[{"type":"text","text":"s","cache_control":{"type":"ephemeral"}}],"tools":[{"name":"a","input_schema":{"properties":{"q":{"type":"string"}},"type":"object"}},{"name":"b"}],"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}`)
	for _, ep := range allEndpoints {
		if n := testing.AllocsPerRun(50, func() { Normalize(v, ep, authmode.Payg) }); n != 0 {
			t.Errorf("%v: %v allocations", ep, n)
		}
	}
}
