package proxy

import (
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// headerUpstream records the request headers and Host it received.
func headerUpstream(t *testing.T, got *http.Request) string {
	t.Helper()
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		*got = *r.Clone(r.Context())
		got.Header = r.Header.Clone()
	})
	return up.URL
}

func TestHopByHopAndConnectionNamedHeadersAreDropped(t *testing.T) {
	var got http.Request
	p := startProxy(t, Config{Upstream: headerUpstream(t, &got)})
	req, _ := http.NewRequest("POST", p.URL+"/v1/messages", strings.NewReader(`{"a":1}`))
	req.Header.Set("Connection", "X-Private-Hop, keep-alive")
	req.Header.Set("X-Private-Hop", "secret")
	req.Header.Set("Keep-Alive", "timeout=5")
	req.Header.Set("Proxy-Authorization", "Basic Zm9vOmJhcg==")
	req.Header.Set("Te", "gzip")
	req.Header.Set("Trailer", "X-Foo")
	req.Header.Set("Authorization", "Bearer sk-test-123")
	req.Header.Set("X-Api-Key", "sk-ant-api01-abc")
	req.Header.Set("Anthropic-Version", "2023-06-01")
	req.Header.Add("X-Multi", "one")
	req.Header.Add("X-Multi", "two")
	res, err := testClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, h := range []string{"Connection", "X-Private-Hop", "Keep-Alive", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding"} {
		if v, ok := got.Header[h]; ok {
			t.Errorf("hop-by-hop %s reached upstream: %q", h, v)
		}
	}
	if len(got.TransferEncoding) != 0 {
		t.Errorf("upstream request was re-chunked: %v", got.TransferEncoding)
	}
	if got.ContentLength != int64(len(`{"a":1}`)) {
		t.Errorf("Content-Length not kept: %d", got.ContentLength)
	}
	for h, want := range map[string]string{
		"Authorization":     "Bearer sk-test-123",
		"X-Api-Key":         "sk-ant-api01-abc",
		"Anthropic-Version": "2023-06-01",
	} {
		if v := got.Header.Get(h); v != want {
			t.Errorf("%s: upstream got %q, want %q", h, v, want)
		}
	}
	if v := got.Header["X-Multi"]; !reflect.DeepEqual(v, []string{"one", "two"}) {
		t.Errorf("multi-valued request header: %q", v)
	}
}

func TestResponseHeadersKeptInOrderAndHopByHopDropped(t *testing.T) {
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Connection", "X-Resp-Hop")
		h.Set("X-Resp-Hop", "internal")
		h.Set("Keep-Alive", "timeout=5")
		h.Add("X-Multi", "v1")
		h.Add("X-Multi", "v2")
		h.Add("X-Multi", "v3")
		h.Add("Set-Cookie", "a=1")
		h.Add("Set-Cookie", "b=2")
		h.Set("Content-Encoding", "gzip") // must pass through, never decoded
		h.Set("X-Custom", "kept")
		_, _ = w.Write([]byte("not really gzip"))
	})
	p := startProxy(t, Config{Upstream: up.URL})
	res, err := testClient(t).Get(p.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "not really gzip" || res.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("body %q encoding %q: compressed bodies must pass untouched", body, res.Header.Get("Content-Encoding"))
	}
	if v := res.Header["X-Multi"]; !reflect.DeepEqual(v, []string{"v1", "v2", "v3"}) {
		t.Errorf("X-Multi order: %q", v)
	}
	if v := res.Header["Set-Cookie"]; !reflect.DeepEqual(v, []string{"a=1", "b=2"}) {
		t.Errorf("Set-Cookie: %q", v)
	}
	if res.Header.Get("X-Custom") != "kept" {
		t.Errorf("custom header lost")
	}
	for _, h := range []string{"X-Resp-Hop", "Keep-Alive"} {
		if v, ok := res.Header[h]; ok {
			t.Errorf("hop-by-hop response header %s reached the client: %q", h, v)
		}
	}
	if strings.Contains(strings.ToLower(res.Header.Get("Connection")), "x-resp-hop") {
		t.Errorf("upstream Connection header reached the client: %q", res.Header.Get("Connection"))
	}
}

func TestHostRewrite(t *testing.T) {
	var got http.Request
	upURL := headerUpstream(t, &got)
	upHost := strings.TrimPrefix(upURL, "http://")
	for _, tc := range []struct {
		name     string
		preserve bool
		want     string
	}{
		{"rewrite", false, upHost},
		{"preserve", true, "client.example:8787"},
	} {
		p := startProxy(t, Config{Upstream: upURL, PreserveHost: tc.preserve})
		req, _ := http.NewRequest("GET", p.URL+"/h", nil)
		req.Host = "client.example:8787"
		res, err := testClient(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got.Host != tc.want {
			t.Errorf("%s: upstream Host %q, want %q", tc.name, got.Host, tc.want)
		}
		if v := got.Header.Get("X-Forwarded-Host"); v != "client.example:8787" {
			t.Errorf("%s: X-Forwarded-Host %q", tc.name, v)
		}
	}
}

func TestXForwardedHeaders(t *testing.T) {
	var got http.Request
	p := startProxy(t, Config{Upstream: headerUpstream(t, &got)})
	c := testClient(t)

	req, _ := http.NewRequest("GET", p.URL+"/f", nil)
	req.Header.Set("X-Forwarded-Proto", "https") // a client cannot claim TLS
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if v := got.Header.Get("X-Forwarded-For"); v != "127.0.0.1" {
		t.Errorf("X-Forwarded-For %q, want the peer 127.0.0.1", v)
	}
	if v := got.Header.Get("X-Forwarded-Proto"); v != "http" {
		t.Errorf("X-Forwarded-Proto %q, want http", v)
	}
	u, _ := url.Parse(p.URL)
	if v := got.Header.Get("X-Forwarded-Host"); v != u.Host {
		t.Errorf("X-Forwarded-Host %q, want %q", v, u.Host)
	}

	req, _ = http.NewRequest("GET", p.URL+"/f", nil)
	req.Header.Set("X-Forwarded-For", "1.2.3.4")
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if v := got.Header.Get("X-Forwarded-For"); v != "1.2.3.4, 127.0.0.1" {
		t.Errorf("X-Forwarded-For %q, want the peer appended", v)
	}
}

func TestInternalHeadersStrippedUnlessDisabled(t *testing.T) {
	var got http.Request
	upURL := headerUpstream(t, &got)
	internal := map[string]string{"x-headroom-bypass": "1", "X-HEADROOM-MODE": "audit", "X-Headroom-User-Id": "u1"}
	for _, forward := range []bool{false, true} {
		p := startProxy(t, Config{Upstream: upURL, ForwardInternalHeaders: forward})
		req, _ := http.NewRequest("GET", p.URL+"/i", nil)
		for k, v := range internal {
			req.Header[k] = []string{v} // raw casing on the wire
		}
		req.Header.Set("X-Trace-Id", "t-1")
		req.Header.Set("X-Headroomish", "not internal") // no dash after the prefix
		res, err := testClient(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		for k, v := range internal {
			have := got.Header.Get(k)
			if forward && have != v {
				t.Errorf("forwarding enabled: %s = %q, want %q", k, have, v)
			}
			if !forward && have != "" {
				t.Errorf("stripping enabled: %s reached upstream as %q", k, have)
			}
		}
		if got.Header.Get("X-Trace-Id") != "t-1" || got.Header.Get("X-Headroomish") != "not internal" {
			t.Errorf("non-internal headers lost: %v", got.Header)
		}
	}
}
