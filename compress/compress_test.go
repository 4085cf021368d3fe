package compress_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/ccr/sqlitestore"
	"github.com/headroom-go/headroom/compress"
	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/pipeline"
	"github.com/headroom-go/headroom/pipeline/reformat"
	"github.com/headroom-go/headroom/tokenizer"
	"github.com/headroom-go/headroom/transform"
	"github.com/headroom-go/headroom/transform/detect"
)

// Sample tool outputs of each kind.
var (
	prettyRows = func() string {
		var b strings.Builder
		b.WriteString("[\n")
		for i := range 120 {
			if i > 0 {
				b.WriteString(",\n")
			}
			fmt.Fprintf(&b, "  {\n    \"id\": %d,\n    \"host\": \"server-%02d\",\n    \"status\": \"%s\",\n    \"latency_ms\": %d\n  }",
				i, i%7, []string{"ok", "ok", "ok", "degraded"}[i%4], 20+i%13)
		}
		b.WriteString("\n]")
		return b.String()
	}()
	serviceLog = func() string {
		var b strings.Builder
		for i := range 400 {
			switch {
			case i%97 == 13:
				fmt.Fprintf(&b, "2025-01-06 00:%02d:%02d ERROR payment gateway timeout after %dms (order %d)\n", i/60%60, i%60, 3000+i, 9000+i)
			case i%41 == 7:
				fmt.Fprintf(&b, "2025-01-06 00:%02d:%02d WARN retrying connection to replica-%d\n", i/60%60, i%60, i%3)
			default:
				fmt.Fprintf(&b, "2025-01-06 00:%02d:%02d INFO request handled path=/api/v1/items/%d status=200 duration=%dms\n", i/60%60, i%60, i, 10+i%17)
			}
		}
		return b.String()
	}()
	heartbeatLog = func() string {
		var b strings.Builder
		for i := range 400 {
			if i%50 == 7 {
				fmt.Fprintf(&b, "2025-01-06 00:%02d:%02d ERROR worker-%d lost its lease (attempt %d)\n", i/60%60, i%60, i%5, i)
			} else {
				b.WriteString("2025-01-06 INFO heartbeat from worker-3: ok\n")
			}
		}
		return b.String()
	}()
	contextDiff = func() string {
		var b strings.Builder
		for f := range 8 {
			name := fmt.Sprintf("pkg/module%d/file.go", f)
			fmt.Fprintf(&b, "diff --git a/%s b/%s\nindex 1111111..2222222 100644\n--- a/%s\n+++ b/%s\n@@ -1,31 +1,31 @@\n", name, name, name, name)
			for i := range 30 {
				if i == 15 {
					fmt.Fprintf(&b, "-\treturn oldValue(%d)\n+\treturn newValue(%d)\n", f, f)
				}
				fmt.Fprintf(&b, " \tunchanged line %d of %s\n", i, name)
			}
		}
		return b.String()
	}()
	lockDiff = func() string {
		var b strings.Builder
		b.WriteString("diff --git a/package.json b/package.json\n--- a/package.json\n+++ b/package.json\n@@ -3 +3 @@\n-  \"left-pad\": \"1.0.0\"\n+  \"left-pad\": \"1.0.1\"\n")
		b.WriteString("diff --git a/package-lock.json b/package-lock.json\n--- a/package-lock.json\n+++ b/package-lock.json\n@@ -1,40 +1,40 @@\n")
		for i := range 40 {
			fmt.Fprintf(&b, "-    \"integrity\": \"sha512-%040d\",\n+    \"integrity\": \"sha512-%040d\",\n", i, i+1)
		}
		return b.String()
	}()
	grepOutput = func() string {
		var b strings.Builder
		for i := range 60 {
			fmt.Fprintf(&b, "src/handlers/user.go:%d:\tif err := validate(req); err != nil { // case %d\n", 10+i*3, i)
		}
		return b.String()
	}()
	pythonSource = "import os\nimport sys\n\n\ndef main():\n    return 0\n\n\nclass Runner:\n    def run(self):\n        pass\n\n\nif __name__ == \"__main__\":\n    sys.exit(main())\n"
	htmlPage     = "<!DOCTYPE html>\n<html><head><title>x</title></head><body><div>hello</div><span>a</span><nav>b</nav></body></html>"
	prose        = "The deployment finished without incident. All services reported healthy within two minutes, and the latency budget was untouched."
)

func newCompressor(t testing.TB, store ccr.Store, opts ...func(*compress.Options)) *compress.Compressor {
	t.Helper()
	o := compress.Options{Store: store}
	for _, f := range opts {
		f(&o)
	}
	c, err := compress.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRouteNamesEachKind(t *testing.T) {
	for _, tc := range []struct {
		content string
		want    transform.ContentType
	}{
		{prettyRows, transform.JSONArray},
		{`{"total": 2, "items": [{"a": 1}, {"a": 2}]}`, transform.JSONArray},
		{contextDiff, transform.GitDiff},
		{"--- old.txt\n+++ new.txt\n@@ -1 +1 @@\n-a\n+b\n", transform.GitDiff},
		{grepOutput, transform.SearchResults},
		{serviceLog, transform.BuildOutput},
		{pythonSource, transform.SourceCode},
		{htmlPage, transform.HTML},
		{prose, transform.PlainText},
		{"{not json", transform.PlainText},
		{"", transform.PlainText},
		{" \n\t", transform.PlainText},
	} {
		if got := compress.Route(tc.content); got != tc.want {
			t.Errorf("Route(%.50q) = %s, want %s", tc.content, got, tc.want)
		}
	}
}

// markerRe finds the keys of every CCR marker syntax the steps emit.
var markerRe = regexp.MustCompile(`hash=([0-9a-f]{24})\]|<<ccr:([0-9a-f]{12,24})[ ,>]`)

// checkMarkers verifies that every marker in out that was not already in
// in resolves in store, and that every key in st.Markers resolves.
func checkMarkers(t testing.TB, store ccr.Store, in, out string, st compress.Stats) {
	t.Helper()
	ctx := context.Background()
	for _, k := range st.Markers {
		if !strings.Contains(out, k) {
			t.Errorf("marker key %s is not in the output", k)
		}
		if _, err := store.Get(ctx, k); err != nil {
			t.Errorf("marker key %s does not resolve: %v", k, err)
		}
	}
	for _, m := range markerRe.FindAllStringSubmatch(out, -1) {
		k := m[1] + m[2]
		if strings.Contains(in, k) {
			continue
		}
		if _, err := store.Get(ctx, k); err != nil {
			t.Errorf("marker %q in the output does not resolve: %v", m[0], err)
		}
	}
}

func TestCompressRoutesEachKindToItsSteps(t *testing.T) {
	store := memstore.New(0, 0)
	c := newCompressor(t, store)
	for _, tc := range []struct {
		name    string
		content string
		outcome compress.Outcome
		steps   []string
	}{
		{"json array", prettyRows, compress.Compressed, []string{"json_minifier", "json_offload"}},
		// Varied lines: the template miner folds them, and the bloat
		// estimate (0.48) stays under the threshold.
		{"templated log", serviceLog, compress.Compressed, []string{"log_template"}},
		// Repetitive lines: nothing to fold, clearly bloated.
		{"heartbeat log", heartbeatLog, compress.Compressed, []string{"log_offload"}},
		{"context-heavy diff", contextDiff, compress.Compressed, []string{"diff_offload"}},
		{"lockfile diff", lockDiff, compress.Compressed, []string{"diff_noise"}},
		// The reference leaves grep output, code, HTML and prose alone.
		{"search", grepOutput, compress.Unchanged, nil},
		{"code", pythonSource, compress.Unchanged, nil},
		{"html", htmlPage, compress.Unchanged, nil},
		{"prose", prose, compress.Unchanged, nil},
		{"empty", "", compress.Unchanged, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := c.Compress(context.Background(), tc.content, compress.Request{})
			if err != nil {
				t.Fatal(err)
			}
			st := res.Stats
			if st.Outcome != tc.outcome || !slices.Equal(st.Steps, tc.steps) {
				t.Fatalf("outcome %s steps %v, want %s %v (passed %+v)", st.Outcome, st.Steps, tc.outcome, tc.steps, st.Passed)
			}
			if st.Outcome != compress.Compressed {
				if res.Text != tc.content || st.TokensAfter != st.TokensBefore {
					t.Fatal("unchanged content was altered")
				}
				return
			}
			if st.TokensAfter >= st.TokensBefore || st.BytesAfter != len(res.Text) || st.BytesBefore != len(tc.content) {
				t.Fatalf("stats %+v", st)
			}
			offloaded := slices.ContainsFunc(st.Steps, func(s string) bool { return s != "json_minifier" && s != "log_template" })
			if offloaded != (len(st.Markers) > 0) {
				t.Fatalf("steps %v but markers %v", st.Steps, st.Markers)
			}
			checkMarkers(t, store, tc.content, res.Text, st)
		})
	}
}

// The first offload's key resolves to exactly the text it was given: the
// input when no reformat ran before it, else the reformat's output.
func TestMarkersResolveToTheStepInput(t *testing.T) {
	store := memstore.New(0, 0)
	c := newCompressor(t, store)
	ctx := context.Background()

	res, err := c.Compress(ctx, heartbeatLog, compress.Request{})
	if err != nil || len(res.Stats.Markers) != 1 {
		t.Fatalf("markers %v, err %v", res.Stats.Markers, err)
	}
	got, err := store.Get(ctx, res.Stats.Markers[0])
	if err != nil || string(got) != heartbeatLog {
		t.Fatalf("log marker resolves to %d bytes (%v), want the input", len(got), err)
	}

	res, err = c.Compress(ctx, prettyRows, compress.Request{})
	if err != nil || len(res.Stats.Markers) != 1 {
		t.Fatalf("markers %v, err %v", res.Stats.Markers, err)
	}
	minified, err := reformat.JSONMinifier{}.Reformat(prettyRows)
	if err != nil {
		t.Fatal(err)
	}
	got, err = store.Get(ctx, res.Stats.Markers[0])
	if err != nil || string(got) != minified {
		t.Fatalf("json marker resolves to %d bytes (%v), want the minified input", len(got), err)
	}
	a, _ := jsonx.ParseString(prettyRows)
	b, _ := jsonx.ParseString(string(got))
	if !jsonx.Equal(a, b) {
		t.Fatal("the stored JSON is not the input's value")
	}
	body, marker, ok := strings.Cut(res.Text, "\n[json_offload CCR: hash=")
	if !ok || marker != res.Stats.Markers[0]+"]" || !jsonx.Valid(body) {
		t.Fatalf("json output is not crushed JSON plus the marker line: %.200q", res.Text)
	}
}

func TestWithoutAStoreOnlyLosslessStepsRun(t *testing.T) {
	c := newCompressor(t, nil)
	res, err := c.Compress(context.Background(), prettyRows, compress.Request{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Stats.Steps, []string{"json_minifier"}) || len(res.Stats.Markers) != 0 || markerRe.MatchString(res.Text) {
		t.Fatalf("steps %v markers %v", res.Stats.Steps, res.Stats.Markers)
	}
	for _, in := range []string{serviceLog, contextDiff} {
		res, err := c.Compress(context.Background(), in, compress.Request{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range res.Stats.Steps {
			if strings.Contains(s, "offload") || s == "diff_noise" {
				t.Fatalf("offload %s ran without a store", s)
			}
		}
	}
}

// vowelDropper is a reformat that shortens text but makes it cost more
// tokens: it exercises the token gate through the Extra registration API.
type vowelDropper struct{}

func (vowelDropper) Name() string { return "vowel_dropper" }
func (vowelDropper) Reformat(s string) (string, error) {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune("aeiou", r) {
			return -1
		}
		return r
	}, s), nil
}

func TestTokenGateKeepsTheInput(t *testing.T) {
	c := newCompressor(t, nil, func(o *compress.Options) {
		o.Model = "gpt-4o"
		o.Extra = []pipeline.Registration{pipeline.Reformat(vowelDropper{}, transform.PlainText)}
	})
	in := strings.Repeat("the quick brown fox jumps over the lazy dog and then returns home. ", 20)
	res, err := c.Compress(context.Background(), in, compress.Request{})
	if err != nil {
		t.Fatal(err)
	}
	bpe := tokenizer.ForModel("gpt-4o")
	dropped, _ := vowelDropper{}.Reformat(in)
	if bpe.Count(dropped) < bpe.Count(in) {
		t.Skip("the tokenizer no longer penalises vowel-less text; pick another example")
	}
	if res.Stats.Outcome != compress.NotSmaller || res.Text != in || res.Stats.TokensAfter != res.Stats.TokensBefore {
		t.Fatalf("outcome %s, %d -> %d tokens", res.Stats.Outcome, res.Stats.TokensBefore, res.Stats.TokensAfter)
	}
}

func TestTokensAreCountedForTheRequestModel(t *testing.T) {
	c := newCompressor(t, memstore.New(0, 0))
	for _, model := range []string{"", "gpt-4o-mini", "claude-3-opus", "gemini-pro"} {
		res, err := c.Compress(context.Background(), serviceLog, compress.Request{Model: model})
		if err != nil {
			t.Fatal(err)
		}
		m := model
		if m == "" {
			m = compress.DefaultModel
		}
		counter := tokenizer.ForModel(m)
		if res.Stats.TokensBefore != counter.Count(serviceLog) || res.Stats.TokensAfter != counter.Count(res.Text) {
			t.Errorf("%q: stats %d -> %d, counter says %d -> %d", model, res.Stats.TokensBefore, res.Stats.TokensAfter,
				counter.Count(serviceLog), counter.Count(res.Text))
		}
	}
}

func TestFailuresReturnTheInput(t *testing.T) {
	broken, err := sqlitestore.Open(context.Background(), sqlitestore.Config{Path: filepath.Join(t.TempDir(), "ccr.db")})
	if err != nil {
		t.Fatal(err)
	}
	broken.Close()
	c := newCompressor(t, broken)
	for _, in := range []string{prettyRows, heartbeatLog, contextDiff, lockDiff} {
		res, err := c.Compress(context.Background(), in, compress.Request{})
		var te *transform.Error
		if !errors.As(err, &te) || te.Kind != transform.Internal {
			t.Fatalf("error %v, want an internal transform error", err)
		}
		if res.Text != in || res.Stats.Outcome != compress.Failed || res.Stats.TokensAfter != res.Stats.TokensBefore {
			t.Fatalf("a failed compression must return the input: outcome %s", res.Stats.Outcome)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c = newCompressor(t, memstore.New(0, 0))
	res, err := c.Compress(ctx, serviceLog, compress.Request{})
	if !errors.Is(err, context.Canceled) || res.Text != serviceLog || res.Stats.Outcome != compress.Failed {
		t.Fatalf("cancelled: %v, outcome %s", err, res.Stats.Outcome)
	}

	for _, bias := range []float64{-1, nan(), inf()} {
		res, err := c.Compress(context.Background(), serviceLog, compress.Request{Bias: bias})
		if !errors.Is(err, compress.ErrInvalidRequest) || res.Text != serviceLog {
			t.Errorf("bias %v: %v", bias, err)
		}
	}
}

func nan() float64 { z := 0.0; return z / z }
func inf() float64 { z := 0.0; return 1 / z }

func TestConfigOverrideChangesTheGates(t *testing.T) {
	cfg := pipeline.DefaultConfig()
	cfg.Offload.JSON.MinArrayRows = 1000 // the JSON estimate is now 0
	c := newCompressor(t, memstore.New(0, 0), func(o *compress.Options) { o.Config = &cfg })
	res, err := c.Compress(context.Background(), prettyRows, compress.Request{})
	if err != nil {
		t.Fatal(err)
	}
	// Pretty-printed rows minify well below the fallback ratio, so with a
	// zero estimate the offload stays off.
	if !slices.Equal(res.Stats.Steps, []string{"json_minifier"}) {
		t.Fatalf("steps %v", res.Stats.Steps)
	}

	bad := pipeline.DefaultConfig()
	bad.Bloat.Diff.NormalContextRatio = 2
	if _, err := compress.New(compress.Options{Config: &bad}); !errors.Is(err, pipeline.ErrInvalidConfig) {
		t.Fatalf("invalid config accepted: %v", err)
	}
}

func TestConcurrentCallsAgree(t *testing.T) {
	store := memstore.New(0, 0)
	c := newCompressor(t, store)
	inputs := []string{prettyRows, serviceLog, heartbeatLog, contextDiff, lockDiff, grepOutput, prose}
	want := make([]string, len(inputs))
	for i, in := range inputs {
		res, err := c.Compress(context.Background(), in, compress.Request{})
		if err != nil {
			t.Fatal(err)
		}
		want[i] = res.Text
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8*len(inputs))
	for range 8 {
		for i, in := range inputs {
			wg.Go(func() {
				res, err := c.Compress(context.Background(), in, compress.Request{})
				if err != nil || res.Text != want[i] {
					errs <- fmt.Errorf("input %d: %v (output differs: %v)", i, err, res.Text != want[i])
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestSearchOffloadIsOptIn(t *testing.T) {
	store := memstore.New(0, 0)
	c := newCompressor(t, store, func(o *compress.Options) { o.CompressSearch = true })
	res, err := c.Compress(context.Background(), grepOutput, compress.Request{Query: "validate"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Stats.Steps, []string{"search_offload"}) || res.Stats.Outcome != compress.Compressed {
		t.Fatalf("outcome %s steps %v passed %+v", res.Stats.Outcome, res.Stats.Steps, res.Stats.Passed)
	}
	checkMarkers(t, store, grepOutput, res.Text, res.Stats)
	if _, err := compress.New(compress.Options{CompressSearch: true}); err == nil {
		t.Fatal("CompressSearch without a store accepted")
	}
}

// Route's single detection pass must agree with the tier-by-tier chain it
// documents.
func TestRouteMatchesTheChain(t *testing.T) {
	chain := func(content string) transform.ContentType {
		if strings.TrimSpace(content) == "" {
			return transform.PlainText
		}
		switch r := detect.Detect(content).Type; r {
		case transform.JSONArray, transform.GitDiff, transform.HTML, transform.SourceCode:
			return r
		}
		if strings.HasPrefix(strings.TrimLeft(content, " \t\r\n"), "{") && jsonx.Valid(content) {
			return transform.JSONArray
		}
		if detect.IsDiff(content) {
			return transform.GitDiff
		}
		if r, ok := detect.DetectDomain(content); ok {
			return r
		}
		return transform.PlainText
	}
	for _, s := range []string{prettyRows, serviceLog, heartbeatLog, contextDiff, lockDiff, grepOutput, pythonSource, htmlPage, prose,
		"--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n", "ERROR x\nfoo.go:1: y\n", "{\"a\":1}"} {
		if got, want := compress.Route(s), chain(s); got != want {
			t.Errorf("Route(%.40q) = %s, chain says %s", s, got, want)
		}
	}
}
