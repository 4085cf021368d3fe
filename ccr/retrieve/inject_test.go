package retrieve_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/headroom-go/headroom/ccr/retrieve"
	"github.com/headroom-go/headroom/internal/jsonx"
)

func mustParse(t *testing.T, b []byte) jsonx.Value {
	t.Helper()
	v, err := jsonx.Parse(b)
	if err != nil {
		t.Fatalf("invalid JSON %s: %v", b, err)
	}
	return v
}

func field(t *testing.T, v jsonx.Value, path ...string) jsonx.Value {
	t.Helper()
	for _, k := range path {
		var ok bool
		if v, ok = v.Get(k); !ok {
			t.Fatalf("missing %q in path %v", k, path)
		}
	}
	return v
}

func keys(v jsonx.Value) string {
	var ks []string
	for _, m := range v.Members() {
		ks = append(ks, m.Key)
	}
	return strings.Join(ks, ",")
}

func TestDefinitionShapes(t *testing.T) {
	for _, tc := range []struct {
		p          retrieve.Provider
		keys       string
		params     []string
		descSuffix string
	}{
		{retrieve.Anthropic, "name,description,input_schema", []string{"input_schema"}, "hash=abc123]."},
		{retrieve.OpenAI, "type,function", []string{"function", "parameters"}, "hash=abc123]."},
		{retrieve.Google, "name,description,parameters", []string{"parameters"}, "compressed tool results."},
		{"bedrock", "type,function", []string{"function", "parameters"}, "hash=abc123]."},
	} {
		for _, schema := range []retrieve.Schema{retrieve.HashOnly, retrieve.WithQuery} {
			def := retrieve.Definition(tc.p, schema)
			v := mustParse(t, def)
			if jsonx.Compact(v) != string(def) {
				t.Errorf("%s: definition is not compact JSON: %s", tc.p, def)
			}
			if got := keys(v); got != tc.keys {
				t.Errorf("%s: keys %s, want %s", tc.p, got, tc.keys)
			}
			params := field(t, v, tc.params...)
			if got := keys(params); got != "type,properties,required" {
				t.Errorf("%s: parameter keys %s", tc.p, got)
			}
			props := keys(field(t, params, "properties"))
			wantProps := "hash"
			if schema == retrieve.WithQuery {
				wantProps = "hash,query"
			}
			if props != wantProps {
				t.Errorf("%s schema %d: properties %s, want %s", tc.p, schema, props, wantProps)
			}
			if got := jsonx.Compact(field(t, params, "required")); got != `["hash"]` {
				t.Errorf("%s: required %s", tc.p, got)
			}
			desc := ""
			if d, ok := v.Get("description"); ok {
				desc, _ = d.Str()
			} else {
				desc, _ = field(t, v, "function", "description").Str()
			}
			if !strings.HasSuffix(desc, tc.descSuffix) {
				t.Errorf("%s: description %q", tc.p, desc)
			}
		}
	}
}

func TestAppendToolPreservesExistingBytes(t *testing.T) {
	def := []byte(`{"name":"headroom_retrieve"}`)
	for _, tc := range []struct{ in, want string }{
		{``, `[{"name":"headroom_retrieve"}]`},
		{`null`, `[{"name":"headroom_retrieve"}]`},
		{`[]`, `[{"name":"headroom_retrieve"}]`},
		{` [ ] `, ` [{"name":"headroom_retrieve"}] `},
		{`[{"name": "a",  "x": 1.50}]`, `[{"name": "a",  "x": 1.50},{"name":"headroom_retrieve"}]`},
		{"[\n  {\"name\":\"a\"},\n  {\"name\":\"b\"}\n]\n", "[\n  {\"name\":\"a\"},\n  {\"name\":\"b\"},{\"name\":\"headroom_retrieve\"}]\n"},
		{`[{"name":"x]"}]`, `[{"name":"x]"},{"name":"headroom_retrieve"}]`},
	} {
		got, err := retrieve.AppendTool([]byte(tc.in), def)
		if err != nil || string(got) != tc.want {
			t.Errorf("AppendTool(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{`{}`, `[1,`, `"tools"`, `[] []`} {
		if _, err := retrieve.AppendTool([]byte(bad), def); err == nil {
			t.Errorf("AppendTool(%q) accepted", bad)
		}
	}
}

func TestHasToolFindsEveryNameSpelling(t *testing.T) {
	for _, tools := range []string{
		`[{"name":"headroom_retrieve"}]`,
		`[{"type":"function","function":{"name":"headroom_retrieve"}}]`,
		`[{"type":"headroom_retrieve"}]`,
	} {
		if has, err := retrieve.HasTool([]byte(tools)); err != nil || !has {
			t.Errorf("HasTool(%s) = %v, %v", tools, has, err)
		}
	}
	if has, _ := retrieve.HasTool([]byte(`[{"name":"other","description":"headroom_retrieve"}]`)); has {
		t.Error("HasTool matched a description")
	}
}

const toolsIn = `[{"name": "other_tool", "description": "d"}]`

func TestTrackerStickyPerSession(t *testing.T) {
	tr := retrieve.NewTracker(retrieve.HashOnly, 10)
	in := []byte(toolsIn)

	out, d, err := tr.Apply(retrieve.Anthropic, "s1", in, false)
	if err != nil || d != retrieve.Skip || !bytes.Equal(out, in) {
		t.Fatalf("no markers, new session: %s %v %v", out, d, err)
	}
	first, d, err := tr.Apply(retrieve.Anthropic, "s1", in, true)
	if err != nil || d != retrieve.InjectFirstTime {
		t.Fatalf("markers: %v %v", d, err)
	}
	if want := toolsIn[:len(toolsIn)-1] + "," + string(retrieve.Definition(retrieve.Anthropic, retrieve.HashOnly)) + "]"; string(first) != want {
		t.Fatalf("injected tools = %s\nwant %s", first, want)
	}
	again, d, err := tr.Apply(retrieve.Anthropic, "s1", in, false)
	if err != nil || d != retrieve.InjectStickyReplay || !bytes.Equal(again, first) {
		t.Fatalf("later turn without markers must replay identical bytes: %v %v\n%s\n%s", d, err, again, first)
	}
	// Same session id under another provider is another session.
	if _, d, _ := tr.Apply(retrieve.OpenAI, "s1", in, false); d != retrieve.Skip {
		t.Fatalf("openai/s1 decision %v, want skip", d)
	}
	// A client that brings its own tool keeps it and gets no second copy.
	own := []byte(`[{"name":"headroom_retrieve","description":"mcp"}]`)
	if out, d, _ := tr.Apply(retrieve.Anthropic, "s1", own, true); d != retrieve.SkipClientTool || !bytes.Equal(out, own) {
		t.Fatalf("client tool: %v %s", d, out)
	}
	// Without a session there is nothing to stick to.
	if _, d, _ := tr.Apply(retrieve.OpenAI, "", in, true); d != retrieve.InjectNoSession || !d.Injected() {
		t.Fatalf("no session with markers: %v", d)
	}
	if _, d, _ := tr.Apply(retrieve.OpenAI, "", in, false); d != retrieve.Skip {
		t.Fatalf("no session, no markers: %v", d)
	}
	if tr.Len() != 1 {
		t.Fatalf("tracker remembers %d sessions, want 1", tr.Len())
	}
}

func TestTrackerRejectsUnknownProviderAndBadTools(t *testing.T) {
	tr := retrieve.NewTracker(retrieve.HashOnly, 0)
	if _, _, err := tr.Apply("cohere", "s", nil, true); !errors.Is(err, retrieve.ErrUnknownProvider) {
		t.Fatalf("unknown provider: %v", err)
	}
	if _, _, err := tr.Apply(retrieve.OpenAI, "s", []byte(`{"not":"array"}`), true); err == nil {
		t.Fatal("non-array tools accepted")
	}
}

func TestTrackerEvictsLeastRecentlyUsed(t *testing.T) {
	tr := retrieve.NewTracker(retrieve.HashOnly, 2)
	for _, s := range []string{"a", "b"} {
		tr.Apply(retrieve.OpenAI, s, nil, true)
	}
	tr.Apply(retrieve.OpenAI, "a", nil, false) // a is now the most recent
	tr.Apply(retrieve.OpenAI, "c", nil, true)  // evicts b
	if _, d, _ := tr.Apply(retrieve.OpenAI, "a", nil, false); d != retrieve.InjectStickyReplay {
		t.Errorf("a: %v, want sticky", d)
	}
	if _, d, _ := tr.Apply(retrieve.OpenAI, "b", nil, false); d != retrieve.Skip {
		t.Errorf("b: %v, want forgotten", d)
	}
	if tr.Len() != 2 {
		t.Errorf("Len = %d", tr.Len())
	}
}

func TestTrackerConcurrentFirstInjectionAgrees(t *testing.T) {
	tr := retrieve.NewTracker(retrieve.HashOnly, 100)
	var wg sync.WaitGroup
	outs := make([][]byte, 16)
	for i := range outs {
		wg.Go(func() {
			out, _, err := tr.Apply(retrieve.Anthropic, fmt.Sprint("s", i%4), nil, true)
			if err != nil {
				t.Error(err)
			}
			outs[i] = out
		})
	}
	wg.Wait()
	for i := range outs {
		if !bytes.Equal(outs[i], outs[0]) {
			t.Fatalf("request %d got different tool bytes", i)
		}
	}
}

func TestShouldInject(t *testing.T) {
	for _, tc := range []struct {
		configured bool
		frozen     int
		markers    bool
		want       bool
	}{
		{true, 0, false, true},
		{true, 3, false, false}, // deferred: do not touch a cached prefix
		{true, 3, true, true},   // fresh markers win over the cache
		{false, 0, false, false},
		{false, 0, true, true},
	} {
		if got := retrieve.ShouldInject(tc.configured, tc.frozen, tc.markers); got != tc.want {
			t.Errorf("ShouldInject(%v, %d, %v) = %v", tc.configured, tc.frozen, tc.markers, got)
		}
	}
}

// Expected values computed with Python's hashlib, as the reference does.
func TestSessionID(t *testing.T) {
	if got := retrieve.SessionID("hdr-1", "m", "sys"); got != "hdr-1" {
		t.Errorf("header ignored: %q", got)
	}
	if got := retrieve.SessionID("", "claude-sonnet-4", ""); got != "7b77c6a446e1da37" {
		t.Errorf("no system prompt: %q", got)
	}
	// 600 two-byte characters: only the first 500 characters count.
	if got := retrieve.SessionID("", "m", strings.Repeat("é", 600)); got != "6ca4707d644b22ad" {
		t.Errorf("long prompt: %q", got)
	}
}
