package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// TestMCPBinaryAnswersAClientThatClosesStdinAtOnce pipes a whole session into
// the real binary and closes stdin before any answer comes back, as a
// scripted client does.
func TestMCPBinaryAnswersAClientThatClosesStdinAtOnce(t *testing.T) {
	env, _ := binEnv(t)
	_, content := toolOutput(t)
	call, err := json.Marshal(map[string]any{
		"jsonrpc": "2.0", "id": "call-3", "method": "tools/call",
		"params": map[string]any{"name": mcpCompressTool, "arguments": map[string]any{"content": string(content)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	stdin := strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"pipe","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
		string(call),
	}, "\n") + "\n"

	r := runBinary(t, env, []byte(stdin), "mcp")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	got := map[string]json.RawMessage{}
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var m struct {
			ID     json.RawMessage `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("stdout line %q: %v", sc.Text(), err)
		}
		if m.Error != nil {
			t.Errorf("id %s: error %s", m.ID, m.Error)
		}
		got[string(m.ID)] = m.Result
	}
	if len(got) != 3 {
		t.Fatalf("got answers for %d ids, want 3: %q", len(got), r.stdout)
	}
	if !bytes.Contains(got["2"], []byte(`"`+mcpCompressTool+`"`)) {
		t.Errorf("tools/list result %s lacks %s", got["2"], mcpCompressTool)
	}
	var res struct {
		IsError           bool        `json:"isError"`
		StructuredContent compressOut `json:"structuredContent"`
	}
	if err := json.Unmarshal(got[`"call-3"`], &res); err != nil {
		t.Fatalf("tools/call result: %v", err)
	}
	if res.IsError || res.StructuredContent.OriginalTokens == 0 || res.StructuredContent.Compressed == "" {
		t.Errorf("tools/call result %+v", res)
	}
}

// drainSession feeds in to a drain and reads it to its end the way the
// SDK does, writing the given responses after the first read.
func drainSession(t *testing.T, ctx context.Context, in string, timeout time.Duration, responses ...string) (time.Duration, error) {
	t.Helper()
	var out bytes.Buffer
	d := newMCPDrain(ctx, strings.NewReader(in), &out, timeout)
	tr := d.transport()
	buf := make([]byte, 7) // small, so lines span reads
	start := time.Now()
	wrote := false
	for {
		_, err := tr.Reader.Read(buf)
		if !wrote {
			wrote = true
			go func() {
				for _, r := range responses {
					time.Sleep(10 * time.Millisecond)
					if _, err := tr.Writer.Write([]byte(r)); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		if err != nil {
			return time.Since(start), err
		}
	}
}

func TestMCPDrainHoldsEOFUntilEveryRequestIsAnswered(t *testing.T) {
	in := `{"jsonrpc":"2.0","id":1,"method":"initialize"}` + "\n" +
		`{"jsonrpc":"2.0","method":"notifications/initialized"}` + "\n" +
		// A response to a request of the server's is not a request.
		`{"jsonrpc":"2.0","id":9,"result":{}}` + "\n" +
		`[{"jsonrpc":"2.0","id":"b","method":"ping"}]` + "\n" +
		`{"jsonrpc":"2.0","id":"x","method":"tools/call"}` // no final newline
	took, err := drainSession(t, t.Context(), in, 10*time.Second,
		`{"jsonrpc":"2.0","id":1,"result":{}}`+"\n",
		// A request of the server's carries an id the client used too.
		`{"jsonrpc":"2.0","id":"x","method":"roots/list"}`+"\n",
		`{"jsonrpc":"2.0","id":"b","result":{}}`+"\n"+`{"jsonrpc":"2.0","id":"x",`,
		`"error":{"code":-1,"message":"no"}}`+"\n")
	if !errors.Is(err, io.EOF) {
		t.Fatalf("err %v, want EOF", err)
	}
	if took < 40*time.Millisecond || took > 5*time.Second {
		t.Errorf("EOF after %s, want it once the last of 4 paced responses is written", took)
	}
}

func TestMCPDrainGivesUpOnAnUnansweredRequestAfterTheTimeout(t *testing.T) {
	in := `{"jsonrpc":"2.0","id":1,"method":"initialize"}` + "\n" +
		`{"jsonrpc":"2.0","id":2,"method":"tools/call"}` + "\n"
	took, err := drainSession(t, t.Context(), in, 200*time.Millisecond,
		`{"jsonrpc":"2.0","id":1,"result":{}}`+"\n",
		`{"jsonrpc":"2.0","id":3,"result":{}}`+"\n")
	if err == nil || errors.Is(err, io.EOF) || !strings.Contains(err.Error(), "1 request(s) still unanswered") {
		t.Fatalf("err %v, want one unanswered request reported", err)
	}
	if took < 200*time.Millisecond {
		t.Errorf("gave up after %s, before the 200ms timeout", took)
	}
}

func TestMCPDrainStopsWaitingWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	took, err := drainSession(t, ctx, `{"jsonrpc":"2.0","id":1,"method":"initialize"}`+"\n", time.Minute)
	if !errors.Is(err, io.EOF) || took > 10*time.Second {
		t.Errorf("err %v after %s, want EOF once ctx ends", err, took)
	}
}

func TestMCPDrainReportsEOFAtOnceWithNothingPending(t *testing.T) {
	took, err := drainSession(t, t.Context(), "", time.Minute)
	if !errors.Is(err, io.EOF) || took > 5*time.Second {
		t.Errorf("err %v after %s, want EOF at once", err, took)
	}
}
