package proxy

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Benchmarks compare a client talking to a loopback upstream directly with
// the same client going through the real headroom-proxy binary (built into
// b.TempDir and run as a subprocess, so its RSS is its own). Metrics:
// req/s, p50/p99 latency in microseconds, and the proxy's VmRSS / VmHWM.
//
//	go test -run '^$' -bench BenchmarkPassthrough -benchtime 2s -count 6 ./proxy

const (
	benchSSEEvents  = 200
	benchBodySize   = 64 << 10
	benchParallel   = 4 // goroutines per GOMAXPROCS in RunParallel
	benchSmallJSON  = `{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"ping"}]}`
	benchSmallReply = `{"id":"msg_1","type":"message","content":[{"type":"text","text":"pong"}],"usage":{"input_tokens":3,"output_tokens":1}}`
)

func benchUpstream(b *testing.B) *httptest.Server {
	event := []byte("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"token\"}}\n\n")
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/messages":
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, benchSmallReply)
		case "/echo":
			// Read the whole body before answering: a Go HTTP/1 server
			// does not read a request body after the response started.
			buf := echoBufs.Get().(*[]byte)
			defer echoBufs.Put(buf)
			n, err := io.ReadFull(r.Body, *buf)
			if err != nil && err != io.ErrUnexpectedEOF {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Length", strconv.Itoa(n))
			_, _ = w.Write((*buf)[:n])
		case "/sse":
			w.Header().Set("Content-Type", "text/event-stream")
			rc := http.NewResponseController(w)
			for range benchSSEEvents {
				_, _ = w.Write(event)
				_ = rc.Flush()
			}
		}
	}))
	b.Cleanup(up.Close)
	return up
}

// proxyProcess is the headroom-proxy binary running in front of upstream.
type proxyProcess struct {
	cmd  *exec.Cmd
	base string
}

func startProxyBinary(b *testing.B, upstream string) *proxyProcess {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "headroom-proxy")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "../cmd/headroom-proxy")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build headroom-proxy: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "--upstream", upstream, "--listen", addr, "--graceful-shutdown-timeout", "1s")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")} // no proxy env, no HEADROOM_PROXY_*
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	p := &proxyProcess{cmd: cmd, base: "http://" + addr}
	b.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get(p.base + "/healthz")
		if err == nil {
			res.Body.Close()
			return p
		}
		if time.Now().After(deadline) {
			b.Fatalf("headroom-proxy did not come up: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// memKiB reads VmRSS and VmHWM (peak RSS) of the proxy process.
func (p *proxyProcess) memKiB(b *testing.B) (rss, hwm float64) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		b.Logf("no /proc status: %v", err)
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		switch k {
		case "VmRSS":
			rss = n
		case "VmHWM":
			hwm = n
		}
	}
	return rss, hwm
}

// benchCase issues one request against base and checks the answer.
type benchCase struct {
	name string
	do   func(c *http.Client, base string) error
}

var benchCases = []benchCase{
	{"SmallJSON", func(c *http.Client, base string) error {
		res, err := c.Post(base+"/v1/messages", "application/json", strings.NewReader(benchSmallJSON))
		if err != nil {
			return err
		}
		return drain(res, int64(len(benchSmallReply)))
	}},
	{"Body64KiB", func(c *http.Client, base string) error {
		res, err := c.Post(base+"/echo", "application/octet-stream", bytes.NewReader(benchBody))
		if err != nil {
			return err
		}
		return drain(res, benchBodySize)
	}},
	{"SSE200", func(c *http.Client, base string) error {
		res, err := c.Get(base + "/sse")
		if err != nil {
			return err
		}
		return drain(res, -1)
	}},
}

var echoBufs = sync.Pool{New: func() any { b := make([]byte, benchBodySize); return &b }}

var benchBody = bytes.Repeat([]byte("0123456789abcdef"), benchBodySize/16)

func drain(res *http.Response, want int64) error {
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK || (want >= 0 && n != want) {
		return fmt.Errorf("status %d, %d bytes", res.StatusCode, n)
	}
	return nil
}

// BenchmarkPassthrough runs every case direct and through the proxy binary.
func BenchmarkPassthrough(b *testing.B) {
	up := benchUpstream(b)
	px := startProxyBinary(b, up.URL)
	for _, bc := range benchCases {
		for _, target := range []struct {
			name, base string
		}{{"direct", up.URL}, {"proxied", px.base}} {
			b.Run(bc.name+"/"+target.name, func(b *testing.B) {
				runLatencyBench(b, bc, target.base)
				if target.name == "proxied" {
					rss, hwm := px.memKiB(b)
					b.ReportMetric(rss, "proxy-rss-KiB")
					b.ReportMetric(hwm, "proxy-hwm-KiB")
				}
			})
		}
	}
}

func runLatencyBench(b *testing.B, bc benchCase, base string) {
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	if err := bc.do(c, base); err != nil { // warm the connection pool
		b.Fatal(err)
	}
	var mu sync.Mutex
	var all []time.Duration
	b.SetParallelism(benchParallel)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		lat := make([]time.Duration, 0, 1024)
		for pb.Next() {
			t0 := time.Now()
			if err := bc.do(c, base); err != nil {
				b.Error(err)
				return
			}
			lat = append(lat, time.Since(t0))
		}
		mu.Lock()
		all = append(all, lat...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkServeHTTPSmallJSON measures the in-process cost per proxied
// request (allocations include the stdlib client, proxy and server).
func BenchmarkServeHTTPSmallJSON(b *testing.B) {
	up := benchUpstream(b)
	p := startProxy(b, Config{Upstream: up.URL})
	tr := &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	b.ReportAllocs()
	for b.Loop() {
		if err := benchCases[0].do(c, p.URL); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRequestID covers the per-request id work on its own.
func BenchmarkRequestID(b *testing.B) {
	h := http.Header{}
	b.ReportAllocs()
	for b.Loop() {
		_ = requestID(h)
	}
}
