package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/retrieve"
	"github.com/headroom-go/headroom/internal/jsonx"
)

// toolOutput returns a tool output to compress: the corpus's API responses
// when the shared corpus is there ($HEADROOM_CORPUS, else ../shared/corpus
// beside the repository), else generated JSON rows of the same kind.
func toolOutput(t *testing.T) (name string, content []byte) {
	t.Helper()
	dir := os.Getenv("HEADROOM_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpus")
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "tool_*.json"))
	if len(paths) > 0 {
		b, err := os.ReadFile(paths[0])
		if err != nil {
			t.Fatal(err)
		}
		return filepath.Base(paths[0]), b
	}
	t.Logf("no tool_*.json in %s; using generated rows", dir)
	return "generated", generatedRows(300)
}

// generatedRows renders n rows of an API listing as indented JSON.
func generatedRows(n int) []byte {
	var b strings.Builder
	b.WriteString("[\n")
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		status := "ok"
		if i == n/2 {
			status = "error: connection reset by payments-db"
		}
		fmt.Fprintf(&b, `  {"id": %d, "service": "checkout", "region": "us-east-%d", "status": %q, "latency_ms": %d, "trace": "tr-%08x"}`,
			i, i%3, status, 40+i%17, i*2654435761%(1<<32))
	}
	b.WriteString("\n]\n")
	return []byte(b.String())
}

// summaryLine is the shape of compress's stderr summary for compressed
// content: type, strategy, tokens before → after with the change, time,
// and the key of the exact input.
var summaryLine = regexp.MustCompile(`^headroom: compress: json_array, [a-z_]+(\+[a-z_]+)*: (\d+) → (\d+) tokens \(-\d+\.\d%\) in [0-9.]+(µs|ms|s); original ([0-9a-f]{24})\n$`)

func TestCompressBinaryFromFileAndStdinResolvesWithCCRGet(t *testing.T) {
	env, _ := binEnv(t)
	name, content := toolOutput(t)
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, content, 0o600); err != nil {
		t.Fatal(err)
	}

	fromFile := runBinary(t, env, nil, "compress", file)
	if fromFile.code != 0 {
		t.Fatalf("compress FILE: exit %d, stderr %s", fromFile.code, fromFile.stderr)
	}
	m := summaryLine.FindStringSubmatch(fromFile.stderr)
	if m == nil {
		t.Fatalf("stderr is not one summary line: %q", fromFile.stderr)
	}
	if len(fromFile.stdout) >= len(content) || fromFile.stdout == string(content) {
		t.Fatalf("stdout (%d bytes) is not smaller than the %d-byte input", len(fromFile.stdout), len(content))
	}
	for _, args := range [][]string{{"compress", "-"}, {"compress"}} {
		r := runBinary(t, env, content, args...)
		if r.code != 0 || r.stdout != fromFile.stdout || r.stderr == "" {
			t.Errorf("%q: exit %d, stdout equal to the FILE run: %v, stderr %q", args, r.code, r.stdout == fromFile.stdout, r.stderr)
		}
	}

	// Another process gets the exact input back under the summary's key,
	// and every marker in the text resolves.
	if key := m[5]; key != ccr.ComputeKey(content) {
		t.Errorf("summary names %s, want the input's content key", key)
	}
	get := runBinary(t, env, nil, "ccr", "get", m[5])
	if get.code != 0 || get.stdout != string(content) {
		t.Errorf("ccr get original: exit %d, %d bytes, stderr %s", get.code, len(get.stdout), get.stderr)
	}
	markers := markerKeys(fromFile.stdout)
	if len(markers) == 0 {
		t.Fatalf("compressed output has no marker: %q", tail(fromFile.stdout))
	}
	for _, key := range markers {
		get := runBinary(t, env, nil, "ccr", "get", key)
		if get.code != 0 || !sameJSON(t, []byte(get.stdout), content) {
			t.Errorf("ccr get %s: exit %d, %d bytes that are not the input's JSON; stderr %s", key, get.code, len(get.stdout), get.stderr)
		}
	}
}

// markerKeys finds the CCR keys in compressed text: the model-facing
// bracket markers retrieve recognises, and the pipeline's offload markers.
var offloadMarker = regexp.MustCompile(`CCR: hash=([0-9a-f]{24})\]`)

func markerKeys(text string) []string {
	keys := retrieve.ScanText(nil, text)
	for _, m := range offloadMarker.FindAllStringSubmatch(text, -1) {
		keys = append(keys, m[1])
	}
	return keys
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	va, err := jsonx.Parse(a)
	if err != nil {
		return false
	}
	vb, err := jsonx.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return jsonx.Equal(va, vb)
}

func tail(s string) string {
	if len(s) > 200 {
		return "…" + s[len(s)-200:]
	}
	return s
}

// compressJSON is what compress --json prints.
type compressJSON struct {
	Text  string `json:"text"`
	Stats struct {
		ContentType  string   `json:"content_type"`
		Outcome      string   `json:"outcome"`
		Model        string   `json:"model"`
		Transforms   []string `json:"transforms"`
		Markers      []string `json:"markers"`
		OriginalKey  string   `json:"original_key"`
		TokensBefore int      `json:"tokens_before"`
		TokensAfter  int      `json:"tokens_after"`
		TokensSaved  int      `json:"tokens_saved"`
		BytesBefore  int      `json:"bytes_before"`
		BytesAfter   int      `json:"bytes_after"`
		DurationMS   float64  `json:"duration_ms"`
		Passed       []struct {
			Step   string `json:"step"`
			Reason string `json:"reason"`
		} `json:"passed"`
		Provider string `json:"provider"`
		Modified bool   `json:"modified"`
	} `json:"stats"`
}

func decodeOne(t *testing.T, stdout string) compressJSON {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	var out compressJSON
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("stdout is not the JSON object: %v\n%s", err, tail(stdout))
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON value")
	}
	return out
}

func TestCompressBinaryJSONCarriesTheTextAndItsStats(t *testing.T) {
	env, _ := binEnv(t)
	_, content := toolOutput(t)
	plain := runBinary(t, env, content, "compress")
	r := runBinary(t, env, content, "compress", "--json", "--model", "gpt-4o")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	out := decodeOne(t, r.stdout)
	st := out.Stats
	if st.Outcome != "compressed" || st.ContentType != "json_array" || st.Model != "gpt-4o" ||
		len(st.Transforms) == 0 || len(st.Markers) == 0 || st.OriginalKey != ccr.ComputeKey(content) {
		t.Errorf("stats %+v", st)
	}
	if st.TokensSaved != st.TokensBefore-st.TokensAfter || st.TokensSaved <= 0 ||
		st.BytesBefore != len(content) || st.BytesAfter != len(out.Text) || st.DurationMS <= 0 {
		t.Errorf("inconsistent figures %+v for %d → %d bytes", st, len(content), len(out.Text))
	}
	// The model only changes the counting here, never the text.
	if out.Text != plain.stdout {
		t.Errorf("--json text differs from the plain run's stdout")
	}
	m := summaryLine.FindStringSubmatch(plain.stderr)
	if m == nil || m[2] == fmt.Sprint(st.TokensBefore) {
		t.Errorf("the default model and gpt-4o counted the same (%q, %d)", plain.stderr, st.TokensBefore)
	}
}

func TestCompressLeavesSmallInputUnchanged(t *testing.T) {
	for _, in := range []string{"all 12 tests passed\n", "", "{\"a\": 1}", "\xff\xfe raw bytes \x00"} {
		r := runMain(t, []byte(in), nil, "compress", "--lossless")
		if r.code != 0 || r.stdout != in {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", in, r.code, r.stdout, r.stderr)
		}
		if !strings.HasPrefix(r.stderr, "headroom: compress: ") || !strings.Contains(r.stderr, "unchanged (") ||
			strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%q: summary %q", in, r.stderr)
		}
	}
	// The same through the binary, with the default SQLite store: nothing
	// is stored for content that stays as it is.
	env, db := binEnv(t)
	r := runBinary(t, env, []byte("ok\n"), "compress")
	if r.code != 0 || r.stdout != "ok\n" || !strings.Contains(r.stderr, ", unchanged (") || !strings.Contains(r.stderr, "1 → 1 tokens in ") {
		t.Errorf("binary: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stderr, "original") {
		t.Errorf("unchanged content names an original: %q", r.stderr)
	}
	if _, err := os.Stat(db); err != nil {
		t.Errorf("the store was not opened at %s: %v", db, err)
	}
}

func TestCompressJSONRefusesTextThatIsNotUTF8(t *testing.T) {
	r := runMain(t, []byte("\xff\xfe"), nil, "compress", "--lossless", "--json")
	if r.code != ExitFailure || r.stdout != "" || !strings.Contains(r.stderr, "not valid UTF-8") {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestCompressUsageErrorsExit2BeforeReading(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"compress", "a", "b"}, "at most one FILE"},
		{[]string{"compress", "--bias", "-1"}, "--bias"},
		{[]string{"compress", "--bias", "NaN"}, "--bias"},
		{[]string{"compress", "--request", "--query", "x"}, "do not apply to --request"},
		{[]string{"compress", "--path", "/v1/messages"}, "need --request"},
		{[]string{"compress", "--request", "--provider", "gemini"}, "unknown request format"},
		{[]string{"compress", "--ccr-backend", "memory"}, "memory backend"},
		{[]string{"compress", "--ccr-backend", "nosuch"}, "nosuch"},
		{[]string{"compress", "--frobnicate"}, "frobnicate"},
	} {
		r := runMain(t, nil, nil, tc.args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "headroom help compress") {
			t.Errorf("%q: exit %d, stderr %q", tc.args, r.code, r.stderr)
		}
	}
	// --lossless with the memory backend opens no store, so it is fine.
	if r := runMain(t, []byte("x"), nil, "compress", "--lossless", "--ccr-backend", "memory"); r.code != ExitOK {
		t.Errorf("--lossless --ccr-backend memory: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestCompressMissingFileExits1(t *testing.T) {
	r := runMain(t, nil, nil, "compress", "--lossless", filepath.Join(t.TempDir(), "nope.json"))
	if r.code != ExitFailure || !strings.Contains(r.stderr, "nope.json") || r.stdout != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestCompressShowsNoProgressWhenStderrIsNotATerminal(t *testing.T) {
	big := generatedRows(12000)
	if len(big) <= progressMinBytes {
		t.Fatalf("test input is %d bytes, not over the %d-byte threshold", len(big), progressMinBytes)
	}
	check := func(how, stderr string) {
		t.Helper()
		if strings.ContainsAny(stderr, "\r\x1b") || strings.Contains(stderr, "compressing") || strings.Count(stderr, "\n") != 1 ||
			!strings.HasPrefix(stderr, "headroom: compress: json_array, ") {
			t.Errorf("%s: stderr is not just the summary line: %q", how, stderr)
		}
	}
	// In process, stderr is a buffer.
	env, _ := sqliteEnv(t)
	r := runMain(t, big, env, "compress")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	check("buffer", r.stderr)
	// The binary's stderr is a pipe.
	benv, _ := binEnv(t)
	br := runBinary(t, benv, big, "compress")
	if br.code != 0 {
		t.Fatalf("binary: exit %d, stderr %q", br.code, br.stderr)
	}
	check("pipe", br.stderr)
	// A regular file is not a terminal either.
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Errorf("a regular file counts as a terminal")
	}
}

func TestCompressRequestModeRewritesOnlyTheLiveZone(t *testing.T) {
	rows, err := json.Marshal(string(generatedRows(300)))
	if err != nil {
		t.Fatal(err)
	}
	body := `{"model":"gpt-4o","messages":[{"role":"user","content":"why?"},` +
		`{"role":"tool","tool_call_id":"c1","content":` + string(rows) + `}]}`
	env, _ := sqliteEnv(t)
	r := runMain(t, []byte(body), env, "compress", "--request")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	prefix := body[:strings.Index(body, `"content":"[`)]
	if !strings.HasPrefix(r.stdout, prefix) || len(r.stdout) >= len(body) || !strings.HasSuffix(r.stdout, `"}]}`) {
		t.Errorf("stdout is not the body with its tool content shortened: %q", tail(r.stdout))
	}
	if !regexp.MustCompile(`^headroom: compress: openai_chat request, smart_crusher: \d+ → \d+ tokens \(-\d+\.\d%\) in \S+\n$`).MatchString(r.stderr) {
		t.Errorf("summary %q", r.stderr)
	}
	j := runMain(t, []byte(body), env, "compress", "--request", "--json", "--path", "/v1/chat/completions")
	out := decodeOne(t, j.stdout)
	if out.Text != r.stdout || out.Stats.Provider != "openai_chat" || !out.Stats.Modified || out.Stats.Model != "gpt-4o" {
		t.Errorf("--json: %+v", out.Stats)
	}
	// A body whose format cannot be told is a clear failure, not a guess.
	bad := runMain(t, []byte(`{"messages":[{"role":"user","content":"hi"}]}`), env, "compress", "--request")
	if bad.code != ExitFailure || !strings.Contains(bad.stderr, "use --provider or --path") {
		t.Errorf("ambiguous body: exit %d, stderr %q", bad.code, bad.stderr)
	}
}
