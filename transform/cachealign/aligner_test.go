package cachealign

import (
	"reflect"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/tokenizer"
)

// o200k is the tokenizer the reference fixtures were recorded with.
func o200k() Counter { return ChatCounter{Text: tokenizer.ForModel("gpt-4o-mini")} }

func mustParse(t testing.TB, s string) jsonx.Value {
	t.Helper()
	v, err := jsonx.ParseString(s)
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return v
}

func newAligner(t testing.TB, counter Counter) *Aligner {
	t.Helper()
	a, err := New(DefaultConfig(), counter)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func contentOf(t testing.TB, msgs jsonx.Value, i int) string {
	t.Helper()
	c, _ := msgs.Items()[i].Get("content")
	s, ok := c.Str()
	if !ok {
		t.Fatalf("message %d content is not a string", i)
	}
	return s
}

// The spec's worked example (§6.2, fixture 0225460359a992d9), with the
// numbers it states: 57 bytes, hash d6c0c0f0a1603e63, 15 prefix tokens,
// 47 tokens before and 51 after.
func TestApplyWorkedExample(t *testing.T) {
	a := newAligner(t, o200k())
	msgs := mustParse(t, `[{"role":"system","content":"You are a helpful assistant. The date is 2026-04-23. Request id 12."},{"role":"user","content":"Question number 12: what is 2+2?"}]`)
	res, err := a.Apply(msgs, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := contentOf(t, res.Messages, 0), "You are a helpful assistant. The date is . Request id 12.\n\n---\n[Dynamic Context]\n2026-04-23"; got != want {
		t.Errorf("system content = %q, want %q", got, want)
	}
	if got := contentOf(t, res.Messages, 1); got != "Question number 12: what is 2+2?" {
		t.Errorf("user content changed: %q", got)
	}
	want := CacheMetrics{StablePrefixBytes: 57, StablePrefixTokensEst: 15, StablePrefixHash: "d6c0c0f0a1603e63"}
	if res.CacheMetrics != want {
		t.Errorf("metrics = %+v, want %+v", res.CacheMetrics, want)
	}
	if res.TokensBefore != 47 || res.TokensAfter != 51 {
		t.Errorf("tokens %d -> %d, want 47 -> 51", res.TokensBefore, res.TokensAfter)
	}
	if !reflect.DeepEqual(res.TransformsApplied, []string{TransformName}) ||
		!reflect.DeepEqual(res.MarkersInserted, []string{"stable_prefix_hash:d6c0c0f0a1603e63"}) ||
		len(res.Warnings) != 0 || res.Detected[CategoryDate] != 1 {
		t.Errorf("result = %+v", res)
	}
}

// The point of the aligner: requests that differ only in a dynamic value
// share the stable prefix, so the second one reports no change.
func TestApplyStablePrefixIgnoresDynamicValues(t *testing.T) {
	a := newAligner(t, nil)
	first, err := a.Apply(mustParse(t, `[{"role":"system","content":"Be brief. Today: 2026-04-23, session 550e8400-e29b-41d4-a716-446655440000."}]`), 0)
	if err != nil {
		t.Fatal(err)
	}
	second, err := a.Apply(mustParse(t, `[{"role":"system","content":"Be brief. Today: 2026-04-24, session 123e4567-e89b-12d3-a456-426614174000."}]`), 0)
	if err != nil {
		t.Fatal(err)
	}
	if first.CacheMetrics.PreviousHash != "" || first.CacheMetrics.PrefixChanged {
		t.Errorf("first request: %+v", first.CacheMetrics)
	}
	m := second.CacheMetrics
	if m.StablePrefixHash != first.CacheMetrics.StablePrefixHash || m.PrefixChanged || m.PreviousHash != first.CacheMetrics.StablePrefixHash {
		t.Errorf("second request: %+v, first hash %s", m, first.CacheMetrics.StablePrefixHash)
	}
	third, err := a.Apply(mustParse(t, `[{"role":"system","content":"Be verbose. Today: 2026-04-24."}]`), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !third.CacheMetrics.PrefixChanged {
		t.Errorf("a changed static text must report a changed prefix: %+v", third.CacheMetrics)
	}
}

// Messages below the frozen count are in the provider's cache: neither
// extraction nor whitespace normalisation may touch them.
func TestApplyRespectsFrozenCount(t *testing.T) {
	a := newAligner(t, nil)
	in := `[{"role":"system","content":"Old prompt 2026-01-01  \r\n\r\n\r\nend"},` +
		`{"role":"user","content":"hi  \r\n"},` +
		`{"role":"system","content":"New prompt 2026-04-23"},` +
		`{"role":"user","content":"question  \r\n\n\n\nmore"}]`
	msgs := mustParse(t, in)
	res, err := a.Apply(msgs, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if got, want := jsonx.Compact(res.Messages.Items()[i]), jsonx.Compact(msgs.Items()[i]); got != want {
			t.Errorf("frozen message %d changed: %s -> %s", i, want, got)
		}
	}
	if got := contentOf(t, res.Messages, 2); got != "New prompt\n\n---\n[Dynamic Context]\n2026-04-23" {
		t.Errorf("unfrozen system message = %q", got)
	}
	if got := contentOf(t, res.Messages, 3); got != "question\n\nmore" {
		t.Errorf("unfrozen user message not normalised: %q", got)
	}
	// The prefix runs over leading system messages only, frozen or not.
	if want := "Old prompt 2026-01-01  \r\n\r\n\r\nend"; res.CacheMetrics.StablePrefixBytes != len(pyStrip(want)) {
		t.Errorf("prefix bytes = %d, want %d", res.CacheMetrics.StablePrefixBytes, len(pyStrip(want)))
	}
}

func TestApplyNoteFormats(t *testing.T) {
	for _, tc := range []struct {
		content, tail string
	}{
		{"A 2026-04-23 B 2026-04-24 C 2026-04-25", "2026-04-23, 2026-04-24, 2026-04-25"},
		{"A 2026-04-23 B 2026-04-24 C 2026-04-25 D 2026-04-26", "- 2026-04-23\n- 2026-04-24\n- 2026-04-25\n- 2026-04-26"},
	} {
		a := newAligner(t, nil)
		res, err := a.Apply(jsonx.ArrayValue([]jsonx.Value{jsonx.ObjectValue([]jsonx.Member{
			{Key: "role", Value: jsonx.StringValue("system")},
			{Key: "content", Value: jsonx.StringValue(tc.content)},
		})}), 0)
		if err != nil {
			t.Fatal(err)
		}
		got := contentOf(t, res.Messages, 0)
		if _, tail, ok := strings.Cut(got, DefaultTailSeparator); !ok || tail != tc.tail {
			t.Errorf("%q -> %q, want tail %q", tc.content, got, tc.tail)
		}
	}
}

// Values found in several system messages all go to the last one, and
// the stable prefix joins the leading system messages' static parts.
func TestApplyMultipleSystemMessages(t *testing.T) {
	a := newAligner(t, nil)
	res, err := a.Apply(mustParse(t, `[{"role":"system","content":"One 2026-04-23"},{"role":"system","content":"Two v1.2.3"},{"role":"user","content":"q"},{"role":"system","content":"Three"}]`), 0)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{contentOf(t, res.Messages, 0), contentOf(t, res.Messages, 1), contentOf(t, res.Messages, 3)}
	want := []string{"One", "Two", "Three" + DefaultTailSeparator + "2026-04-23, v1.2.3"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("contents = %q, want %q", got, want)
	}
	if res.CacheMetrics.StablePrefixHash != shortHash("One\n---\nTwo") {
		t.Errorf("prefix hash %s is not the hash of the two leading parts", res.CacheMetrics.StablePrefixHash)
	}
}

// Without dynamic content Apply only normalises whitespace, so applying it
// to its own output changes nothing.
func TestApplyIdempotentWithoutDynamicContent(t *testing.T) {
	a := newAligner(t, nil)
	msgs := mustParse(t, `[{"role":"system","content":"Be helpful.  \r\n\r\n\r\nAnswer briefly."},{"role":"user","content":"Why?\t\n"}]`)
	once, err := a.Apply(msgs, 0)
	if err != nil {
		t.Fatal(err)
	}
	twice, err := a.Apply(once.Messages, 0)
	if err != nil {
		t.Fatal(err)
	}
	if jsonx.Compact(once.Messages) != jsonx.Compact(twice.Messages) {
		t.Errorf("not idempotent:\n%s\n%s", jsonx.Compact(once.Messages), jsonx.Compact(twice.Messages))
	}
	if len(once.TransformsApplied) != 0 || contentOf(t, once.Messages, 0) != "Be helpful.\n\nAnswer briefly." {
		t.Errorf("once = %+v", once)
	}
	if twice.CacheMetrics.PrefixChanged || twice.CacheMetrics.StablePrefixHash != once.CacheMetrics.StablePrefixHash {
		t.Errorf("prefix moved: %+v -> %+v", once.CacheMetrics, twice.CacheMetrics)
	}
}

// Python dict semantics at the edges: a missing content reads as "", a
// null content is not a string, and assignment appends a missing key.
func TestApplyContentEdgeCases(t *testing.T) {
	a := newAligner(t, nil)
	res, err := a.Apply(mustParse(t, `[{"role":"system","content":null},{"role":"system","content":"A 2026-04-23"},{"role":"system"}]`), 0)
	if err != nil {
		t.Fatal(err)
	}
	items := res.Messages.Items()
	if c, _ := items[0].Get("content"); !c.IsNull() {
		t.Errorf("null content changed to %s", jsonx.Compact(c))
	}
	last := items[2].Members()
	if len(last) != 2 || last[1].Key != "content" {
		t.Fatalf("last system message = %s", jsonx.Compact(items[2]))
	}
	if s, _ := last[1].Value.Str(); s != DefaultTailSeparator+"2026-04-23" {
		t.Errorf("reinserted content = %q", s)
	}
}

func TestApplyRejectsMalformedMessages(t *testing.T) {
	a := newAligner(t, o200k())
	for _, in := range []string{`{}`, `"x"`, `[1]`, `[{"role":"user","content":"x"},[]]`, `[{"role":5}]`, `[{"role":"user","name":7}]`} {
		if _, err := a.Apply(mustParse(t, in), 0); err == nil {
			t.Errorf("Apply(%s) succeeded", in)
		}
	}
	if res, err := a.Apply(mustParse(t, `[{"role":"system","content":"A"}]`), 0); err != nil || res.CacheMetrics.PreviousHash != "" {
		t.Errorf("failed calls must not record a previous hash: %+v, %v", res.CacheMetrics, err)
	}
}

func TestResultJSONShape(t *testing.T) {
	a := newAligner(t, nil)
	res, err := a.Apply(mustParse(t, `[{"role":"system","content":"é 2026-04-23"}]`), 0)
	if err != nil {
		t.Fatal(err)
	}
	got := string(res.AppendJSON(nil))
	for _, want := range []string{
		`"messages": [{"role": "system", "content": "\u00e9\n\n---\n[Dynamic Context]\n2026-04-23"}]`,
		`"diff_artifact": null`, `"previous_hash": null`, `"timing": {}`, `"waste_signals": null`,
		`"transforms_applied": ["cache_align"]`, `"warnings": []`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("JSON lacks %s:\n%s", want, got)
		}
	}
}
