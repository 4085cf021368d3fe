package retrieval

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/headroom-go/headroom/ccr/retrieve"
	"github.com/headroom-go/headroom/proxy/sse"
)

// fuzzScript turns fuzz bytes into an Anthropic first-round stream, cut
// into write pieces. The first byte picks raw mode (the rest of the input
// is the stream as it is) or script mode, where each byte is an event
// group: text block, retrieval block, client tool block, ping, comment,
// unknown event; a high bit ends the round early (no message_delta).
type fuzzScript struct {
	pieces   []string
	retrieve bool // a retrieval block was scripted
	client   bool // a client tool block was scripted
	raw      bool
}

func makeScript(data []byte, key string) fuzzScript {
	var s fuzzScript
	if len(data) == 0 {
		s.raw = true // an empty upstream body is the upstream's, not ours
		return s
	}
	if data[0]%5 == 0 {
		s.raw = true
		rest := data[1:]
		for len(rest) > 0 {
			n := 1 + int(rest[0])%17
			n = min(n, len(rest))
			s.pieces = append(s.pieces, string(rest[:n]))
			rest = rest[n:]
		}
		return s
	}
	var evs []string
	evs = append(evs, aMessageStart("msg_f", 10))
	idx := 0
	cut := false
	for i, b := range data[1:] {
		if b&0x80 != 0 && i > 0 {
			cut = true
			break
		}
		switch b % 6 {
		case 0:
			evs = append(evs, aTextBlock(idx, fmt.Sprintf("t%d", i), "é\n")...)
			idx++
		case 1:
			evs = append(evs, aToolBlock(idx, fmt.Sprintf("toolu_r%d", i), retrieve.ToolName, `{"hash":"`, key+`"}`)...)
			idx++
			s.retrieve = true
		case 2:
			evs = append(evs, aToolBlock(idx, fmt.Sprintf("toolu_c%d", i), "read_file", `{}`)...)
			idx++
			s.client = true
		case 3:
			evs = append(evs, ev("ping", `{"type":"ping"}`))
		case 4:
			evs = append(evs, ": keep-alive\r\n\r\n")
		case 5:
			evs = append(evs, ev("mystery", `{"type":"mystery","index":7}`))
		}
	}
	if !cut {
		evs = append(evs, aMessageEnd("tool_use", 3)...)
	}
	// Re-cut the stream at positions the input chooses.
	all := strings.Join(evs, "")
	for i := 0; len(all) > 0; i++ {
		n := len(all)
		if i < len(data) {
			n = min(n, 1+int(data[i])*3)
		}
		s.pieces = append(s.pieces, all[:n])
		all = all[n:]
	}
	return s
}

func FuzzStreamRewrite(f *testing.F) {
	for _, seed := range [][]byte{
		{1, 0, 1, 3, 4},        // text, retrieval, ping, comment
		{1, 1, 0, 5},           // retrieval first, text after it
		{1, 0, 1, 2},           // retrieval then a client tool: mixed
		{1, 2, 1},              // client tool first
		{1, 0, 1, 0x80},        // cut before the turn ends
		{0, 'e', 'v', 0, '\n'}, // raw bytes
	} {
		f.Add(seed)
	}
	store := newStore(f)
	key := putOriginal(f, store, logOriginal)
	var (
		mu     sync.Mutex
		script = map[string]fuzzScript{}
	)
	cont := strings.Join(flat(aMessageStart("msg_c", 20), aTextBlock(0, "done"), aMessageEnd("end_turn", 2)), "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		if bytes.Contains(body, []byte(`"tool_result"`)) && bytes.Count(body, []byte(`"role":"assistant"`)) > 0 {
			_, _ = io.WriteString(w, cont)
			return
		}
		mu.Lock()
		s := script[r.Header.Get("X-Case")]
		mu.Unlock()
		for _, p := range s.pieces {
			_, _ = io.WriteString(w, p)
			w.(http.Flusher).Flush()
		}
	}))
	f.Cleanup(srv.Close)
	rt, err := New(Config{Store: store, Base: http.DefaultTransport, MaxEventBytes: 4 << 10,
		Handle: func(*http.Request) bool { return true }})
	if err != nil {
		f.Fatal(err)
	}
	n := 0
	f.Fuzz(func(t *testing.T, data []byte) {
		s := makeScript(data, key)
		mu.Lock()
		n++
		id := fmt.Sprint(n)
		script[id] = s
		mu.Unlock()
		defer func() { mu.Lock(); delete(script, id); mu.Unlock() }()

		body := `{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+"/v1/messages", strings.NewReader(body))
		req.Header.Set("X-Case", id)
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if s.raw {
			return // anything goes in, anything comes out; no panic, no hang
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		checkFuzzedStream(t, out, s)
	})
}

// checkFuzzedStream asserts the invariants a client relies on.
func checkFuzzedStream(t *testing.T, out []byte, s fuzzScript) {
	var fr sse.Framer
	fr.Push(out)
	open, next, starts := -1, 0, 0
	var last string
	for {
		e, err := fr.Next()
		if errors.Is(err, sse.ErrNeedMore) {
			break
		}
		if err != nil {
			t.Fatalf("output does not frame: %v\n%s", err, out)
		}
		last = e.Name
		var w struct {
			Index *int `json:"index"`
		}
		switch e.Name {
		case sse.AnthropicMessageStart:
			starts++
		case sse.AnthropicContentBlockStart:
			if json.Unmarshal(e.Data, &w) != nil || w.Index == nil || *w.Index != next || open >= 0 {
				t.Fatalf("block start %s while %d open, want index %d\n%s", e.Data, open, next, out)
			}
			open, next = *w.Index, next+1
		case sse.AnthropicContentBlockDelta, sse.AnthropicContentBlockStop:
			if json.Unmarshal(e.Data, &w) != nil || w.Index == nil || *w.Index != open {
				t.Fatalf("%s %s outside its block (%d open)\n%s", e.Name, e.Data, open, out)
			}
			if e.Name == sse.AnthropicContentBlockStop {
				open = -1
			}
		}
	}
	if err := fr.End(); err != nil {
		t.Fatalf("output ends inside an event: %v", err)
	}
	if starts != 1 {
		t.Fatalf("%d message_start events\n%s", starts, out)
	}
	if s.retrieve && !s.client && bytes.Contains(out, []byte(retrieve.ToolName)) {
		t.Fatalf("retrieval leaked\n%s", out)
	}
	if s.retrieve && !s.client && last != sse.AnthropicMessageStop && last != sse.AnthropicError {
		t.Fatalf("resolved stream ends with %q\n%s", last, out)
	}
}

// FuzzJSONSpans checks the in-place editor against encoding/json: for any
// valid object, each member's span holds that member's value, and the
// edits produce valid JSON that decodes as intended.
func FuzzJSONSpans(f *testing.F) {
	for _, seed := range []string{
		`{"a":1,"b":[1,2],"c":{"d":"}"}}`, ` { "messages" : [ ] , "x":"\"]" } `, `{"k\u0065y":true,"key":null}`,
		`{}`, `[]`, `{"a":[{"b":"[\\"}]}`, `{"a":1,"a":2}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) || !utf8.Valid(data) {
			_, _, _ = member(data, "a") // must not panic
			_, _ = arrayElements(data)
			return
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(data, &obj) != nil {
			if _, err := arrayElements(data); bytes.HasPrefix(bytes.TrimSpace(data), []byte("[")) && err != nil {
				t.Fatalf("array not read: %v", err)
			}
			return
		}
		for k, v := range obj {
			s, ok, err := member(data, k)
			if err != nil || !ok {
				t.Fatalf("member %q not found: %v", k, err)
			}
			if !jsonEqual(data[s.start:s.end], v) {
				t.Fatalf("member %q span %s, want %s", k, data[s.start:s.end], v)
			}
		}
		out, err := setMember(data, "zz", []byte(`[1]`))
		if err != nil || !json.Valid(out) {
			t.Fatalf("setMember: %v %s", err, out)
		}
		var back map[string]json.RawMessage
		if json.Unmarshal(out, &back) != nil || string(back["zz"]) != `[1]` || len(back) != len(obj)+boolInt(obj["zz"] == nil) {
			t.Fatalf("setMember result %s", out)
		}
		for k, v := range obj {
			if v[0] == '[' {
				got, err := appendToMember(data, k, []byte(`"x"`))
				var arr []json.RawMessage
				var before []json.RawMessage
				_ = json.Unmarshal(v, &before)
				if err != nil || json.Unmarshal(memberBytes(got, k), &arr) != nil || len(arr) != len(before)+1 {
					t.Fatalf("appendToMember %q: %v %s", k, err, got)
				}
			}
		}
	})
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && fmt.Sprint(x) == fmt.Sprint(y)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
