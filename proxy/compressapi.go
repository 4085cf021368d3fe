package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"time"

	headroom "github.com/headroom-go/headroom"
	"github.com/headroom-go/headroom/ccr/retrieve"
	"github.com/headroom-go/headroom/livezone"
	"github.com/headroom-go/headroom/tokenizer"
)

// compressAPIPath is the compression-only endpoint: POST /v1/compress takes
// a conversation and answers with its compressed form and the savings,
// without calling any model. Its request and response fields are the
// reference proxy's, which the TypeScript SDK and third-party gateways
// call. Every method on the path is answered here, never forwarded.
const compressAPIPath = "/v1/compress"

// headerBypass set to "true" (any case) returns the messages untouched.
const headerBypass = "X-Headroom-Bypass"

// routeCompressAPI is the path label of this endpoint in
// proxy_requests_total and proxy_compression_requests_total.
const routeCompressAPI = compressAPIPath

// Error types of the endpoint's JSON error bodies. invalid_request,
// compression_error and compression_timeout are the reference's; the
// others name the statuses it did not have.
const (
	apiErrInvalidRequest   = "invalid_request"
	apiErrForbidden        = "forbidden"
	apiErrMethodNotAllowed = "method_not_allowed"
	apiErrTooLarge         = "request_too_large"
	apiErrMediaType        = "unsupported_media_type"
	apiErrCompression      = "compression_error"
)

// Slot names (livezone.BlockOutcome.BlockType) that hold what a user wrote
// rather than a tool's output: the Anthropic user message's string content
// and its text blocks, the Chat user message's string content and text
// parts. compress_user_messages=false keeps them as sent.
var userTextSlots = map[headroom.Provider][]string{
	headroom.Anthropic:  {"string_content", "text"},
	headroom.OpenAIChat: {"user_string", "user_text"},
}

// compressAPIRequest is the request body. Pointer fields are nil when the
// key is absent or null; unknown keys are ignored, since the TypeScript SDK
// sends its whole client configuration as config.
type compressAPIRequest struct {
	Messages    json.RawMessage    `json:"messages"`
	Model       *string            `json:"model"`
	TokenBudget *int64             `json:"token_budget"`
	Config      *compressAPIConfig `json:"config"`
}

// compressAPIConfig is the request's config object; see serveCompressAPI
// for what each field does here.
type compressAPIConfig struct {
	CompressUserMessages   *bool    `json:"compress_user_messages"`
	TargetRatio            *float64 `json:"target_ratio"`
	ProtectRecent          *int64   `json:"protect_recent"`
	ProtectAnalysisContext *bool    `json:"protect_analysis_context"`
}

// compressAPIStats is every response field but messages, which is spliced
// in as raw bytes ahead of them.
type compressAPIStats struct {
	TokensBefore      int      `json:"tokens_before"`
	TokensAfter       int      `json:"tokens_after"`
	TokensSaved       int      `json:"tokens_saved"`
	CompressionRatio  float64  `json:"compression_ratio"`
	TransformsApplied []string `json:"transforms_applied"`
	CCRHashes         []string `json:"ccr_hashes"`
}

// compressAPIError is the body of every non-200 answer, in the reference's
// {"error":{"type","message"}} shape; field names the offending request
// field when there is one.
type compressAPIError struct {
	Error apiErrorDetail `json:"error"`
}

type apiErrorDetail struct {
	Type    string `json:"type"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// apiError is a failure answered with status and a JSON error body.
type apiError struct {
	status int
	detail apiErrorDetail
}

func (e *apiError) Error() string { return e.detail.Message }

func badRequest(field, format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, apiErrorDetail{Type: apiErrInvalidRequest, Message: fmt.Sprintf(format, args...), Field: field}}
}

// compressAPICall is the request-scoped state of one /v1/compress call,
// for its log line and metrics.
type compressAPICall struct {
	id       string
	start    time.Time
	status   int
	outcome  string // compressed, unchanged, failed; "" when compression did not run
	bypass   bool
	provider headroom.Provider
	bodyLen  int
	stats    compressAPIStats
	err      error
}

// serveCompressAPI answers /v1/compress.
//
// Checks run before the body is read, in this order: a client outside
// Config.CompressAllow gets 403, a method other than POST 405, a declared
// Content-Length over Config.CompressionMaxBodyBytes 413 (a body without
// a length that overruns while being read gets 413 too), and a Content-Type
// that is present and not JSON 415 (a missing one is read as JSON). Then the
// body must be a JSON object with a messages array of objects and a model
// string, else 400 naming the field.
//
// The messages go through the proxy's live-zone pass (headroom.
// CompressRequest with the proxy's CCR store and cache_control setting),
// as a request body of the format they are in: Anthropic when their blocks
// or the model say so, OpenAI Chat when theirs do, and OpenAI Chat when
// nothing decides, as the reference runs this endpoint through its OpenAI
// pipeline. The config fields do, here:
//
//   - compress_user_messages (default false): false keeps the text the user
//     wrote (string content, text blocks and parts) as sent, compressing
//     only tool output; true lets the live zone compress the latest user
//     message's text as well.
//   - protect_recent and protect_analysis_context: they protect source code
//     in the reference; the live zone has no source-code compressor, so
//     code always comes back as sent. Validated (a count ≥ 0, a boolean).
//   - target_ratio: accepted and validated (0 < r ≤ 1) but not honoured:
//     it steers the reference's ML text compressor, which has no
//     counterpart here.
//   - token_budget: accepted and validated (an integer ≥ 0) but not
//     honoured: the live zone compresses the latest turn whatever the
//     context pressure.
//
// Only the live zone is compressed (the latest user turn's tool results
// and, when allowed, text), never older turns. The response carries the
// messages byte for byte except inside the rewritten strings; tokens are
// those of every string value in the messages, counted with the model's
// tokenizer. ccr_hashes lists the retrieval markers the compression added;
// each resolves through GET /v1/retrieve/{hash} when the proxy has a CCR
// store (originals are written there before the answer is sent), for
// OpenAI-shaped messages as for Anthropic ones: unlike the reference,
// which marks Anthropic blocks only, no original is dropped beyond reach.
//
// The request context bounds the work: a client that goes away stops the
// pass at the next block (recorded as status 499).
func (s *Server) serveCompressAPI(w http.ResponseWriter, r *http.Request) {
	call := &compressAPICall{id: requestID(r.Header), start: time.Now()}
	defer s.finishCompressAPI(r, call)
	defer func() {
		if v := recover(); v != nil {
			call.outcome = outcomeFailed
			s.metrics.failures.WithLabelValues(failPanic).Inc()
			s.writeAPIError(w, r, call, &apiError{http.StatusInternalServerError,
				apiErrorDetail{Type: apiErrCompression, Message: fmt.Sprintf("compression panicked: %v", v)}})
		}
	}()

	body, aerr := s.readCompressAPIBody(r)
	if aerr != nil && r.Context().Err() != nil {
		// The client left while sending its body.
		call.status, call.err = StatusClientClosedRequest, aerr
		return
	}
	if aerr != nil {
		s.writeAPIError(w, r, call, aerr)
		return
	}
	call.bodyLen = len(body)
	call.bypass = strings.EqualFold(strings.TrimSpace(r.Header.Get(headerBypass)), "true")
	req, aerr := parseCompressAPIRequest(body, call.bypass)
	if aerr != nil {
		s.writeAPIError(w, r, call, aerr)
		return
	}
	if call.bypass {
		msgs := req.Messages
		if msgs == nil {
			msgs = json.RawMessage("[]")
		}
		s.writeCompressAPI(w, r, call, msgs, compressAPIStats{CompressionRatio: 1})
		return
	}

	msgs, st, err := s.compressAPIMessages(r.Context(), call, req)
	switch {
	case err == nil:
	case r.Context().Err() != nil:
		// Nobody is listening for an answer.
		call.status, call.outcome, call.err = StatusClientClosedRequest, outcomeFailed, err
		s.metrics.failures.WithLabelValues(failCanceled).Inc()
		return
	default:
		call.outcome = outcomeFailed
		var ae *apiError
		if !errors.As(err, &ae) {
			s.metrics.failures.WithLabelValues(failLiveZone).Inc()
			ae = &apiError{http.StatusInternalServerError, apiErrorDetail{Type: apiErrCompression, Message: err.Error()}}
		}
		s.writeAPIError(w, r, call, ae)
		return
	}
	s.writeCompressAPI(w, r, call, msgs, st)
}

// readCompressAPIBody applies the checks that come before reading and
// reads the body, at most CompressionMaxBodyBytes.
func (s *Server) readCompressAPIBody(r *http.Request) ([]byte, *apiError) {
	if !peerAllowed(r, s.cfg.CompressAllow) {
		return nil, &apiError{http.StatusForbidden, apiErrorDetail{Type: apiErrForbidden,
			Message: "POST /v1/compress is only answered to allowed clients (loopback unless --compress-allow says otherwise)"}}
	}
	if r.Method != http.MethodPost {
		return nil, &apiError{http.StatusMethodNotAllowed, apiErrorDetail{Type: apiErrMethodNotAllowed,
			Message: "method " + r.Method + " not allowed: /v1/compress takes POST"}}
	}
	limit := s.cfg.CompressionMaxBodyBytes
	if r.ContentLength > limit {
		return nil, tooLarge(&BodyTooLargeError{Limit: limit, Declared: r.ContentLength})
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !(strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))) {
			return nil, &apiError{http.StatusUnsupportedMediaType, apiErrorDetail{Type: apiErrMediaType,
				Message: fmt.Sprintf("Content-Type %q is not JSON: send application/json", ct)}}
		}
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength))
	}
	// One byte past the limit tells "exactly at the limit" from "over".
	n, err := buf.ReadFrom(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, badRequest("", "read request body: %v", err)
	}
	if n > limit {
		return nil, tooLarge(&BodyTooLargeError{Limit: limit, Declared: -1})
	}
	return buf.Bytes(), nil
}

func tooLarge(e *BodyTooLargeError) *apiError {
	return &apiError{http.StatusRequestEntityTooLarge, apiErrorDetail{Type: apiErrTooLarge,
		Message: "request body exceeds the --compression-max-body-bytes limit: " + e.Error()}}
}

// parseCompressAPIRequest decodes and checks the body. A bypassed call
// needs no model: its messages come back as they are.
func parseCompressAPIRequest(body []byte, bypass bool) (*compressAPIRequest, *apiError) {
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		if !json.Valid(body) {
			return nil, notJSON(body)
		}
		return nil, badRequest("", "request body must be a JSON object")
	}
	var req compressAPIRequest
	if err := json.Unmarshal(body, &req); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, badRequest(te.Field, "%s: want %s, got %s", te.Field, jsonTypeName(te.Type), te.Value)
		}
		return nil, notJSON(body)
	}
	if isNull(req.Messages) {
		if bypass {
			req.Messages = nil
			return &req, nil
		}
		return nil, badRequest("messages", "Missing required field: messages")
	}
	if req.Messages[0] != '[' {
		return nil, badRequest("messages", "messages: want an array of message objects")
	}
	var items []json.RawMessage
	if err := json.Unmarshal(req.Messages, &items); err != nil {
		return nil, badRequest("messages", "messages: %v", err)
	}
	for i, it := range items {
		if it[0] != '{' {
			return nil, badRequest("messages", "messages[%d]: want a message object, got %s", i, jsonValueKind(it))
		}
	}
	if bypass {
		return &req, nil
	}
	if req.Model == nil {
		return nil, badRequest("model", "Missing required field: model")
	}
	if req.TokenBudget != nil && *req.TokenBudget < 0 {
		return nil, badRequest("token_budget", "token_budget: %d is negative", *req.TokenBudget)
	}
	if c := req.Config; c != nil {
		if r := c.TargetRatio; r != nil && !(*r > 0 && *r <= 1) {
			return nil, badRequest("config.target_ratio", "config.target_ratio: %v is outside (0, 1]", *r)
		}
		if p := c.ProtectRecent; p != nil && *p < 0 {
			return nil, badRequest("config.protect_recent", "config.protect_recent: %d is negative", *p)
		}
	}
	return &req, nil
}

func notJSON(body []byte) *apiError {
	err := json.Unmarshal(body, new(json.RawMessage))
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return badRequest("", "request body is not valid JSON: %v (at byte %d)", se, se.Offset)
	}
	return badRequest("", "request body is not valid JSON: %v", err)
}

func isNull(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }

// jsonTypeName describes the JSON a Go field type takes.
func jsonTypeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int64:
		return "an integer"
	case reflect.Float64:
		return "a number"
	case reflect.Struct:
		return "an object"
	}
	return t.String()
}

// jsonValueKind names the JSON type of a valid raw value.
func jsonValueKind(raw []byte) string {
	switch raw[0] {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '{':
		return "an object"
	}
	return "a number"
}

// compressAPIMessages runs the live-zone pass over the messages and returns
// the messages array to answer with and the statistics.
func (s *Server) compressAPIMessages(ctx context.Context, call *compressAPICall, req *compressAPIRequest) ([]byte, compressAPIStats, error) {
	model := *req.Model
	modelLit, err := json.Marshal(model)
	if err != nil {
		return nil, compressAPIStats{}, badRequest("model", "model: %v", err)
	}
	// The model goes into the body so format detection can use it as a
	// hint; its tokens are taken out of the count again below.
	prefix := make([]byte, 0, len(`{"model":,"messages":`)+len(modelLit))
	prefix = append(append(append(prefix, `{"model":`...), modelLit...), `,"messages":`...)
	body := make([]byte, 0, len(prefix)+len(req.Messages)+1)
	body = append(append(append(body, prefix...), req.Messages...), '}')

	opts := headroom.RequestOptions{
		Model:              model,
		Store:              s.cfg.Store,
		Compressors:        s.blockCompressor, // built once in New
		IgnoreCacheControl: s.cfg.CacheControlAutoFrozenDisabled,
	}
	res, err := headroom.CompressRequest(ctx, body, opts)
	if errors.Is(err, headroom.ErrUnknownProvider) {
		opts.Provider = headroom.OpenAIChat
		res, err = headroom.CompressRequest(ctx, body, opts)
	}
	call.provider = res.Provider
	switch {
	case err == nil:
	case errors.Is(err, livezone.ErrBodyNotJSON):
		// encoding/json let it through; the live zone's stricter scanner
		// (serde_json's grammar) did not, e.g. for invalid UTF-8.
		return nil, compressAPIStats{}, badRequest("messages", "messages: %v", err)
	default:
		return nil, compressAPIStats{}, err
	}

	m, out, markers := res.Manifest, res.Body, res.Stats.Markers
	if !compressUser(req.Config) {
		if m, out, markers, err = dropSplices(body, &res, userTextSlots[res.Provider]); err != nil {
			return nil, compressAPIStats{}, err
		}
	}

	modelTokens := 0
	if model != "" {
		// The body's model string is one of the string values counted.
		modelTokens = tokenizer.ForModel(res.Model).Count(model)
	}
	st := compressAPIStats{
		TokensBefore:      res.Stats.TokensBefore - modelTokens,
		TransformsApplied: m.TransformsApplied(),
		CCRHashes:         markers,
	}
	st.TokensSaved = m.TokensSaved()
	st.TokensAfter = st.TokensBefore - st.TokensSaved
	st.CompressionRatio = 1
	if st.TokensBefore > 0 {
		st.CompressionRatio = float64(st.TokensAfter) / float64(st.TokensBefore)
	}
	call.outcome = outcomeUnchanged
	if m.Outcome == livezone.Modified {
		call.outcome = outcomeCompressed
		s.recordLiveZone(&m)
	}
	// Bytes outside the splices are the input's, so the messages array
	// sits between the same prefix and the closing brace.
	return out[len(prefix) : len(out)-1], st, nil
}

func compressUser(c *compressAPIConfig) bool {
	return c != nil && c.CompressUserMessages != nil && *c.CompressUserMessages
}

// dropSplices undoes the rewrites of res whose block type is one of slots:
// it rebuilds the output from the input in with the other splices only,
// and returns it with the manifest and markers of what is left.
//
// Splices are in input order and each Compressed block is exactly one of
// them, so the Compressed blocks ordered by position (message, then block
// within the message) pair with the splices one to one.
func dropSplices(in []byte, res *headroom.RequestResult, slots []string) (livezone.Manifest, []byte, []string, error) {
	m := res.Manifest
	var done []int // indexes into m.Blocks
	for i, b := range m.Blocks {
		if b.Action.Kind == livezone.Compressed {
			done = append(done, i)
		}
	}
	if len(done) != len(m.Splices) {
		return m, nil, nil, fmt.Errorf("proxy: compress api: %d compressed blocks but %d splices", len(done), len(m.Splices))
	}
	slices.SortStableFunc(done, func(a, b int) int {
		x, y := &m.Blocks[a], &m.Blocks[b]
		if x.MessageIndex != y.MessageIndex {
			return x.MessageIndex - y.MessageIndex
		}
		return x.BlockIndex - y.BlockIndex
	})
	drop := make(map[int]bool) // by index into m.Blocks
	for _, bi := range done {
		if slices.Contains(slots, m.Blocks[bi].BlockType) {
			drop[bi] = true
		}
	}
	if len(drop) == 0 {
		return m, res.Body, res.Stats.Markers, nil
	}

	var (
		out    = make([]byte, 0, len(in))
		kept   []string // marker hashes in the kept replacements
		cursor int
	)
	m.Splices = nil
	for i, sp := range res.Manifest.Splices {
		out = append(out, in[cursor:sp.In.Start]...)
		if drop[done[i]] {
			out = append(out, in[sp.In.Start:sp.In.End]...)
		} else {
			lit := res.Body[sp.Out.Start:sp.Out.End]
			o := len(out)
			out = append(out, lit...)
			m.Splices = append(m.Splices, livezone.Splice{In: sp.In, Out: livezone.Span{Start: o, End: len(out)}})
			kept = retrieve.ScanText(kept, string(lit))
		}
		cursor = sp.In.End
	}
	out = append(out, in[cursor:]...)
	// The undone blocks leave the manifest, so its token and strategy
	// sums cover what the answer carries.
	m.Blocks = nil
	for i, b := range res.Manifest.Blocks {
		if !drop[i] {
			m.Blocks = append(m.Blocks, b)
		}
	}
	if len(m.Splices) == 0 {
		m.Outcome, out = livezone.NoChange, in
	}
	m.BytesOut = len(out)
	var markers []string
	for _, h := range res.Stats.Markers {
		if slices.Contains(kept, h) {
			markers = append(markers, h)
		}
	}
	return m, out, markers, nil
}

// writeCompressAPI answers 200 with msgs (raw JSON bytes) and st.
func (s *Server) writeCompressAPI(w http.ResponseWriter, r *http.Request, call *compressAPICall, msgs []byte, st compressAPIStats) {
	if st.TransformsApplied == nil {
		st.TransformsApplied = []string{}
	}
	if st.CCRHashes == nil {
		st.CCRHashes = []string{}
	}
	tail, err := json.Marshal(st)
	if err != nil { // strings and finite numbers always encode
		s.writeAPIError(w, r, call, &apiError{http.StatusInternalServerError, apiErrorDetail{Type: apiErrCompression, Message: err.Error()}})
		return
	}
	call.stats = st
	// {"messages":MSGS, + the stats object without its opening brace.
	body := make([]byte, 0, len(`{"messages":,`)+len(msgs)+len(tail))
	body = append(append(append(body, `{"messages":`...), msgs...), ',')
	body = append(body, tail[1:]...)
	call.status = http.StatusOK
	w.Header().Set(headerRequestID, call.id)
	writeJSON(w, r, http.StatusOK, body)
}

// writeAPIError answers with e's status and JSON error body.
func (s *Server) writeAPIError(w http.ResponseWriter, r *http.Request, call *compressAPICall, e *apiError) {
	call.status, call.err = e.status, e
	body, err := json.Marshal(compressAPIError{Error: e.detail})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set(headerRequestID, call.id)
	if e.status == http.StatusMethodNotAllowed {
		h.Set("Allow", http.MethodPost)
	}
	writeJSON(w, r, e.status, body)
}

// finishCompressAPI counts and logs one call once it is answered.
func (s *Server) finishCompressAPI(r *http.Request, call *compressAPICall) {
	s.metrics.requests.WithLabelValues(routeCompressAPI, statusLabel(call.status)).Inc()
	if call.outcome != "" {
		s.metrics.compressionReqs.WithLabelValues(routeCompressAPI, call.outcome).Inc()
	}
	attrs := make([]slog.Attr, 0, 12)
	attrs = append(attrs,
		slog.String("request_id", call.id),
		slog.String("method", r.Method),
		slog.String("path", compressAPIPath),
		slog.Int("status", call.status),
		slog.Int64("duration_ms", time.Since(call.start).Milliseconds()),
		slog.Int("body_bytes", call.bodyLen),
	)
	if call.bypass {
		attrs = append(attrs, slog.Bool("bypass", true))
	}
	if call.outcome != "" {
		attrs = append(attrs, slog.String("outcome", call.outcome), slog.String("provider", string(call.provider)))
	}
	if call.status == http.StatusOK && !call.bypass {
		attrs = append(attrs, slog.Int("tokens_before", call.stats.TokensBefore), slog.Int("tokens_after", call.stats.TokensAfter),
			slog.Any("transforms", call.stats.TransformsApplied), slog.Int("ccr_hashes", len(call.stats.CCRHashes)))
	}
	level := slog.LevelInfo
	if call.err != nil {
		attrs = append(attrs, slog.String("error", call.err.Error()))
		if call.status >= http.StatusInternalServerError {
			level = slog.LevelWarn
		}
	}
	s.log.LogAttrs(r.Context(), level, "compress api", attrs...)
}

// peerAllowed reports whether the TCP peer is in nets. Forwarding headers
// are ignored: any client can write them.
func peerAllowed(r *http.Request, nets []netip.Prefix) bool {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := ap.Addr().Unmap()
	for _, p := range nets {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
