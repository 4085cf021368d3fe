package sse_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/headroom-go/headroom/proxy/sse"
)

// A proxy wraps a streamed response body in ModifyResponse when
// sse.IsEventStream(Content-Type) holds and the request path has a
// provider; the client reads exactly the upstream bytes while the summary
// arrives once the stream ends.
func ExampleNewTee() {
	stream := "event: message_start\n" +
		`data: {"type":"message_start","message":{"id":"msg_1","model":"claude-sonnet-4-5","usage":{"input_tokens":200,"cache_read_input_tokens":800,"output_tokens":1}}}` + "\n\n" +
		"event: message_delta\n" +
		`data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":12}}` + "\n\n" +
		"event: message_stop\n" +
		`data: {"type":"message_stop"}` + "\n\n"

	summaries := make(chan sse.Summary, 1)
	body, err := sse.NewTee(io.NopCloser(strings.NewReader(stream)), sse.TeeOptions{
		Provider:  sse.ProviderForPath("/v1/messages"),
		OnSummary: func(s sse.Summary) { summaries <- s },
	})
	if err != nil {
		panic(err)
	}
	n, _ := io.Copy(io.Discard, body) // the client side
	body.Close()

	s := <-summaries
	rate, _ := s.Usage.CacheHitRate()
	fmt.Println(n == int64(len(stream)), s.Status, s.StopReason)
	fmt.Println(s.Usage.InputTokens, s.Usage.CacheReadTokens, s.Usage.OutputTokens, rate)
	// Output:
	// true completed end_turn
	// 200 800 12 0.8
}

// Decode exposes each event typed, so a stream rewriter can spot a tool
// call as it starts and collect its input.
func ExampleAnthropicStream_Decode() {
	stream := "event: content_block_start\n" +
		`data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"headroom_retrieve","input":{}}}` + "\n\n" +
		"event: content_block_delta\n" +
		`data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"hash\": "}}` + "\n\n" +
		"event: content_block_delta\n" +
		`data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\"a1b2\"}"}}` + "\n\n" +
		"event: content_block_stop\n" +
		`data: {"type":"content_block_stop","index":1}` + "\n\n"

	var f sse.Framer
	s := sse.NewAnthropicStream(sse.Options{})
	f.Push([]byte(stream))
	for {
		ev, err := f.Next()
		if errors.Is(err, sse.ErrNeedMore) {
			break
		}
		if err != nil {
			continue
		}
		te, err := s.Decode(&ev)
		if err == nil && te.Block != nil && te.Block.Type == "tool_use" {
			fmt.Println("tool call starts at block", te.Index, te.Block.Name, te.Block.ID)
		}
	}
	for _, tc := range s.Summary().ToolCalls {
		fmt.Println(tc.Name, tc.Arguments, tc.Complete)
	}
	// Output:
	// tool call starts at block 1 headroom_retrieve toolu_1
	// headroom_retrieve {"hash": "a1b2"} true
}
