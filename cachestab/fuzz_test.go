package cachestab

import (
	"strings"
	"testing"

	"github.com/headroom-go/headroom/authmode"
	"github.com/headroom-go/headroom/internal/jsonx"
)

var allEndpoints = [...]Endpoint{Messages, ChatCompletions, Responses}

// FuzzNormalize: for any JSON body, Normalize never panics, never edits
// its input, writes valid JSON that re-parses to Result.Value, keeps the
// number of tools, adds at most one marker, is idempotent, and leaves
// non-payg bodies alone. Seeds: testdata/fuzz/FuzzNormalize.
func FuzzNormalize(f *testing.F) {
	f.Add([]byte(`{"tools":[{"name":"b","input_schema":{"z":1,"a":[{"y":1.0,"x":1e5}]}},{"function":{"name":"a","parameters":{"b":1,"a":2}}},{"description":"nameless"}],"messages":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := jsonx.Parse(data)
		if err != nil {
			return
		}
		before := jsonx.Compact(v)
		for _, ep := range allEndpoints {
			if r := Normalize(v, ep, authmode.OAuth); r.Body != nil {
				t.Fatalf("%v: oauth body rewritten", ep)
			}
			r := Normalize(v, ep, authmode.Payg)
			if jsonx.Compact(v) != before {
				t.Fatalf("%v: input changed", ep)
			}
			if r.Body == nil {
				if jsonx.Compact(r.Value) != before {
					t.Fatalf("%v: value changed without a body", ep)
				}
				continue
			}
			out, err := jsonx.Parse(r.Body)
			if err != nil {
				t.Fatalf("%v: invalid output %q: %v", ep, r.Body, err)
			}
			if string(r.Body) != jsonx.Compact(r.Value) || !jsonx.Equal(out, r.Value) {
				t.Fatalf("%v: Body and Value disagree", ep)
			}
			inTools, _ := v.Get("tools")
			outTools, _ := out.Get("tools")
			if inTools.Len() != outTools.Len() {
				t.Fatalf("%v: tool count %d -> %d", ep, inTools.Len(), outTools.Len())
			}
			if added := strings.Count(string(r.Body), `"cache_control"`) - strings.Count(before, `"cache_control"`); added > 1 || (added == 1) != (r.CacheControl == Applied) {
				t.Fatalf("%v: %d markers added, status %v", ep, added, r.CacheControl)
			}
			again := Normalize(out, ep, authmode.Payg)
			if again.Body != nil {
				t.Fatalf("%v: not idempotent:\n%s\n%s", ep, r.Body, again.Body)
			}
		}
	})
}

// FuzzPromptCacheKey: injection never panics, appends a 32-hex key after
// the existing members (or replaces an empty one in place), and a second
// run leaves the body alone. Seeds: testdata/fuzz/FuzzPromptCacheKey.
func FuzzPromptCacheKey(f *testing.F) {
	f.Add([]byte(`{"model":"gpt-4o","messages":[{"role":"system","content":"s"}],"tools":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := jsonx.Parse(data)
		if err != nil {
			return
		}
		before := jsonx.Compact(v)
		for _, ep := range [...]Endpoint{ChatCompletions, Responses} {
			r := InjectPromptCacheKey(v, ep, authmode.Payg)
			if jsonx.Compact(v) != before {
				t.Fatal("input changed")
			}
			if r.Status != Applied {
				if r.Body != nil {
					t.Fatalf("status %v with a body", r.Status)
				}
				continue
			}
			if len(r.Key) != 32 || strings.Trim(r.Key, "0123456789abcdef") != "" {
				t.Fatalf("key %q", r.Key)
			}
			if _, had := v.Get("prompt_cache_key"); !had {
				want := before[:len(before)-1]
				if v.Len() > 0 {
					want += ","
				}
				want += `"prompt_cache_key":"` + r.Key + `"}`
				if string(r.Body) != want {
					t.Fatalf("got %s\nwant %s", r.Body, want)
				}
			}
			out, err := jsonx.Parse(r.Body)
			if err != nil {
				t.Fatalf("invalid output: %v", err)
			}
			if again := InjectPromptCacheKey(out, ep, authmode.Payg); again.Status != SkippedKeyPresent {
				t.Fatalf("second run: %v", again.Status)
			}
		}
	})
}
