package headroom

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/headroom-go/headroom/cachestab"
	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/livezone"
	"github.com/headroom-go/headroom/tokenizer"
)

// Provider names the wire format of a request body.
type Provider string

// The request formats CompressRequest rewrites.
const (
	// Anthropic is the Messages API (POST /v1/messages).
	Anthropic Provider = "anthropic"
	// OpenAIChat is the Chat Completions API (POST /v1/chat/completions).
	OpenAIChat Provider = "openai_chat"
	// OpenAIResponses is the Responses API (POST /v1/responses).
	OpenAIResponses Provider = "openai_responses"
)

// ParseProvider accepts a Provider's name.
func ParseProvider(s string) (Provider, error) {
	switch p := Provider(s); p {
	case Anthropic, OpenAIChat, OpenAIResponses:
		return p, nil
	}
	return "", fmt.Errorf("%w %q (want %s, %s or %s)", ErrUnknownProvider, s, Anthropic, OpenAIChat, OpenAIResponses)
}

// ErrUnknownProvider is wrapped by the error CompressRequest returns when
// the options name no known format and the body does not show which one
// it is. Set RequestOptions.Provider or Path.
var ErrUnknownProvider = errors.New("headroom: unknown request format")

// RequestOptions configure CompressRequest. The zero value is valid: the
// format is detected from the body, the body's model picks the tokenizer,
// cache_control markers are honoured, and no markers are written.
type RequestOptions struct {
	// Provider is the body's format. "" means: from Path when it is set,
	// else from the body (see CompressRequest).
	Provider Provider
	// Path is the request path the body was sent to ("/v1/messages",
	// "/v1/chat/completions", "/v1/responses"; a query string is
	// ignored). It picks the format when Provider is "". Any other path is
	// an error wrapping ErrUnknownProvider, as the proxy compresses only
	// those three.
	Path string
	// Model names the tokenizer that counts tokens and gates every block.
	// "" means the body's "model" string, or livezone.DefaultModel when it
	// has none.
	Model string
	// Store receives the original of every compressed block, whatever
	// the format: the block then ends with a "<<ccr:KEY>>" marker, and
	// SmartCrusher's and DiffCompressor's own markers inside it resolve
	// there too. Nil means lossless work only, since nothing dropped could
	// be given back. The reference marks Anthropic blocks only; the OpenAI
	// formats are marked here as well, as in the proxy, so that no original
	// a compression drops is lost.
	Store ccr.Store
	// Compressors, when set, is livezone.NewCompressors(Store) built once by
	// the caller; a service compressing many requests passes it to avoid
	// rebuilding the compressors on every call. Nil builds them per call.
	Compressors *livezone.Compressors
	// IgnoreCacheControl makes every Anthropic message eligible. False
	// (the proxy's default) leaves the messages up to the last one carrying
	// a cache_control marker alone, because the provider has cached them
	// and a rewrite would cost a cache write.
	IgnoreCacheControl bool
}

// RequestResult is the outcome of CompressRequest.
type RequestResult struct {
	// Body is what to send: a new slice that differs from the input only
	// inside the rewritten string literals when Modified, else the input
	// slice itself.
	Body []byte
	// Modified reports whether at least one block was rewritten.
	Modified bool
	// Provider is the format the body was read as.
	Provider Provider
	// Model is the tokenizer's model.
	Model string
	Stats Stats
	// Manifest records every examined block and the splices: which
	// message, what was decided and why, tokens per block.
	Manifest livezone.Manifest
}

// CompressRequest compresses the live zone of an LLM request body, exactly
// as the proxy does before forwarding it: the latest turn's tool results
// (and long user text), never the cached prefix, with every byte outside
// the rewritten string literals kept as sent. The livezone package
// documents which blocks each format exposes.
//
// The format comes from opts.Provider, else opts.Path, else the body:
// "input" without "messages" is a Responses body; a "messages" body is
// Anthropic when it has a top-level "system" or "anthropic_version", or a
// content block of an Anthropic-only type (tool_use, tool_result,
// thinking, …), and OpenAI Chat when a message has the role tool or
// function, tool_calls or tool_call_id, or a content part of type
// image_url or input_audio. A message with the role system or developer
// counts for OpenAI only when nothing else points to either: converters
// often leave one in Anthropic-shaped conversations. A body with both
// kinds of evidence, or none, is decided by the model name ("claude…" or
// "gpt-…"/"o1…"/"o3…"/"o4…"/"chatgpt…") and otherwise is an error
// wrapping ErrUnknownProvider.
//
// Counting tokens parses the body once more and tokenizes all its string
// values; on the shared corpus that adds between a few percent and as much
// again as the pass itself (BenchmarkCompressRequest).
//
// On error Body is the input and the caller forwards it unchanged. Errors
// wrap livezone.ErrBodyNotJSON, livezone.ErrNoMessagesArray,
// ErrUnknownProvider, or are the context's error. A block whose
// compressor failed is not an error: only that block keeps its bytes, and
// the Manifest records why.
func CompressRequest(ctx context.Context, body []byte, opts RequestOptions) (RequestResult, error) {
	start := time.Now()
	res := RequestResult{Body: body}
	res.Stats.BytesBefore, res.Stats.BytesAfter = len(body), len(body)
	fail := func(err error) (RequestResult, error) {
		res.Stats.Duration = time.Since(start)
		return res, err
	}

	v, err := jsonx.Parse(body)
	if err != nil {
		return fail(fmt.Errorf("headroom: %w: %w", livezone.ErrBodyNotJSON, err))
	}
	if res.Provider, err = requestProvider(v, opts); err != nil {
		return fail(err)
	}
	res.Model = opts.Model
	if res.Model == "" {
		if m, ok := v.Get("model"); ok {
			res.Model, _ = m.Str()
		}
	}
	if res.Model == "" {
		res.Model = livezone.DefaultModel
	}

	var (
		out []byte
		m   livezone.Manifest
	)
	lz := livezone.Options{Model: res.Model}
	if opts.Store != nil {
		// The default compressors are store-less; the store's own set
		// makes the markers inside a block resolve as well.
		blocks := opts.Compressors
		if blocks == nil {
			var err error
			if blocks, err = livezone.NewCompressors(opts.Store); err != nil {
				return fail(fmt.Errorf("headroom: %w", err))
			}
		}
		lz.Store, lz.Compressor = opts.Store, blocks
	}
	switch res.Provider {
	case Anthropic:
		lz.AutoFrozen = !opts.IgnoreCacheControl
		out, m, err = livezone.Anthropic(ctx, body, lz)
	case OpenAIChat:
		out, m, err = livezone.OpenAIChat(ctx, body, lz)
	case OpenAIResponses:
		out, m, err = livezone.OpenAIResponses(ctx, body, lz)
	}
	res.Manifest = m
	if err != nil {
		return fail(fmt.Errorf("headroom: %s: %w", res.Provider, err))
	}

	res.Stats.TokensBefore = stringTokens(tokenizer.ForModel(res.Model), v)
	// Every compressed block is one string value whose decoded text the
	// pass counted before and after with the same tokenizer, so the
	// difference is exact.
	res.Stats.TokensAfter = res.Stats.TokensBefore - m.TokensSaved()
	if m.Outcome == livezone.Modified {
		res.Body, res.Modified = out, true
		res.Stats.BytesAfter = len(out)
		res.Stats.Transforms = m.TransformsApplied()
		for _, s := range m.Splices {
			res.Stats.Markers = addedMarkers(res.Stats.Markers,
				string(body[s.In.Start:s.In.End]), string(out[s.Out.Start:s.Out.End]))
		}
	}
	res.Stats.Duration = time.Since(start)
	return res, nil
}

// requestProvider resolves the body's format from the options or the
// parsed body v.
func requestProvider(v jsonx.Value, opts RequestOptions) (Provider, error) {
	if opts.Provider != "" {
		return ParseProvider(string(opts.Provider))
	}
	if opts.Path != "" {
		path, _, _ := strings.Cut(opts.Path, "?")
		ep, ok := cachestab.EndpointForPath(path)
		switch {
		case !ok:
			return "", fmt.Errorf("%w: path %q is none of %s, %s, %s", ErrUnknownProvider, opts.Path,
				cachestab.Messages, cachestab.ChatCompletions, cachestab.Responses)
		case ep == cachestab.Messages:
			return Anthropic, nil
		case ep == cachestab.ChatCompletions:
			return OpenAIChat, nil
		default:
			return OpenAIResponses, nil
		}
	}
	return detectProvider(v)
}

// Evidence for detectProvider: fields and types only one family's API
// defines.
var (
	anthropicTopLevel  = []string{"system", "anthropic_version"}
	anthropicBlockType = []string{"tool_use", "tool_result", "thinking", "redacted_thinking", "server_tool_use", "document"}
	openAIRoles        = []string{"tool", "function"}
	openAIWeakRoles    = []string{"system", "developer"}
	openAIMessageKeys  = []string{"tool_calls", "tool_call_id", "function_call"}
	openAIPartTypes    = []string{"image_url", "input_audio"}
	anthropicModels    = []string{"claude"}
	openAIModels       = []string{"gpt-", "o1", "o3", "o4", "chatgpt"}
)

// detectProvider reads the format from the body's shape; see
// CompressRequest for the rules.
func detectProvider(v jsonx.Value) (Provider, error) {
	if v.Kind() != jsonx.Object {
		return "", fmt.Errorf("headroom: body is a JSON %s, not an object: %w", kindName(v.Kind()), livezone.ErrNoMessagesArray)
	}
	msgs, hasMsgs := v.Get("messages")
	if !hasMsgs {
		if _, ok := v.Get("input"); ok {
			return OpenAIResponses, nil
		}
		return "", fmt.Errorf("headroom: body has neither \"messages\" nor \"input\": %w", livezone.ErrNoMessagesArray)
	}
	var anthropic, openAI, openAIWeak bool
	for _, k := range anthropicTopLevel {
		if _, ok := v.Get(k); ok {
			anthropic = true
		}
	}
	for _, msg := range msgs.Items() {
		if role, ok := msg.Get("role"); ok {
			s, _ := role.Str()
			openAI = openAI || contains(openAIRoles, s)
			openAIWeak = openAIWeak || contains(openAIWeakRoles, s)
		}
		for _, k := range openAIMessageKeys {
			if _, ok := msg.Get(k); ok {
				openAI = true
			}
		}
		content, _ := msg.Get("content")
		for _, part := range content.Items() {
			typ, _ := part.Get("type")
			s, _ := typ.Str()
			anthropic = anthropic || contains(anthropicBlockType, s)
			openAI = openAI || contains(openAIPartTypes, s)
		}
	}
	switch {
	case anthropic && !openAI:
		return Anthropic, nil
	case openAI && !anthropic, openAIWeak && !anthropic:
		return OpenAIChat, nil
	}
	model := ""
	if m, ok := v.Get("model"); ok {
		model, _ = m.Str()
	}
	switch {
	case hasPrefix(model, anthropicModels):
		return Anthropic, nil
	case hasPrefix(model, openAIModels):
		return OpenAIChat, nil
	}
	why := "it shows no format-specific field"
	if anthropic {
		why = "it has fields of both"
	}
	return "", fmt.Errorf("%w: cannot tell Anthropic from OpenAI Chat (%s, and model %q names neither); set RequestOptions.Provider or Path",
		ErrUnknownProvider, why, model)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func kindName(k jsonx.Kind) string {
	switch k {
	case jsonx.Null:
		return "null"
	case jsonx.Bool:
		return "boolean"
	case jsonx.Number:
		return "number"
	case jsonx.String:
		return "string"
	case jsonx.Array:
		return "array"
	}
	return "object"
}

// stringTokens counts the text of every string value in v, keys excluded.
func stringTokens(c tokenizer.Counter, v jsonx.Value) int {
	switch v.Kind() {
	case jsonx.String:
		s, _ := v.Str()
		return c.Count(s)
	case jsonx.Array:
		n := 0
		for _, it := range v.Items() {
			n += stringTokens(c, it)
		}
		return n
	case jsonx.Object:
		n := 0
		for _, m := range v.Members() {
			n += stringTokens(c, m.Value)
		}
		return n
	}
	return 0
}
