package retrieve_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/ccr/retrieve"
)

func TestParseCall(t *testing.T) {
	up := strings.ToUpper(hashA)
	for _, tc := range []struct {
		p      retrieve.Provider
		call   string
		ok     bool
		id, hs string
	}{
		{retrieve.Anthropic, `{"type":"tool_use","id":"toolu_1","name":"headroom_retrieve","input":{"hash":"` + hashA + `"}}`, true, "toolu_1", hashA},
		{retrieve.Anthropic, `{"type":"tool_use","id":"toolu_2","name":"headroom_retrieve","input":{"hash":"` + hashB + `","query":"x"}}`, true, "toolu_2", hashB},
		{retrieve.Anthropic, `{"type":"tool_use","id":"t","name":"headroom_retrieve","input":{"hash":"` + up + `"}}`, true, "t", up},
		{retrieve.Anthropic, `{"type":"tool_use","id":"t","name":"other","input":{"hash":"` + hashA + `"}}`, false, "", ""},
		{retrieve.Anthropic, `{"type":"tool_use","id":"t","name":"headroom_retrieve","input":{"hash":"` + hashA[:23] + `"}}`, false, "", ""},
		{retrieve.Anthropic, `{"type":"tool_use","id":"t","name":"headroom_retrieve","input":{"hash":"` + hashA[:23] + `g"}}`, false, "", ""},
		{retrieve.Anthropic, `{"type":"tool_use","id":"t","name":"headroom_retrieve","input":{"hash":"0123456789a\u0010"}}`, false, "", ""},
		{retrieve.Anthropic, `{"type":"tool_use","id":"t","name":"headroom_retrieve","input":{"hash":123456789012}}`, false, "", ""},
		{retrieve.Anthropic, `{"type":"tool_use","id":"t","name":"headroom_retrieve"}`, false, "", ""},
		{retrieve.OpenAI, `{"id":"call_1","type":"function","function":{"name":"headroom_retrieve","arguments":"{\"hash\": \"` + hashA + `\"}"}}`, true, "call_1", hashA},
		{retrieve.OpenAI, `{"id":"call_1","type":"function","function":{"name":"headroom_retrieve","arguments":"{not json"}}`, false, "", ""},
		{retrieve.OpenAI, `{"id":"call_1","type":"function","function":{"name":"headroom_retrieve"}}`, false, "", ""},
		{retrieve.Google, `{"functionCall":{"name":"headroom_retrieve","args":{"hash":"` + hashB + `"}}}`, true, "headroom_retrieve", hashB},
		{"litellm", `{"id":"x","name":"headroom_retrieve","args":{"hash":"` + hashB + `"}}`, true, "x", hashB},
		{retrieve.Anthropic, `not json`, false, "", ""},
	} {
		c, ok := retrieve.ParseCall(tc.p, []byte(tc.call))
		if ok != tc.ok || c.ID != tc.id || c.Hash != tc.hs {
			t.Errorf("ParseCall(%s, %s) = %+v, %v; want id %q hash %q ok %v", tc.p, tc.call, c, ok, tc.id, tc.hs, tc.ok)
		}
	}
}

func TestResponseCalls(t *testing.T) {
	for _, tc := range []struct {
		p    retrieve.Provider
		resp string
		want int
	}{
		{retrieve.Anthropic, `{"content":[{"type":"text","text":"hi"},{"type":"tool_use","id":"a","name":"headroom_retrieve","input":{"hash":"` + hashA + `"}},{"type":"tool_use","id":"b","name":"ls","input":{}}]}`, 2},
		{retrieve.OpenAI, `{"choices":[{"message":{"tool_calls":[{"id":"c","type":"function","function":{"name":"headroom_retrieve","arguments":"{\"hash\":\"` + hashA + `\"}"}}]}}]}`, 1},
		{retrieve.Google, `{"candidates":[{"content":{"parts":[{"text":"x"},{"functionCall":{"name":"headroom_retrieve","args":{"hash":"` + hashB + `"}}}]}}]}`, 1},
		{retrieve.OpenAI, `{"choices":[]}`, 0},
	} {
		calls, err := retrieve.ResponseCalls(tc.p, []byte(tc.resp))
		if err != nil || len(calls) != tc.want {
			t.Fatalf("%s: %d calls, %v; want %d", tc.p, len(calls), err, tc.want)
		}
		if tc.want > 0 {
			if _, ok := retrieve.ParseCall(tc.p, calls[0]); !ok {
				t.Errorf("%s: first call %s does not parse as a retrieval", tc.p, calls[0])
			}
		}
	}
}

// The expected texts were produced by Python's json.dumps(obj, indent=2).
func TestResultTextMatchesPythonJSONDumps(t *testing.T) {
	hit := retrieve.Result{Hash: strings.Repeat("ab", 12), Status: retrieve.Available,
		Original: []byte("line1\nπ 🚀 \"q\" \\ \x7f\x01")}
	want := `{
  "hash": "abababababababababababab",
  "original_content": "line1\n\u03c0 \ud83d\ude80 \"q\" \\ \u007f\u0001",
  "original_item_count": 2
}`
	if got := hit.Text(); got != want {
		t.Errorf("hit:\n%s\nwant\n%s", got, want)
	}
	miss := retrieve.Result{Hash: strings.Repeat("ab", 12), Status: retrieve.Expired, TTL: 30 * time.Minute}
	want = `{
  "error": "Entry expired (CCR TTL: 1800 seconds)",
  "hash": "abababababababababababab",
  "status": "expired",
  "ttl_seconds": 1800
}`
	if got := miss.Text(); got != want {
		t.Errorf("expired:\n%s\nwant\n%s", got, want)
	}
}

func TestLookupClassifiesOutcomes(t *testing.T) {
	ctx := context.Background()
	s := memstore.New(10, 50*time.Millisecond)
	if err := s.Put(ctx, hashA, []byte(`[{"id":1},{"id":2},{"id":3}]`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, hashB, []byte("short-lived")); err != nil {
		t.Fatal(err)
	}
	r := retrieve.Lookup(ctx, s, hashA, 50*time.Millisecond)
	if r.Status != retrieve.Available || !strings.Contains(r.Text(), `"original_item_count": 3`) {
		t.Fatalf("hit: %+v\n%s", r, r.Text())
	}
	if r := retrieve.Lookup(ctx, s, hashC, 0); r.Status != retrieve.Missing ||
		!strings.Contains(r.Text(), `"error": "Entry not found (CCR TTL: 1800 seconds)"`) {
		t.Fatalf("missing: %+v\n%s", r, r.Text())
	}
	time.Sleep(120 * time.Millisecond)
	if r := retrieve.Lookup(ctx, s, hashB, 50*time.Millisecond); r.Status != retrieve.Expired ||
		!strings.Contains(r.Text(), `"status": "expired"`) {
		t.Fatalf("expired: %+v\n%s", r, r.Text())
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	r = retrieve.Lookup(canceled, s, hashA, 0)
	if r.Status != retrieve.Failed || !errors.Is(r.Err, context.Canceled) ||
		!strings.Contains(r.Text(), `"error": "Retrieval failed: context canceled"`) {
		t.Fatalf("failed: %+v\n%s", r, r.Text())
	}
	var _ ccr.Store = s
}

func TestResultTextReplacesInvalidUTF8(t *testing.T) {
	r := retrieve.Result{Hash: hashB, Status: retrieve.Available, Original: []byte("a\xffb")}
	if got := r.Text(); !strings.Contains(got, `"original_content": "a\ufffdb"`) {
		t.Fatalf("got %s", got)
	}
}

func TestResultMessageShapes(t *testing.T) {
	text := retrieve.Result{Hash: hashB, Status: retrieve.Missing, TTL: time.Hour}.Text()
	for p, want := range map[retrieve.Provider]string{
		retrieve.Anthropic: `{"type":"tool_result","tool_use_id":"id1","content":`,
		retrieve.OpenAI:    `{"role":"tool","tool_call_id":"id1","content":`,
		retrieve.Google:    `{"functionResponse":{"name":"id1","response":{"error":"Entry not found (CCR TTL: 3600 seconds)","hash":"` + hashB + `","status":"missing","ttl_seconds":3600}}}`,
	} {
		got := string(retrieve.ResultMessage(p, retrieve.Call{ID: "id1", Hash: hashB}, text))
		if !strings.HasPrefix(got, want) {
			t.Errorf("%s: %s\nwant prefix %s", p, got, want)
		}
		mustParse(t, []byte(got))
	}
}

func TestItemCount(t *testing.T) {
	for in, want := range map[string]int{
		``: 0, `[]`: 0, `[1,2,3]`: 3, `{"a":[1,2]}`: 1, "one": 1, "a\nb\n": 2, "a\nb\nc": 3,
	} {
		if got := retrieve.ItemCount([]byte(in)); got != want {
			t.Errorf("ItemCount(%q) = %d, want %d", in, got, want)
		}
	}
}
