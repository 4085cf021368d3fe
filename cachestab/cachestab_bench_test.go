package cachestab

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/authmode"
	"github.com/headroom-go/headroom/internal/jsonx"
)

type corpusRequest struct {
	name string
	ep   Endpoint
	body jsonx.Value
	size int
}

// corpusRequests loads the request bodies of the shared corpus (the
// "request" of each *.anthropic.json / *.openai.json scenario, and the
// recorded production Anthropic request), or skips.
func corpusRequests(b *testing.B) []corpusRequest {
	dir := os.Getenv("HEADROOM_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	var out []corpusRequest
	for _, path := range files {
		base := filepath.Base(path)
		var ep Endpoint
		switch {
		case strings.HasSuffix(base, ".anthropic.json"), base == "anthropic_messages_request_real.json":
			ep = Messages
		case strings.HasSuffix(base, ".openai.json"):
			ep = ChatCompletions
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
		if v.Kind() != jsonx.Object {
			continue
		}
		name := strings.TrimSuffix(base, ".json")
		out = append(out, corpusRequest{name, ep, v, len(jsonx.Compact(v))})
		if tools, ok := v.Get("tools"); ok && tools.Len() > 1 {
			// The same request with its tools reversed, so E1 and E3 do
			// real work instead of confirming an already-stable body.
			rev := slices.Clone(tools.Items())
			slices.Reverse(rev)
			ms := slices.Clone(v.Members())
			for i := range ms {
				if ms[i].Key == "tools" {
					ms[i].Value = jsonx.ArrayValue(rev)
				}
			}
			rv := jsonx.ObjectValue(ms)
			out = append(out, corpusRequest{name + "_tools_reversed", ep, rv, len(jsonx.Compact(rv))})
		}
	}
	if len(out) == 0 {
		b.Skipf("no request corpus under %s (set HEADROOM_CORPUS)", dir)
	}
	return out
}

func BenchmarkNormalize(b *testing.B) {
	for _, c := range corpusRequests(b) {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(c.size))
			b.ReportAllocs()
			for b.Loop() {
				Normalize(c.body, c.ep, authmode.Payg)
			}
		})
	}
}

func BenchmarkInjectPromptCacheKey(b *testing.B) {
	for _, c := range corpusRequests(b) {
		if c.ep != ChatCompletions {
			continue
		}
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(c.size))
			b.ReportAllocs()
			for b.Loop() {
				InjectPromptCacheKey(c.body, c.ep, authmode.Payg)
			}
		})
	}
}
