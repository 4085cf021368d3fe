package coreapi

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/internal/jsonx"
)

func mustCall(t *testing.T, method, args string) string {
	t.Helper()
	out, err := Call(method, []byte(args))
	if err != nil {
		t.Fatalf("Call(%q, %s): %v", method, args, err)
	}
	if !jsonx.Valid(string(out)) {
		t.Fatalf("Call(%q) returned invalid JSON %q", method, out)
	}
	return string(out)
}

// logRowsJSON is an n-row JSON array of log records, every seventh a
// warning: uniform enough for SmartCrusher to drop rows behind a marker.
func logRowsJSON(n int) string {
	items := make([]string, 0, n)
	for i := range n {
		level := "info"
		if i%7 == 0 {
			level = "warn"
		}
		items = append(items, fmt.Sprintf(`{"id":%d,"level":%q,"message":"seq %d"}`, i, level, i))
	}
	return "[" + strings.Join(items, ",") + "]"
}

func TestHelloReturnsTheCoreMarker(t *testing.T) {
	if got := mustCall(t, "hello", `{}`); got != `"headroom-core"` {
		t.Fatalf("hello = %s", got)
	}
}

func TestVersionReportsTheABI(t *testing.T) {
	v, _ := jsonx.Parse([]byte(mustCall(t, "version", `{}`)))
	abi, _ := v.Get("abi")
	if n, ok := abi.Int64(); !ok || n != ABIVersion {
		t.Fatalf("version abi = %s, want %d", jsonx.Compact(abi), ABIVersion)
	}
}

// TestBadArgumentsAreClassified pins that every malformed call comes back
// as a value or type error naming the problem, never as a result and never
// as an internal failure.
func TestBadArgumentsAreClassified(t *testing.T) {
	cases := []struct {
		method, args string
		kind         Kind
		msg          string
	}{
		{"no_such_method", `{}`, KindValue, "unknown method"},
		{"hello", `{"x":1}`, KindType, `unexpected argument "x"`},
		{"hello", `[]`, KindType, "must be a JSON object"},
		{"hello", `{`, KindValue, "not JSON"},
		{"hello", "{\"a\":\"\xff\"}", KindValue, "not valid UTF-8"},
		{"detect_content_type", `{"content":"\ud800"}`, KindValue, "not JSON"},
		{"detect_content_type", `{}`, KindType, `missing required argument "content"`},
		{"detect_content_type", `{"content":null}`, KindType, "content must be a string, not null"},
		{"count_tokens", `{"text":"x"}`, KindType, `missing required argument "model"`},
		{"smart_crusher.crush", `{"content":"[]","bias":-0.5}`, KindValue, "bias must be non-negative"},
		{"smart_crusher.crush", `{"content":"[]","bias":"1"}`, KindType, "bias must be a number"},
		{"smart_crusher.crush", `{"content":"[]","bias":1e400}`, KindValue, "out of range"},
		{"smart_crusher.crush", `{"content":"[]","compaction":"csv"}`, KindValue, `unknown compaction format "csv"`},
		{"smart_crusher.config", `{"config":{"nope":1}}`, KindType, `unexpected keyword argument "nope"`},
		{"smart_crusher.config", `{"config":{"max_items_after_crush":-1}}`, KindValue, "non-negative integer"},
		{"smart_crusher.config", `{"config":{"max_items_after_crush":1.5}}`, KindValue, "non-negative integer"},
		{"smart_crusher.config", `{"config":{"max_items_after_crush":null}}`, KindType, "must be an integer, not null"},
		{"smart_crusher.config", `{"config":{"enable_ccr_marker":1}}`, KindType, "must be a boolean"},
		{"smart_crusher.config", `{"config":{"first_fraction":2}}`, KindValue, "smartcrusher"},
		{"smart_crusher.config", `{"config":[]}`, KindType, "config must be an object"},
		{"diff_compressor.config", `{"config":{"max_hunks_per_file":1}}`, KindValue, "invalid config"},
		{"log_compressor.compress", `{"content":"x","bias":-1}`, KindValue, "bias must be non-negative"},
		{"search_compressor.config", `{"config":{"context_keywords":["ok",3]}}`, KindType, "context_keywords[1] must be a string"},
		{"search_compressor.config", `{"config":{"context_keywords":[""]}}`, KindValue, "invalid config"},
		{"text_crusher.compress", `{"content":"x","target_ratio":"half"}`, KindType, "target_ratio must be a number"},
		{"text_crusher.config", `{"config":{"target_ratio":0}}`, KindValue, "invalid config"},
		{"ccr_get", `{"hash":""}`, KindValue, "invalid key"},
		{"compress", `{"content":"x","bias":-2}`, KindValue, "bias must be non-negative"},
		{"compress", `{"content":"x","compress_search":"yes"}`, KindType, "compress_search must be a boolean"},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.args, func(t *testing.T) {
			out, err := Call(c.method, []byte(c.args))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Call = %q, %v; want an *Error", out, err)
			}
			if e.Kind != c.kind || !strings.Contains(e.Error(), c.msg) || !strings.HasPrefix(e.Error(), c.method+": ") {
				t.Fatalf("error = %s %q; want %s containing %q, prefixed with the method", e.Kind, e.Error(), c.kind, c.msg)
			}
		})
	}
}

// TestPanicBecomesInternalError registers a method that panics, as a
// transform bug would, and checks the caller gets an error instead.
func TestPanicBecomesInternalError(t *testing.T) {
	const name = "test.panics"
	methods[name] = func(context.Context, *request) ([]byte, *Error) { panic("boom") }
	defer delete(methods, name)
	_, err := Call(name, []byte(`{}`))
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindInternal || !strings.Contains(e.Msg, "panic: boom") {
		t.Fatalf("err = %v, want an internal error reporting the panic", err)
	}
}

// TestConfigRoundTrips checks, for every transform, that a keyword reaches
// the effective configuration and that feeding the effective configuration
// back in changes nothing (the Python config classes rely on both).
func TestConfigRoundTrips(t *testing.T) {
	cases := map[string]string{
		"smart_crusher":     `{"max_items_after_crush":7,"enabled":false}`,
		"diff_compressor":   `{"max_context_lines":0,"always_keep_additions":false}`,
		"log_compressor":    `{"max_warnings":1}`,
		"search_compressor": `{"context_keywords":["needle"],"group_by_file":true}`,
		"text_crusher":      `{"target_ratio":0.25}`,
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			eff := mustCall(t, name+".config", `{"config":`+cfg+`}`)
			given, _ := jsonx.Parse([]byte(cfg))
			effective, _ := jsonx.Parse([]byte(eff))
			for _, m := range given.Members() {
				got, ok := effective.Get(m.Key)
				if !ok || !jsonx.Equal(got, m.Value) {
					t.Errorf("%s = %s in %s, want %s", m.Key, jsonx.Compact(got), eff, jsonx.Compact(m.Value))
				}
			}
			if again := mustCall(t, name+".config", `{"config":`+eff+`}`); again != eff {
				t.Errorf("effective config is not a fixed point:\n%s\n%s", eff, again)
			}
		})
	}
}

var markerKey = regexp.MustCompile(`<<ccr:([0-9a-f]+)`)

// TestSmartCrusherMarkersResolve crushes an array with rows to drop and
// retrieves the original through the marker the output names.
func TestSmartCrusherMarkersResolve(t *testing.T) {
	const rows = 60
	content := logRowsJSON(rows)
	args := jsonx.ObjectValue([]jsonx.Member{
		{Key: "content", Value: jsonx.StringValue(content)},
		{Key: "compaction", Value: jsonx.StringValue("off")},
	})
	out := mustCall(t, "smart_crusher.crush", jsonx.Compact(args))
	res, _ := jsonx.Parse([]byte(out))
	compressed, _ := res.Get("compressed")
	text, _ := compressed.Str()
	m := markerKey.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no CCR marker in %s", text)
	}
	got := mustCall(t, "ccr_get", `{"hash":"`+m[1]+`"}`)
	orig, _ := jsonx.Parse([]byte(got))
	s, _ := orig.Str()
	arr, err := jsonx.Parse([]byte(s))
	if err != nil || len(arr.Items()) != rows {
		t.Fatalf("ccr_get(%s) = %.200s; want the %d-row original", m[1], got, rows)
	}
}

// TestDiffCacheKeyResolves compresses a diff long enough for a marker and
// reads the original back, byte for byte, under its cache_key.
func TestDiffCacheKeyResolves(t *testing.T) {
	var b strings.Builder
	b.WriteString("diff --git a/f.go b/f.go\n--- a/f.go\n+++ b/f.go\n@@ -1,61 +1,61 @@\n")
	for i := range 30 {
		fmt.Fprintf(&b, " context line %d\n", i)
	}
	b.WriteString("-old line\n+new line\n")
	for i := range 30 {
		fmt.Fprintf(&b, " trailing context %d\n", i)
	}
	content := b.String()
	args := jsonx.ObjectValue([]jsonx.Member{{Key: "content", Value: jsonx.StringValue(content)}})
	res, _ := jsonx.Parse([]byte(mustCall(t, "diff_compressor.compress", jsonx.Compact(args))))
	key, _ := res.Get("cache_key")
	k, ok := key.Str()
	if !ok {
		t.Fatalf("cache_key = %s, want a key", jsonx.Compact(key))
	}
	got, _ := jsonx.Parse([]byte(mustCall(t, "ccr_get", `{"hash":"`+k+`"}`)))
	if s, _ := got.Str(); s != content {
		t.Fatalf("ccr_get returned %q, want the original diff", s)
	}
}

func TestCCRGetMissIsNull(t *testing.T) {
	if got := mustCall(t, "ccr_get", `{"hash":"000000000000000000000000"}`); got != "null" {
		t.Fatalf("ccr_get of an unknown key = %s, want null", got)
	}
}

// TestKeywordsReachTheTransform checks that a config keyword changes what
// the transform does, not only what the config echoes.
func TestKeywordsReachTheTransform(t *testing.T) {
	var b strings.Builder
	for i := range 40 {
		fmt.Fprintf(&b, "src/file%d.go:%d:func handler%d() error {\n", i%4, i+1, i)
	}
	content := jsonx.Compact(jsonx.StringValue(b.String()))
	matches := func(cfg string) int64 {
		res, _ := jsonx.Parse([]byte(mustCall(t, "search_compressor.compress", `{"content":`+content+`,"config":`+cfg+`}`)))
		n, _ := res.Get("compressed_match_count")
		i, _ := n.Int64()
		return i
	}
	if one, five := matches(`{"max_matches_per_file":1}`), matches(`{"max_matches_per_file":5}`); one >= five {
		t.Fatalf("max_matches_per_file 1 kept %d matches, 5 kept %d", one, five)
	}
}

// TestCompressOffloadsAndMarkersResolve runs the library entry point on a
// large log array: the result must be smaller in tokens, and every marker
// it names must resolve to a stored original.
func TestCompressOffloadsAndMarkersResolve(t *testing.T) {
	var items []string
	for i := range 300 {
		level := "info"
		if i%50 == 0 {
			level = "error"
		}
		items = append(items, fmt.Sprintf(`{"id":%d,"level":%q,"message":"request %d served in %dms"}`, i, level, i, i%17))
	}
	content := jsonx.Compact(jsonx.StringValue("[" + strings.Join(items, ",") + "]"))
	res, _ := jsonx.Parse([]byte(mustCall(t, "compress", `{"content":`+content+`}`)))
	get := func(k string) jsonx.Value { v, _ := res.Get(k); return v }
	if s, _ := get("outcome").Str(); s != "compressed" {
		t.Fatalf("outcome = %s in %s", s, jsonx.Compact(res))
	}
	before, _ := get("tokens_before").Int64()
	after, _ := get("tokens_after").Int64()
	if after >= before {
		t.Fatalf("tokens %d -> %d", before, after)
	}
	markers := get("markers").Items()
	if len(markers) == 0 {
		t.Fatalf("no markers in %s", jsonx.Compact(res))
	}
	for _, m := range markers {
		k, _ := m.Str()
		if got := mustCall(t, "ccr_get", `{"hash":"`+k+`"}`); got == "null" {
			t.Errorf("marker %s does not resolve", k)
		}
	}
}

func TestCompressLeavesShortTextAlone(t *testing.T) {
	res, _ := jsonx.Parse([]byte(mustCall(t, "compress", `{"content":"just a short note"}`)))
	text, _ := res.Get("text")
	outcome, _ := res.Get("outcome")
	if s, _ := text.Str(); s != "just a short note" {
		t.Fatalf("text = %q", s)
	}
	if s, _ := outcome.Str(); s == "compressed" || s == "failed" {
		t.Fatalf("outcome = %s", s)
	}
}
