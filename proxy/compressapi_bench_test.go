package proxy

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/headroom-go/headroom/ccr/memstore"
)

// BenchmarkCompressAPI measures POST /v1/compress in process (handler,
// parsing, live-zone pass, answer) on each corpus conversation, with a
// CCR store, as the proxy serves it.
func BenchmarkCompressAPI(b *testing.B) {
	corpus := loadCorpusConversations(b)
	s, err := New(Config{Upstream: "http://127.0.0.1:1", Store: memstore.New(0, 0)}, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range corpus {
		body := compressRequest(c.model, string(c.messages), "")
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, compressAPIPath, bytes.NewReader(body))
				r.RemoteAddr = "127.0.0.1:40000"
				r.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				s.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("%d %s", w.Code, w.Body.Bytes())
				}
			}
		})
	}
}
