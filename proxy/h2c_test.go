package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// h2cClient speaks cleartext HTTP/2 with prior knowledge only, so a
// listener without h2c fails every request.
func h2cClient(t *testing.T) *http.Client {
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &protos, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

func TestH2CPriorKnowledgeClient(t *testing.T) {
	gate := make(chan struct{})
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/upload":
			fmt.Fprintf(w, "%s %s", r.Proto, sha256Of(t, r.Body))
		case "/sse":
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = io.WriteString(w, sseEvent(0))
			http.NewResponseController(w).Flush()
			select {
			case <-gate: // the client saw event 0 over h2c
			case <-time.After(5 * time.Second):
				t.Errorf("event 0 never reached the h2c client")
			}
			_, _ = io.WriteString(w, sseEvent(1))
		}
	})
	p := startProxy(t, Config{Upstream: up.URL})
	c := h2cClient(t)

	const size = 5 << 20
	res, err := c.Post(p.URL+"/upload", "application/octet-stream", randomStream(3, size))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.ProtoMajor != 2 {
		t.Errorf("client spoke %s, want HTTP/2", res.Proto)
	}
	// The upstream is plain http: the proxy talks HTTP/1.1 to it.
	if want := "HTTP/1.1 " + sha256Of(t, randomStream(3, size)); string(body) != want {
		t.Errorf("h2c upload: upstream answered %q, want %q", body, want)
	}

	res, err = c.Get(p.URL + "/sse")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	if ev, err := readEvent(br); err != nil || ev != sseEvent(0) {
		t.Fatalf("h2c event 0: %q %v", ev, err)
	}
	close(gate)
	if ev, err := readEvent(br); err != nil || ev != sseEvent(1) {
		t.Fatalf("h2c event 1: %q %v", ev, err)
	}
}
