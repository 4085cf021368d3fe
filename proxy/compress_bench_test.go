package proxy

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/tokenizer"
)

// corpusBenchRow is one line of the corpus compression table.
type corpusBenchRow struct {
	name                      string
	p50, p99                  time.Duration
	bytesBefore, bytesAfter   int
	tokensBefore, tokensAfter int
}

// BenchmarkCorpusCompression measures the proxy-side compression path
// (parse, observers, auth mode, cache stabilisation, live zone, E4: what
// runs between reading a buffered body and forwarding it) on every corpus
// request of both shapes, and logs a table of latency p50/p99, upstream
// body bytes and tokens before/after and the token savings:
//
//	go test -run '^$' -bench BenchmarkCorpusCompression -benchtime 2s ./proxy
//
// Anthropic requests run with a CCR store (markers included), OpenAI Chat
// without; both as OAuth callers, so the bytes measured are the live
// zone's alone. Tokens use the request model's tokenizer.
func BenchmarkCorpusCompression(b *testing.B) {
	corpus := loadCorpus(b)
	s, err := New(Config{Upstream: "http://127.0.0.1:1", Compression: true, Store: memstore.New(0, 0)},
		slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	var (
		mu   sync.Mutex
		rows = make(map[string]corpusBenchRow)
	)
	for _, c := range corpus {
		path, auth := pathAnthropicMessages, oauthAnthropic
		if c.shape == "openai" {
			path, auth = pathChatCompletions, oauthOpenAI
		}
		var model struct {
			Model string `json:"model"`
		}
		_ = json.Unmarshal(c.body, &model)
		counter := tokenizer.ForModel(model.Model)
		b.Run(c.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodPost, path, nil)
			r.Header = auth.Clone()
			r.Header.Set("Content-Type", "application/json")
			st := &requestState{id: "bench", path: path}
			var (
				out   []byte
				times []time.Duration
			)
			b.ReportAllocs()
			b.SetBytes(int64(len(c.body)))
			for b.Loop() {
				t0 := time.Now()
				out = s.compressBody(r, st, c.body)
				times = append(times, time.Since(t0))
			}
			slices.Sort(times)
			row := corpusBenchRow{
				name: c.name, p50: percentile(times, 0.50), p99: percentile(times, 0.99),
				bytesBefore: len(c.body), bytesAfter: len(out),
				tokensBefore: counter.Count(string(c.body)), tokensAfter: counter.Count(string(out)),
			}
			b.ReportMetric(float64(row.p50.Microseconds()), "p50-µs")
			b.ReportMetric(float64(row.p99.Microseconds()), "p99-µs")
			b.ReportMetric(float64(row.bytesAfter), "bytes-out")
			b.ReportMetric(float64(row.tokensBefore), "tokens-in")
			b.ReportMetric(float64(row.tokensAfter), "tokens-out")
			b.ReportMetric(savings(row.tokensBefore, row.tokensAfter), "saved-%")
			mu.Lock()
			rows[c.name] = row
			complete := len(rows) == len(corpus)
			mu.Unlock()
			// A parent benchmark's log is not printed and a benchmark's
			// log is cut to ten lines, so the last sub-benchmark writes the
			// table to standard output (only when every request ran).
			if complete {
				fmt.Fprint(os.Stdout, "\n"+corpusTable(corpus, rows)+"\n")
			}
		})
	}
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

func savings(before, after int) float64 {
	if before == 0 {
		return 0
	}
	return 100 * float64(before-after) / float64(before)
}

// corpusTable renders the rows in corpus order with a total line.
func corpusTable(corpus []corpusBody, rows map[string]corpusBenchRow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-34s %9s %9s %9s %9s %8s %8s %7s\n", "request", "p50", "p99", "bytes in", "bytes out", "tok in", "tok out", "saved")
	var tb, ta, tti, tto int
	for _, c := range corpus {
		r := rows[c.name]
		fmt.Fprintf(&b, "%-34s %9s %9s %9d %9d %8d %8d %6.1f%%\n", r.name,
			r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond),
			r.bytesBefore, r.bytesAfter, r.tokensBefore, r.tokensAfter, savings(r.tokensBefore, r.tokensAfter))
		tb, ta, tti, tto = tb+r.bytesBefore, ta+r.bytesAfter, tti+r.tokensBefore, tto+r.tokensAfter
	}
	fmt.Fprintf(&b, "%-34s %9s %9s %9d %9d %8d %8d %6.1f%%\n", "total", "", "", tb, ta, tti, tto, savings(tti, tto))
	return b.String()
}
