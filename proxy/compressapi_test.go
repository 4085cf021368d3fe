package proxy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/compress"
	"github.com/headroom-go/headroom/transform"
)

// compressAPIAnswer is the 200 body of POST /v1/compress.
type compressAPIAnswer struct {
	Messages          json.RawMessage `json:"messages"`
	TokensBefore      int             `json:"tokens_before"`
	TokensAfter       int             `json:"tokens_after"`
	TokensSaved       int             `json:"tokens_saved"`
	CompressionRatio  float64         `json:"compression_ratio"`
	TransformsApplied []string        `json:"transforms_applied"`
	CCRHashes         []string        `json:"ccr_hashes"`
}

// postCompressFrom POSTs body to the proxy's /v1/compress from the given
// local address ("" for any) and returns the answer, read whole.
func postCompressFrom(t testing.TB, local, baseURL string, body []byte, h http.Header) (*http.Response, []byte) {
	t.Helper()
	d := &net.Dialer{}
	if local != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(local)}
	}
	tr := &http.Transport{DialContext: d.DialContext}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequest(http.MethodPost, baseURL+compressAPIPath, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, vs := range h {
		req.Header[k] = vs
	}
	res, err := (&http.Client{Transport: tr, Timeout: 30 * time.Second}).Do(req)
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

// compressOK posts body and decodes a 200 answer, failing on anything else.
func compressOK(t testing.TB, p *testProxy, body []byte, h http.Header) compressAPIAnswer {
	t.Helper()
	res, b := postCompressFrom(t, "", p.URL, body, h)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, b)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var a compressAPIAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("answer is not the documented JSON: %v: %.300s", err, b)
	}
	if a.TransformsApplied == nil || a.CCRHashes == nil {
		t.Errorf("transforms_applied and ccr_hashes must be arrays, never null: %.300s", b)
	}
	if a.TokensSaved != a.TokensBefore-a.TokensAfter {
		t.Errorf("tokens_saved %d != %d - %d", a.TokensSaved, a.TokensBefore, a.TokensAfter)
	}
	want := 1.0
	if a.TokensBefore > 0 {
		want = float64(a.TokensAfter) / float64(a.TokensBefore)
	}
	if a.CompressionRatio != want {
		t.Errorf("compression_ratio %v, want tokens_after/tokens_before = %v", a.CompressionRatio, want)
	}
	return a
}

// compressRequest is a /v1/compress body around raw messages.
func compressRequest(model, messages, config string) []byte {
	b := `{"model":` + jsonString(model) + `,"messages":` + messages
	if config != "" {
		b += `,"config":` + config
	}
	return []byte(b + "}")
}

// corpusConversation is the messages and model of one corpus request.
type corpusConversation struct {
	name, model string
	messages    json.RawMessage
}

// loadCorpusConversations reads request.messages and request.model of
// every *.anthropic.json and *.openai.json conversation in the corpus,
// skipping the test (saying where it looked) when there is none.
func loadCorpusConversations(t testing.TB) []corpusConversation {
	t.Helper()
	dir := os.Getenv("HEADROOM_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	var paths []string
	for _, shape := range []string{"anthropic", "openai"} {
		p, _ := filepath.Glob(filepath.Join(dir, "*."+shape+".json"))
		paths = append(paths, p...)
	}
	sort.Strings(paths)
	var out []corpusConversation
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
			// A bare message list: the model a client of its shape sends.
			model := "gpt-4o"
			if strings.HasSuffix(name, ".anthropic") {
				model = "claude-sonnet-4-5"
			}
			out = append(out, corpusConversation{name, model, raw})
			continue
		}
		var f struct {
			Request struct {
				Model    string          `json:"model"`
				Messages json.RawMessage `json:"messages"`
			} `json:"request"`
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if f.Request.Messages != nil {
			out = append(out, corpusConversation{name, f.Request.Model, f.Request.Messages})
		}
	}
	if len(out) == 0 {
		t.Skipf("no *.anthropic.json or *.openai.json conversations in %s (set HEADROOM_CORPUS)", dir)
	}
	return out
}

// messageRaws splits a messages array into its elements' exact bytes.
func messageRaws(t testing.TB, msgs []byte) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	if err := json.Unmarshal(msgs, &out); err != nil {
		t.Fatalf("messages is not a JSON array: %v: %.200s", err, msgs)
	}
	return out
}

// role reads a message's role.
func role(t testing.TB, msg []byte) string {
	t.Helper()
	var m struct {
		Role string `json:"role"`
	}
	if err := json.Unmarshal(msg, &m); err != nil {
		t.Fatalf("message is not an object: %v: %.200s", err, msg)
	}
	return m.Role
}

// contentAddressed reports whether key is one of the digests the CCR
// producers file originals under, computed over original: so the store
// gave back exactly the bytes that were filed.
func contentAddressed(key string, original []byte) bool {
	sha := sha256.Sum256(original)
	md := md5.Sum(original)
	return key == ccr.ComputeKey(original) || key == hex.EncodeToString(sha[:6]) ||
		strings.HasPrefix(hex.EncodeToString(md[:]), key)
}

// blockMarker matches the marker the live zone appends to a block it
// compressed with a store.
var blockMarker = regexp.MustCompile(`<<ccr:([0-9a-f]{24})>>$`)

// TestCompressAPICompressesCorpusConversations posts every corpus
// conversation: each comes back as a valid array of the same messages in
// the same order, only the live-zone messages differ from what was sent,
// each bloated conversation is strictly fewer tokens, and every ccr_hash
// retrieves, through GET /v1/retrieve, the exact bytes it was made from.
func TestCompressAPICompressesCorpusConversations(t *testing.T) {
	corpus := loadCorpusConversations(t)
	p := startProxy(t, Config{Upstream: closedURL(t), Store: memstore.New(0, 0)})
	hashes := 0
	for _, c := range corpus {
		a := compressOK(t, p, compressRequest(c.model, string(c.messages), ""), nil)
		in, out := messageRaws(t, c.messages), messageRaws(t, a.Messages)
		if len(in) != len(out) {
			t.Fatalf("%s: %d messages sent, %d returned", c.name, len(in), len(out))
		}
		lastUser, lastTool := -1, -1
		for i := range in {
			switch role(t, in[i]) {
			case "user":
				lastUser = i
			case "tool":
				lastTool = i
			}
			if role(t, out[i]) != role(t, in[i]) {
				t.Errorf("%s: message %d role %q became %q", c.name, i, role(t, in[i]), role(t, out[i]))
			}
		}
		for i := range in {
			if !bytes.Equal(in[i], out[i]) && i != lastUser && i != lastTool {
				t.Errorf("%s: message %d is outside the live zone but changed", c.name, i)
			}
		}
		// Every corpus conversation ends on a bulky tool result.
		if a.TokensAfter >= a.TokensBefore || len(a.TransformsApplied) == 0 {
			t.Errorf("%s: tokens %d → %d, transforms %v; want fewer tokens", c.name, a.TokensBefore, a.TokensAfter, a.TransformsApplied)
		}
		t.Logf("%s: %d → %d tokens (%.1f%%), %v, %d hashes", c.name, a.TokensBefore, a.TokensAfter,
			100*a.CompressionRatio, a.TransformsApplied, len(a.CCRHashes))
		// With a store every compressed block is retrievable, OpenAI-shaped
		// conversations included (the reference marks Anthropic only).
		if len(a.CCRHashes) == 0 {
			t.Errorf("%s: compressed without ccr_hashes", c.name)
		}
		for _, h := range a.CCRHashes {
			hashes++
			res, original := getFrom(t, "", p.URL+retrievePrefix+h, nil)
			if res.StatusCode != http.StatusOK {
				t.Errorf("%s: GET %s: %d %s", c.name, h, res.StatusCode, original)
				continue
			}
			if !contentAddressed(h, original) {
				t.Errorf("%s: %s retrieved %d bytes that do not hash to it", c.name, h, len(original))
			}
		}
		checkBlockMarkers(t, c.name, p, in, out)
	}
	if hashes == 0 {
		t.Error("no ccr_hashes over the whole corpus: the store-backed markers were never exercised")
	}
}

// checkBlockMarkers finds every string of the returned messages that ends
// with a live-zone marker, and checks the marker retrieves the string at
// the same place in the sent messages, byte for byte.
func checkBlockMarkers(t *testing.T, name string, p *testProxy, in, out []json.RawMessage) {
	t.Helper()
	for i := range in {
		var sent, got any
		_ = json.Unmarshal(in[i], &sent)
		_ = json.Unmarshal(out[i], &got)
		walkStrings(got, sent, func(g string, s any) {
			m := blockMarker.FindStringSubmatch(g)
			if m == nil {
				return
			}
			orig, ok := s.(string)
			if !ok {
				t.Errorf("%s: message %d: marked string has no string original", name, i)
				return
			}
			res, body := getFrom(t, "", p.URL+retrievePrefix+m[1], nil)
			if res.StatusCode != http.StatusOK || string(body) != orig {
				t.Errorf("%s: message %d: %s retrieved %d (%d bytes), want the %d-byte original", name, i, m[1], res.StatusCode, len(body), len(orig))
			}
		})
	}
}

// walkStrings calls fn for every string in got with the value at the same
// path in sent (nil when absent).
func walkStrings(got, sent any, fn func(string, any)) {
	switch g := got.(type) {
	case string:
		fn(g, sent)
	case []any:
		s, _ := sent.([]any)
		for i, v := range g {
			var sv any
			if i < len(s) {
				sv = s[i]
			}
			walkStrings(v, sv, fn)
		}
	case map[string]any:
		s, _ := sent.(map[string]any)
		for k, v := range g {
			walkStrings(v, s[k], fn)
		}
	}
}

// closedURL is an upstream nobody listens on: /v1/compress never calls it.
func closedURL(t testing.TB) string { return "http://" + closedAddr(t) }

// TestCompressAPIKeepsUserTextUnlessAsked: by default only tool output is
// compressed and what the user wrote comes back as sent, in both formats;
// compress_user_messages=true compresses the latest user text as well.
func TestCompressAPIKeepsUserTextUnlessAsked(t *testing.T) {
	store := memstore.New(0, 0)
	p := startProxy(t, Config{Upstream: closedURL(t), Store: store})
	rows, text := jsonString(rowsJSON(400)), rowsJSON(300)
	for _, tc := range []struct {
		name, model, messages string
		userIdx, toolIdx      int
	}{
		{"openai", "gpt-4o", `[` +
			`{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},` +
			`{"role":"tool","tool_call_id":"c1","content":` + rows + `},` +
			`{"role":"user","content":` + jsonString(text) + `}]`, 2, 1},
		// The user's question usually comes before the tool call it led
		// to: the tool slot is then later in the body than the user slot.
		{"openai user first", "gpt-4o", `[` +
			`{"role":"user","content":` + rows + `},` +
			`{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},` +
			`{"role":"tool","tool_call_id":"c1","content":` + jsonString(text) + `}]`, 0, 2},
		{"anthropic", "claude-sonnet-4-5", `[` +
			`{"role":"user","content":[` + bigToolResult("t1") + `,{"type":"text","text":` + jsonString(text) + `}]}]`, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := messageRaws(t, []byte(tc.messages))
			def := compressOK(t, p, compressRequest(tc.model, tc.messages, ""), nil)
			off := compressOK(t, p, compressRequest(tc.model, tc.messages, `{"compress_user_messages":false,"unknown_knob":1}`), nil)
			on := compressOK(t, p, compressRequest(tc.model, tc.messages, `{"compress_user_messages":true}`), nil)
			if !bytes.Equal(def.Messages, off.Messages) || def.TokensAfter != off.TokensAfter {
				t.Errorf("default and compress_user_messages=false differ")
			}
			if def.TokensAfter >= def.TokensBefore || on.TokensAfter >= def.TokensAfter {
				t.Errorf("tokens: default %d → %d, with user messages → %d; want the tool output compressed, and the user text too when asked",
					def.TokensBefore, def.TokensAfter, on.TokensAfter)
			}
			if on.TokensBefore != def.TokensBefore {
				t.Errorf("tokens_before %d vs %d for the same messages", on.TokensBefore, def.TokensBefore)
			}
			got := messageRaws(t, def.Messages)
			if tc.userIdx != tc.toolIdx {
				if !bytes.Equal(got[tc.userIdx], in[tc.userIdx]) {
					t.Errorf("user message changed by default")
				}
				if bytes.Equal(got[tc.toolIdx], in[tc.toolIdx]) {
					t.Errorf("tool message not compressed")
				}
				if bytes.Equal(messageRaws(t, on.Messages)[tc.userIdx], in[tc.userIdx]) {
					t.Errorf("user message not compressed with compress_user_messages=true")
				}
			} else {
				var blocks struct {
					Content []struct {
						Type    string `json:"type"`
						Text    string `json:"text"`
						Content string `json:"content"`
					} `json:"content"`
				}
				_ = json.Unmarshal(got[0], &blocks)
				if blocks.Content[1].Text != text || blocks.Content[0].Content == rowsJSON(400) {
					t.Errorf("by default the tool_result must be compressed and the text block kept")
				}
			}
			// In both formats only the tool output's marker is handed out
			// by default; the user text's was undone with its block.
			if len(def.CCRHashes) == 0 || len(on.CCRHashes) <= len(def.CCRHashes) {
				t.Errorf("ccr_hashes: default %v, with user text %v", def.CCRHashes, on.CCRHashes)
			}
			for _, h := range def.CCRHashes {
				if !strings.Contains(string(def.Messages), h) {
					t.Errorf("hash %s is not in the returned messages", h)
				}
			}
			for _, h := range on.CCRHashes {
				if v, err := store.Get(t.Context(), h); err != nil || !contentAddressed(h, v) {
					t.Errorf("hash %s does not resolve to its original: %v", h, err)
				}
			}
		})
	}
}

// TestCompressAPIBypassReturnsMessagesUnchanged: x-headroom-bypass: true
// answers with the messages byte for byte (odd spacing, escapes and number
// spellings included) and zero savings, even without a model.
func TestCompressAPIBypassReturnsMessagesUnchanged(t *testing.T) {
	p := startProxy(t, Config{Upstream: closedURL(t), Store: memstore.New(0, 0)})
	msgs := `[ {"role":"tool" , "content":` + jsonString(rowsJSON(400)) + `, "n": 1.50e2},` +
		"\n" + `{"role":"user","content":"caf\u00e9 \ud83d\ude00"} ]`
	for _, body := range [][]byte{
		[]byte(`{"messages":` + msgs + `}`),
		compressRequest("gpt-4o", msgs, `{"compress_user_messages":true}`),
	} {
		a := compressOK(t, p, body, http.Header{"X-Headroom-Bypass": {"TRUE"}})
		if string(a.Messages) != msgs {
			t.Errorf("bypass changed the messages:\n got %s\nwant %s", a.Messages, msgs)
		}
		if a.TokensBefore != 0 || a.TokensAfter != 0 || a.CompressionRatio != 1 || len(a.TransformsApplied) != 0 || len(a.CCRHashes) != 0 {
			t.Errorf("bypass stats: %+v", a)
		}
	}
	// Without the header the same messages are compressed.
	if a := compressOK(t, p, compressRequest("gpt-4o", msgs, ""), nil); a.TokensAfter >= a.TokensBefore {
		t.Errorf("without bypass: %d → %d tokens", a.TokensBefore, a.TokensAfter)
	}
	if a := compressOK(t, p, []byte(`{}`), http.Header{"X-Headroom-Bypass": {"true"}}); string(a.Messages) != "[]" {
		t.Errorf("bypass without messages: %s, want []", a.Messages)
	}
}

// TestCompressAPIEmptyMessages answers an empty conversation with zeros.
func TestCompressAPIEmptyMessages(t *testing.T) {
	p := startProxy(t, Config{Upstream: closedURL(t)})
	a := compressOK(t, p, compressRequest("gpt-4o", "[]", ""), nil)
	if string(a.Messages) != "[]" || a.TokensBefore != 0 || a.CompressionRatio != 1 {
		t.Errorf("%+v", a)
	}
}

// TestCompressAPIRejectsBadInput: each malformed request gets its status
// and a JSON error naming the problem, and nothing is compressed.
func TestCompressAPIRejectsBadInput(t *testing.T) {
	p := startProxy(t, Config{Upstream: closedURL(t)})
	msgs := `[{"role":"user","content":"hi"}]`
	for _, tc := range []struct {
		name, method, ctype, body string
		status                    int
		typ, field, message       string
	}{
		{"not json", "POST", "application/json", `{"messages":`, 400, "invalid_request", "", "not valid JSON"},
		{"array body", "POST", "application/json", `[1]`, 400, "invalid_request", "", "must be a JSON object"},
		{"empty body", "POST", "application/json", ``, 400, "invalid_request", "", "not valid JSON"},
		{"no messages", "POST", "", `{"model":"gpt-4o"}`, 400, "invalid_request", "messages", "Missing required field: messages"},
		{"null messages", "POST", "", `{"model":"gpt-4o","messages":null}`, 400, "invalid_request", "messages", "Missing required field: messages"},
		{"messages string", "POST", "", `{"model":"gpt-4o","messages":"hi"}`, 400, "invalid_request", "messages", "want an array"},
		{"message not object", "POST", "", `{"model":"gpt-4o","messages":[{"role":"user"},7]}`, 400, "invalid_request", "messages", "messages[1]: want a message object, got a number"},
		{"no model", "POST", "", `{"messages":` + msgs + `}`, 400, "invalid_request", "model", "Missing required field: model"},
		{"model number", "POST", "", `{"model":4,"messages":` + msgs + `}`, 400, "invalid_request", "model", "model: want a string, got number"},
		{"token_budget string", "POST", "", `{"model":"m","token_budget":"lots","messages":` + msgs + `}`, 400, "invalid_request", "token_budget", "want an integer"},
		{"token_budget fraction", "POST", "", `{"model":"m","token_budget":1.5,"messages":` + msgs + `}`, 400, "invalid_request", "token_budget", "want an integer"},
		{"token_budget negative", "POST", "", `{"model":"m","token_budget":-1,"messages":` + msgs + `}`, 400, "invalid_request", "token_budget", "negative"},
		{"config array", "POST", "", `{"model":"m","config":[],"messages":` + msgs + `}`, 400, "invalid_request", "config", "want an object"},
		{"compress_user_messages string", "POST", "", `{"model":"m","config":{"compress_user_messages":"yes"},"messages":` + msgs + `}`, 400, "invalid_request", "config.compress_user_messages", "want a boolean"},
		{"target_ratio too big", "POST", "", `{"model":"m","config":{"target_ratio":1.5},"messages":` + msgs + `}`, 400, "invalid_request", "config.target_ratio", "outside (0, 1]"},
		{"target_ratio zero", "POST", "", `{"model":"m","config":{"target_ratio":0},"messages":` + msgs + `}`, 400, "invalid_request", "config.target_ratio", "outside (0, 1]"},
		{"protect_recent negative", "POST", "", `{"model":"m","config":{"protect_recent":-2},"messages":` + msgs + `}`, 400, "invalid_request", "config.protect_recent", "negative"},
		{"protect_analysis_context number", "POST", "", `{"model":"m","config":{"protect_analysis_context":1},"messages":` + msgs + `}`, 400, "invalid_request", "config.protect_analysis_context", "want a boolean"},
		{"invalid utf-8", "POST", "", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\xff\"}]}", 400, "invalid_request", "messages", "not valid JSON"},
		{"GET", "GET", "", ``, 405, "method_not_allowed", "", "takes POST"},
		{"PUT", "PUT", "application/json", `{}`, 405, "method_not_allowed", "", "takes POST"},
		{"text/plain", "POST", "text/plain", `{}`, 415, "unsupported_media_type", "", "not JSON"},
		{"form", "POST", "application/x-www-form-urlencoded", `a=b`, 415, "unsupported_media_type", "", "not JSON"},
	} {
		req, err := http.NewRequest(tc.method, p.URL+compressAPIPath, strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		if tc.ctype != "" {
			req.Header.Set("Content-Type", tc.ctype)
		}
		res, err := testClient(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var e compressAPIError
		if err := json.Unmarshal(b, &e); err != nil {
			t.Errorf("%s: error body is not JSON: %s", tc.name, b)
			continue
		}
		if res.StatusCode != tc.status || e.Error.Type != tc.typ || e.Error.Field != tc.field || !strings.Contains(e.Error.Message, tc.message) {
			t.Errorf("%s: %d %s; want %d type %q field %q with %q", tc.name, res.StatusCode, b, tc.status, tc.typ, tc.field, tc.message)
		}
		if tc.status == 405 && res.Header.Get("Allow") != "POST" {
			t.Errorf("%s: Allow %q", tc.name, res.Header.Get("Allow"))
		}
	}
	// application/*+json and a charset parameter are JSON.
	for _, ct := range []string{"application/json; charset=utf-8", "application/vnd.api+json"} {
		res, b := postCompressFrom(t, "", p.URL, compressRequest("gpt-4o", msgs, ""), http.Header{"Content-Type": {ct}})
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: %d %s", ct, res.StatusCode, b)
		}
	}
}

// TestCompressAPIRefusesOversizedBodyWithoutReadingIt: a declared length
// over --compression-max-body-bytes is answered 413 while the client has
// sent only its headers; a body without a length is cut off at the limit.
func TestCompressAPIRefusesOversizedBodyWithoutReadingIt(t *testing.T) {
	const limit = 4096
	p := startProxy(t, Config{Upstream: closedURL(t), CompressionMaxBodyBytes: limit})
	conn, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", compressAPIPath, 744_000)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer before the body was sent: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	var e compressAPIError
	if res.StatusCode != http.StatusRequestEntityTooLarge || json.Unmarshal(b, &e) != nil || e.Error.Type != apiErrTooLarge ||
		!strings.Contains(e.Error.Message, "744000") {
		t.Errorf("declared oversize: %d %s", res.StatusCode, b)
	}

	// Chunked: no length to check up front, so the read stops at limit+1.
	big := compressRequest("gpt-4o", `[{"role":"user","content":`+jsonString(strings.Repeat("x", 2*limit))+`}]`, "")
	req, _ := http.NewRequest(http.MethodPost, p.URL+compressAPIPath, io.MultiReader(bytes.NewReader(big)))
	req.Header.Set("Content-Type", "application/json")
	res, err = testClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), apiErrTooLarge) {
		t.Errorf("chunked oversize: %d %s", res.StatusCode, b)
	}
	// At the limit exactly is fine.
	base := len(compressRequest("gpt-4o", `[{"role":"user","content":""}]`, ""))
	exact := compressRequest("gpt-4o", `[{"role":"user","content":"`+strings.Repeat("y", limit-base)+`"}]`, "")
	if len(exact) != limit {
		t.Fatalf("test body is %d bytes", len(exact))
	}
	if res, b := postCompressFrom(t, "", p.URL, exact, nil); res.StatusCode != http.StatusOK {
		t.Errorf("body of exactly the limit: %d %s", res.StatusCode, b)
	}
}

// TestCompressAPIOnlyAnswersAllowedClients: loopback is allowed by
// default; with CompressAllow set to 127.0.0.2 only, a client connecting
// from 127.0.0.1 gets 403 even when it claims 127.0.0.2 in
// X-Forwarded-For, and one from 127.0.0.2 is answered.
func TestCompressAPIOnlyAnswersAllowedClients(t *testing.T) {
	if ln, err := net.Listen("tcp", "127.0.0.2:0"); err != nil {
		t.Skipf("127.0.0.2 is not usable here: %v", err)
	} else {
		ln.Close()
	}
	body := compressRequest("gpt-4o", `[{"role":"user","content":"hi"}]`, "")
	open := startProxy(t, Config{Upstream: closedURL(t)})
	for _, from := range []string{"127.0.0.1", "127.0.0.2"} {
		if res, b := postCompressFrom(t, from, open.URL, body, nil); res.StatusCode != http.StatusOK {
			t.Errorf("default, from %s: %d %s", from, res.StatusCode, b)
		}
	}
	p := startProxy(t, Config{Upstream: closedURL(t), CompressAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}})
	res, b := postCompressFrom(t, "127.0.0.1", p.URL, body, http.Header{"X-Forwarded-For": {"127.0.0.2"}})
	if res.StatusCode != http.StatusForbidden || !strings.Contains(string(b), `"type":"forbidden"`) || strings.Contains(string(b), "hi") {
		t.Errorf("from 127.0.0.1: %d %s, want 403", res.StatusCode, b)
	}
	// The bypass header does not open the door either.
	if res, _ := postCompressFrom(t, "127.0.0.1", p.URL, body, http.Header{"X-Headroom-Bypass": {"true"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("bypass from 127.0.0.1: %d, want 403", res.StatusCode)
	}
	if res, b := postCompressFrom(t, "127.0.0.2", p.URL, body, nil); res.StatusCode != http.StatusOK {
		t.Errorf("from 127.0.0.2: %d %s", res.StatusCode, b)
	}
}

// TestCompressAPIDefaultsToLoopback: the zero Config answers loopback
// peers only.
func TestCompressAPIDefaultsToLoopback(t *testing.T) {
	s, err := New(Config{Upstream: "http://h"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{
		"127.0.0.1:5": true, "127.9.9.9:5": true, "[::1]:5": true, "[::ffff:127.0.0.1]:5": true,
		"10.0.0.1:5": false, "[2001:db8::1]:5": false, "192.168.1.2:80": false, "garbage": false,
	} {
		if got := peerAllowed(&http.Request{RemoteAddr: addr}, s.Config().CompressAllow); got != want {
			t.Errorf("%s: allowed %v, want %v", addr, got, want)
		}
	}
	if _, err := New(Config{Upstream: "http://h", CompressAllow: []netip.Prefix{{}}}, nil); err == nil ||
		!strings.Contains(err.Error(), "compress allow list") {
		t.Errorf("invalid network accepted: %v", err)
	}
}

// stallingStore is a real memstore that, on its first Put, tells the test
// compression has started and then waits until the request is cancelled,
// so the test can abort the client at a known point of the work.
type stallingStore struct {
	*memstore.Store
	started chan struct{}
	once    sync.Once
	puts    atomic.Int32
	timeout atomic.Bool
}

func (s *stallingStore) Put(ctx context.Context, key string, v []byte) error {
	s.puts.Add(1)
	first := false
	s.once.Do(func() { first = true })
	if first {
		close(s.started)
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
			s.timeout.Store(true)
		}
	}
	return s.Store.Put(ctx, key, v)
}

// TestCompressAPIStopsWhenClientAborts: a client that hangs up while its
// conversation is being compressed stops the work: the pass ends at the
// next block instead of compressing the other 39, and the call is counted
// as 499 and a canceled compression.
func TestCompressAPIStopsWhenClientAborts(t *testing.T) {
	const blocks = 40
	store := &stallingStore{Store: memstore.New(0, 0), started: make(chan struct{})}
	p := startProxy(t, Config{Upstream: closedURL(t), Store: store})
	parts := make([]string, blocks)
	for i := range parts {
		parts[i] = bigToolResult(fmt.Sprintf("t%d", i))
	}
	body := compressRequest("claude-sonnet-4-5", `[{"role":"user","content":[`+strings.Join(parts, ",")+`]}]`, "")

	conn, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", compressAPIPath, len(body))
	if _, err := conn.Write(body); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, store.started, 10*time.Second, "the first block's original to be stored")
	conn.Close()

	rec := p.logs.waitRecords(t, "compress api", 1)[0]
	if rec["status"] != float64(StatusClientClosedRequest) || rec["outcome"] != outcomeFailed {
		t.Errorf("log line %v, want status 499 and outcome failed", rec)
	}
	if store.timeout.Load() {
		t.Fatal("the request context was not cancelled when the client hung up")
	}
	// SmartCrusher may file its own original before the block's; either
	// way the work stopped in the first block.
	if n := store.puts.Load(); n > 2 {
		t.Errorf("%d originals stored after the client left, want the work to stop within the first of %d blocks", n, blocks)
	}
	_, metrics := scrape(t, p)
	for _, want := range []string{
		`proxy_compression_failures_total{reason="canceled"} 1`,
		`proxy_requests_total{path="/v1/compress",status="499"} 1`,
		`proxy_compression_requests_total{outcome="failed",path="/v1/compress"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestCompressAPICountsCallsInMetricsAndStats: answered calls show up by
// status and compression outcome, and strategies' savings are counted
// like the proxy path's.
func TestCompressAPICountsCallsInMetricsAndStats(t *testing.T) {
	p := startProxy(t, Config{Upstream: closedURL(t), Store: memstore.New(0, 0)})
	tool := `[{"role":"tool","tool_call_id":"c","content":` + jsonString(rowsJSON(400)) + `}]`
	a := compressOK(t, p, compressRequest("gpt-4o", tool, ""), nil)
	compressOK(t, p, compressRequest("gpt-4o", `[{"role":"user","content":"hi"}]`, ""), nil)
	compressOK(t, p, compressRequest("gpt-4o", tool, ""), http.Header{"X-Headroom-Bypass": {"true"}})
	postCompressFrom(t, "", p.URL, []byte(`{"messages":[]}`), nil)
	_, metrics := scrape(t, p)
	for _, want := range []string{
		`proxy_requests_total{path="/v1/compress",status="200"} 3`,
		`proxy_requests_total{path="/v1/compress",status="400"} 1`,
		`proxy_compression_requests_total{outcome="compressed",path="/v1/compress"} 1`,
		`proxy_compression_requests_total{outcome="unchanged",path="/v1/compress"} 1`,
		fmt.Sprintf(`proxy_tokens_saved_total{strategy="smart_crusher"} %d`, a.TokensSaved),
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	res, b := getFrom(t, "", p.URL+statsPath, nil)
	var st statsAnswer
	if res.StatusCode != http.StatusOK || json.Unmarshal(b, &st) != nil {
		t.Fatalf("/stats: %d %s", res.StatusCode, b)
	}
	if st.Requests.ByPath[compressAPIPath] != 4 || st.Requests.Compressed != 1 || st.Tokens.Saved != uint64(a.TokensSaved) {
		t.Errorf("/stats: %+v", st.Requests)
	}
}

// TestCompressAPISourceCodeComesBackAsSent: protect_recent and
// protect_analysis_context protect code in the reference; the live zone
// has no code compressor, so code is returned as sent whatever they say.
func TestCompressAPISourceCodeComesBackAsSent(t *testing.T) {
	p := startProxy(t, Config{Upstream: closedURL(t)})
	code, err := os.ReadFile("body.go")
	if err != nil {
		t.Fatal(err)
	}
	if ct := compress.Route(string(code)); ct != transform.SourceCode {
		t.Fatalf("body.go is routed as %v, not source code: pick another file", ct)
	}
	msgs := `[{"role":"tool","tool_call_id":"c","content":` + jsonString(string(code)) + `}]`
	for _, cfg := range []string{`{"protect_recent":0,"protect_analysis_context":false}`, `{"protect_recent":4}`} {
		a := compressOK(t, p, compressRequest("gpt-4o", msgs, cfg), nil)
		if string(a.Messages) != msgs || a.TokensAfter != a.TokensBefore {
			t.Errorf("%s: source code changed: %d → %d tokens", cfg, a.TokensBefore, a.TokensAfter)
		}
	}
}
