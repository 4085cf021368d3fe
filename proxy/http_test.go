package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

func TestForwardsEveryMethodWithBodyAndStatus(t *testing.T) {
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Upstream-Method", r.Method)
		w.WriteHeader(http.StatusCreated)
		if r.Method != http.MethodHead {
			fmt.Fprintf(w, "%s:%s", r.Method, body)
		}
	})
	p := startProxy(t, Config{Upstream: up.URL})
	c := testClient(t)
	for _, m := range []string{"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
		req, _ := http.NewRequest(m, p.URL+"/v1/things/1", strings.NewReader("payload-"+m))
		res, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusCreated || res.Header.Get("X-Upstream-Method") != m || string(got) != m+":payload-"+m {
			t.Errorf("%s: status %d header %q body %q", m, res.StatusCode, res.Header.Get("X-Upstream-Method"), got)
		}
	}
	res, err := c.Head(p.URL + "/v1/things/1")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated || res.Header.Get("X-Upstream-Method") != "HEAD" {
		t.Errorf("HEAD: status %d header %q", res.StatusCode, res.Header.Get("X-Upstream-Method"))
	}
}

func TestUpstreamStatusAndBodyPassThrough(t *testing.T) {
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		var status int
		fmt.Sscan(strings.TrimPrefix(r.URL.Path, "/s/"), &status)
		if status == http.StatusFound || status == http.StatusMovedPermanently {
			w.Header().Set("Location", "/elsewhere")
		}
		w.WriteHeader(status)
		if status != http.StatusNotModified && status != http.StatusNoContent {
			fmt.Fprintf(w, `{"error":"status %d"}`, status)
		}
	})
	p := startProxy(t, Config{Upstream: up.URL})
	c := testClient(t)
	for _, status := range []int{200, 204, 301, 302, 304, 400, 404, 429, 500, 502, 503} {
		res, err := c.Get(fmt.Sprintf("%s/s/%d", p.URL, status))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != status {
			t.Errorf("status %d: proxy answered %d", status, res.StatusCode)
		}
		want := fmt.Sprintf(`{"error":"status %d"}`, status)
		if status == 304 || status == 204 {
			want = ""
		}
		if string(body) != want {
			t.Errorf("status %d: body %q, want %q", status, body, want)
		}
		if (status == 301 || status == 302) && res.Header.Get("Location") != "/elsewhere" {
			t.Errorf("status %d: redirect was not passed through: Location %q", status, res.Header.Get("Location"))
		}
	}
}

func TestRawPathAndQueryAreNotReencoded(t *testing.T) {
	var gotURI string
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) { gotURI = r.RequestURI })
	cases := []struct{ base, target, want string }{
		{"", "/a%2Fb/c?x=%20y&x=2", "/a%2Fb/c?x=%20y&x=2"},
		{"", "/v1/messages?beta=true", "/v1/messages?beta=true"},
		// The stdlib drops query parameters it cannot parse (a semicolon)
		// before Rewrite; the proxy must restore them.
		{"", "/q?a=1;b=2&c=%zz", "/q?a=1;b=2&c=%zz"},
		{"", "/p%41th/%7Euser?", "/p%41th/%7Euser?"},
		{"/api", "/a%2Fb?k=v", "/api/a%2Fb?k=v"},
		{"/api/", "/", "/api/"},
	}
	for _, tc := range cases {
		p := startProxy(t, Config{Upstream: up.URL + tc.base})
		req, err := http.NewRequest("GET", p.URL+tc.target, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := testClient(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if gotURI != tc.want {
			t.Errorf("base %q target %q: upstream saw %q, want %q", tc.base, tc.target, gotURI, tc.want)
		}
	}
}

func TestReservedPathsForwardOtherMethods(t *testing.T) {
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "upstream %s %s", r.Method, r.URL.Path)
	})
	p := startProxy(t, Config{Upstream: up.URL})
	for _, path := range []string{"/healthz", "/healthz/upstream"} {
		res, err := testClient(t).Post(p.URL+path, "text/plain", strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if want := "upstream POST " + path; string(body) != want {
			t.Errorf("POST %s: got %d %q, want it forwarded (%q)", path, res.StatusCode, body, want)
		}
	}
}

// TestAbsoluteFormTargetStillGoesToUpstream: a client cannot use the proxy
// as an open forward proxy by naming another host in the request line.
func TestAbsoluteFormTargetStillGoesToUpstream(t *testing.T) {
	var gotHost, gotURI string
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		gotHost, gotURI = r.Host, r.RequestURI
		io.WriteString(w, "from upstream")
	})
	p := startProxy(t, Config{Upstream: up.URL})
	conn, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "GET http://evil.example/steal?x=1 HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "from upstream" || gotURI != "/steal?x=1" || gotHost != strings.TrimPrefix(up.URL, "http://") {
		t.Errorf("absolute-form request: body %q, upstream saw Host %q URI %q", body, gotHost, gotURI)
	}
}
