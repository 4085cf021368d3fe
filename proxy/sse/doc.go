// Package sse observes Server-Sent Events streams from LLM providers
// without changing them.
//
// It has three layers, none of which touches HTTP:
//
//   - [Framer] turns arbitrary byte chunks into events. It finds event
//     boundaries in bytes and validates UTF-8 once per complete event, so a
//     multi-byte character split across network reads survives, and it
//     holds at most one partial event (bounded by a maximum event size).
//   - Per-provider state machines decode each framed event into a typed
//     event and keep a bounded picture of the stream: [AnthropicStream]
//     (Anthropic Messages), [ChatStream] (OpenAI Chat Completions) and
//     [ResponsesStream] (OpenAI Responses). Each returns the typed event
//     from Decode, so a caller that rewrites streams can act on tool calls,
//     and each produces a [Summary] with usage, model, stop reason and the
//     tool calls seen.
//   - [Tee] wraps a response body. Every chunk the client reads is copied
//     into a bounded queue drained by a goroutine running a state machine;
//     when the queue is full the copy is dropped and counted, so the client
//     byte path never waits on the parser and its bytes are never altered.
//     The [Summary] is delivered once, at end of stream, to a callback.
//
// Wire formats follow the WHATWG HTML "Server-sent events" section
// (event stream interpretation) and the providers' streaming
// documentation.
package sse
