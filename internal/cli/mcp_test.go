package cli

import (
	"context"
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/internal/version"
)

// newClient returns an MCP client of the SDK, as an agent would run it.
func newClient() *mcp.Client {
	return mcp.NewClient(&mcp.Implementation{Name: "headroom-test-client", Version: "v0.0.1"}, nil)
}

// inMemorySession connects a client to a server built around store over the
// SDK's in-memory transports.
func inMemorySession(t *testing.T, store ccr.Store) (*mcp.ClientSession, *mcpServer) {
	t.Helper()
	srv := newMCPServer(store, "memory (test)", 0, "")
	ct, st := mcp.NewInMemoryTransports()
	ss, err := srv.server.Connect(t.Context(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := newClient().Connect(t.Context(), ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cs.Close()
		ss.Wait()
	})
	return cs, srv
}

// callTool calls a tool and decodes its structured result into out (when
// the call succeeded). It returns the result for IsError and Content.
func callTool(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any, out any) *mcp.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if res.IsError || out == nil {
		return res
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("%s: structured content %s: %v", name, b, err)
	}
	// The text a model reads is the same document.
	if len(res.Content) != 1 {
		t.Fatalf("%s: %d content items", name, len(res.Content))
	}
	text, ok := res.Content[0].(*mcp.TextContent)
	if !ok || !sameJSON(t, []byte(text.Text), b) {
		t.Fatalf("%s: text content is not the structured result", name)
	}
	return res
}

// errorText returns the text of a tool error result.
func errorText(t *testing.T, res *mcp.CallToolResult) string {
	t.Helper()
	if !res.IsError || len(res.Content) == 0 {
		t.Fatalf("not a tool error: %+v", res)
	}
	text, ok := res.Content[0].(*mcp.TextContent)
	if !ok {
		t.Fatalf("tool error content is %T", res.Content[0])
	}
	return text.Text
}

// checkToolList checks the three tools and their required arguments.
func checkToolList(t *testing.T, cs *mcp.ClientSession) {
	t.Helper()
	list, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	required := map[string][]string{}
	for _, tool := range list.Tools {
		schema, _ := tool.InputSchema.(map[string]any)
		var req []string
		if r, ok := schema["required"].([]any); ok {
			for _, x := range r {
				req = append(req, x.(string))
			}
		}
		required[tool.Name] = req
		if tool.Description == "" {
			t.Errorf("%s has no description", tool.Name)
		}
	}
	want := map[string][]string{
		"headroom_compress": {"content"},
		"headroom_retrieve": {"hash"},
		"headroom_stats":    nil,
	}
	if len(required) != len(want) {
		t.Errorf("tools %v, want %v", required, want)
	}
	for name, req := range want {
		if got, ok := required[name]; !ok || !slices.Equal(got, req) {
			t.Errorf("%s: required %v (listed %v), want %v", name, got, ok, req)
		}
	}
}

// checkCompressAndRetrieve compresses content through the session, then
// retrieves the returned hash and every marker hash in the text, and a hash
// nothing is stored under. It returns the hash of the exact content.
func checkCompressAndRetrieve(t *testing.T, cs *mcp.ClientSession, content []byte) string {
	t.Helper()
	var out compressOut
	res := callTool(t, cs, "headroom_compress", map[string]any{"content": string(content)}, &out)
	if res.IsError {
		t.Fatalf("compress: %s", errorText(t, res))
	}
	if out.Hash != ccr.ComputeKey(content) || out.ContentType != "json_array" || len(out.Transforms) == 0 ||
		out.TokensSaved != out.OriginalTokens-out.CompressedTokens || out.TokensSaved <= 0 || out.SavingsPercent <= 0 ||
		len(out.Compressed) >= len(content) || !strings.Contains(out.Note, out.Hash) {
		t.Fatalf("compress result %+v", summary(out))
	}
	hashes := append([]string{out.Hash}, markerKeys(out.Compressed)...)
	if len(hashes) < 2 || !slices.Equal(out.Markers, hashes[1:]) {
		t.Errorf("markers in the text %v, listed %v", hashes[1:], out.Markers)
	}
	for i, h := range hashes {
		var got retrieveOut
		res := callTool(t, cs, "headroom_retrieve", map[string]any{"hash": h}, &got)
		if res.IsError {
			t.Errorf("retrieve %s: %s", h, errorText(t, res))
			continue
		}
		exact := got.OriginalContent == string(content)
		if got.Hash != h || i == 0 && !exact || !exact && !sameJSON(t, []byte(got.OriginalContent), content) {
			t.Errorf("retrieve %s: hash %s, %d bytes, exact %v", h, got.Hash, len(got.OriginalContent), exact)
		}
	}
	// An uppercase hash is the same key to a human.
	var upper retrieveOut
	if res := callTool(t, cs, "headroom_retrieve", map[string]any{"hash": strings.ToUpper(out.Hash)}, &upper); res.IsError ||
		upper.OriginalContent != string(content) {
		t.Errorf("uppercase hash did not retrieve the original")
	}

	missing := ccr.ComputeKey([]byte("never stored anywhere"))
	msg := errorText(t, callTool(t, cs, "headroom_retrieve", map[string]any{"hash": missing}, nil))
	if !strings.Contains(msg, "nothing is stored under "+missing) || !strings.Contains(msg, "expired") {
		t.Errorf("miss message %q", msg)
	}
	msg = errorText(t, callTool(t, cs, "headroom_retrieve", map[string]any{"hash": "not-a-hash"}, nil))
	if !strings.Contains(msg, "not a hash") {
		t.Errorf("bad hash message %q", msg)
	}
	return out.Hash
}

func summary(o compressOut) compressOut {
	if len(o.Compressed) > 80 {
		o.Compressed = o.Compressed[:80] + "…"
	}
	return o
}

func TestMCPInMemorySessionCompressesRetrievesAndCounts(t *testing.T) {
	store := memstore.New(0, 0)
	cs, _ := inMemorySession(t, store)
	if info := cs.InitializeResult().ServerInfo; info.Name != "headroom" || info.Version != version.Version {
		t.Errorf("server info %+v", info)
	}
	checkToolList(t, cs)
	_, content := toolOutput(t)
	checkCompressAndRetrieve(t, cs, content)

	// Content nothing can shrink comes back as it is, with no hash.
	var small compressOut
	callTool(t, cs, "headroom_compress", map[string]any{"content": "ok\n", "query": "status", "model": "gpt-4o"}, &small)
	if small.Compressed != "ok\n" || small.Hash != "" || small.TokensSaved != 0 || !strings.Contains(small.Note, "unchanged") {
		t.Errorf("small content: %+v", small)
	}
	if msg := errorText(t, callTool(t, cs, "headroom_compress", map[string]any{"content": ""}, nil)); !strings.Contains(msg, "empty") {
		t.Errorf("empty content message %q", msg)
	}
	// A call without the required argument never reaches the tool.
	if res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "headroom_compress", Arguments: map[string]any{}}); err == nil && !res.IsError {
		t.Errorf("compress without content succeeded")
	}

	var st statsOut
	callTool(t, cs, "headroom_stats", nil, &st)
	if st.Compressions != 2 || st.Compressed != 1 || st.TokensSaved <= 0 || st.TokensSaved != st.TokensBefore-st.TokensAfter ||
		st.SavingsPercent <= 0 {
		t.Errorf("session counters %+v", st)
	}
	// Retrievals: the hash, each marker, the uppercase hash and the miss;
	// the malformed hash is refused before it counts.
	if st.RetrievalMisses != 1 || st.Retrievals < 4 {
		t.Errorf("retrieval counters %+v", st)
	}
	n, _ := store.Len(t.Context())
	if st.Store.Entries == nil || *st.Store.Entries != n || st.Store.Puts == 0 || st.Store.Misses != 1 ||
		st.Store.Backend != "memory (test)" || st.Store.TTLSeconds != int64(ccr.DefaultTTL/time.Second) {
		t.Errorf("store stats %+v (store holds %d)", st.Store, n)
	}
}

func TestMCPCommandServesOverItsStandardStreams(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan result, 1)
	go func() {
		var errb strings.Builder
		code := Main(context.Background(), []string{"mcp", "serve", "--ccr-backend", "memory"}, Env{
			Stdin: inR, Stdout: outW, Stderr: &errb, Getenv: func(string) string { return "" },
		})
		outW.Close()
		done <- result{code: code, stderr: errb.String()}
	}()
	cs, err := newClient().Connect(t.Context(), &mcp.IOTransport{Reader: outR, Writer: inW}, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkToolList(t, cs)
	_, content := toolOutput(t)
	checkCompressAndRetrieve(t, cs, content)
	// Closing the client's end of standard input ends the server cleanly.
	cs.Close()
	select {
	case r := <-done:
		if r.code != ExitOK || r.stderr != "" {
			t.Errorf("headroom mcp: exit %d, stderr %q", r.code, r.stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("headroom mcp did not exit after the client closed the connection")
	}
}

func TestMCPBinaryOverStdioWithASQLiteStore(t *testing.T) {
	env, db := binEnv(t)
	cmd := exec.Command(headroomBinary(t), "mcp")
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cs, err := newClient().Connect(t.Context(), &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("connect: %v (stderr %q)", err, stderr.String())
	}
	checkToolList(t, cs)
	_, content := toolOutput(t)
	hash := checkCompressAndRetrieve(t, cs, content)
	var st statsOut
	callTool(t, cs, "headroom_stats", nil, &st)
	if !strings.Contains(st.Store.Backend, db) || st.Store.Entries == nil || *st.Store.Entries < 2 {
		t.Errorf("store stats %+v, want the SQLite store at %s", st.Store, db)
	}
	if err := cs.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if cmd.ProcessState == nil || !cmd.ProcessState.Success() {
		t.Errorf("headroom mcp did not exit 0: %v (stderr %q)", cmd.ProcessState, stderr.String())
	}
	// The originals outlive the server: another process prints them.
	get := runBinary(t, env, nil, "ccr", "get", hash)
	if get.code != 0 || get.stdout != string(content) {
		t.Errorf("ccr get %s after the session: exit %d, %d bytes, stderr %q", hash, get.code, len(get.stdout), get.stderr)
	}
}

func TestMCPRejectsStrayArguments(t *testing.T) {
	r := runMain(t, nil, nil, "mcp", "install")
	if r.code != ExitUsage || !strings.Contains(r.stderr, `"install"`) {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	r = runMain(t, nil, map[string]string{"HEADROOM_CCR_BACKEND": "nosuch"}, "mcp")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "nosuch") {
		t.Errorf("bad backend: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestCompressAndMCPHelpWorkWithABadEnvironment(t *testing.T) {
	bad := map[string]string{"HEADROOM_CCR_TTL_SECONDS": "soon"}
	for _, args := range [][]string{{"compress", "--help"}, {"compress", "--json", "-h"}, {"mcp", "--help"}, {"help", "mcp"}} {
		r := runMain(t, nil, bad, args...)
		if r.code != ExitOK || !strings.Contains(r.stdout, "--ccr-backend") || !strings.Contains(r.stdout, "--model") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
	for _, args := range [][]string{{"compress"}, {"mcp"}} {
		if r := runMain(t, nil, bad, args...); r.code != ExitUsage || !strings.Contains(r.stderr, "HEADROOM_CCR_TTL_SECONDS") {
			t.Errorf("%q: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}
