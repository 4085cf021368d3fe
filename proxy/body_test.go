package proxy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

const bigBody = 50 << 20

// randomStream returns n deterministic pseudo-random bytes for seed.
func randomStream(seed uint64, n int64) io.Reader {
	var key [32]byte
	key[0] = byte(seed)
	return io.LimitReader(rand.NewChaCha8(key), n)
}

func sha256Of(t testing.TB, r io.Reader) string {
	t.Helper()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		t.Fatalf("hash: %v", err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// hashingUpstream answers uploads with the SHA-256 and length of the body it
// received, and GET /download/N with N random bytes.
func hashingUpstream(t *testing.T) string {
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			n, _ := strconv.ParseInt(r.URL.Query().Get("n"), 10, 64)
			w.Header().Set("Content-Type", "application/octet-stream")
			if r.URL.Query().Get("chunked") == "" {
				w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
			}
			_, _ = io.Copy(w, randomStream(2, n))
			return
		}
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "%d %x", n, h.Sum(nil))
	})
	return up.URL
}

func TestBinaryBodiesAreByteExactBothWays(t *testing.T) {
	p := startProxy(t, Config{Upstream: hashingUpstream(t)})
	c := testClient(t)
	want := sha256Of(t, randomStream(1, bigBody))

	for _, declared := range []bool{true, false} {
		body := randomStream(1, bigBody)
		if !declared {
			body = io.MultiReader(body) // hides the length: sent chunked
		}
		req, _ := http.NewRequest("PUT", p.URL+"/upload", body)
		if declared {
			req.ContentLength = bigBody
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(got) != fmt.Sprintf("%d %s", bigBody, want) {
			t.Errorf("upload (declared length %v): upstream got %q, want %d %s", declared, got, bigBody, want)
		}
	}

	wantDown := sha256Of(t, randomStream(2, bigBody))
	for _, chunked := range []string{"", "1"} {
		res, err := c.Get(fmt.Sprintf("%s/download?n=%d&chunked=%s", p.URL, bigBody, chunked))
		if err != nil {
			t.Fatal(err)
		}
		got := sha256Of(t, res.Body)
		res.Body.Close()
		if got != wantDown {
			t.Errorf("download (chunked=%q): sha256 %s, want %s", chunked, got, wantDown)
		}
	}
}

// zeroReader is an endless source that costs no memory.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestHeapStaysBoundedStreamingOneGiB streams 1 GiB down and 256 MiB up
// through the in-process proxy while sampling the heap: bodies must flow
// through fixed buffers, never accumulate. Either size is far above the
// heap limit, so buffering in either direction fails the test.
func TestHeapStaysBoundedStreamingOneGiB(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 1.25 GiB over loopback")
	}
	const size = 1 << 30
	const upSize = 256 << 20
	const heapLimit = 64 << 20 // "well under 100 MiB"
	up := startUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w.Header().Set("Content-Length", strconv.Itoa(size))
			_, _ = io.Copy(w, io.LimitReader(zeroReader{}, size))
			return
		}
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, n)
	})
	p := startProxy(t, Config{Upstream: up.URL})
	c := testClient(t)

	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()

	res, err := c.Get(p.URL + "/down")
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if err != nil || n != size {
		t.Fatalf("download: %d bytes, %v", n, err)
	}
	req, _ := http.NewRequest("POST", p.URL+"/up", io.LimitReader(zeroReader{}, upSize))
	req.ContentLength = upSize
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(got) != strconv.Itoa(upSize) {
		t.Fatalf("upload: upstream counted %q bytes", got)
	}
	close(stop)
	<-sampled
	if pk := peak.Load(); pk > heapLimit {
		t.Errorf("heap in use peaked at %d MiB while streaming; want < %d MiB", pk>>20, heapLimit>>20)
	} else {
		t.Logf("heap in use peaked at %.1f MiB", float64(pk)/(1<<20))
	}
}
