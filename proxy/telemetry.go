package proxy

import (
	"context"
	"io"
	"log/slog"
	"net/http"

	"github.com/headroom-go/headroom/proxy/sse"
)

// eventSSEClosed is the log message of a finished, observed stream.
const eventSSEClosed = "sse stream closed"

// teeStream wraps an event-stream response of the three LLM paths in an
// sse.Tee, whose parser reads a copy of every chunk on its own goroutine
// and hands back usage at the end of the stream. The client's bytes pass
// through unchanged and never wait for the parser: a chunk the parser
// cannot take in time is dropped from telemetry only. Any other response
// is returned as is.
func (s *Server) teeStream(res *http.Response, st *requestState, body io.ReadCloser) io.ReadCloser {
	p := sse.ProviderForPath(st.path)
	if p == sse.ProviderNone || !sse.IsEventStream(res.Header.Get("Content-Type")) {
		return body
	}
	id := st.id
	tee, err := sse.NewTee(body, sse.TeeOptions{
		Provider:  p,
		Logger:    s.log.With(slog.String("request_id", id)),
		OnSummary: func(sum sse.Summary) { s.recordStream(id, &sum) },
	})
	if err != nil { // only for ProviderNone, excluded above
		s.log.Warn("sse telemetry not started", slog.String("request_id", id), slog.String("error", err.Error()))
		return body
	}
	return tee
}

// recordStream turns a stream's summary into metrics and its log line. It
// runs on the Tee's parser goroutine after the client got the last byte.
func (s *Server) recordStream(id string, sum *sse.Summary) {
	m := s.metrics
	provider := sum.Provider.String()
	if sum.HasUsage {
		u := sum.Usage
		if n := u.UncachedInputTokens(); n > 0 {
			m.usageTokens.WithLabelValues(provider, usageInput).Add(float64(n))
		}
		for _, c := range []struct {
			kind string
			n    int64
		}{{usageOutput, u.OutputTokens}, {usageCacheRead, u.CacheReadTokens}, {usageCacheCreation, u.CacheCreationTokens}} {
			if c.n > 0 {
				m.usageTokens.WithLabelValues(provider, c.kind).Add(float64(c.n))
			}
		}
		// Anthropic and Responses report final usage only with their
		// terminal event; Chat sends its usage chunk last, so its presence
		// is the completion signal there.
		final := sum.Status == sse.StatusCompleted || sum.Provider == sse.ProviderOpenAIChat ||
			(sum.Provider == sse.ProviderOpenAIResponses && sum.Status.Terminal())
		if rate, ok := u.CacheHitRate(); ok && final {
			m.hitRate.WithLabelValues(provider).Observe(min(max(rate, 0), 1))
		}
	}
	if sum.Provider == sse.ProviderOpenAIResponses {
		if sum.ServiceTier != "" {
			tier, _ := serviceTierLabel(sum.ServiceTier)
			m.serviceTier.WithLabelValues(tier).Inc()
		}
		if sum.Status.Terminal() {
			m.responseStatus.WithLabelValues(sum.Status.String()).Inc()
		}
	}
	attrs := append([]slog.Attr{slog.String("request_id", id)}, sum.LogAttrs()...)
	if sum.DroppedChunks > 0 {
		attrs = append(attrs, slog.Int64("telemetry_dropped_chunks", sum.DroppedChunks))
	}
	s.log.LogAttrs(context.Background(), slog.LevelInfo, eventSSEClosed, attrs...)
}
