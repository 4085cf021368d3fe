package proxy

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/headroom-go/headroom/ccr/memstore"
)

// FuzzCompressAPI sends arbitrary bodies to POST /v1/compress, with and
// without the bypass header, and checks the endpoint's contract: the
// answer is 200 or a 400 JSON error (never a 500, which a contained panic
// or an internal inconsistency would give); a 200 carries a valid array of
// as many messages as were sent, and savings that add up; a bypassed
// call's messages are the client's bytes. Seeds:
// testdata/fuzz/FuzzCompressAPI.
func FuzzCompressAPI(f *testing.F) {
	s, err := New(Config{Upstream: "http://127.0.0.1:1", Store: memstore.New(0, 0)}, slog.New(slog.DiscardHandler))
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(`{"model":"gpt-4o","messages":[{"role":"tool","content":"[1,2]"},{"role":"user","content":"hi"}]}`), false)
	f.Add([]byte(`{"model":"claude-3","messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"config":{"compress_user_messages":true}}`), true)
	f.Fuzz(func(t *testing.T, body []byte, bypass bool) {
		r := httptest.NewRequest(http.MethodPost, compressAPIPath, bytes.NewReader(body))
		r.RemoteAddr = "127.0.0.1:40000"
		r.Header.Set("Content-Type", "application/json")
		if bypass {
			r.Header.Set(headerBypass, "true")
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			var e compressAPIError
			if w.Code != http.StatusBadRequest || json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error.Message == "" {
				t.Fatalf("%d %s for %q", w.Code, w.Body.Bytes(), body)
			}
			return
		}
		var a struct {
			Messages     []json.RawMessage `json:"messages"`
			TokensBefore int               `json:"tokens_before"`
			TokensAfter  int               `json:"tokens_after"`
			TokensSaved  int               `json:"tokens_saved"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &a); err != nil {
			t.Fatalf("answer is not valid JSON: %v\n%q", err, w.Body.Bytes())
		}
		var sent struct {
			Messages json.RawMessage `json:"messages"`
		}
		_ = json.Unmarshal(body, &sent)
		var in []json.RawMessage
		_ = json.Unmarshal(sent.Messages, &in)
		if len(a.Messages) != len(in) {
			t.Fatalf("%d messages sent, %d returned for %q", len(in), len(a.Messages), body)
		}
		if a.TokensSaved != a.TokensBefore-a.TokensAfter || a.TokensAfter > a.TokensBefore || a.TokensAfter < 0 {
			t.Fatalf("tokens %d → %d, saved %d", a.TokensBefore, a.TokensAfter, a.TokensSaved)
		}
		if bypass {
			got, want := w.Body.Bytes()[len(`{"messages":`):], []byte(sent.Messages)
			if isNull(sent.Messages) {
				want = []byte("[]")
			}
			if !bytes.HasPrefix(got, want) {
				t.Fatalf("bypass changed the messages: %q", body)
			}
		}
	})
}
