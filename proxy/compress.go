package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/headroom-go/headroom/authmode"
	"github.com/headroom-go/headroom/cachestab"
	"github.com/headroom-go/headroom/cachestab/observe"
	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/livezone"
	"github.com/headroom-go/headroom/proxy/retrieval"
)

// Compression-path outcomes (label of proxy_compression_requests_total).
const (
	outcomeCompressed = "compressed"
	outcomeUnchanged  = "unchanged"
	outcomeFailed     = "failed"
)

// Log vocabulary of the compression path, as the reference names it, so
// existing log queries keep working.
const (
	eventCompressionDecision = "compression_decision"
	eventCompressionError    = "compression_error"
	eventCompressionFailed   = "compression_failed"
	eventPassthroughModified = "passthrough_bytes_modified"
	eventServiceTierUnknown  = "service_tier_unknown"
	eventTTLOrder            = "cache_control_ttl_order"
	eventCacheAligner        = "cache_aligner_volatile_content"
	compressionModeLiveZone  = "live_zone"
)

// compression is the request-scoped state of one pass over a buffered body.
type compression struct {
	r     *http.Request
	st    *requestState
	ep    cachestab.Endpoint
	route string
	in    []byte
	mode  authmode.Mode

	// cur is the body as it stands; val is its parse when valid is set.
	cur   []byte
	val   jsonx.Value
	valid bool
	// deliberate is set by every pass that meant to change the bytes; the
	// passthrough alarm checks the others changed nothing.
	deliberate bool
	// tags are the cache-stabilisation strategies that changed the body.
	tags []string
	// retrievalTool is set when the headroom_retrieve tool was added.
	retrievalTool bool
}

// compressBody runs the compression path over a buffered request body and
// returns the bytes to send upstream. It never fails: on any error,
// including a panic in a library stage, the original bytes are returned,
// a warning logged and proxy_compression_failures_total counted.
func (s *Server) compressBody(r *http.Request, st *requestState, in []byte) []byte {
	start := time.Now()
	ep, _ := cachestab.EndpointForPath(r.URL.Path)
	c := &compression{r: r, st: st, ep: ep, route: routeOf(r.URL.Path), in: in, cur: in}
	out, outcome := s.compressSafely(c)
	// Only a body that carries the tool has calls for the proxy to answer.
	st.retrievalTool = c.retrievalTool && outcome == outcomeCompressed
	s.metrics.observeStage(stageTotal, time.Since(start))
	s.metrics.compressionReqs.WithLabelValues(c.route, outcome).Inc()
	return out
}

func (s *Server) compressSafely(c *compression) (out []byte, outcome string) {
	defer func() {
		if v := recover(); v != nil {
			s.compressionFailed(c, failPanic, fmt.Errorf("panic: %v", v))
			out, outcome = c.in, outcomeFailed
		}
	}()
	if err := s.runCompression(c); err != nil {
		return c.in, outcomeFailed
	}
	if !c.deliberate {
		// Nothing meant to change the body: it must be the client's bytes.
		if !bytes.Equal(c.cur, c.in) {
			s.passthroughModified(c)
		}
		return c.in, outcomeUnchanged
	}
	// Every stage promises valid JSON; this is the last line of defence
	// against forwarding a body the upstream would reject because of us.
	if !json.Valid(c.cur) {
		s.compressionFailed(c, failInvalidOutput, errors.New("rewritten body is not valid JSON"))
		return c.in, outcomeFailed
	}
	for _, tag := range c.tags {
		s.metrics.compressions.WithLabelValues(tag).Inc()
	}
	return c.cur, outcomeCompressed
}

// runCompression is the pipeline, in the reference's order: parse once,
// observers, auth mode and policy, cache stabilisation (payg only),
// live-zone compression, then the OpenAI prompt_cache_key (payg only).
// A non-nil error has been logged and counted; the caller then forwards
// the original bytes.
func (s *Server) runCompression(c *compression) error {
	ctx := c.r.Context()
	t := time.Now()
	v, err := jsonx.ParseVerbatim(c.in)
	s.metrics.observeStage(stageParse, time.Since(t))
	if err != nil {
		s.compressionFailed(c, failNotJSON, err)
		return err
	}
	c.val, c.valid = v, true

	policy := s.classify(ctx, c)

	t = time.Now()
	s.observeBody(ctx, c, v, policy)
	s.metrics.observeStage(stageObserve, time.Since(t))

	t = time.Now()
	norm := cachestab.Normalize(v, c.ep, c.mode)
	s.metrics.observeStage(stageCacheStabilize, time.Since(t))
	s.logSteps(ctx, c, norm.Steps(c.ep), norm.ToolCount, norm.Locations)
	if norm.Body != nil {
		c.cur, c.val, c.deliberate = norm.Body, norm.Value, true
		c.tags = norm.Tags()
	}

	if err := s.compressLiveZone(ctx, c, v); err != nil {
		return err
	}
	s.injectRetrievalTool(ctx, c)

	if c.ep == cachestab.ChatCompletions || c.ep == cachestab.Responses {
		t = time.Now()
		err := s.injectPromptCacheKey(ctx, c)
		s.metrics.observeStage(stagePromptCacheKey, time.Since(t))
		if err != nil {
			return err
		}
	}
	return nil
}

// classify derives the auth mode and the policy, and logs them.
func (s *Server) classify(ctx context.Context, c *compression) authmode.Policy {
	res := authmode.Classify(c.r.Header)
	c.mode = res.Mode
	enforce := !s.cfg.AuthModePolicyEnforcementDisabled
	p := authmode.ResolvePolicy(res.Mode, enforce)
	if res.BadUserAgent {
		s.log.LogAttrs(ctx, slog.LevelWarn, "unreadable header",
			slog.String("event", authmode.EventUnparseableUserAgent), slog.String("request_id", c.st.id))
	}
	if res.BadAuthorization {
		s.log.LogAttrs(ctx, slog.LevelWarn, "unreadable header",
			slog.String("event", authmode.EventUnparseableAuthorization), slog.String("request_id", c.st.id))
	}
	if !s.log.Enabled(ctx, slog.LevelDebug) {
		return p
	}
	s.log.LogAttrs(ctx, slog.LevelDebug, "auth mode",
		slog.String("event", authmode.EventClassified), slog.String("request_id", c.st.id),
		slog.String("auth_mode", res.Mode.String()))
	s.log.LogAttrs(ctx, slog.LevelDebug, "compression policy",
		slog.String("event", authmode.EventPolicySelected), slog.String("request_id", c.st.id),
		slog.String("auth_mode", res.Mode.String()), slog.Bool("enforcement", enforce),
		slog.Bool("live_zone_only", p.LiveZoneOnly), slog.Bool("cache_aligner_enabled", p.CacheAlignerEnabled),
		slog.Any("volatile_token_threshold", p.VolatileTokenThreshold),
		slog.Float64("max_lossy_ratio", float64(p.MaxLossyRatio)), slog.Bool("toin_read_only", p.TOINReadOnly))
	return p
}

// compressLiveZone runs the endpoint's live-zone pass on the current body.
// orig is the client body's parse (for the model name).
func (s *Server) compressLiveZone(ctx context.Context, c *compression, orig jsonx.Value) error {
	model := ""
	if mv, ok := orig.Get("model"); ok {
		model, _ = mv.Str()
	}
	t := time.Now()
	var (
		out []byte
		m   livezone.Manifest
		err error
	)
	// Every format gets the store, so each compressed block ends with a
	// marker whose original a client can retrieve. The reference stores
	// only Anthropic originals; rows dropped from an OpenAI request would
	// then be lost for good, which this proxy does not accept. The
	// compressor set is built on the same store, so SmartCrusher's and
	// DiffCompressor's own markers resolve too.
	opts := livezone.Options{Model: model, Store: s.cfg.Store}
	if s.blockCompressor != nil { // never a typed nil in the interface
		opts.Compressor = s.blockCompressor
	}
	switch c.ep {
	case cachestab.Messages:
		opts.AutoFrozen = !s.cfg.CacheControlAutoFrozenDisabled
		out, m, err = livezone.Anthropic(ctx, c.cur, opts)
	case cachestab.ChatCompletions:
		out, m, err = livezone.OpenAIChat(ctx, c.cur, opts)
	case cachestab.Responses:
		out, m, err = livezone.OpenAIResponses(ctx, c.cur, opts)
	}
	s.metrics.observeStage(stageLiveZone, time.Since(t))

	switch {
	case errors.Is(err, livezone.ErrNoMessagesArray):
		// Not a conversation (a batch or count-tokens shape, say): the
		// reference forwards such a body as the client sent it, without
		// its cache-stabilisation rewrites either.
		s.log.LogAttrs(ctx, slog.LevelInfo, "compression skipped",
			slog.String("event", eventCompressionDecision), slog.String("request_id", c.st.id),
			slog.String("path", c.route), slog.String("decision", "passthrough"), slog.String("reason", "no_messages"))
		c.cur, c.val, c.valid, c.deliberate, c.tags = c.in, orig, true, false, nil
		return nil
	case err != nil:
		reason := failLiveZone
		if ctx.Err() != nil {
			reason = failCanceled
		}
		s.compressionFailed(c, reason, err)
		return err
	}

	for _, field := range m.TTLWarnings {
		s.log.LogAttrs(ctx, slog.LevelWarn, "cache_control TTL order",
			slog.String("event", eventTTLOrder), slog.String("request_id", c.st.id),
			slog.String("rule", livezone.TTLOrderRule), slog.String("field", field))
	}
	for _, b := range m.Blocks {
		if b.Action.Kind == livezone.CompressorError {
			// Only this block kept its original; the request goes on.
			s.metrics.failures.WithLabelValues(failCompressorError).Inc()
			s.log.LogAttrs(ctx, slog.LevelWarn, "compressor failed on a block",
				slog.String("event", eventCompressionError), slog.String("request_id", c.st.id),
				slog.String("strategy", b.Action.Strategy), slog.Int("message_index", b.MessageIndex),
				slog.Int("block_index", b.BlockIndex), slog.Any("error", b.Action.Err))
		}
	}
	if m.Outcome == livezone.Modified {
		c.cur, c.valid, c.deliberate = out, false, true
		s.recordLiveZone(&m)
	}
	s.logDecision(ctx, c, &m)
	return nil
}

// recordLiveZone counts a live-zone pass that rewrote blocks: per strategy,
// the compressed/original token ratio, the tokens saved and one
// compression; each not-smaller candidate as rejected.
func (s *Server) recordLiveZone(m *livezone.Manifest) {
	type sums struct{ orig, comp int }
	var order []string
	by := make(map[string]sums)
	for _, b := range m.Blocks {
		a := b.Action
		switch a.Kind {
		case livezone.Compressed:
			if _, ok := by[a.Strategy]; !ok {
				order = append(order, a.Strategy)
			}
			t := by[a.Strategy]
			t.orig += a.OriginalTokens
			t.comp += a.CompressedTokens
			by[a.Strategy] = t
		case livezone.RejectedNotSmaller:
			s.metrics.rejected.WithLabelValues(a.Strategy).Inc()
		}
	}
	for _, strategy := range order {
		t := by[strategy]
		s.metrics.compressions.WithLabelValues(strategy).Inc()
		if t.orig > t.comp {
			s.metrics.tokensSaved.WithLabelValues(strategy).Add(float64(t.orig - t.comp))
		}
		if t.orig > 0 {
			s.metrics.ratio.WithLabelValues(strategy, "aggregate").Observe(float64(t.comp) / float64(t.orig))
		}
	}
}

// logDecision writes the one decision line of a live-zone pass.
func (s *Server) logDecision(ctx context.Context, c *compression, m *livezone.Manifest) {
	decision, reason := "no_change", "no_block_compressed"
	switch {
	case m.Outcome == livezone.Modified:
		decision, reason = "compressed", "live_zone_blocks_rewritten"
	case m.Skip != "":
		decision, reason = "passthrough", string(m.Skip)
	case c.ep == cachestab.Responses:
		reason = m.NoChangeReason()
	}
	excluded := m.Count(livezone.Excluded)
	attrs := []slog.Attr{
		slog.String("event", eventCompressionDecision), slog.String("request_id", c.st.id),
		slog.String("path", c.route), slog.String("decision", decision), slog.String("reason", reason),
		slog.String("compression_mode", compressionModeLiveZone), slog.String("auth_mode", c.mode.String()),
		slog.Int("body_bytes", len(c.in)), slog.Int("messages_total", m.MessagesTotal),
		slog.Int("live_zone_blocks", len(m.Blocks)-excluded), slog.Int("live_zone_blocks_excluded", excluded),
	}
	if c.ep == cachestab.Messages {
		attrs = append(attrs, slog.Int("frozen_message_count", m.FrozenCount),
			slog.Int("latest_user_message_index", m.LatestUserMessageIndex))
	}
	if m.Outcome == livezone.Modified {
		attrs = append(attrs, slog.Int("body_bytes_out", m.BytesOut), slog.Int("bytes_freed", m.BytesIn-m.BytesOut),
			slog.Int("tokens_saved", m.TokensSaved()), slog.Any("strategies", m.TransformsApplied()),
			slog.Int("compressed_blocks", m.Count(livezone.Compressed)))
	}
	if len(c.tags) > 0 {
		attrs = append(attrs, slog.Any("normalizations", c.tags))
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "compression decision", attrs...)
}

// injectPromptCacheKey sets the OpenAI prompt_cache_key. It needs a parse
// of the current body; after a live-zone rewrite that means parsing once
// more.
func (s *Server) injectPromptCacheKey(ctx context.Context, c *compression) error {
	step := cachestab.Step{Pass: cachestab.PromptCacheKey, Status: cachestab.SkippedAuthMode}
	var kr cachestab.KeyResult
	if c.mode == authmode.Payg {
		if !c.valid {
			v, err := jsonx.ParseVerbatim(c.cur)
			if err != nil {
				s.compressionFailed(c, failInvalidOutput, fmt.Errorf("reparse rewritten body: %w", err))
				return err
			}
			c.val, c.valid = v, true
		}
		kr = cachestab.InjectPromptCacheKey(c.val, c.ep, c.mode)
		step = kr.Step()
	}
	if kr.Body != nil {
		c.cur, c.val, c.deliberate = kr.Body, kr.Value, true
	}
	ev := step.Event()
	if ev == "" {
		return nil
	}
	level := slog.LevelInfo
	if step.Status == cachestab.SkippedNotAnObject {
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{slog.String("event", ev), slog.String("request_id", c.st.id)}
	if r := step.Reason(); r != "" {
		attrs = append(attrs, slog.String("reason", r))
	}
	if kr.Body != nil {
		attrs = append(attrs, slog.String("key_prefix", kr.KeyPrefix()),
			slog.Int("body_bytes_in", len(c.in)), slog.Int("body_bytes_out", len(kr.Body)))
	}
	s.log.LogAttrs(ctx, level, "prompt cache key", attrs...)
	return nil
}

// logSteps logs the cache-stabilisation steps that have an event.
func (s *Server) logSteps(ctx context.Context, c *compression, steps []cachestab.Step, toolCount int, locations []string) {
	for _, step := range steps {
		ev := step.Event()
		if ev == "" {
			continue
		}
		attrs := []slog.Attr{slog.String("event", ev), slog.String("request_id", c.st.id)}
		if r := step.Reason(); r != "" {
			attrs = append(attrs, slog.String("reason", r))
		}
		if step.Status == cachestab.Applied {
			attrs = append(attrs, slog.Int("tool_count", toolCount))
			if step.Pass == cachestab.CacheControl {
				attrs = append(attrs, slog.Int("placed_count", len(locations)), slog.Any("locations", locations))
			}
		}
		s.log.LogAttrs(ctx, slog.LevelInfo, "cache stabilization", attrs...)
	}
}

// observeBody runs the read-only detectors on the client's body: volatile
// content, cache drift, the CacheAligner in its detect-and-warn
// mode (when the policy enables it) and, for Responses, the request's
// service tier. They log and count; they never change the request.
func (s *Server) observeBody(ctx context.Context, c *compression, v jsonx.Value, policy authmode.Policy) {
	for _, f := range observe.DetectVolatile(v, c.ep) {
		kind := f.Kind.String()
		s.metrics.volatile.WithLabelValues(kind).Inc()
		s.log.LogAttrs(ctx, slog.LevelWarn, "volatile content in cached prefix",
			slog.String("event", observe.EventVolatileContentDetected), slog.String("request_id", c.st.id),
			slog.String("kind", kind), slog.String("location", f.Location), slog.String("sample", f.Sample))
	}

	fp := observe.FingerprintOf(v, c.ep)
	f := s.drift.Observe(observe.SessionKey(c.r.Header, peerIP(c.r)), fp)
	switch f.Kind {
	case observe.FirstRequest:
		s.log.LogAttrs(ctx, slog.LevelInfo, "cache drift: first request",
			slog.String("event", f.Event()), slog.String("request_id", c.st.id),
			slog.String("session_key_hash", f.SessionKeyHash), slog.String("current_hash_prefix", f.Current))
	case observe.Drift:
		s.metrics.drift.Inc()
		s.log.LogAttrs(ctx, slog.LevelWarn, "cache drift observed",
			slog.String("event", f.Event()), slog.String("request_id", c.st.id),
			slog.String("session_key_hash", f.SessionKeyHash), slog.String("drift_dims", f.Dims.String()),
			slog.String("previous_hash_prefix", f.Previous), slog.String("current_hash_prefix", f.Current))
	}

	if policy.CacheAlignerEnabled {
		s.checkAlignment(ctx, c, v)
	}

	if c.ep == cachestab.Responses {
		if tv, ok := v.Get("service_tier"); ok {
			if tier, ok := tv.Str(); ok {
				label, known := serviceTierLabel(tier)
				s.metrics.serviceTier.WithLabelValues(label).Inc()
				if !known {
					// The value is the client's: log its size, never the
					// string (it could be anything, of any length).
					s.log.LogAttrs(ctx, slog.LevelWarn, "unknown service tier",
						slog.String("event", eventServiceTierUnknown), slog.String("request_id", c.st.id),
						slog.Int("value_bytes", len(tier)))
				}
			}
		}
	}
}

// checkAlignment runs the CacheAligner's detect-only check over the
// request's system text and warns about volatile tokens in it (dates,
// UUIDs, JWTs, hashes) that would change the cached prefix on every call.
// The checker reads chat-shaped messages, so Anthropic's top-level system
// and Responses' instructions are presented as one system message.
func (s *Server) checkAlignment(ctx context.Context, c *compression, v jsonx.Value) {
	var msgs jsonx.Value
	switch c.ep {
	case cachestab.ChatCompletions:
		msgs, _ = v.Get("messages")
	case cachestab.Messages:
		msgs = systemMessages(v, "system")
	case cachestab.Responses:
		msgs = systemMessages(v, "instructions")
	}
	if msgs.Kind() != jsonx.Array || msgs.Len() == 0 {
		return
	}
	rep, err := s.aligner.Check(msgs, 0)
	if err != nil {
		return // not a message list it can read: nothing to say
	}
	if len(rep.Findings) > 0 {
		s.metrics.alignerFindings.Add(float64(len(rep.Findings)))
	}
	for _, w := range rep.Warnings {
		labels := make([]string, len(rep.Findings))
		for i, f := range rep.Findings {
			labels[i] = f.Label
		}
		s.log.LogAttrs(ctx, slog.LevelWarn, w,
			slog.String("event", eventCacheAligner), slog.String("request_id", c.st.id),
			slog.Any("labels", labels), slog.String("stable_prefix_hash", rep.CacheMetrics.StablePrefixHash))
	}
}

// systemMessages wraps the text of a top-level system field (a string, or
// an array of text blocks joined by newlines) as a one-message chat array.
func systemMessages(v jsonx.Value, field string) jsonx.Value {
	sv, ok := v.Get(field)
	if !ok {
		return jsonx.Value{}
	}
	text, ok := sv.Str()
	if !ok && sv.Kind() == jsonx.Array {
		var b strings.Builder
		for _, blk := range sv.Items() {
			if tv, ok := blk.Get("text"); ok {
				if t, ok := tv.Str(); ok {
					if b.Len() > 0 {
						b.WriteByte('\n')
					}
					b.WriteString(t)
				}
			}
		}
		text, ok = b.String(), b.Len() > 0
	}
	if !ok {
		return jsonx.Value{}
	}
	return jsonx.ArrayValue([]jsonx.Value{jsonx.ObjectValue([]jsonx.Member{
		{Key: "role", Value: jsonx.StringValue("system")},
		{Key: "content", Value: jsonx.StringValue(text)},
	})})
}

// compressionFailed logs and counts a failure that sends the original
// bytes upstream.
func (s *Server) compressionFailed(c *compression, reason string, err error) {
	s.metrics.failures.WithLabelValues(reason).Inc()
	s.log.LogAttrs(c.r.Context(), slog.LevelWarn, "compression failed; forwarding the original body",
		slog.String("event", eventCompressionFailed), slog.String("request_id", c.st.id),
		slog.String("path", c.route), slog.String("reason", reason), slog.Int("body_bytes", len(c.in)),
		slog.String("error", err.Error()))
}

// passthroughModified raises the cache-safety alarm: a body no pass meant to
// change differs from the client's. The original bytes are forwarded.
func (s *Server) passthroughModified(c *compression) {
	delta := len(c.cur) - len(c.in)
	if delta < 0 {
		delta = -delta
	}
	if delta == 0 {
		delta = 1 // same length, different bytes: still a modification
	}
	s.metrics.passthroughAlarm.WithLabelValues(c.route).Add(float64(delta))
	s.log.LogAttrs(c.r.Context(), slog.LevelWarn, "passthrough body modified",
		slog.String("event", eventPassthroughModified), slog.String("request_id", c.st.id),
		slog.String("path", c.route), slog.Int("byte_delta", delta))
}

// peerIP is the TCP peer's address without the port.
func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// injectRetrievalTool adds the headroom_retrieve tool when the body
// carries retrieval markers or its session had the tool before, unless the
// operator turned the tool off. A failure only leaves the tool out: the
// request goes on.
func (s *Server) injectRetrievalTool(ctx context.Context, c *compression) {
	if s.retrieval == nil || s.cfg.RetrievalToolDisabled {
		return
	}
	in, err := s.retrieval.Inject(ctx, retrieval.Request{
		Path: c.r.URL.Path, Session: c.r.Header.Get(retrieval.SessionHeader), Body: c.cur,
	})
	if err != nil {
		s.log.LogAttrs(ctx, slog.LevelWarn, "retrieval tool not injected",
			slog.String("event", eventCompressionError), slog.String("request_id", c.st.id), slog.Any("error", err))
		return
	}
	if in.Injected() {
		c.cur, c.valid, c.deliberate, c.retrievalTool = in.Body, false, true, true
	}
}
