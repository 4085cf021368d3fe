package textcrush

import (
	"math"
	"strings"
	"testing"
	"unicode"
)

// FuzzCompress checks what every result must satisfy: no panic, the same
// result twice, never more words or bytes than the input, kept segments
// that are verbatim pieces of the input in input order, and counts and a
// ratio that describe the output.
func FuzzCompress(f *testing.F) {
	f.Add(strings.Join(topics(12), " "), "glaciers", 0.3)
	f.Add("ERROR a.b failed. ok. OK. x\ny. 10.0.0.1 z!  w? ...\n\n. . .", "error", 0.05)
	f.Add("句子 0。 句子 1。\u00a0a. b. c. d. e. f.", "句子", 0.9)
	f.Add("dup dup dup. dup dup dup. dup dup dup. dup dup dup. dup dup dup. dup dup dup. x", "", 1.0)
	f.Fuzz(func(t *testing.T, content, query string, ratio float64) {
		c := newDefault(t)
		r, err := c.CompressRatio(content, query, ratio)
		if math.IsNaN(ratio) {
			if err == nil {
				t.Fatal("NaN ratio accepted")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		again, _ := c.CompressRatio(content, query, ratio)
		if again != r {
			t.Fatalf("not deterministic: %+v vs %+v", r, again)
		}
		if r.OriginalTokens != len(strings.Fields(content)) || r.CompressedTokens != len(strings.Fields(r.Compressed)) {
			t.Fatalf("token counts %d/%d do not describe the texts", r.OriginalTokens, r.CompressedTokens)
		}
		if r.CompressedTokens > r.OriginalTokens || len(r.Compressed) > len(content) {
			t.Fatalf("output grew: %d > %d words or %d > %d bytes", r.CompressedTokens, r.OriginalTokens, len(r.Compressed), len(content))
		}
		if r.KeptSegments > r.TotalSegments || r.TotalSegments != len(splitSegments(content)) {
			t.Fatalf("segments %d of %d", r.KeptSegments, r.TotalSegments)
		}
		if r.Compressed == content {
			if r.CompressionRatio != 1 || r.KeptSegments != r.TotalSegments {
				t.Fatalf("pass-through reports %+v", r)
			}
			return
		}
		want := 1.0
		if r.OriginalTokens > 0 {
			want = float64(r.CompressedTokens) / float64(r.OriginalTokens)
		}
		if r.CompressionRatio != want {
			t.Fatalf("ratio %v, want %v", r.CompressionRatio, want)
		}
		lines := strings.Split(r.Compressed, "\n")
		if len(lines) != r.KeptSegments || r.KeptSegments >= r.TotalSegments {
			t.Fatalf("%d lines for %d kept of %d segments", len(lines), r.KeptSegments, r.TotalSegments)
		}
		pos := 0
		for _, l := range lines {
			if l == "" || strings.TrimFunc(l, unicode.IsSpace) != l {
				t.Fatalf("segment %q is empty or untrimmed", l)
			}
			i := strings.Index(content[pos:], l)
			if i < 0 {
				t.Fatalf("segment %q is not in the input after byte %d", l, pos)
			}
			pos += i + len(l)
		}
	})
}
