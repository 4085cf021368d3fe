package proxy

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestRequestIDGeneratedReusedAndReturned(t *testing.T) {
	var upstreamSaw string
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		upstreamSaw = r.Header.Get("X-Request-Id")
		w.Header().Set("X-Request-Id", "upstream-own-id") // overwritten towards the client
	})
	p := startProxy(t, Config{Upstream: up.URL})
	c := testClient(t)

	res, err := c.Get(p.URL + "/gen")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	id := res.Header.Get("X-Request-Id")
	if !uuidV4.MatchString(id) || upstreamSaw != id {
		t.Errorf("generated id: client got %q, upstream saw %q; want the same UUIDv4", id, upstreamSaw)
	}
	if v := res.Header.Get("Headroom-Upstream-Request-Id"); v != "upstream-own-id" {
		t.Errorf("upstream x-request-id not exposed: %q", v)
	}

	res2, err := c.Get(p.URL + "/gen")
	if err != nil {
		t.Fatal(err)
	}
	res2.Body.Close()
	if res2.Header.Get("X-Request-Id") == id {
		t.Errorf("two requests got the same generated id %q", id)
	}

	req, _ := http.NewRequest("GET", p.URL+"/reuse", nil)
	req.Header.Set("X-Request-Id", "client-abc-123")
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if upstreamSaw != "client-abc-123" || res.Header.Get("X-Request-Id") != "client-abc-123" {
		t.Errorf("client id not reused: upstream %q, client %q", upstreamSaw, res.Header.Get("X-Request-Id"))
	}

	req, _ = http.NewRequest("GET", p.URL+"/toolong", nil)
	req.Header.Set("X-Request-Id", strings.Repeat("x", maxRequestIDLen+1))
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if !uuidV4.MatchString(upstreamSaw) || res.Header.Get("X-Request-Id") != upstreamSaw {
		t.Errorf("oversized client id was not replaced: upstream %q", upstreamSaw)
	}
}

func TestUpstreamRequestIDExposed(t *testing.T) {
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/anthropic" {
			w.Header().Set("Request-Id", "req_anthropic_1")
			w.Header().Set("X-Request-Id", "also-present")
		}
	})
	p := startProxy(t, Config{Upstream: up.URL})
	res, err := testClient(t).Get(p.URL + "/anthropic")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if v := res.Header.Get("Headroom-Upstream-Request-Id"); v != "req_anthropic_1" {
		t.Errorf("Anthropic request-id must win: got %q", v)
	}
	if v := res.Header.Get("Request-Id"); v != "req_anthropic_1" {
		t.Errorf("raw request-id not forwarded: %q", v)
	}

	res, err = testClient(t).Get(p.URL + "/none")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if v, ok := res.Header["Headroom-Upstream-Request-Id"]; ok {
		t.Errorf("no upstream id, yet header set: %q", v)
	}
}

func TestForwardedLogLineAndNoSecrets(t *testing.T) {
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Request-Id", "req_up_9")
		w.WriteHeader(http.StatusTeapot)
	})
	p := startProxy(t, Config{Upstream: up.URL})
	req, _ := http.NewRequest("POST", p.URL+"/v1/messages?key=query-secret", strings.NewReader("{}"))
	req.Header.Set("Authorization", "Bearer sk-ant-oat-SECRET-TOKEN")
	req.Header.Set("X-Api-Key", "sk-ant-api01-SECRET-KEY")
	req.Header.Set("X-Request-Id", "log-test-1")
	res, err := testClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()

	recs := p.logs.waitRecords(t, "forwarded", 1)
	rec := recs[0]
	for k, want := range map[string]any{
		"request_id": "log-test-1", "method": "POST", "path": "/v1/messages",
		"upstream_status": float64(http.StatusTeapot), "upstream_request_id": "req_up_9", "level": "INFO",
	} {
		if rec[k] != want {
			t.Errorf("forwarded line %s = %v, want %v (line %v)", k, rec[k], want, rec)
		}
	}
	if _, ok := rec["latency_ms"].(float64); !ok {
		t.Errorf("forwarded line has no numeric latency_ms: %v", rec)
	}
	logs := p.logs.String()
	for _, secret := range []string{"SECRET-TOKEN", "SECRET-KEY", "query-secret", "Bearer"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs)
		}
	}
}
