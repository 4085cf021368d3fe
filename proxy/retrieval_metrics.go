package proxy

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/headroom-go/headroom/proxy/retrieval"
)

// The retrieval counters, read from the Retrieval at scrape time so the
// package keeps no Prometheus dependency of its own.
var (
	retrievalToolDesc = prometheus.NewDesc("headroom_ccr_retrieval_tool_total",
		"Requests by what happened to the headroom_retrieve tool: injected (sticky counts injections without fresh markers), client_tool (the client registered its own).",
		[]string{"decision"}, nil)
	retrievalCallsDesc = prometheus.NewDesc("headroom_ccr_retrieval_calls_total",
		"headroom_retrieve calls answered by the proxy, by result: hit, missing, expired, store_error, malformed.",
		[]string{"result"}, nil)
	retrievalRoundsDesc = prometheus.NewDesc("headroom_ccr_retrieval_rounds_total",
		"Continuations sent upstream after answering retrieval calls.", nil, nil)
	retrievalOutcomeDesc = prometheus.NewDesc("headroom_ccr_retrieval_outcomes_total",
		"Retrieval turns that did not simply continue: continuation_failed, round_cap, mixed_tools, stream_error.",
		[]string{"outcome"}, nil)
)

type retrievalCollector struct{ r *retrieval.Retrieval }

func (retrievalCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- retrievalToolDesc
	ch <- retrievalCallsDesc
	ch <- retrievalRoundsDesc
	ch <- retrievalOutcomeDesc
}

func (c retrievalCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.r.Stats()
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	counter(retrievalToolDesc, st.Injections, "injected")
	counter(retrievalToolDesc, st.Sticky, "sticky")
	counter(retrievalToolDesc, st.ClientTool, "client_tool")
	counter(retrievalCallsDesc, st.Hits, "hit")
	counter(retrievalCallsDesc, st.Misses, "missing")
	counter(retrievalCallsDesc, st.Expired, "expired")
	counter(retrievalCallsDesc, st.StoreErrors, "store_error")
	counter(retrievalCallsDesc, st.Malformed, "malformed")
	counter(retrievalRoundsDesc, st.Rounds)
	counter(retrievalOutcomeDesc, st.ContinuationFailures, "continuation_failed")
	counter(retrievalOutcomeDesc, st.CapReached, "round_cap")
	counter(retrievalOutcomeDesc, st.Mixed, "mixed_tools")
	counter(retrievalOutcomeDesc, st.StreamErrors, "stream_error")
}
