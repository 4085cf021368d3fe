// Package retrieval makes CCR reversible inside the proxy: it offers the
// model the headroom_retrieve tool when a request carries compression
// markers, and answers the model's calls to it from the CCR store, so the
// model gets originals back without the client ever seeing the exchange.
//
// # Injection
//
// [Retrieval.Inject] runs after live-zone compression. When the
// conversation holds retrieval markers, or its session was given the tool
// on an earlier turn, it appends the provider's tool definition to the
// tools array. Only the array's closing bracket moves; every other byte of
// the body is kept. The tool stays for the rest of the session, with the
// bytes it had the first time, because a tool list that changes from turn
// to turn invalidates the provider's prompt cache. A client that
// registered the tool itself (through the MCP server) keeps its copy and
// its calls are left to it. The reference defers injection while a cached
// prefix is frozen; that flips the tool list on and off between turns, so
// it is not copied.
//
// # Resolving calls
//
// [Retrieval] is an http.RoundTripper wrapped around the proxy's upstream
// transport. For a request marked with [WithHandling] (the proxy marks the
// requests Inject changed) it reads the model's answer:
//
//   - No headroom_retrieve call: the answer passes unchanged.
//   - headroom_retrieve next to a call of the client's own tools: the
//     answer passes unchanged (a continuation would need results the proxy
//     cannot produce), counted as Mixed.
//   - Only headroom_retrieve calls: each is answered from the store (a
//     missing, expired or malformed hash is answered with a result that
//     says so, so the model proceeds and never loops on it), the model's
//     turn and the results are appended to the conversation, and the
//     request is sent again with the client's headers. At most MaxRounds
//     rounds; an answer that still calls the tool after that becomes a 502
//     in the provider's error shape (JSON) or ends the stream with the
//     provider's error event (SSE), so the client never holds a call to a
//     tool it did not declare.
//
// Every continuation keeps the previous request's bytes and only grows the
// conversation array, so it reads the provider's prompt cache. The usage
// the client finally sees is the sum over the rounds: each round was
// billed.
//
// # Streams
//
// Streams are rewritten event by event, never buffered whole, so a stream
// without a retrieval reaches the client with the same bytes and no added
// latency: an event is forwarded as soon as its terminating blank line
// arrives (comment blocks too).
//
// When an event starts a headroom_retrieve call (an Anthropic tool_use
// content block, an OpenAI Chat tool call, a Responses function_call
// item), that event and every later one of the round are held back. If a
// client tool call follows, the held events are released as they came and
// the round passes through. If the round ends with only retrieval calls:
//
//  1. the held events that are not part of a call (text after the call)
//     are sent, and the round's closing events (Anthropic message_delta
//     and message_stop, Chat finish and usage chunks and [DONE], the
//     Responses terminal event) are dropped;
//  2. the calls are answered and the continuation is requested with the
//     same stream settings;
//  3. the continuation's stream is read like the first: its opening events
//     (message_start, response.created) are dropped, its content-block or
//     output indices are renumbered after the ones the client already has,
//     its Responses sequence numbers continue the client's, and the final
//     usage (Anthropic message_delta, Chat usage chunk, Responses terminal
//     response) is rewritten to the totals.
//
// The client thus reads one well-formed stream ending in the model's final
// answer. When a continuation cannot be had (a transport error, a non-200
// answer, a stream cut inside a held turn, the round cap), the stream ends
// with the provider's own error event (Anthropic "error", a Chat error
// chunk, a Responses "error" event) carrying the reason, instead of
// stopping short: a client never reads an empty or silently truncated 200.
//
// Counters for all of this are read with [Retrieval.Stats].
package retrieval
