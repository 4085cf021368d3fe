package proxy

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// expectProxyError checks a proxy-generated error: status, plain text, and a
// body naming the cause.
func expectProxyError(t *testing.T, res *http.Response, status int, prefix string) {
	t.Helper()
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != status {
		t.Errorf("status %d, want %d (body %q)", res.StatusCode, status, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("content-type %q, want plain text", ct)
	}
	if !strings.HasPrefix(string(body), prefix) {
		t.Errorf("body %q, want prefix %q", body, prefix)
	}
	if res.Header.Get("X-Request-Id") == "" {
		t.Errorf("proxy error carries no x-request-id")
	}
}

func TestConnectionRefusedIs502(t *testing.T) {
	addr := closedAddr(t)
	p := startProxy(t, Config{Upstream: "http://" + addr})
	res, err := testClient(t).Get(p.URL + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	expectProxyError(t, res, http.StatusBadGateway, "upstream connect error: dial "+addr)
	rec := p.logs.waitRecords(t, "forwarded", 1)[0]
	if rec["status"] != float64(http.StatusBadGateway) || rec["upstream_status"] != float64(0) {
		t.Errorf("forwarded line: %v", rec)
	}
}

func TestNoResponseHeadersWithinTimeoutIs504(t *testing.T) {
	release := make(chan struct{})
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		select { // never answers while the proxy waits
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	p := startProxy(t, Config{Upstream: up.URL, UpstreamTimeout: 200 * time.Millisecond})
	start := time.Now()
	res, err := testClient(t).Post(p.URL+"/v1/messages", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	expectProxyError(t, res, http.StatusGatewayTimeout, "upstream timeout: ")
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("504 took %v with a 200ms timeout", d)
	}
}

func TestUpstreamClosingWithoutAnswerIs502(t *testing.T) {
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	p := startProxy(t, Config{Upstream: up.URL})
	res, err := testClient(t).Get(p.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	expectProxyError(t, res, http.StatusBadGateway, "upstream request failed: ")
}

func TestOversizedBodyOnBufferedPathIs413(t *testing.T) {
	const limit = 1024
	var hits atomic.Int32
	var lastBody atomic.Value
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		lastBody.Store(string(b))
		w.Header().Set("X-Got-Length", r.Header.Get("Content-Length"))
	})
	big := `{"messages":"` + strings.Repeat("x", 4096) + `"}`
	small := `{"messages":"` + strings.Repeat("y", 100) + `"}`
	on := startProxy(t, Config{Upstream: up.URL, Compression: true, MaxBodyBytes: limit})
	off := startProxy(t, Config{Upstream: up.URL, MaxBodyBytes: limit})
	c := testClient(t)

	post := func(base, path, ct string, body io.Reader, length int64) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", base+path, body)
		req.Header.Set("Content-Type", ct)
		req.ContentLength = length
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	for _, path := range []string{"/v1/messages", "/v1/chat/completions", "/v1/responses?stream=true"} {
		before := hits.Load()
		res := post(on.URL, path, "application/json", strings.NewReader(big), int64(len(big)))
		expectProxyError(t, res, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds configured limit: declared Content-Length %d exceeds the %d-byte limit", len(big), limit))
		if hits.Load() != before {
			t.Errorf("%s: upstream contacted for a declared-oversized body", path)
		}
	}

	// No declared length (chunked): caught while buffering.
	res := post(on.URL, "/v1/messages", "application/json; charset=utf-8", io.MultiReader(strings.NewReader(big)), -1)
	expectProxyError(t, res, http.StatusRequestEntityTooLarge, "request body exceeds configured limit: body exceeds the 1024-byte limit")

	// Under the limit: buffered and forwarded byte-exact with its length,
	// even when the client sent it chunked.
	res = post(on.URL, "/v1/messages", "application/json", io.MultiReader(strings.NewReader(small)), -1)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || lastBody.Load() != small || res.Header.Get("X-Got-Length") != strconv.Itoa(len(small)) {
		t.Errorf("small buffered body: status %d, upstream got %q with length %q", res.StatusCode, lastBody.Load(), res.Header.Get("X-Got-Length"))
	}

	// Everything that does not buffer streams without a limit.
	for _, tc := range []struct {
		name, base, path, ct string
	}{
		{"compression off", off.URL, "/v1/messages", "application/json"},
		{"not JSON", on.URL, "/v1/messages", "application/octet-stream"},
		{"sub-path", on.URL, "/v1/messages/count_tokens", "application/json"},
		{"other path", on.URL, "/v1/embeddings", "application/json"},
	} {
		res := post(tc.base, tc.path, tc.ct, bytes.NewReader([]byte(big)), int64(len(big)))
		res.Body.Close()
		if res.StatusCode != http.StatusOK || lastBody.Load() != big {
			t.Errorf("%s: status %d, body forwarded intact: %v", tc.name, res.StatusCode, lastBody.Load() == big)
		}
	}
}
