package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestCompressEndpointThroughTheBinary runs headroom-proxy with
// compression (so a CCR store) and calls POST /v1/compress as a gateway
// would: the conversation comes back smaller, its marker retrieves the
// original through GET /v1/retrieve, an oversized declared body is refused
// before it is sent, and HEADROOM_PROXY_COMPRESS_ALLOW shuts loopback out.
func TestCompressEndpointThroughTheBinary(t *testing.T) {
	base := startProxyProcess(t, "HEADROOM_PROXY_UPSTREAM=http://127.0.0.1:1", "HEADROOM_PROXY_COMPRESSION=true",
		"HEADROOM_PROXY_COMPRESSION_MAX_BODY_BYTES=512KiB")
	original := rows(300)
	body := `{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":[` +
		`{"type":"tool_result","tool_use_id":"t1","content":` + jsonQuote(original) + `}]}]}`
	res, err := http.Post(base+"/v1/compress", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var a struct {
		Messages []struct {
			Content []struct {
				Content string `json:"content"`
			} `json:"content"`
		} `json:"messages"`
		TokensBefore int      `json:"tokens_before"`
		TokensAfter  int      `json:"tokens_after"`
		CCRHashes    []string `json:"ccr_hashes"`
	}
	if res.StatusCode != http.StatusOK || json.Unmarshal(b, &a) != nil {
		t.Fatalf("POST /v1/compress: %d %.300s", res.StatusCode, b)
	}
	if a.TokensAfter >= a.TokensBefore || len(a.CCRHashes) == 0 || len(a.Messages) != 1 {
		t.Fatalf("tokens %d → %d, hashes %v", a.TokensBefore, a.TokensAfter, a.CCRHashes)
	}
	key := markerKey.FindStringSubmatch(a.Messages[0].Content[0].Content)
	if key == nil {
		t.Fatalf("compressed block carries no marker: %.200q", a.Messages[0].Content[0].Content)
	}
	res, err = http.Get(base + "/v1/retrieve/" + key[1])
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(got) != original {
		t.Errorf("GET /v1/retrieve/%s: %d, %d bytes; want the %d-byte original", key[1], res.StatusCode, len(got), len(original))
	}

	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST /v1/compress HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 744000\r\n\r\n")
	tooBig, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || tooBig.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("744 KB declared against a 512 KiB limit: %v %v, want 413 before the body is sent", tooBig, err)
	}

	closed := startProxyProcess(t, "HEADROOM_PROXY_UPSTREAM=http://127.0.0.1:1", "HEADROOM_PROXY_COMPRESS_ALLOW=10.0.0.0/8")
	res, err = http.Post(closed+"/v1/compress", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden || !strings.Contains(string(b), "--compress-allow") {
		t.Errorf("from loopback with only 10.0.0.0/8 allowed: %d %s", res.StatusCode, b)
	}
}
