package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/headroom-go/headroom/ccr/redisstore/redistest"
)

// startProxyProcess runs the binary with env and returns its base URL. The
// process is killed when the test ends.
func startProxyProcess(t *testing.T, env ...string) string {
	t.Helper()
	cmd := exec.Command(binary(t), "--listen", "127.0.0.1:0")
	cmd.Env = cleanEnv(env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["msg"] == "headroom-proxy listening" {
				addr <- rec["listen"].(string)
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case a := <-addr:
		return "http://" + a
	case <-time.After(15 * time.Second):
		t.Fatalf("no listening log line; stderr:\n%s", stderr.String())
	}
	return ""
}

var markerKey = regexp.MustCompile(`<<ccr:([0-9a-f]{24})`)

// scriptedModel plays an Anthropic and an OpenAI Chat model over
// loopback: on a turn without an answer to its retrieval call it calls
// headroom_retrieve with the first marker in the prompt; on the next it
// reports whether the retrieved original has all rows.
type scriptedModel struct {
	mu     sync.Mutex
	bodies [][]byte
}

func sseEvent(name, data string) string { return "event: " + name + "\ndata: " + data + "\n\n" }

func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func (m *scriptedModel) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	m.mu.Lock()
	m.bodies = append(m.bodies, body)
	m.mu.Unlock()
	key := markerKey.FindSubmatch(body)
	answered := bytes.Contains(body, []byte(`"tool_use_id":"toolu_r"`)) || bytes.Contains(body, []byte(`"tool_call_id":"call_r"`))
	hasTool := bytes.Contains(body, []byte(`"name":"headroom_retrieve"`))
	if key == nil || !hasTool {
		http.Error(w, `{"error":"the model saw no marker or no tool"}`, http.StatusBadRequest)
		return
	}
	complete := bytes.Contains(body, []byte(`original_item_count\": 300`))
	switch r.URL.Path {
	case "/v1/messages":
		w.Header().Set("Content-Type", "text/event-stream")
		start := sseEvent("message_start", `{"type":"message_start","message":{"id":"msg","type":"message","role":"assistant","model":"m","content":[],"usage":{"input_tokens":100,"output_tokens":1}}}`)
		var blocks string
		stop := "end_turn"
		if !answered {
			blocks = sseEvent("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_r","name":"headroom_retrieve","input":{}}}`) +
				sseEvent("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":`+jsonQuote(`{"hash":"`+string(key[1])+`"}`)+`}}`) +
				sseEvent("content_block_stop", `{"type":"content_block_stop","index":0}`)
			stop = "tool_use"
		} else {
			blocks = sseEvent("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`) +
				sseEvent("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"complete original: `+fmt.Sprint(complete)+`"}}`) +
				sseEvent("content_block_stop", `{"type":"content_block_stop","index":0}`)
		}
		_, _ = io.WriteString(w, start+blocks+
			sseEvent("message_delta", `{"type":"message_delta","delta":{"stop_reason":"`+stop+`"},"usage":{"output_tokens":5}}`)+
			sseEvent("message_stop", `{"type":"message_stop"}`))
	case "/v1/chat/completions":
		w.Header().Set("Content-Type", "application/json")
		msg := `{"role":"assistant","content":"complete original: ` + fmt.Sprint(complete) + `"}`
		finish := "stop"
		if !answered {
			msg = `{"role":"assistant","content":null,"tool_calls":[{"id":"call_r","type":"function","function":{"name":"headroom_retrieve","arguments":` +
				jsonQuote(`{"hash":"`+string(key[1])+`"}`) + `}}]}`
			finish = "tool_calls"
		}
		_, _ = io.WriteString(w, `{"id":"c","object":"chat.completion","choices":[{"index":0,"message":`+msg+`,"finish_reason":"`+finish+`"}],"usage":{"prompt_tokens":100,"completion_tokens":5,"total_tokens":105}}`)
	default:
		http.NotFound(w, r)
	}
}

func rows(n int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"host":"web-%d","status":"ok","p99_ms":%d}`, i, i%9, 20+i%11)
	}
	b.WriteByte(']')
	return b.String()
}

// TestRetrievalEndToEndAcrossTwoProcesses runs two headroom-proxy
// processes on one Redis. Process A compresses an Anthropic conversation
// (the original goes to Redis), gives the model the tool and, when the
// model calls it mid-stream, answers it: the client reads one stream with
// the final answer. Then an OpenAI Chat conversation that carries A's
// marker reaches process B, which never stored anything: B answers the
// model's call from what A stored.
func TestRetrievalEndToEndAcrossTwoProcesses(t *testing.T) {
	redisURL := redistest.Server(t)
	model := &scriptedModel{}
	up := httptest.NewServer(model)
	defer up.Close()
	env := []string{"HEADROOM_PROXY_UPSTREAM=" + up.URL, "HEADROOM_PROXY_COMPRESSION=on",
		"HEADROOM_CCR_BACKEND=redis", "HEADROOM_CCR_REDIS_URL=" + redisURL}
	a, b := startProxyProcess(t, env...), startProxyProcess(t, env...)

	anthropic := `{"model":"claude-sonnet-4-5","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"check the hosts"},` +
		`{"role":"assistant","content":[{"type":"tool_use","id":"toolu_q","name":"query","input":{}}]},` +
		`{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_q","content":` + jsonQuote(rows(300)) + `}]}]}`
	got := post(t, a+"/v1/messages", anthropic)
	if bytes.Contains(got, []byte("headroom_retrieve")) || bytes.Contains(got, []byte("toolu_r")) {
		t.Fatalf("client saw the retrieval:\n%s", got)
	}
	if !bytes.Contains(got, []byte(`"text":"complete original: true"`)) || bytes.Count(got, []byte("event: message_start")) != 1 ||
		!bytes.HasSuffix(got, []byte(sseEvent("message_stop", `{"type":"message_stop"}`))) {
		t.Fatalf("client stream:\n%s", got)
	}
	model.mu.Lock()
	first := model.bodies[0]
	model.mu.Unlock()
	key := markerKey.FindSubmatch(first)
	if key == nil {
		t.Fatal("process A sent no marker upstream")
	}

	chat := `{"model":"gpt-4o","messages":[{"role":"system","content":"ops bot"},{"role":"user","content":"check the hosts"},` +
		`{"role":"assistant","content":null,"tool_calls":[{"id":"call_q","type":"function","function":{"name":"query","arguments":"{}"}}]},` +
		`{"role":"tool","tool_call_id":"call_q","content":` + jsonQuote(`[300 rows] <<ccr:`+string(key[1])+`>>`) + `}]}`
	got = post(t, b+"/v1/chat/completions", chat)
	want := `{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"complete original: true"},"finish_reason":"stop"}],"usage":{"prompt_tokens":200,"completion_tokens":10,"total_tokens":210}}`
	if string(got) != want {
		t.Fatalf("client got\n%s\nwant\n%s", got, want)
	}
}

func post(t *testing.T, url, body string) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer sk-test")
	c := &http.Client{Timeout: 20 * time.Second}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d: %s", url, res.StatusCode, got)
	}
	return got
}
