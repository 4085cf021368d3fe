package headroom_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"strings"

	"github.com/headroom-go/headroom"
	"github.com/headroom-go/headroom/ccr/memstore"
)

// toolRows renders n rows of a typical API tool output as a JSON array.
func toolRows(n int) string {
	type row struct {
		ID        int     `json:"id"`
		Service   string  `json:"service"`
		Region    string  `json:"region"`
		Status    string  `json:"status"`
		LatencyMS float64 `json:"latency_ms"`
	}
	rows := make([]row, n)
	for i := range rows {
		rows[i] = row{ID: i + 1, Service: "checkout", Region: "us-east-1", Status: "ok", LatencyMS: float64(40 + i%9)}
	}
	rows[n/2].Status = "error: connection reset by upstream payments-db"
	b, err := json.MarshalIndent(rows, "", "  ")
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Compress one tool output. The store keeps the original, so the text
// carries a marker the model (or `headroom ccr get`) can redeem.
func ExampleCompressContent() {
	store := memstore.New(0, 0)
	content := toolRows(200)

	res, err := headroom.CompressContent(context.Background(), content, headroom.ContentOptions{
		Store: store,
		Query: "which request failed?",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("type:", res.ContentType)
	fmt.Println("outcome:", res.Outcome)
	fmt.Println("transforms:", strings.Join(res.Stats.Transforms, ", "))
	fmt.Println("fewer tokens:", res.Stats.TokensAfter < res.Stats.TokensBefore)
	fmt.Println("keeps the error row:", strings.Contains(res.Text, "connection reset"))

	// The markers in the text resolve in the store; the exact input is
	// kept under OriginalKey.
	fmt.Println("markers resolve:", allResolve(store, res.Stats.Markers))
	original, err := store.Get(context.Background(), res.OriginalKey)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("original retrievable:", string(original) == content)
	// Output:
	// type: json_array
	// outcome: compressed
	// transforms: json_minifier, json_offload
	// fewer tokens: true
	// keeps the error row: true
	// markers resolve: true
	// original retrievable: true
}

// Content that no step can shrink comes back byte for byte.
func ExampleCompressContent_unchanged() {
	res, err := headroom.CompressContent(context.Background(), "all 12 tests passed\n", headroom.ContentOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %q\n", res.Outcome, res.Text)
	// Output:
	// unchanged "all 12 tests passed\n"
}

// Compress an Anthropic Messages request as the proxy would before
// forwarding it: only the latest turn's tool result is rewritten, and it
// ends with a marker whose original the store holds.
func ExampleCompressRequest() {
	body := []byte(`{"model":"claude-sonnet-4-5","max_tokens":1024,"messages":[` +
		`{"role":"user","content":"Why is checkout failing?"},` +
		`{"role":"assistant","content":[{"type":"tool_use","id":"tu_1","name":"get_requests","input":{}}]},` +
		`{"role":"user","content":[{"type":"tool_result","tool_use_id":"tu_1","content":` +
		mustJSON(toolRows(200)) + `}]}]}`)
	store := memstore.New(0, 0)

	res, err := headroom.CompressRequest(context.Background(), body, headroom.RequestOptions{
		Path:  "/v1/messages",
		Store: store,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("provider:", res.Provider)
	fmt.Println("modified:", res.Modified)
	fmt.Println("transforms:", res.Stats.Transforms)
	fmt.Println("fewer tokens:", res.Stats.TokensAfter < res.Stats.TokensBefore)
	fmt.Println("same prefix:", string(res.Body[:200]) == string(body[:200]))
	fmt.Println("markers resolve:", allResolve(store, res.Stats.Markers))
	// Output:
	// provider: anthropic
	// modified: true
	// transforms: [smart_crusher]
	// fewer tokens: true
	// same prefix: true
	// markers resolve: true
}

// Without a path or provider, the format is read from the body: a "tool"
// role is OpenAI Chat. Without a Store no format carries markers.
func ExampleCompressRequest_detect() {
	body := []byte(`{"model":"gpt-4o","messages":[` +
		`{"role":"user","content":"Why is checkout failing?"},` +
		`{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"get_requests","arguments":"{}"}}]},` +
		`{"role":"tool","tool_call_id":"c1","content":` + mustJSON(toolRows(200)) + `}]}`)

	res, err := headroom.CompressRequest(context.Background(), body, headroom.RequestOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Provider, res.Modified, len(res.Stats.Markers))
	for _, b := range res.Manifest.Blocks {
		fmt.Println(b.MessageIndex, b.BlockType, b.Action.Kind, b.Action.Strategy)
	}
	// Output:
	// openai_chat true 0
	// 2 tool_content compressed smart_crusher
	// 0 user_string below_byte_threshold
}

func mustJSON(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func allResolve(store *memstore.Store, keys []string) bool {
	if len(keys) == 0 {
		return false
	}
	for _, k := range keys {
		if _, err := store.Get(context.Background(), k); err != nil {
			return false
		}
	}
	return true
}
