package retrieval

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/headroom-go/headroom/ccr/retrieve"
)

// RoundTrip implements http.RoundTripper. Requests that Config.Handle
// does not select, and requests that are not a POST to a supported path,
// go to Base untouched. For the others it sends the request, and when the
// model's answer calls only headroom_retrieve it answers the calls from
// the store and continues the conversation upstream (at most MaxRounds
// times), returning one response: the final one for a JSON answer, one
// rewritten event stream for an SSE answer.
func (r *Retrieval) RoundTrip(req *http.Request) (*http.Response, error) {
	f := formatForUpstreamPath(req.URL.Path)
	if f == formatNone || req.Method != http.MethodPost || req.Body == nil || !r.cfg.Handle(req) {
		return r.cfg.Base.RoundTrip(req)
	}
	body, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("retrieval: read request body: %w", err)
	}
	tmpl := req.Clone(req.Context())
	tmpl.Body = nil
	// Tool calls can only be read from an identity-encoded answer; the
	// client's Accept-Encoding would let the upstream compress it.
	tmpl.Header.Del("Accept-Encoding")
	x := &exchange{r: r, ctx: req.Context(), tmpl: tmpl, f: f, body: body}
	resp, err := x.send(body)
	if err != nil || resp.StatusCode != http.StatusOK || !json.Valid(body) {
		return resp, err
	}
	if ce := resp.Header.Get("Content-Encoding"); ce != "" && ce != "identity" {
		return resp, nil
	}
	switch mediaType(resp.Header) {
	case "text/event-stream":
		return x.stream(resp), nil
	case "application/json":
		return x.nonStream(resp)
	}
	return resp, nil
}

// exchange is one client request's conversation with the upstream, over
// all its rounds.
type exchange struct {
	r    *Retrieval
	ctx  context.Context
	tmpl *http.Request // headers and URL of every round; no body
	f    format
	// body is the request body of the latest round.
	body []byte
	// rounds is how many continuations were sent.
	rounds int
}

// send posts body upstream with the client's headers and a fresh length.
func (x *exchange) send(body []byte) (*http.Response, error) {
	out := x.tmpl.Clone(x.ctx)
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	out.ContentLength = int64(len(body))
	out.TransferEncoding = nil
	out.Header.Del("Content-Length")
	out.Header.Del("Transfer-Encoding")
	x.body = body
	return x.r.cfg.Base.RoundTrip(out)
}

func mediaType(h http.Header) string {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

// callState classifies the tool calls of one model turn.
type callState uint8

const (
	noCalls      callState = iota // nothing for the proxy to do
	onlyRetrieve                  // resolve them and continue
	mixedCalls                    // headroom_retrieve next to client tools
	unsupported                   // a shape the proxy does not continue (several choices)
)

// nonStream runs the rounds for a JSON answer.
func (x *exchange) nonStream(resp *http.Response) (*http.Response, error) {
	var usages [][]byte
	for {
		data, whole, err := readUpTo(resp.Body, x.r.cfg.MaxResponseBytes)
		if err != nil {
			_ = resp.Body.Close()
			if x.rounds > 0 {
				x.r.stats.contFailures.Add(1)
			}
			return nil, fmt.Errorf("retrieval: read upstream response: %w", err)
		}
		if !whole {
			// Too large to inspect: the client gets it as it comes.
			resp.Body = readCloser{io.MultiReader(bytes.NewReader(data), resp.Body), resp.Body}
			return resp, nil
		}
		_ = resp.Body.Close()
		state, calls, assistant := turnCalls(x.f, data)
		switch state {
		case mixedCalls:
			x.r.stats.mixed.Add(1)
			return x.finish(resp, data, usages), nil
		case onlyRetrieve:
		default:
			return x.finish(resp, data, usages), nil
		}
		if x.rounds >= x.r.cfg.MaxRounds {
			x.r.stats.capReached.Add(1)
			x.r.log.LogAttrs(x.ctx, slog.LevelWarn, "retrieval round cap reached",
				slog.String("event", "ccr_round_cap"), slog.String("provider", x.f.String()),
				slog.Int("rounds", x.rounds))
			// The pending call is to a tool the client never declared, so
			// passing it on would leave the client holding a call it cannot
			// answer. End the exchange the way the streaming path does: with
			// the provider's own error shape, which clients surface and retry.
			return capError(resp, x.f, "headroom: the model asked for compressed originals "+
				strconv.Itoa(x.rounds+1)+" times in one turn; the proxy stops at "+
				strconv.Itoa(x.r.cfg.MaxRounds)+" retrieval rounds"), nil
		}
		next, err := x.continuation(assistant, calls)
		if err != nil {
			x.r.log.LogAttrs(x.ctx, slog.LevelWarn, "retrieval continuation not built",
				slog.String("event", "ccr_continuation_failed"), slog.String("provider", x.f.String()),
				slog.Any("error", err))
			x.r.stats.contFailures.Add(1)
			return x.finish(resp, data, usages), nil
		}
		usages = append(usages, memberBytes(data, "usage"))
		x.rounds++
		x.r.stats.rounds.Add(1)
		next2, err := x.send(next)
		if err != nil {
			x.r.stats.contFailures.Add(1)
			return nil, fmt.Errorf("retrieval: continuation round %d: %w", x.rounds, err)
		}
		if next2.StatusCode != http.StatusOK || mediaType(next2.Header) != "application/json" {
			// The upstream refused the continuation: its answer (a 429, a
			// 529, ...) is what the client needs to see and retry on.
			x.r.stats.contFailures.Add(1)
			x.r.log.LogAttrs(x.ctx, slog.LevelWarn, "retrieval continuation refused",
				slog.String("event", "ccr_continuation_failed"), slog.String("provider", x.f.String()),
				slog.Int("status", next2.StatusCode), slog.Int("round", x.rounds))
			return next2, nil
		}
		resp = next2
	}
}

// finish returns resp carrying data, with the usage of earlier rounds
// added in when there were any.
func (x *exchange) finish(resp *http.Response, data []byte, usages [][]byte) *http.Response {
	if len(usages) > 0 {
		if s, ok, _ := member(data, "usage"); ok {
			if u, ok := sumUsage(data[s.start:s.end], usages...); ok {
				data = replaceSpan(data, s, u)
			}
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	resp.ContentLength = int64(len(data))
	resp.TransferEncoding = nil
	resp.Header.Set("Content-Length", strconv.Itoa(len(data)))
	return resp
}

// turnCalls reads the tool calls of a JSON answer and, when they are all
// headroom_retrieve calls, the items that record the model's turn in the
// next round's conversation.
func turnCalls(f format, data []byte) (callState, []toolCall, [][]byte) {
	switch f {
	case formatAnthropic:
		content := memberBytes(data, "content")
		if content == nil {
			return noCalls, nil, nil
		}
		elems, err := arrayElements(content)
		if err != nil {
			return unsupported, nil, nil
		}
		var calls []toolCall
		client := false
		for _, e := range elems {
			b := content[e.start:e.end]
			if t, _ := memberString(b, "type"); t != "tool_use" {
				continue
			}
			if name, _ := memberString(b, "name"); name != retrieve.ToolName {
				client = true
				continue
			}
			id, _ := memberString(b, "id")
			calls = append(calls, toolCall{id: id, hash: hashFromRaw(memberBytes(b, "input"))})
		}
		state := classify(len(calls), client)
		if state != onlyRetrieve {
			return state, nil, nil
		}
		turn := append(append([]byte(`{"role":"assistant","content":`), content...), '}')
		return state, calls, [][]byte{turn}

	case formatChat:
		choices := memberBytes(data, "choices")
		elems, err := arrayElements(choices)
		if err != nil || len(elems) != 1 {
			if len(elems) > 1 {
				return unsupported, nil, nil
			}
			return noCalls, nil, nil
		}
		msg := memberBytes(choices[elems[0].start:elems[0].end], "message")
		tcs := memberBytes(msg, "tool_calls")
		if len(tcs) == 0 || tcs[0] != '[' {
			return noCalls, nil, nil
		}
		tcElems, err := arrayElements(tcs)
		if err != nil {
			return unsupported, nil, nil
		}
		var calls []toolCall
		client := false
		for _, e := range tcElems {
			tc := tcs[e.start:e.end]
			fn := memberBytes(tc, "function")
			if name, _ := memberString(fn, "name"); name != retrieve.ToolName {
				client = true
				continue
			}
			id, _ := memberString(tc, "id")
			args, _ := memberString(fn, "arguments")
			calls = append(calls, toolCall{id: id, hash: hashFromArguments(args)})
		}
		state := classify(len(calls), client)
		if state != onlyRetrieve {
			return state, nil, nil
		}
		content := memberBytes(msg, "content")
		if content == nil {
			content = []byte("null")
		}
		turn := []byte(`{"role":"assistant","content":`)
		turn = append(turn, content...)
		turn = append(turn, `,"tool_calls":`...)
		turn = append(append(turn, tcs...), '}')
		return state, calls, [][]byte{turn}

	case formatResponses:
		output := memberBytes(data, "output")
		elems, err := arrayElements(output)
		if err != nil || output == nil {
			return noCalls, nil, nil
		}
		var calls []toolCall
		client := false
		items := make([][]byte, 0, len(elems))
		for _, e := range elems {
			it := output[e.start:e.end]
			items = append(items, it)
			t, _ := memberString(it, "type")
			switch {
			case t == "function_call":
				if name, _ := memberString(it, "name"); name != retrieve.ToolName {
					client = true
					continue
				}
				id, _ := memberString(it, "call_id")
				args, _ := memberString(it, "arguments")
				calls = append(calls, toolCall{id: id, hash: hashFromArguments(args)})
			case responsesClientItem(t):
				client = true
			}
		}
		state := classify(len(calls), client)
		if state != onlyRetrieve {
			return state, nil, nil
		}
		return state, calls, items
	}
	return noCalls, nil, nil
}

func classify(retrieveCalls int, client bool) callState {
	switch {
	case retrieveCalls == 0:
		return noCalls
	case client:
		return mixedCalls
	}
	return onlyRetrieve
}

// responsesServerItems are Responses output items the provider runs
// itself; every other item type but messages and reasoning asks the client
// to act (function, custom, shell, computer calls, MCP approvals).
var responsesServerItems = map[string]bool{
	"message": true, "reasoning": true, "web_search_call": true, "file_search_call": true,
	"code_interpreter_call": true, "image_generation_call": true, "mcp_call": true, "mcp_list_tools": true,
}

func responsesClientItem(t string) bool { return t != "" && !responsesServerItems[t] }

// hashFromRaw reads the hash from a raw arguments object.
func hashFromRaw(input []byte) string {
	h, _ := memberString(input, "hash")
	return h
}

// readUpTo reads r whole when it holds at most limit bytes (whole is
// then true); otherwise it returns the limit+1 bytes it read.
func readUpTo(r io.Reader, limit int64) (data []byte, whole bool, err error) {
	data, err = io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, false, err
	}
	return data, int64(len(data)) <= limit, nil
}

// readCloser reads from one reader and closes another.
type readCloser struct {
	io.Reader
	c io.Closer
}

func (rc readCloser) Close() error { return rc.c.Close() }

// capError turns resp into a 502 answer carrying msg in the provider's
// error body: Anthropic's {"type":"error","error":{…}} or OpenAI's
// {"error":{…}}.
func capError(resp *http.Response, f format, msg string) *http.Response {
	quoted := strconv.Quote(msg) // msg is ASCII, so Go quoting is valid JSON
	var body string
	if f == formatAnthropic {
		body = `{"type":"error","error":{"type":"api_error","message":` + quoted + `}}`
	} else {
		body = `{"error":{"message":` + quoted + `,"type":"server_error","param":null,"code":"headroom_retrieval_round_cap"}}`
	}
	resp.StatusCode = http.StatusBadGateway
	resp.Status = "502 Bad Gateway"
	resp.Header = resp.Header.Clone()
	resp.Header.Set("Content-Type", "application/json")
	resp.Header.Del("Content-Encoding")
	resp.Header.Del("Content-Length")
	resp.Body = io.NopCloser(strings.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.TransferEncoding = nil
	return resp
}
