package retrieval

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/headroom-go/headroom/ccr/redisstore"
	"github.com/headroom-go/headroom/ccr/redisstore/redistest"
	"github.com/headroom-go/headroom/livezone"
)

// rowsJSON is a tool output the live-zone compressors shrink and store.
func rowsJSON(n int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"status":"ok","service":"api-%d","latency_ms":%d}`, i, i%7, 10+i%13)
	}
	b.WriteByte(']')
	return b.String()
}

var ccrMarker = regexp.MustCompile(`<<ccr:([0-9a-f]{12,24})`)

// TestTwoProxiesShareRedis runs two proxy instances, each with its own
// Redis connection and Retrieval, side by side. Proxy A compresses a
// conversation (the real live-zone pass, storing the original in Redis);
// the compressed conversation then reaches proxy B, whose model asks for
// the original; B serves it from what A stored.
func TestTwoProxiesShareRedis(t *testing.T) {
	url := redistest.Server(t)
	ctx := context.Background()
	open := func() *redisstore.Store {
		s, err := redisstore.Open(ctx, redisstore.Config{URL: url, TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	storeA, storeB := open(), open()

	rows := rowsJSON(400)
	clientBody := `{"model":"claude-test","max_tokens":512,"stream":true,"messages":[{"role":"user","content":"summarise"},` +
		`{"role":"assistant","content":[{"type":"tool_use","id":"toolu_q","name":"query","input":{}}]},` +
		`{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_q","content":` + jsonStr(rows) + `}]}]}`

	// Proxy A's compression path, for real.
	compressed, m, err := livezone.Anthropic(ctx, []byte(clientBody), livezone.Options{Store: storeA})
	if err != nil || m.Outcome != livezone.Modified {
		t.Fatalf("live zone: %v %v", err, m.Outcome)
	}
	match := ccrMarker.FindSubmatch(compressed)
	if match == nil {
		t.Fatalf("no marker in the compressed body")
	}
	hash := string(match[1])

	// Each proxy's model: on the first turn it reads the marker from the
	// prompt and calls the tool; on the next it answers with what it got.
	play := func(n int, body []byte) modelTurn {
		if n == 0 {
			h := ccrMarker.FindSubmatch(body)
			if h == nil || !bytes.Contains(body, []byte(`"name":"headroom_retrieve"`)) {
				return jsonTurn(`{"error":"no marker or no tool"}`)
			}
			return sseTurn(flat(aMessageStart("msg_1", 100), aToolBlock(0, "toolu_r", "headroom_retrieve", `{"hash":"`+string(h[1])+`"}`), aMessageEnd("tool_use", 5))...)
		}
		found := originalIn(body) == rows
		return sseTurn(flat(aMessageStart("msg_2", 200), aTextBlock(0, fmt.Sprintf("row 399 present: %v", found)), aMessageEnd("end_turn", 7))...)
	}
	upA, upB := newPlayingUpstream(t, play), newPlayingUpstream(t, play)
	proxyA := newTestProxy(t, storeA, upA.srv.URL, nil)
	proxyB := newTestProxy(t, storeB, upB.srv.URL, nil)

	var wg sync.WaitGroup
	results := make([][]byte, 2)
	for i, p := range []*testProxy{proxyA, proxyB} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, results[i] = p.post(t, "/v1/messages", string(compressed))
		}()
	}
	wg.Wait()
	for i, got := range results {
		st, _ := checkAnthropicStream(t, got)
		blocks := st.Blocks()
		if len(blocks) != 1 || blocks[0].Text != "row 399 present: true" {
			t.Fatalf("proxy %d: client blocks %+v\n%s", i, blocks, got)
		}
	}
	// B never stored anything itself: its hit came from A's write.
	if st := proxyB.rt.Stats(); st.Hits != 1 || st.Rounds != 1 {
		t.Fatalf("proxy B stats %+v", st)
	}
	if sb := storeB.Stats(); sb.Puts != 0 {
		t.Fatalf("proxy B stored %d originals itself", sb.Puts)
	}
	reqs := upB.requests()
	var cont struct {
		Messages []json.RawMessage `json:"messages"`
	}
	if len(reqs) != 2 || json.Unmarshal(reqs[1], &cont) != nil || !bytes.Contains(cont.Messages[len(cont.Messages)-1], []byte(hash)) {
		t.Fatalf("continuation through B does not answer %s", hash)
	}
}

// originalIn is the original_content of the last tool result in a
// Messages request, as the model reads it.
func originalIn(body []byte) string {
	var req struct {
		Messages []struct {
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	if json.Unmarshal(body, &req) != nil || len(req.Messages) == 0 {
		return ""
	}
	var blocks []struct {
		Content string `json:"content"`
	}
	if json.Unmarshal(req.Messages[len(req.Messages)-1].Content, &blocks) != nil || len(blocks) == 0 {
		return ""
	}
	var res struct {
		OriginalContent string `json:"original_content"`
	}
	if json.Unmarshal([]byte(blocks[len(blocks)-1].Content), &res) != nil {
		return ""
	}
	return res.OriginalContent
}
