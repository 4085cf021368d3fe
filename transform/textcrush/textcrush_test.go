package textcrush

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/relevance"
)

func newDefault(t testing.TB) *Crusher {
	t.Helper()
	c, err := New(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// topics builds n sentences of identical shape and length (eight words,
// 50 bytes): only their topic word differs, so position alone orders them.
// Topic words are eight bytes long, the length from which a BM25 match
// earns its long-term bonus.
func topics(n int) []string {
	words := []string{"apricots", "balloons", "carriage", "dolphins", "elevator", "flamingo", "glaciers", "harvests", "icebergs", "junction", "keyboard", "lanterns"}
	out := make([]string, n)
	for i := range out {
		out[i] = "This sentence talks about " + words[i%len(words)] + " in plain words."
	}
	return out
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"zero config", func(c *Config) { *c = Config{} }},
		{"ratio below minimum", func(c *Config) { c.TargetRatio = 0.01 }},
		{"ratio above one", func(c *Config) { c.TargetRatio = 1.5 }},
		{"ratio NaN", func(c *Config) { c.TargetRatio = math.NaN() }},
		{"negative weight", func(c *Config) { c.RelevanceWeight = -1 }},
		{"infinite weight", func(c *Config) { c.RecencyWeight = math.Inf(1) }},
		{"NaN weight", func(c *Config) { c.SalienceWeight = math.NaN() }},
		{"zero near-dup threshold", func(c *Config) { c.NearDupThreshold = 0 }},
		{"near-dup threshold above one", func(c *Config) { c.NearDupThreshold = 1.01 }},
		{"negative min segment bytes", func(c *Config) { c.MinSegmentBytes = -1 }},
		{"negative min segments", func(c *Config) { c.MinSegments = -1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.edit(&cfg)
			if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("New: err = %v, want ErrInvalidConfig", err)
			}
		})
	}
	for _, edit := range []func(*Config){
		func(c *Config) { c.TargetRatio = MinTargetRatio },
		func(c *Config) { c.TargetRatio = 1 },
		func(c *Config) { c.RecencyWeight, c.RelevanceWeight, c.SalienceWeight = 0, 0, 0 },
		func(c *Config) { c.NearDupThreshold, c.MinSegments, c.MinSegmentBytes = 1, 0, 0 },
	} {
		cfg := DefaultConfig()
		edit(&cfg)
		if _, err := New(cfg); err != nil {
			t.Errorf("New(%+v): %v", cfg, err)
		}
	}
}

func TestFewSegmentsPassThrough(t *testing.T) {
	c := newDefault(t)
	in := strings.Join(topics(DefaultMinSegments-1), "  ")
	r := c.Compress(in, "")
	want := Result{
		Compressed: in, OriginalTokens: 8 * (DefaultMinSegments - 1), CompressedTokens: 8 * (DefaultMinSegments - 1),
		CompressionRatio: 1, KeptSegments: DefaultMinSegments - 1, TotalSegments: DefaultMinSegments - 1,
	}
	if r != want {
		t.Fatalf("got %+v\nwant %+v", r, want)
	}
}

func TestRecencyKeepsTheLatestSentences(t *testing.T) {
	c := newDefault(t)
	s := topics(10)
	r, err := c.CompressRatio(strings.Join(s, " "), "", 0.3)
	if err != nil {
		t.Fatal(err)
	}
	// Equal lengths and no salience: the three most recent fill 30%.
	if want := strings.Join(s[7:], "\n"); r.Compressed != want {
		t.Fatalf("got %q\nwant %q", r.Compressed, want)
	}
	if r.KeptSegments != 3 || r.TotalSegments != 10 || r.OriginalTokens != 80 || r.CompressedTokens != 24 || r.CompressionRatio != 0.3 {
		t.Fatalf("counts: %+v", r)
	}
}

func TestQueryRelevanceOutranksRecency(t *testing.T) {
	c := newDefault(t)
	s := topics(10)
	in := strings.Join(s, " ")
	// Each match scores about 0.07 + 0.3 (long-term bonus), doubled by
	// RelevanceWeight: enough to lift sentences 3 and 6 above sentence 9.
	r, err := c.CompressRatio(in, "tell me about the glaciers and dolphins", 0.2)
	if err != nil {
		t.Fatal(err)
	}
	if want := s[3] + "\n" + s[6]; r.Compressed != want {
		t.Fatalf("got %q\nwant %q", r.Compressed, want)
	}
}

func TestSalientDetailOutranksRecency(t *testing.T) {
	c := newDefault(t)
	s := topics(8)
	// Four salient words of eight: salience 4/9, worth 0.67 after
	// weighting, lifting recency 5/8 above the last sentence's 1.
	s[4] = "ERROR code 503 from api.gateway at 10.0.0.7 now."
	r, err := c.CompressRatio(strings.Join(s, "\n"), "", 0.1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Compressed != s[4] {
		t.Fatalf("got %q, want the salient line", r.Compressed)
	}
}

func TestShortSegmentsArePenalised(t *testing.T) {
	c := newDefault(t)
	// The last segment is the most recent but shorter than
	// MinSegmentBytes, so its score is quartered and the one before wins.
	s := append(topics(7), "Ok then.")
	r, err := c.CompressRatio(strings.Join(s, "\n"), "", 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if r.Compressed != s[6] {
		t.Fatalf("got %q, want %q", r.Compressed, s[6])
	}
	cfg := DefaultConfig()
	cfg.MinSegmentBytes = 0
	c0, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Unpenalised, the short last segment wins but cannot reach the
	// 17-byte target alone, so the runner-up is kept too.
	r, _ = c0.CompressRatio(strings.Join(s, "\n"), "", 0.05)
	if r.Compressed != s[6]+"\nOk then." {
		t.Fatalf("without the penalty got %q", r.Compressed)
	}
}

func TestNearDuplicatesAreSkipped(t *testing.T) {
	c := newDefault(t)
	dup := "The build cache was cleared before the nightly run started."
	var lines []string
	for range 6 {
		lines = append(lines, dup)
	}
	lines = append(lines, topics(4)...)
	r, err := c.CompressRatio(strings.Join(lines, "\n"), "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(r.Compressed, dup); got != 1 {
		t.Fatalf("duplicate kept %d times:\n%s", got, r.Compressed)
	}
	if r.KeptSegments != 5 || r.TotalSegments != 10 {
		t.Fatalf("kept %d of %d, want 5 of 10", r.KeptSegments, r.TotalSegments)
	}
	// A near duplicate differing in one word of eleven still shares 7 of
	// its 9 word 3-grams (78%): below the 85% threshold, so it is kept.
	near := strings.Replace(dup, "nightly", "weekly", 1)
	lines = append([]string{near}, lines...)
	r, _ = c.CompressRatio(strings.Join(lines, "\n"), "", 1)
	if !strings.Contains(r.Compressed, near) {
		t.Fatalf("near duplicate under the threshold was dropped:\n%s", r.Compressed)
	}
}

func TestKeepingEverySegmentReturnsTheInput(t *testing.T) {
	c := newDefault(t)
	in := strings.Join(topics(8), "  ")
	r, err := c.CompressRatio(in, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Compressed != in || r.KeptSegments != 8 || r.TotalSegments != 8 || r.CompressionRatio != 1 {
		t.Fatalf("got %+v", r)
	}
}

func TestCompressRatioClampsAndRejectsNaN(t *testing.T) {
	c := newDefault(t)
	in := strings.Join(topics(40), " ")
	low, _ := c.CompressRatio(in, "", MinTargetRatio)
	for _, ratio := range []float64{0, -3, math.Inf(-1)} {
		r, err := c.CompressRatio(in, "", ratio)
		if err != nil || r != low {
			t.Errorf("ratio %v: %+v, %v; want the MinTargetRatio result", ratio, r, err)
		}
	}
	high, _ := c.CompressRatio(in, "", 1)
	if r, err := c.CompressRatio(in, "", math.Inf(1)); err != nil || r != high {
		t.Errorf("ratio +Inf: %+v, %v; want the ratio-1 result", r, err)
	}
	if _, err := c.CompressRatio(in, "", math.NaN()); !errors.Is(err, ErrInvalidRatio) {
		t.Errorf("NaN ratio: err = %v", err)
	}
	if def, _ := c.CompressRatio(in, "", DefaultTargetRatio); c.Compress(in, "") != def {
		t.Errorf("Compress does not use the configured ratio")
	}
}

func TestKeptBytesReachTheTarget(t *testing.T) {
	c := newDefault(t)
	s := topics(12)
	for i := range s {
		s[i] = fmt.Sprintf("%s Item %d.", s[i], i)
	}
	in := strings.Join(s, " ")
	total := 0
	for _, seg := range splitSegments(in) {
		total += len(seg)
	}
	for _, ratio := range []float64{0.05, 0.2, 0.5, 0.7} {
		r, _ := c.CompressRatio(in, "", ratio)
		kept := len(r.Compressed) - (r.KeptSegments - 1)
		target := int(float64(total) * ratio)
		// Greedy: stops at the first segment that reaches the target, so
		// one segment at most overshoots it.
		if kept < target || kept-len(s[0])-6 >= target {
			t.Errorf("ratio %v: kept %d bytes for target %d", ratio, kept, target)
		}
	}
}

func TestOutputIsExtractiveAndOrdered(t *testing.T) {
	c := newDefault(t)
	var b strings.Builder
	for i := range 50 {
		fmt.Fprintf(&b, "Paragraph %d mentions item_%d and warning W%d.  ", i, i*7, i%5)
		if i%9 == 0 {
			b.WriteString("\n\n")
		}
	}
	in := b.String()
	r, _ := c.CompressRatio(in, "item_21 warning", 0.25)
	if r.KeptSegments == 0 || r.KeptSegments == r.TotalSegments {
		t.Fatalf("nothing dropped: %+v", r)
	}
	pos := 0
	for line := range strings.SplitSeq(r.Compressed, "\n") {
		i := strings.Index(in[pos:], line)
		if i < 0 {
			t.Fatalf("segment %q is not in the input after byte %d", line, pos)
		}
		pos += i + len(line)
	}
}

func TestCustomRelevanceScorer(t *testing.T) {
	s := topics(10)
	s[5] = "This sentence talks about the cat in plain words."
	in := strings.Join(s, " ")
	// BM25 gives the short match about 0.07: recency wins.
	if r, _ := newDefault(t).CompressRatio(in, "cat", 0.1); r.Compressed != s[9] {
		t.Fatalf("BM25: got %q, want %q", r.Compressed, s[9])
	}
	// The boosted hybrid lifts any match to at least 0.3.
	cfg := DefaultConfig()
	cfg.Relevance = relevance.DefaultHybrid()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := c.CompressRatio(in, "cat", 0.1); r.Compressed != s[5] {
		t.Fatalf("hybrid: got %q, want %q", r.Compressed, s[5])
	}
}
