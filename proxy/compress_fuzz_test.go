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

// FuzzCompressBody runs arbitrary bodies through the compression path of
// each endpoint, as payg (every rewrite on) and OAuth callers, and checks
// the failure contract: the result is the client's bytes or valid JSON, no
// stage panics (a contained panic is still a bug), and the passthrough
// alarm never fires. Seeds: testdata/fuzz/FuzzCompressBody.
func FuzzCompressBody(f *testing.F) {
	s, err := New(Config{Upstream: "http://127.0.0.1:1", Compression: true, Store: memstore.New(0, 0)},
		slog.New(slog.DiscardHandler))
	if err != nil {
		f.Fatal(err)
	}
	paths := []string{pathAnthropicMessages, pathChatCompletions, pathResponses}
	f.Add(uint8(0), []byte(`{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}]}`), true)
	f.Add(uint8(1), []byte(`{"model":"gpt-4o","n":2,"messages":[{"role":"tool","content":"[1,2]"}]}`), false)
	f.Fuzz(func(t *testing.T, which uint8, body []byte, payg bool) {
		path := paths[int(which)%len(paths)]
		r := httptest.NewRequest(http.MethodPost, path, nil)
		r.Header.Set("Content-Type", "application/json")
		if payg {
			r.Header.Set("Authorization", "Bearer sk-test")
		} else {
			r.Header.Set("Authorization", "Bearer sk-ant-oat01-x")
		}
		in := bytes.Clone(body)
		out := s.compressBody(r, &requestState{id: "fuzz", path: path}, body)
		if !bytes.Equal(body, in) {
			t.Fatal("the compression path modified the client's buffer")
		}
		if !bytes.Equal(out, body) && !json.Valid(out) {
			t.Fatalf("%s: forwarded invalid JSON for %q:\n%q", path, body, out)
		}
		if !json.Valid(body) && !bytes.Equal(out, body) {
			t.Fatalf("%s: a body that is not JSON was changed", path)
		}
		if n := counterValue(t, s.metrics.failures, failPanic); n != 0 {
			t.Fatalf("%s: a stage panicked on %q", path, body)
		}
		if n := counterSum(s.metrics.passthroughAlarm); n != 0 {
			t.Fatalf("%s: passthrough alarm on %q", path, body)
		}
	})
}
