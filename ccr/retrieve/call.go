package retrieve

import (
	"github.com/headroom-go/headroom/internal/jsonx"
)

// Call is a model's request to retrieve one original.
type Call struct {
	// ID answers the call: the tool_use id (Anthropic), the tool call id
	// (OpenAI), or the function name (Google, whose calls carry no id).
	ID string
	// Hash is the hash as the model wrote it. It passed validation
	// case-insensitively but is not lowercased: stores are keyed in
	// lowercase, so an uppercase hash misses, as in the reference.
	Hash string
}

// Valid hash lengths: 12 hex for SHA-256 row-drop markers, 24 for content
// keys and the Python store's SHA-256 prefixes.
const (
	shortHashLen = 12
	longHashLen  = 24
)

// ParseCall reads one tool call in p's wire shape and reports whether it is
// a well-formed headroom_retrieve call:
//
//	anthropic: {"type":"tool_use","id":…,"name":…,"input":{"hash":…}}
//	openai:    {"id":…,"type":"function","function":{"name":…,"arguments":"{\"hash\":…}"}}
//	google:    {"functionCall":{"name":…,"args":{"hash":…}}}
//
// Any other provider is read as {"name":…,"input"|"args":{…}}. A call to
// another tool, or with a missing, non-string, wrong-length or non-hex hash,
// is not one (false); the caller passes it through like any other tool call.
func ParseCall(p Provider, call []byte) (Call, bool) {
	v, err := jsonx.Parse(call)
	if err != nil {
		return Call{}, false
	}
	return parseCallValue(p, v)
}

func parseCallValue(p Provider, v jsonx.Value) (Call, bool) {
	var name, id string
	var args jsonx.Value
	switch p {
	case Anthropic:
		name, _ = getStr(v, "name")
		id, _ = getStr(v, "id")
		args, _ = v.Get("input")
	case OpenAI:
		fn, _ := v.Get("function")
		name, _ = getStr(fn, "name")
		id, _ = getStr(v, "id")
		// Arguments arrive as a JSON document inside a string; an
		// undecodable one means no arguments, as in the reference.
		if raw, ok := getStr(fn, "arguments"); ok {
			args, _ = jsonx.ParseString(raw)
		}
	case Google:
		fc, _ := v.Get("functionCall")
		name, _ = getStr(fc, "name")
		id = name
		args, _ = fc.Get("args")
	default:
		name, _ = getStr(v, "name")
		id, _ = getStr(v, "id")
		var ok bool
		if args, ok = v.Get("input"); !ok {
			args, _ = v.Get("args")
		}
	}
	if name != ToolName {
		return Call{}, false
	}
	hash, ok := getStr(args, "hash")
	if !ok || !ValidHash(hash) {
		return Call{}, false
	}
	return Call{ID: id, Hash: hash}, true
}

// ValidHash reports whether h is 12 or 24 hex digits, either case.
func ValidHash(h string) bool {
	if len(h) != shortHashLen && len(h) != longHashLen {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !isLowerHex(c) && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

// ResponseCalls returns the tool calls in a non-streaming response body, in
// order, as raw JSON for ParseCall: Anthropic content blocks of type
// "tool_use", OpenAI choices[0].message.tool_calls, Google
// candidates[0].content.parts that hold a functionCall.
func ResponseCalls(p Provider, response []byte) ([][]byte, error) {
	v, err := jsonx.Parse(response)
	if err != nil {
		return nil, err
	}
	var calls []jsonx.Value
	switch p {
	case Anthropic:
		content, _ := v.Get("content")
		for _, b := range content.Items() {
			if t, _ := getStr(b, "type"); t == "tool_use" {
				calls = append(calls, b)
			}
		}
	case OpenAI:
		choices, _ := v.Get("choices")
		if items := choices.Items(); len(items) > 0 {
			msg, _ := items[0].Get("message")
			tc, _ := msg.Get("tool_calls")
			calls = tc.Items()
		}
	case Google:
		cands, _ := v.Get("candidates")
		if items := cands.Items(); len(items) > 0 {
			content, _ := items[0].Get("content")
			parts, _ := content.Get("parts")
			for _, part := range parts.Items() {
				if _, ok := part.Get("functionCall"); ok {
					calls = append(calls, part)
				}
			}
		}
	default:
		return nil, ErrUnknownProvider
	}
	out := make([][]byte, len(calls))
	for i, c := range calls {
		out[i] = jsonx.AppendCompact(nil, c)
	}
	return out, nil
}
