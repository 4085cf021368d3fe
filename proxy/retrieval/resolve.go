package retrieval

import (
	"errors"
	"log/slog"
	"strings"

	"github.com/headroom-go/headroom/ccr/retrieve"
	"github.com/headroom-go/headroom/internal/jsonx"
)

// toolCall is one call to headroom_retrieve as the model wrote it.
type toolCall struct {
	// id answers the call: the tool_use id (Anthropic), the tool call id
	// (Chat) or the call_id (Responses).
	id string
	// hash is the "hash" argument, "" when missing or not a string.
	hash string
}

// errNotAHash explains a call whose hash argument is not a CCR hash. The
// model gets it as the tool result and can correct itself; passing the
// call to the client instead would leak a tool it never registered.
var errNotAHash = errors.New("the hash argument must be the 12 or 24 hex digits after hash= (or <<ccr:) in a compression marker")

// hashArg reads the "hash" argument from a decoded arguments object.
func hashArg(args jsonx.Value) string {
	h, _ := getStr(args, "hash")
	return h
}

// hashFromArguments reads the hash from an arguments string (Chat and
// Responses carry the arguments as JSON inside a string).
func hashFromArguments(arguments string) string {
	v, err := jsonx.ParseString(arguments)
	if err != nil {
		return ""
	}
	return hashArg(v)
}

// answer looks every call up in the store and returns the tool-result texts
// in call order. A miss or a store failure is an answer too: the model is
// told why the original is not there, and the request goes on.
func (x *exchange) answer(calls []toolCall) []string {
	r := x.r
	texts := make([]string, len(calls))
	for i, c := range calls {
		var res retrieve.Result
		if !retrieve.ValidHash(c.hash) {
			res = retrieve.Result{Hash: c.hash, Status: retrieve.Failed, Err: errNotAHash}
			r.stats.malformed.Add(1)
		} else {
			// Stores are keyed in lowercase; a model that upper-cased the
			// hash still means the same original.
			res = retrieve.Lookup(x.ctx, r.cfg.Store, strings.ToLower(c.hash), r.cfg.StoreTTL)
			res.Hash = c.hash
			switch res.Status {
			case retrieve.Available:
				r.stats.hits.Add(1)
			case retrieve.Missing:
				r.stats.misses.Add(1)
			case retrieve.Expired:
				r.stats.expired.Add(1)
			default:
				r.stats.storeErrors.Add(1)
			}
		}
		texts[i] = res.Text()
		level := slog.LevelDebug
		if res.Status != retrieve.Available {
			level = slog.LevelWarn
		}
		r.log.LogAttrs(x.ctx, level, "retrieval call answered",
			slog.String("event", "ccr_retrieval"), slog.String("provider", x.f.String()),
			slog.String("hash", clipHash(c.hash)), slog.String("status", string(res.Status)),
			slog.Int("bytes", len(res.Original)), slog.Int("round", x.rounds+1))
	}
	return texts
}

// clipHash keeps a model-written hash short enough for a log line.
func clipHash(h string) string {
	const maxLogged = 32
	if len(h) > maxLogged {
		return h[:maxLogged] + "…"
	}
	return h
}

// resultItems renders the answers in the format's conversation shape:
// Anthropic one user message of tool_result blocks, Chat one tool message
// per call, Responses one function_call_output item per call.
func resultItems(f format, calls []toolCall, texts []string) [][]byte {
	switch f {
	case formatAnthropic:
		blocks := make([]jsonx.Value, len(calls))
		for i, c := range calls {
			blocks[i] = jsonx.ObjectValue([]jsonx.Member{
				{Key: "type", Value: jsonx.StringValue("tool_result")},
				{Key: "tool_use_id", Value: jsonx.StringValue(c.id)},
				{Key: "content", Value: jsonx.StringValue(texts[i])},
			})
		}
		return [][]byte{jsonx.AppendCompact(nil, jsonx.ObjectValue([]jsonx.Member{
			{Key: "role", Value: jsonx.StringValue("user")},
			{Key: "content", Value: jsonx.ArrayValue(blocks)},
		}))}
	case formatResponses:
		out := make([][]byte, len(calls))
		for i, c := range calls {
			out[i] = jsonx.AppendCompact(nil, jsonx.ObjectValue([]jsonx.Member{
				{Key: "type", Value: jsonx.StringValue("function_call_output")},
				{Key: "call_id", Value: jsonx.StringValue(c.id)},
				{Key: "output", Value: jsonx.StringValue(texts[i])},
			}))
		}
		return out
	default:
		out := make([][]byte, len(calls))
		for i, c := range calls {
			out[i] = retrieve.ResultMessage(retrieve.OpenAI, retrieve.Call{ID: c.id, Hash: c.hash}, texts[i])
		}
		return out
	}
}

// continuation returns the request body of the next round: the current
// body with the model's turn (assistant) and the answers appended to the
// conversation. Every byte of the current body is kept; only the end of
// the conversation array grows, so the provider's prompt cache still
// covers everything the previous round sent.
func (x *exchange) continuation(assistant [][]byte, calls []toolCall) ([]byte, error) {
	texts := x.answer(calls)
	items := append(assistant, resultItems(x.f, calls, texts)...)
	if x.f != formatResponses {
		return appendToMember(x.body, "messages", items...)
	}
	s, ok, err := member(x.body, "input")
	if err != nil {
		return nil, err
	}
	if !ok {
		return setMember(x.body, "input", joinArray(items))
	}
	in := x.body[s.start:s.end]
	if in[0] == '"' {
		// A bare string input is one user message; it becomes the first
		// item of the now explicit conversation.
		first := []byte(`{"role":"user","content":`)
		first = append(append(first, in...), '}')
		return replaceSpan(x.body, s, joinArray(append([][]byte{first}, items...))), nil
	}
	return appendToMember(x.body, "input", items...)
}

func joinArray(items [][]byte) []byte {
	n := 2
	for _, it := range items {
		n += len(it) + 1
	}
	out := make([]byte, 0, n)
	out = append(out, '[')
	for i, it := range items {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, it...)
	}
	return append(out, ']')
}
