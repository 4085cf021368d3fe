package proxy

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/headroom-go/headroom/internal/version"
)

func getJSON(t *testing.T, url string) (int, map[string]any, http.Header) {
	t.Helper()
	res, err := testClient(t).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: content-type %q", url, ct)
	}
	var m map[string]any
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return res.StatusCode, m, res.Header
}

func TestHealthzAnswersEvenWhenUpstreamIsDown(t *testing.T) {
	p := startProxy(t, Config{Upstream: "http://" + closedAddr(t)})
	status, body, _ := getJSON(t, p.URL+"/healthz")
	want := map[string]any{"ok": true, "service": "headroom-proxy", "version": version.Version}
	if status != http.StatusOK || len(body) != len(want) {
		t.Fatalf("status %d body %v", status, body)
	}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("%s = %v, want %v", k, body[k], v)
		}
	}
	res, err := testClient(t).Head(p.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || len(b) != 0 {
		t.Errorf("HEAD /healthz: %d %q", res.StatusCode, b)
	}

	status, body, _ = getJSON(t, p.URL+"/healthz/upstream")
	if status != http.StatusServiceUnavailable || body["ok"] != false {
		t.Errorf("upstream down: %d %v", status, body)
	}
	if e, _ := body["error"].(string); !strings.Contains(e, "connection refused") {
		t.Errorf("upstream down: error %q should name the cause", e)
	}
}

func TestHealthzUpstreamProbesUpstreamHealthz(t *testing.T) {
	var status int
	var probedPath string
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		probedPath = r.URL.Path
		if status == http.StatusFound {
			w.Header().Set("Location", "/login")
		}
		w.WriteHeader(status)
	})
	// The base path is dropped: the probe goes to scheme://host/healthz.
	p := startProxy(t, Config{Upstream: up.URL + "/api/v2"})
	for _, tc := range []struct {
		upstream, want int
		wantBody       map[string]any
	}{
		{200, 200, map[string]any{"ok": true}},
		{204, 200, map[string]any{"ok": true}},
		{500, 503, map[string]any{"ok": false, "upstream_status": float64(500)}},
		{302, 503, map[string]any{"ok": false, "upstream_status": float64(302)}},
	} {
		status = tc.upstream
		got, body, _ := getJSON(t, p.URL+"/healthz/upstream")
		if got != tc.want || len(body) != len(tc.wantBody) {
			t.Errorf("upstream %d: %d %v", tc.upstream, got, body)
			continue
		}
		for k, v := range tc.wantBody {
			if body[k] != v {
				t.Errorf("upstream %d: %s = %v, want %v", tc.upstream, k, body[k], v)
			}
		}
		if probedPath != "/healthz" {
			t.Errorf("probe went to %q, want /healthz", probedPath)
		}
	}
}

func TestHealthzUpstreamUsesItsOwnShortTimeout(t *testing.T) {
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // hangs until the probe gives up
	})
	p := startProxy(t, Config{Upstream: up.URL, HealthProbeTimeout: 200 * time.Millisecond})
	start := time.Now()
	status, body, _ := getJSON(t, p.URL+"/healthz/upstream")
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("probe took %v with a 200ms probe timeout (upstream timeout is %v)", d, DefaultUpstreamTimeout)
	}
	if e, _ := body["error"].(string); status != http.StatusServiceUnavailable || !strings.Contains(e, "no answer within 200ms") {
		t.Errorf("hung upstream: %d %v", status, body)
	}
}
