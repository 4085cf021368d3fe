package livezone_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/livezone"
	"github.com/headroom-go/headroom/transform"
)

// halfCompressor proposes the first half of every slot (cut on a rune
// boundary). Random bodies almost never hold content the real compressors
// shrink, so the fuzz targets also run with this one to drive the splicer
// through every slot position the walkers find.
type halfCompressor struct{}

func (halfCompressor) CompressBlock(_ context.Context, text string, _ transform.ContentType) (livezone.Candidate, error) {
	cut := len(text) / 2
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return livezone.Candidate{Text: text[:cut], Strategy: "half"}, nil
}

// fuzzPass runs f on body with the default and the halving compressors
// and checks the contract: no panic; on error the input comes back and the
// error is one of the documented kinds; otherwise the splicing contract
// holds; the input is never modified.
func fuzzPass(t *testing.T, f entryPoint, body []byte, opts livezone.Options) {
	orig := bytes.Clone(body)
	for _, comp := range []livezone.BlockCompressor{nil, halfCompressor{}} {
		opts.Compressor = comp
		out, m, err := f(t.Context(), body, opts)
		if !bytes.Equal(body, orig) {
			t.Fatalf("input modified")
		}
		if err != nil {
			if !errors.Is(err, livezone.ErrBodyNotJSON) && !errors.Is(err, livezone.ErrNoMessagesArray) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			if !bytes.Equal(out, body) {
				t.Fatalf("error without the original body")
			}
			return
		}
		orig, repl := checkSplices(t, body, out, m)
		if opts.Store != nil {
			k := 0
			for _, b := range m.Blocks {
				if b.Action.Kind == livezone.Compressed {
					checkMarker(t, opts.Store, b.Action.Marker, orig[k], repl[k])
					k++
				}
			}
		}
	}
}

func FuzzAnthropic(f *testing.F) {
	f.Add([]byte(`{"messages":[{"role":"user","content":[{"type":"text","text":"hello"}]}]}`))
	store := memstore.New(0, 0)
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzPass(t, livezone.Anthropic, body, livezone.Options{AutoFrozen: true, Store: store})
	})
}

func FuzzOpenAIChat(f *testing.F) {
	f.Add([]byte(`{"messages":[{"role":"tool","content":"x"},{"role":"user","content":[{"type":"text","text":"y"}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzPass(t, livezone.OpenAIChat, body, livezone.Options{Model: "gpt-4o"})
	})
}

func FuzzResponses(f *testing.F) {
	f.Add([]byte(`{"input":[{"type":"function_call_output","call_id":"c","output":"x"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzPass(t, livezone.OpenAIResponses, body, livezone.Options{Model: "gpt-4o"})
	})
}
