package observe

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/cachestab"
	"github.com/headroom-go/headroom/internal/jsonx"
)

type corpusRequest struct {
	name string
	ep   cachestab.Endpoint
	body jsonx.Value
	size int
}

// corpusRequests loads the shared corpus request bodies, or skips.
func corpusRequests(b *testing.B) []corpusRequest {
	dir := os.Getenv("HEADROOM_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpus")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	var out []corpusRequest
	for _, path := range files {
		base := filepath.Base(path)
		var ep cachestab.Endpoint
		switch {
		case strings.HasSuffix(base, ".anthropic.json"), base == "anthropic_messages_request_real.json":
			ep = cachestab.Messages
		case strings.HasSuffix(base, ".openai.json"):
			ep = cachestab.ChatCompletions
		default:
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		v, err := jsonx.Parse(data)
		if err != nil {
			b.Fatalf("%s: %v", path, err)
		}
		if req, ok := v.Get("request"); ok {
			v = req
		}
		if v.Kind() == jsonx.Object {
			out = append(out, corpusRequest{strings.TrimSuffix(base, ".json"), ep, v, len(data)})
		}
	}
	if len(out) == 0 {
		b.Skipf("no request corpus under %s (set HEADROOM_CORPUS)", dir)
	}
	return out
}

func BenchmarkDetectVolatile(b *testing.B) {
	for _, c := range corpusRequests(b) {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(c.size))
			b.ReportAllocs()
			for b.Loop() {
				DetectVolatile(c.body, c.ep)
			}
		})
	}
}

// BenchmarkDriftObserve is the per-request drift cost: session key,
// fingerprint and the table update (a returning, stable session).
func BenchmarkDriftObserve(b *testing.B) {
	h := http.Header{"Authorization": {"Bearer sk-ant-api03-abcdefghijklmnop"}}
	for _, c := range corpusRequests(b) {
		b.Run(c.name, func(b *testing.B) {
			d, err := NewDriftDetector(DefaultDriftCapacity)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(c.size))
			b.ReportAllocs()
			for b.Loop() {
				d.Observe(SessionKey(h, "127.0.0.1"), FingerprintOf(c.body, c.ep))
			}
		})
	}
}
