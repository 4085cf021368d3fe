package retrieval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/headroom-go/headroom/ccr/retrieve"
	"github.com/headroom-go/headroom/internal/jsonx"
)

// SessionHeader is the request header a client names its session with. It
// keeps the tool sticky across the turns of one conversation.
const SessionHeader = "X-Headroom-Session-Id"

// Request is one upstream-bound request body offered to Inject.
type Request struct {
	// Path is the request's URL path; it selects the wire format
	// (/v1/messages, /v1/chat/completions, /v1/responses).
	Path string
	// Session is the client's session header value ("" when absent);
	// without one the session is derived from the model and system
	// prompt, as the reference does.
	Session string
	// Body is the JSON body as it will be sent (after compression).
	Body []byte
}

// Injection is what Inject did.
type Injection struct {
	// Body is the body to send: Request.Body itself when the tool was not
	// added, else a new slice that differs only by the tool appended to
	// the tools array (or a tools member added at the end).
	Body []byte
	// Decision says whether and why the tool was added.
	Decision retrieve.Decision
	// Hashes are the retrieval-marker hashes found in the conversation.
	Hashes []string
}

// Injected reports whether the tool was added; the request should then be
// marked with WithHandling so its answer is resolved.
func (in Injection) Injected() bool { return in.Decision.Injected() }

// ErrUnsupportedPath is returned by Inject for a path that is not one of
// the supported wire formats.
var ErrUnsupportedPath = errors.New("retrieval: unsupported path")

// Inject adds the headroom_retrieve tool to req's body when its
// conversation carries retrieval markers, or when its session was given
// the tool before (so the tool list, and the provider's prompt cache,
// stay stable for the rest of the session). It never adds a second copy:
// a client that registered the tool itself keeps its own. On an error
// the returned Injection still carries the unchanged body.
func (r *Retrieval) Inject(ctx context.Context, req Request) (Injection, error) {
	out := Injection{Body: req.Body, Decision: retrieve.Skip}
	f := formatForPath(req.Path)
	if f == formatNone {
		return out, fmt.Errorf("%w %q", ErrUnsupportedPath, req.Path)
	}
	body := req.Body
	if !json.Valid(body) {
		return out, errors.New("retrieval: inject: body is not valid JSON")
	}
	convKey := "messages"
	if f == formatResponses {
		convKey = "input"
	}
	conv := memberBytes(body, convKey)
	hashes, system, err := scanConversation(f, conv)
	if err != nil {
		return out, err
	}
	out.Hashes = hashes
	hasMarkers := len(hashes) > 0
	if r.cfg.InjectionDisabled && !hasMarkers {
		return out, nil
	}
	model, _ := memberString(body, "model")
	sid := retrieve.SessionID(req.Session, model, system)
	tools := memberBytes(body, "tools")

	var newTools []byte
	var d retrieve.Decision
	switch f {
	case formatResponses:
		// The tracker remembers the session; the Responses API wants its
		// flat function shape, which is a constant, so replaying it is
		// replaying the session's first bytes.
		_, d, err = r.rtracker.Apply(retrieve.OpenAI, sid, tools, hasMarkers)
		if err == nil && d.Injected() {
			newTools, err = retrieve.AppendTool(tools, r.respDef)
		}
	case formatAnthropic:
		newTools, d, err = r.tracker.Apply(retrieve.Anthropic, sid, tools, hasMarkers)
	default:
		newTools, d, err = r.tracker.Apply(retrieve.OpenAI, sid, tools, hasMarkers)
	}
	if err != nil {
		return out, fmt.Errorf("retrieval: inject: %w", err)
	}
	out.Decision = d
	switch {
	case d == retrieve.SkipClientTool:
		r.stats.clientTool.Add(1)
	case d.Injected():
		nb, err := setMember(body, "tools", newTools)
		if err != nil {
			out.Decision = retrieve.Skip
			return out, fmt.Errorf("retrieval: inject: %w", err)
		}
		out.Body = nb
		r.stats.injections.Add(1)
		if d == retrieve.InjectStickyReplay && !hasMarkers {
			r.stats.sticky.Add(1)
		}
	}
	if d != retrieve.Skip {
		r.log.LogAttrs(ctx, slog.LevelDebug, "retrieval tool decision",
			slog.String("event", "tool_injection_decision"), slog.String("provider", f.String()),
			slog.String("session_id", sid), slog.String("decision", d.String()), slog.Int("hashes", len(hashes)))
	}
	return out, nil
}

// scanConversation returns the marker hashes of a messages (or Responses
// input) array and the text of its first system message, which names the
// session when the client sends no session header.
func scanConversation(f format, conv []byte) (hashes []string, system string, err error) {
	if len(conv) == 0 {
		return nil, "", nil
	}
	v, err := jsonx.Parse(conv)
	if err != nil {
		return nil, "", fmt.Errorf("retrieval: scan: %w", err)
	}
	if s, ok := v.Str(); ok && f == formatResponses {
		// Responses input may be a bare string: one user message.
		return retrieve.ScanText(nil, s), "", nil
	}
	if v.Kind() != jsonx.Array {
		return nil, "", fmt.Errorf("retrieval: scan: conversation is %v, want an array", v.Kind())
	}
	haveSystem := false
	for _, msg := range v.Items() {
		if !haveSystem {
			if role, _ := getStr(msg, "role"); role == "system" {
				system, haveSystem = messageText(msg), true
			}
		}
		hashes = scanItem(hashes, msg)
	}
	return hashes, system, nil
}

// scanItem finds markers where the model reads text: string content,
// text-like content parts (Anthropic "text", Responses "input_text" and
// "output_text"), Anthropic tool results, Chat tool messages (string
// content) and Responses function_call_output items.
func scanItem(dst []string, msg jsonx.Value) []string {
	if out, ok := msg.Get("output"); ok {
		if t, _ := getStr(msg, "type"); strings.HasSuffix(t, "_call_output") {
			if s, ok := out.Str(); ok {
				dst = retrieve.ScanText(dst, s)
			}
			for _, part := range out.Items() {
				dst = scanPart(dst, part)
			}
		}
	}
	content, ok := msg.Get("content")
	if !ok {
		return dst
	}
	if s, ok := content.Str(); ok {
		return retrieve.ScanText(dst, s)
	}
	for _, block := range content.Items() {
		dst = scanPart(dst, block)
		if t, _ := getStr(block, "type"); t == "tool_result" {
			inner, _ := block.Get("content")
			if s, ok := inner.Str(); ok {
				dst = retrieve.ScanText(dst, s)
			}
			for _, item := range inner.Items() {
				dst = scanPart(dst, item)
			}
		}
	}
	return dst
}

func scanPart(dst []string, part jsonx.Value) []string {
	switch t, _ := getStr(part, "type"); t {
	case "text", "input_text", "output_text":
		if s, ok := getStr(part, "text"); ok {
			dst = retrieve.ScanText(dst, s)
		}
	}
	return dst
}

// messageText is a message's text: string content, or its text parts
// joined.
func messageText(msg jsonx.Value) string {
	content, _ := msg.Get("content")
	if s, ok := content.Str(); ok {
		return s
	}
	var b strings.Builder
	for _, part := range content.Items() {
		if s, ok := getStr(part, "text"); ok {
			b.WriteString(s)
		}
	}
	return b.String()
}

func getStr(v jsonx.Value, key string) (string, bool) {
	x, ok := v.Get(key)
	if !ok {
		return "", false
	}
	return x.Str()
}

// responsesDefinition is the tool in the Responses API's flat function
// shape: the Chat definition's function members lifted beside "type".
func responsesDefinition(s retrieve.Schema) ([]byte, error) {
	chat := retrieve.DefinitionValue(retrieve.OpenAI, s)
	fn, ok := chat.Get("function")
	if !ok {
		return nil, errors.New("retrieval: chat tool definition has no function")
	}
	members := []jsonx.Member{{Key: "type", Value: jsonx.StringValue("function")}}
	members = append(members, fn.Members()...)
	return jsonx.AppendCompact(nil, jsonx.ObjectValue(members)), nil
}
