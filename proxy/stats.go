package proxy

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/internal/version"
)

// statsPath is the JSON summary endpoint, reserved like /healthz.
const statsPath = "/stats"

// storeLenTimeout bounds the CCR entry count /stats asks the store for: a
// slow Redis must not hold a dashboard poll.
const storeLenTimeout = time.Second

// statsAnswer is the /stats document. Every number is read from the
// Prometheus collectors at request time, so /stats and /metrics never
// disagree. Field names follow the reference's /stats where it has them
// (compressions_by_strategy, tokens_saved_by_strategy, pipeline_timing with
// average_ms/max_ms/count, uptime_seconds), because dashboards and the MCP
// server read them.
type statsAnswer struct {
	Service            string  `json:"service"`
	Version            string  `json:"version"`
	UptimeSeconds      float64 `json:"uptime_seconds"`
	CompressionEnabled bool    `json:"compression_enabled"`

	Requests requestStats `json:"requests"`
	Bytes    byteStats    `json:"bytes"`
	Tokens   tokenStats   `json:"tokens"`

	CompressionsByStrategy map[string]uint64 `json:"compressions_by_strategy"`
	TokensSavedByStrategy  map[string]uint64 `json:"tokens_saved_by_strategy"`
	CompressionFailures    map[string]uint64 `json:"compression_failures_by_reason"`
	PipelineTiming         map[string]timing `json:"pipeline_timing"`

	// Cache sums the usage streamed responses reported, over providers;
	// PrefixCache splits it by provider.
	Cache       cacheStats            `json:"cache"`
	PrefixCache map[string]cacheStats `json:"prefix_cache"`

	// PassthroughBytesModified must stay 0 (see the metric of that name).
	PassthroughBytesModified uint64 `json:"passthrough_bytes_modified"`

	// CCR is present when a store is configured.
	CCR *ccrStats `json:"ccr,omitempty"`
}

type requestStats struct {
	Total    uint64            `json:"total"`
	ByPath   map[string]uint64 `json:"by_path"`
	ByStatus map[string]uint64 `json:"by_status"`
	// Compression-path outcomes: requests rewritten, forwarded unchanged,
	// and forwarded unchanged because compression failed.
	Compressed uint64 `json:"compressed"`
	Unchanged  uint64 `json:"unchanged"`
	Failed     uint64 `json:"failed"`
}

type byteStats struct {
	Received  uint64 `json:"received"`  // request bodies from clients
	Forwarded uint64 `json:"forwarded"` // request bodies sent upstream
	Saved     int64  `json:"saved"`     // received − forwarded
	Responses uint64 `json:"responses"` // response bodies relayed
}

type tokenStats struct {
	Saved uint64 `json:"saved"`
}

type timing struct {
	AverageMS float64 `json:"average_ms"`
	MaxMS     float64 `json:"max_ms"`
	Count     uint64  `json:"count"`
}

type cacheStats struct {
	ReadTokens          uint64 `json:"cache_read_tokens"`
	CreationTokens      uint64 `json:"cache_creation_tokens"`
	UncachedInputTokens uint64 `json:"uncached_input_tokens"`
	OutputTokens        uint64 `json:"output_tokens"`
	// HitRate is read/(uncached+read+creation) over the totals; 0 before
	// any usage was seen.
	HitRate float64 `json:"hit_rate"`
}

type ccrStats struct {
	Puts      uint64 `json:"puts"`
	Hits      uint64 `json:"hits"`
	Misses    uint64 `json:"misses"`
	Expired   uint64 `json:"expired"`
	Evictions uint64 `json:"evictions"`
	// Entries is the store's live entry count, omitted when the store
	// could not count in time.
	Entries *int `json:"entries,omitempty"`
}

// serveStats answers GET /stats.
func (s *Server) serveStats(w http.ResponseWriter, r *http.Request) {
	body, err := json.Marshal(s.stats(r.Context()))
	if err != nil { // maps of strings and numbers always encode
		http.Error(w, "encode stats: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, r, http.StatusOK, body)
}

func (s *Server) stats(ctx context.Context) statsAnswer {
	m := s.metrics
	a := statsAnswer{
		Service:                ServiceName,
		Version:                version.Version,
		UptimeSeconds:          time.Since(s.started).Seconds(),
		CompressionEnabled:     s.cfg.Compression,
		CompressionsByStrategy: counterBy(m.compressions, "strategy"),
		TokensSavedByStrategy:  counterBy(m.tokensSaved, "strategy"),
		CompressionFailures:    counterBy(m.failures, "reason"),
		PipelineTiming:         make(map[string]timing),
		PrefixCache:            make(map[string]cacheStats),
	}
	a.Requests.ByPath = make(map[string]uint64)
	a.Requests.ByStatus = make(map[string]uint64)
	for _, d := range collect(m.requests) {
		n := uint64(d.GetCounter().GetValue())
		a.Requests.Total += n
		a.Requests.ByPath[label(d, "path")] += n
		a.Requests.ByStatus[label(d, "status")] += n
	}
	for _, d := range collect(m.compressionReqs) {
		n := uint64(d.GetCounter().GetValue())
		switch label(d, "outcome") {
		case outcomeCompressed:
			a.Requests.Compressed += n
		case outcomeUnchanged:
			a.Requests.Unchanged += n
		case outcomeFailed:
			a.Requests.Failed += n
		}
	}
	a.Bytes.Received = counterSum(m.requestBytes)
	a.Bytes.Forwarded = counterSum(m.upstreamBytes)
	a.Bytes.Saved = int64(a.Bytes.Received) - int64(a.Bytes.Forwarded)
	a.Bytes.Responses = counterSum(m.responseBytes)
	for _, n := range a.TokensSavedByStrategy {
		a.Tokens.Saved += n
	}
	for _, d := range collect(m.transform) {
		h := d.GetHistogram()
		if h.GetSampleCount() == 0 {
			continue
		}
		stage := label(d, "transform")
		a.PipelineTiming[stage] = timing{
			AverageMS: h.GetSampleSum() / float64(h.GetSampleCount()) * 1e3,
			MaxMS:     m.transformMax.get(stage) * 1e3,
			Count:     h.GetSampleCount(),
		}
	}
	for _, d := range collect(m.usageTokens) {
		provider := label(d, "provider")
		c := a.PrefixCache[provider]
		n := uint64(d.GetCounter().GetValue())
		switch label(d, "kind") {
		case usageInput:
			c.UncachedInputTokens += n
			a.Cache.UncachedInputTokens += n
		case usageOutput:
			c.OutputTokens += n
			a.Cache.OutputTokens += n
		case usageCacheRead:
			c.ReadTokens += n
			a.Cache.ReadTokens += n
		case usageCacheCreation:
			c.CreationTokens += n
			a.Cache.CreationTokens += n
		}
		a.PrefixCache[provider] = c
	}
	for p, c := range a.PrefixCache {
		c.HitRate = hitRate(c)
		a.PrefixCache[p] = c
	}
	a.Cache.HitRate = hitRate(a.Cache)
	for _, d := range collect(m.passthroughAlarm) {
		a.PassthroughBytesModified += uint64(d.GetCounter().GetValue())
	}
	if sr, ok := s.cfg.Store.(ccr.StatsReporter); ok {
		snap := sr.Stats()
		a.CCR = &ccrStats{Puts: snap.Puts, Hits: snap.Hits, Misses: snap.Misses, Expired: snap.Expired, Evictions: snap.Evictions}
		lctx, cancel := context.WithTimeout(ctx, storeLenTimeout)
		if n, err := s.cfg.Store.Len(lctx); err == nil {
			a.CCR.Entries = &n
		}
		cancel()
	}
	return a
}

func hitRate(c cacheStats) float64 {
	den := float64(c.UncachedInputTokens) + float64(c.ReadTokens) + float64(c.CreationTokens)
	if den == 0 {
		return 0
	}
	return float64(c.ReadTokens) / den
}

// collect reads the current samples of one collector.
func collect(c prometheus.Collector) []*dto.Metric {
	ch := make(chan prometheus.Metric, 16)
	go func() {
		c.Collect(ch)
		close(ch)
	}()
	var out []*dto.Metric
	for pm := range ch {
		d := new(dto.Metric)
		if pm.Write(d) == nil {
			out = append(out, d)
		}
	}
	return out
}

func label(d *dto.Metric, name string) string {
	for _, lp := range d.GetLabel() {
		if lp.GetName() == name {
			return lp.GetValue()
		}
	}
	return ""
}

// counterBy sums a counter vector by one label, leaving out the __init__
// sentinel row.
func counterBy(c prometheus.Collector, name string) map[string]uint64 {
	out := make(map[string]uint64)
	for _, d := range collect(c) {
		if v := label(d, name); v != initLabel {
			out[v] += uint64(d.GetCounter().GetValue())
		}
	}
	return out
}

func counterSum(c prometheus.Collector) uint64 {
	var n uint64
	for _, d := range collect(c) {
		n += uint64(d.GetCounter().GetValue())
	}
	return n
}
