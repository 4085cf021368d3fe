package proxy

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/memstore"
)

// getFrom issues GET url from the given local address ("" for any).
func getFrom(t testing.TB, local, url string, h http.Header) (*http.Response, []byte) {
	t.Helper()
	d := &net.Dialer{}
	if local != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(local)}
	}
	tr := &http.Transport{DialContext: d.DialContext}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	res, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, body
}

// TestRetrieveReturnsTheOriginalOfACompressedBlock compresses an Anthropic
// block through the proxy, takes the marker from what the upstream got and
// retrieves the original through GET /v1/retrieve/{hash}.
func TestRetrieveReturnsTheOriginalOfACompressedBlock(t *testing.T) {
	up := startRecorder(t, nil)
	store := memstore.New(0, 0)
	p := startProxy(t, Config{Upstream: up.URL, Compression: true, Store: store})
	rows := rowsJSON(400)
	body := []byte(`{"model":"claude-sonnet-4-5","max_tokens":8,"messages":[{"role":"user","content":[` + bigToolResult("t") + `]}]}`)
	postJSON(t, p, pathAnthropicMessages, body, oauthAnthropic)
	got, _ := up.last(t)
	var sent struct {
		Messages []struct {
			Content []struct {
				Content string `json:"content"`
			} `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(got, &sent); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`<<ccr:([0-9a-f]{24})>>\s*$`).FindStringSubmatch(sent.Messages[0].Content[0].Content)
	if m == nil {
		t.Fatalf("compressed block has no CCR marker at its end: %.200q", sent.Messages[0].Content[0].Content)
	}
	res, original := getFrom(t, "", p.URL+retrievePrefix+m[1], nil)
	if res.StatusCode != http.StatusOK || string(original) != rows {
		t.Fatalf("GET %s: %d, %d bytes; want 200 with the %d-byte original", m[1], res.StatusCode, len(original), len(rows))
	}
	if res.Header.Get(headerItemCount) != "400" || res.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("headers %v", res.Header)
	}
	// Upper case works too (hashes get copied around).
	if res, _ := getFrom(t, "", p.URL+retrievePrefix+strings.ToUpper(m[1]), nil); res.StatusCode != http.StatusOK {
		t.Errorf("upper-case hash: %d", res.StatusCode)
	}
	if len(up.bodies) != 1 {
		t.Errorf("retrieval was forwarded upstream")
	}
}

func TestRetrieveMissingExpiredAndInvalid(t *testing.T) {
	store := memstore.New(0, 50*time.Millisecond)
	p := startProxy(t, Config{Upstream: startRecorder(t, nil).URL, Store: store, StoreTTL: 50 * time.Millisecond})
	payload := []byte("\x00\xffbinary original")
	key := ccr.ComputeKey(payload)
	if err := store.Put(context.Background(), key, payload); err != nil {
		t.Fatal(err)
	}
	res, got := getFrom(t, "", p.URL+retrievePrefix+key, nil)
	if res.StatusCode != http.StatusOK || string(got) != string(payload) || res.Header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("binary original: %d %q %s", res.StatusCode, got, res.Header.Get("Content-Type"))
	}
	time.Sleep(120 * time.Millisecond)

	for _, tc := range []struct {
		hash, status string
		code         int
	}{
		{key, "expired", http.StatusNotFound},
		{"0123456789abcdef01234567", "missing", http.StatusNotFound},
		{"0123456789ab", "missing", http.StatusNotFound},
	} {
		res, body := getFrom(t, "", p.URL+retrievePrefix+tc.hash, nil)
		var e retrieveError
		if err := json.Unmarshal(body, &e); err != nil || res.StatusCode != tc.code || e.Status != tc.status || e.Hash != tc.hash || e.Error == "" {
			t.Errorf("%s: %d %s; want %d with status %q", tc.hash, res.StatusCode, body, tc.code, tc.status)
		}
		if res.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: content type %q", tc.hash, res.Header.Get("Content-Type"))
		}
	}
	if _, body := getFrom(t, "", p.URL+retrievePrefix+"0123456789abcdef01234567", nil); !strings.Contains(string(body), `"ttl_seconds"`) {
		t.Errorf("miss does not quote the TTL: %s", body)
	}
	for _, bad := range []string{"xyz", "0123456789abc", "../../etc/passwd", "0123456789abcdef0123456g"} {
		if res, _ := getFrom(t, "", p.URL+retrievePrefix+bad, nil); res.StatusCode != http.StatusBadRequest {
			t.Errorf("%q: status %d, want 400", bad, res.StatusCode)
		}
	}
	res, body := getFrom(t, "", p.URL+retrieveStatsPath, nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"puts":1`) || !strings.Contains(string(body), `"hits":1`) {
		t.Errorf("stats: %d %s", res.StatusCode, body)
	}
}

func TestRetrieveWithoutStoreAnswers503(t *testing.T) {
	p := startProxy(t, Config{Upstream: startRecorder(t, nil).URL})
	if res, body := getFrom(t, "", p.URL+retrievePrefix+"0123456789ab", nil); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status %d %s, want 503", res.StatusCode, body)
	}
}

// TestRetrieveOnlyAnswersAllowedClients listens on loopback and allows
// only 127.0.0.2: a client connecting from 127.0.0.1 is refused even when
// it claims another address in X-Forwarded-For, one from 127.0.0.2 is
// answered.
func TestRetrieveOnlyAnswersAllowedClients(t *testing.T) {
	if ln, err := net.Listen("tcp", "127.0.0.2:0"); err != nil {
		t.Skipf("127.0.0.2 is not usable here: %v", err)
	} else {
		ln.Close()
	}
	store := memstore.New(0, 0)
	payload := []byte("the original")
	key := ccr.ComputeKey(payload)
	_ = store.Put(context.Background(), key, payload)
	p := startProxy(t, Config{Upstream: startRecorder(t, nil).URL, Store: store,
		RetrieveAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}})

	res, body := getFrom(t, "127.0.0.1", p.URL+retrievePrefix+key, http.Header{"X-Forwarded-For": {"127.0.0.2"}})
	if res.StatusCode != http.StatusForbidden || strings.Contains(string(body), "original") {
		t.Errorf("from 127.0.0.1: %d %s, want 403 without the original", res.StatusCode, body)
	}
	if res, _ := getFrom(t, "127.0.0.1", p.URL+retrieveStatsPath, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("stats from 127.0.0.1: %d, want 403", res.StatusCode)
	}
	res, body = getFrom(t, "127.0.0.2", p.URL+retrievePrefix+key, nil)
	if res.StatusCode != http.StatusOK || string(body) != string(payload) {
		t.Errorf("from 127.0.0.2: %d %q", res.StatusCode, body)
	}
}

// TestRetrieveDefaultsToLoopback: the zero Config allows loopback only.
func TestRetrieveDefaultsToLoopback(t *testing.T) {
	s, err := New(Config{Upstream: "http://h"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{
		"127.0.0.1:5": true, "127.9.9.9:5": true, "[::1]:5": true, "[::ffff:127.0.0.1]:5": true,
		"10.0.0.1:5": false, "[2001:db8::1]:5": false, "192.168.1.2:80": false, "garbage": false,
	} {
		r := &http.Request{RemoteAddr: addr}
		if got := s.retrieveAllowed(r); got != want {
			t.Errorf("%s: allowed %v, want %v", addr, got, want)
		}
	}
}
