package proxy

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestEchoedBodiesSurviveConcurrentRequests: an upstream that answers right
// after reading the request body used to race the server's discard of the
// inbound body with the transport's final read of it, and the transport
// then closed the upstream connection mid-response (a truncated 200).
func TestEchoedBodiesSurviveConcurrentRequests(t *testing.T) {
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 64<<10)
		n, err := io.ReadFull(r.Body, buf)
		if err != nil && err != io.ErrUnexpectedEOF {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(n))
		_, _ = w.Write(buf[:n])
	})
	p := startProxy(t, Config{Upstream: up.URL})
	c := testClient(t)
	body := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range 300 {
				res, err := c.Post(p.URL+"/echo", "application/octet-stream", bytes.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				got, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err != nil || !bytes.Equal(got, body) {
					t.Errorf("request %d: %d of %d bytes, %v", i, len(got), len(body), err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestEarlyUpstreamAnswerReachesClientWhole: an upstream that rejects a
// large upload without reading it must still have its answer delivered.
func TestEarlyUpstreamAnswerReachesClientWhole(t *testing.T) {
	const answer = `{"error":"unauthorized"}`
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, answer)
	})
	p := startProxy(t, Config{Upstream: up.URL})
	c := testClient(t)
	for i := range 20 {
		res, err := c.Post(p.URL+"/upload", "application/octet-stream", strings.NewReader(strings.Repeat("z", 1<<20)))
		if err != nil {
			t.Fatalf("request %d: %v\n%s", i, err, p.logs.String())
		}
		got, err := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized || string(got) != answer || err != nil {
			t.Fatalf("request %d: %d %q %v", i, res.StatusCode, got, err)
		}
	}
}

// strictBody fails any Read after its content is exhausted, standing in for
// a server request body that was drained and closed once the proxy started
// answering.
type strictBody struct {
	r         *strings.Reader
	lateReads int
}

func (b *strictBody) Read(p []byte) (int, error) {
	if b.r.Len() == 0 {
		b.lateReads++
		return 0, http.ErrBodyReadAfterClose
	}
	return b.r.Read(p)
}

func (b *strictBody) Close() error { return nil }

// TestDeclaredLengthBodyNeverReadsPastLength pins the mechanism behind
// TestEchoedBodiesSurviveConcurrentRequests deterministically: the
// transport's extra read after the declared length must be answered with
// EOF without touching the server's body.
func TestDeclaredLengthBodyNeverReadsPastLength(t *testing.T) {
	const payload = "exactly-declared"
	sb := &strictBody{r: strings.NewReader(payload)}
	b := &declaredLengthBody{body: sb, remaining: int64(len(payload)), st: &requestState{}}
	var got bytes.Buffer
	if _, err := got.ReadFrom(io.LimitReader(b, int64(len(payload)))); err != nil {
		t.Fatal(err)
	}
	// What http.Transport does after a Content-Length body: look for more.
	if n, err := io.Copy(io.Discard, b); n != 0 || err != nil {
		t.Errorf("extra read: %d bytes, %v; want a clean EOF", n, err)
	}
	if got.String() != payload || sb.lateReads != 0 {
		t.Errorf("read %q, %d reads past the declared length", got.String(), sb.lateReads)
	}

	short := &declaredLengthBody{body: io.NopCloser(strings.NewReader("abc")), remaining: 10, st: &requestState{}}
	if _, err := io.ReadAll(short); err == nil {
		t.Errorf("a body shorter than declared read cleanly")
	}
}
