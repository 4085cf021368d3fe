package retrieval

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/memstore"
)

// modelTurn is what the scripted upstream answers on one turn: a status, a
// content type and a body, written in the given pieces with a flush after
// each (so a stream arrives event by event).
type modelTurn struct {
	status int
	ctype  string
	pieces []string
	// gate, when set, is waited on after the first piece is flushed.
	gate chan struct{}
}

func (m modelTurn) body() string { return strings.Join(m.pieces, "") }

func jsonTurn(body string) modelTurn {
	return modelTurn{status: http.StatusOK, ctype: "application/json", pieces: []string{body}}
}

func sseTurn(events ...string) modelTurn {
	return modelTurn{status: http.StatusOK, ctype: "text/event-stream", pieces: events}
}

// scriptedUpstream plays the model: the n-th request gets turns[n] (the
// last one repeats). Every request body and header set is recorded.
type scriptedUpstream struct {
	srv   *httptest.Server
	mu    sync.Mutex
	turns []modelTurn
	// play, when set, answers instead of turns: the model reading the
	// n-th request body.
	play func(n int, body []byte) modelTurn
	reqs [][]byte
	hdrs []http.Header
}

func newUpstream(t *testing.T, turns ...modelTurn) *scriptedUpstream {
	t.Helper()
	u := &scriptedUpstream{turns: turns}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		n := len(u.reqs)
		u.reqs = append(u.reqs, body)
		u.hdrs = append(u.hdrs, r.Header.Clone())
		play := u.play
		var turn modelTurn
		if play == nil {
			turn = u.turns[min(n, len(u.turns)-1)]
		}
		u.mu.Unlock()
		if play != nil {
			turn = play(n, body)
		}
		w.Header().Set("Content-Type", turn.ctype)
		w.WriteHeader(turn.status)
		fl := w.(http.Flusher)
		for i, p := range turn.pieces {
			_, _ = io.WriteString(w, p)
			fl.Flush()
			if i == 0 && turn.gate != nil {
				select {
				case <-turn.gate:
				case <-r.Context().Done():
					return
				}
			}
		}
	}))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *scriptedUpstream) requests() [][]byte {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([][]byte(nil), u.reqs...)
}

// testProxy is the proxy's use of the package in miniature: a
// ReverseProxy whose handler runs Inject on the body, marks the request
// when the tool was added, and whose transport is the Retrieval.
type testProxy struct {
	srv *httptest.Server
	rt  *Retrieval
}

func newTestProxy(t *testing.T, store ccr.Store, upstream string, mod func(*Config)) *testProxy {
	t.Helper()
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Store: store, Base: http.DefaultTransport.(*http.Transport).Clone()}
	if mod != nil {
		mod(&cfg)
	}
	rt, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rp := &httputil.ReverseProxy{
		Rewrite:       func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		Transport:     rt,
		FlushInterval: -1,
	}
	p := &testProxy{rt: rt}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		inj, err := rt.Inject(r.Context(), Request{Path: r.URL.Path, Session: r.Header.Get(SessionHeader), Body: body})
		if err != nil {
			t.Errorf("inject: %v", err)
		}
		if inj.Injected() {
			r = r.WithContext(WithHandling(r.Context()))
		}
		r.Body = io.NopCloser(bytes.NewReader(inj.Body))
		r.ContentLength = int64(len(inj.Body))
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// post sends body to the proxy and returns the status, headers and the
// exact bytes the client read.
func (p *testProxy) post(t *testing.T, path, body string) (int, http.Header, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Api-Key", "test-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read client body: %v", err)
	}
	return resp.StatusCode, resp.Header, got
}

func newStore(t testing.TB) *memstore.Store {
	t.Helper()
	return memstore.New(100, time.Hour)
}

// putOriginal stores original and returns its key.
func putOriginal(t testing.TB, s ccr.Store, original string) string {
	t.Helper()
	key := ccr.ComputeKey([]byte(original))
	if err := s.Put(context.Background(), key, []byte(original)); err != nil {
		t.Fatal(err)
	}
	return key
}

// jsonStr encodes s as a JSON string.
func jsonStr(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// --- Anthropic Messages wire pieces -------------------------------------

func anthropicRequest(marker string, stream bool) string {
	return `{"model":"claude-test","max_tokens":1024,"stream":` + fmt.Sprint(stream) +
		`,"tools":[{"name":"read_file","description":"Read a file","input_schema":{"type":"object","properties":{"path":{"type":"string"}}}}],` +
		`"messages":[{"role":"user","content":"what is in the log?"},` +
		`{"role":"assistant","content":[{"type":"tool_use","id":"toolu_c1","name":"read_file","input":{"path":"app.log"}}]},` +
		`{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_c1","content":"ERROR x\n[40 lines compressed to 3. Retrieve more: hash=` + marker + `]"}]}]}`
}

func anthropicJSON(id string, content string, stop string, in, out int) string {
	return `{"id":"` + id + `","type":"message","role":"assistant","model":"claude-test","content":` + content +
		`,"stop_reason":"` + stop + `","stop_sequence":null,"usage":{"input_tokens":` + fmt.Sprint(in) +
		`,"cache_read_input_tokens":0,"output_tokens":` + fmt.Sprint(out) + `}}`
}

func retrieveUse(id, hash string) string {
	return `{"type":"tool_use","id":"` + id + `","name":"headroom_retrieve","input":{"hash":"` + hash + `"}}`
}

func ev(name, data string) string { return "event: " + name + "\ndata: " + data + "\n\n" }

func aMessageStart(id string, in int) string {
	return ev("message_start", `{"type":"message_start","message":{"id":"`+id+`","type":"message","role":"assistant","model":"claude-test","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":`+fmt.Sprint(in)+`,"output_tokens":1}}}`)
}

func aTextBlock(idx int, parts ...string) []string {
	out := []string{ev("content_block_start", fmt.Sprintf(`{"type":"content_block_start","index":%d,"content_block":{"type":"text","text":""}}`, idx))}
	for _, p := range parts {
		out = append(out, ev("content_block_delta", fmt.Sprintf(`{"type":"content_block_delta","index":%d,"delta":{"type":"text_delta","text":%s}}`, idx, jsonStr(p))))
	}
	return append(out, ev("content_block_stop", fmt.Sprintf(`{"type":"content_block_stop","index":%d}`, idx)))
}

func aToolBlock(idx int, id, name string, inputParts ...string) []string {
	out := []string{ev("content_block_start", fmt.Sprintf(`{"type":"content_block_start","index":%d,"content_block":{"type":"tool_use","id":"%s","name":"%s","input":{}}}`, idx, id, name))}
	for _, p := range inputParts {
		out = append(out, ev("content_block_delta", fmt.Sprintf(`{"type":"content_block_delta","index":%d,"delta":{"type":"input_json_delta","partial_json":%s}}`, idx, jsonStr(p))))
	}
	return append(out, ev("content_block_stop", fmt.Sprintf(`{"type":"content_block_stop","index":%d}`, idx)))
}

func aMessageEnd(stop string, out int) []string {
	return []string{
		ev("message_delta", `{"type":"message_delta","delta":{"stop_reason":"`+stop+`","stop_sequence":null},"usage":{"output_tokens":`+fmt.Sprint(out)+`}}`),
		ev("message_stop", `{"type":"message_stop"}`),
	}
}

func flat(parts ...any) []string {
	var out []string
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out = append(out, v)
		case []string:
			out = append(out, v...)
		}
	}
	return out
}

func ioReadFull(r io.Reader, b []byte) (int, error) { return io.ReadFull(r, b) }
func ioReadAll(r io.Reader) ([]byte, error)         { return io.ReadAll(r) }

// newPlayingUpstream starts an upstream whose answers are computed from
// the requests it reads.
func newPlayingUpstream(t *testing.T, play func(n int, body []byte) modelTurn) *scriptedUpstream {
	u := newUpstream(t, modelTurn{})
	u.mu.Lock()
	u.play = play
	u.mu.Unlock()
	return u
}
