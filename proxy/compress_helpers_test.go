package proxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/headroom-go/headroom/internal/jsonx"
)

// Auth headers that select an auth mode. OAuth keeps the cache-stabilising
// rewrites off, so a test can check that only live-zone strings changed.
var (
	oauthAnthropic = http.Header{"Authorization": {"Bearer sk-ant-oat01-test-token"}}
	oauthOpenAI    = http.Header{"Authorization": {"Bearer eyJhbGciOi.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"}}
	paygAnthropic  = http.Header{"X-Api-Key": {"sk-ant-api03-test"}}
	paygOpenAI     = http.Header{"Authorization": {"Bearer sk-test-key"}}
)

// recordingUpstream is a real loopback upstream that keeps the exact bytes
// of every request body it receives.
type recordingUpstream struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	heads  []http.Header
}

// startRecorder starts a recording upstream; respond (may be nil: 200 with
// a small JSON body) writes the answer after the body was read whole.
func startRecorder(t testing.TB, respond http.HandlerFunc) *recordingUpstream {
	t.Helper()
	rec := &recordingUpstream{}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rec.mu.Lock()
		rec.bodies = append(rec.bodies, body)
		rec.heads = append(rec.heads, r.Header.Clone())
		rec.mu.Unlock()
		if respond != nil {
			respond(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(rec.Close)
	return rec
}

// last returns the last body received, failing when none arrived.
func (u *recordingUpstream) last(t testing.TB) ([]byte, http.Header) {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.bodies) == 0 {
		t.Fatal("upstream received no request")
	}
	return u.bodies[len(u.bodies)-1], u.heads[len(u.heads)-1]
}

// postJSON sends body to the proxy and returns the response, read whole.
func postJSON(t testing.TB, p *testProxy, path string, body []byte, h http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := testClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// corpusBody is one request body built from the shared corpus.
type corpusBody struct {
	name, shape string // shape: "anthropic" or "openai"
	body        []byte
}

// loadCorpus returns a request for every conversation in the corpus (both
// shapes): a bare message list is wrapped in the smallest valid request,
// and the real Anthropic request is used byte for byte. It skips the test,
// saying where it looked, when the corpus is absent.
func loadCorpus(t testing.TB) []corpusBody {
	t.Helper()
	dir := os.Getenv("HEADROOM_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus not found at %s (set HEADROOM_CORPUS): %v", dir, err)
	}
	var out []corpusBody
	for _, shape := range []string{"anthropic", "openai"} {
		paths, _ := filepath.Glob(filepath.Join(dir, "*."+shape+".json"))
		sort.Strings(paths)
		for _, p := range paths {
			raw, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			v, err := jsonx.Parse(raw)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if req, ok := v.Get("request"); ok {
				v = req
			} else {
				model := `{"model":"gpt-4o","messages":`
				if shape == "anthropic" {
					model = `{"model":"claude-sonnet-4-5","max_tokens":1024,"messages":`
				}
				v, err = jsonx.Parse(append(append([]byte(model), jsonx.AppendCompact(nil, v)...), '}'))
				if err != nil {
					t.Fatal(err)
				}
			}
			out = append(out, corpusBody{name: strings.TrimSuffix(filepath.Base(p), ".json"), shape: shape, body: jsonx.AppendCompact(nil, v)})
		}
	}
	real := filepath.Join(dir, "anthropic_messages_request_real.json")
	if raw, err := os.ReadFile(real); err == nil {
		out = append(out, corpusBody{name: "anthropic_messages_request_real", shape: "anthropic", body: raw})
	}
	if len(out) == 0 {
		t.Skipf("no request bodies in %s", dir)
	}
	return out
}

// jsonPath is the location of a token: object keys (string) and array
// indexes (int) from the root.
type jsonPath []any

func (p jsonPath) String() string {
	var b strings.Builder
	for _, e := range p {
		switch e := e.(type) {
		case string:
			b.WriteString("." + e)
		case int:
			fmt.Fprintf(&b, "[%d]", e)
		}
	}
	return b.String()
}

// rawToken is one JSON token with the raw bytes that precede and make it
// (separators, whitespace and the token itself), and its path.
type rawToken struct {
	raw   []byte
	path  jsonPath
	isStr bool // a string value (not an object key)
}

// tokenize splits body into raw tokens using encoding/json, independently
// of the proxy's own JSON code.
func tokenize(t testing.TB, body []byte) []rawToken {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var (
		stack []*tokFrame
		out   []rawToken
		prev  int64
	)
	pathOf := func() jsonPath {
		var p jsonPath
		for _, f := range stack {
			if f.object {
				p = append(p, f.key)
			} else {
				p = append(p, f.index)
			}
		}
		return p
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("body is not valid JSON: %v", err)
		}
		off := dec.InputOffset()
		rt := rawToken{raw: body[prev:off]}
		prev = off
		var top *tokFrame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			rt.path = pathOf()
			out = append(out, rt)
			if len(stack) > 0 {
				stack[len(stack)-1].advance()
			}
			continue
		}
		if top != nil && top.object && top.want {
			top.key = tok.(string)
			top.want = false
			rt.path = pathOf()
			out = append(out, rt)
			continue
		}
		rt.path = pathOf()
		if d, ok := tok.(json.Delim); ok {
			out = append(out, rt)
			stack = append(stack, &tokFrame{object: d == '{', want: d == '{'})
			continue
		}
		_, rt.isStr = tok.(string)
		out = append(out, rt)
		if top != nil {
			top.advance()
		}
	}
	return append(out, rawToken{raw: body[prev:]})
}

// tokFrame is one open container while tokenizing.
type tokFrame struct {
	object bool
	key    string
	index  int
	want   bool // object: the next string is a key
}

// advance moves past one value in the container.
func (f *tokFrame) advance() {
	if f.object {
		f.want = true
	} else {
		f.index++
	}
}

// diffOutsideStrings checks that got equals want byte for byte except
// inside string values, and that every string value that differs sits at a
// path allowed(path) accepts. It returns the changed paths.
func diffOutsideStrings(t testing.TB, want, got []byte, allowed func(jsonPath) bool) []string {
	t.Helper()
	a, b := tokenize(t, want), tokenize(t, got)
	if len(a) != len(b) {
		t.Fatalf("token counts differ: %d sent, %d upstream", len(a), len(b))
	}
	var changed []string
	for i := range a {
		if bytes.Equal(a[i].raw, b[i].raw) {
			continue
		}
		if !a[i].isStr || !b[i].isStr || a[i].path.String() != b[i].path.String() {
			t.Fatalf("bytes outside string values changed at token %d (%s): %q became %q",
				i, a[i].path, clipBytes(a[i].raw), clipBytes(b[i].raw))
		}
		if !allowed(a[i].path) {
			t.Fatalf("string at %s changed but is outside the live zone", a[i].path)
		}
		// Only the literal may differ, not what precedes it.
		pa, pb := bytes.IndexByte(a[i].raw, '"'), bytes.IndexByte(b[i].raw, '"')
		if !bytes.Equal(a[i].raw[:pa], b[i].raw[:pb]) {
			t.Fatalf("separator before %s changed: %q → %q", a[i].path, a[i].raw[:pa], b[i].raw[:pb])
		}
		changed = append(changed, a[i].path.String())
	}
	return changed
}

func clipBytes(b []byte) string {
	if len(b) > 120 {
		return string(b[:120]) + "…"
	}
	return string(b)
}

// liveZoneSlots returns the predicate of the string paths the live zone
// of shape may rewrite in body, derived from the request independently of
// the proxy: for Anthropic the latest user message (if at or above the
// cache_control floor) and its text / tool_result strings outside hot-zone
// blocks; for OpenAI Chat the latest tool message's string content and the
// latest user message's string or text parts.
func liveZoneSlots(t testing.TB, shape string, body []byte) func(jsonPath) bool {
	t.Helper()
	var doc struct {
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	type block struct {
		Type         string          `json:"type"`
		CacheControl json.RawMessage `json:"cache_control"`
	}
	blocksOf := func(raw json.RawMessage) []block {
		var bs []block
		_ = json.Unmarshal(raw, &bs)
		return bs
	}
	latest := func(role string) int {
		for i := len(doc.Messages) - 1; i >= 0; i-- {
			if doc.Messages[i].Role == role {
				return i
			}
		}
		return -1
	}
	user := latest("user")
	switch shape {
	case "anthropic":
		floor := 0
		for i, m := range doc.Messages {
			for _, b := range blocksOf(m.Content) {
				if b.CacheControl != nil {
					floor = i + 1
				}
			}
		}
		if user < floor {
			return func(jsonPath) bool { return false }
		}
		blocks := blocksOf(doc.Messages[user].Content)
		return func(p jsonPath) bool {
			if len(p) < 3 || p[0] != "messages" || p[1] != user || p[2] != "content" {
				return false
			}
			if len(p) == 3 {
				return true
			}
			i, _ := p[3].(int)
			if len(p) != 5 || i >= len(blocks) {
				return false
			}
			switch blocks[i].Type {
			case "tool_use", "thinking", "redacted_thinking", "compaction":
				return false
			case "tool_result":
				return p[4] == "content"
			}
			return p[4] == "text"
		}
	default:
		tool := latest("tool")
		return func(p jsonPath) bool {
			if len(p) < 3 || p[0] != "messages" || p[2] != "content" {
				return false
			}
			if p[1] == tool && len(p) == 3 {
				return true
			}
			return p[1] == user && (len(p) == 3 || (len(p) == 5 && p[4] == "text"))
		}
	}
}
