package tokenizer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/pkoukk/tiktoken-go-loader/assets"
)

func mustBPE(t testing.TB, enc Encoding) *BPE {
	t.Helper()
	b, err := ForEncoding(enc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The embedded rank files must be the ones OpenAI publishes; these are the
// SHA-256 digests tiktoken itself checks after downloading them.
func TestRankFilesAreThePublishedOnes(t *testing.T) {
	want := map[Encoding]string{
		O200kBase:  "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
		Cl100kBase: "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
		P50kBase:   "94b5ca7dff4d00767bc256fdd1b27e5b17361d7b8a5f968547f9f23eb70d2069",
		R50kBase:   "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
	}
	for _, enc := range Encodings {
		data, err := assets.Assets.ReadFile(string(enc) + ".tiktoken")
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != want[enc] {
			t.Errorf("%s: sha256 %s, want %s", enc, got, want[enc])
		}
	}
}

func TestRankTablesLoadEveryToken(t *testing.T) {
	// Vocabulary sizes without special tokens, as published with tiktoken.
	want := map[Encoding]int{O200kBase: 199998, Cl100kBase: 100256, P50kBase: 50280, R50kBase: 50256}
	for _, enc := range Encodings {
		b := mustBPE(t, enc)
		b.load()
		if len(b.ranks) != want[enc] {
			t.Errorf("%s: %d ranks, want %d", enc, len(b.ranks), want[enc])
		}
		for c := range 256 {
			if _, ok := b.ranks[string([]byte{byte(c)})]; !ok {
				t.Errorf("%s: byte %#x has no rank; countPiece assumes every byte does", enc, c)
			}
		}
	}
}

func TestParseRanksRejectsMalformedLines(t *testing.T) {
	for name, in := range map[string]string{
		"no space":    "IQ==0\n",
		"bad rank":    "IQ== x\n",
		"bad base64":  "!!!! 1\n",
		"empty token": " 1\n",
		"duplicate":   "IQ== 0\nIQ== 1\n",
	} {
		if _, err := parseRanks([]byte(in)); err == nil {
			t.Errorf("%s: parseRanks(%q) succeeded", name, in)
		}
	}
	ranks, err := parseRanks([]byte("IQ== 0\nIg== 1"))
	if err != nil || ranks["!"] != 0 || ranks["\""] != 1 || len(ranks) != 2 {
		t.Errorf("parseRanks without trailing newline = %v, %v", ranks, err)
	}
}

func TestForEncodingRejectsUnknownNames(t *testing.T) {
	for _, name := range []Encoding{"", "gpt2", "p50k_edit", "O200K_BASE"} {
		if b, err := ForEncoding(name); err == nil {
			t.Errorf("ForEncoding(%q) = %v, want an error", name, b.Encoding())
		}
	}
	for _, enc := range Encodings {
		if b := mustBPE(t, enc); b.Encoding() != enc {
			t.Errorf("ForEncoding(%q).Encoding() = %q", enc, b.Encoding())
		}
	}
}

// Counts verified against the reference's Rust tests for o200k_base.
func TestO200kKnownCounts(t *testing.T) {
	b := mustBPE(t, O200kBase)
	for text, want := range map[string]int{
		"":              0,
		"hello":         1,
		"Hello, world!": 4,
		"the quick brown fox jumps over the lazy dog": 9,
	} {
		if got := b.Count(text); got != want {
			t.Errorf("Count(%q) = %d, want %d", text, got, want)
		}
	}
}

type oracleCase struct {
	Text   string `json:"text"`
	O200k  int    `json:"o200k_base"`
	Cl100k int    `json:"cl100k_base"`
	P50k   int    `json:"p50k_base"`
	R50k   int    `json:"r50k_base"`
}

func loadOracle(t testing.TB) []oracleCase {
	t.Helper()
	data, err := os.ReadFile("testdata/tiktoken_oracle.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Cases []oracleCase }
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) == 0 {
		t.Fatal("oracle file has no cases")
	}
	return f.Cases
}

// testdata/tiktoken_oracle.json holds synthetic texts counted by OpenAI's own
// tiktoken (see testdata/oracle); every encoding must agree on every text.
// It covers what the parity fixtures do not: cl100k/p50k/r50k, whitespace
// runs holding several newlines, contractions, marks, and pieces long enough
// for the heap merge.
func TestCountsMatchTiktoken(t *testing.T) {
	for _, c := range loadOracle(t) {
		for enc, want := range map[Encoding]int{O200kBase: c.O200k, Cl100kBase: c.Cl100k, P50kBase: c.P50k, R50kBase: c.R50k} {
			if got := mustBPE(t, enc).Count(c.Text); got != want {
				t.Errorf("%s Count(%.60q) = %d, tiktoken says %d", enc, c.Text, got, want)
			}
		}
	}
}

// Blank lines that hold spaces are common in code; a piece must span from
// the first newline to the last one, not stop at the first.
func TestWhitespaceRunWithSeveralNewlinesIsOnePiece(t *testing.T) {
	for _, enc := range []Encoding{O200kBase, Cl100kBase} {
		b := mustBPE(t, enc)
		if got := b.Count("a\n \nb"); got != 3 {
			t.Errorf("%s: Count(%q) = %d, want 3 (a, \\n \\n, b)", enc, "a\n \nb", got)
		}
	}
}

func TestSpecialTokensAreCountedAsPlainText(t *testing.T) {
	for _, enc := range Encodings {
		if got := mustBPE(t, enc).Count("<|endoftext|>"); got < 2 {
			t.Errorf("%s: Count(<|endoftext|>) = %d; a special token would be 1", enc, got)
		}
	}
}

func TestInvalidUTF8CountsAsReplacementCharacters(t *testing.T) {
	for _, enc := range Encodings {
		b := mustBPE(t, enc)
		for _, s := range []string{"\xff", "a\xffb", "\xe2\x82", "héllo\xc3", "\xed\xa0\x80 surrogate"} {
			if got, want := b.Count(s), b.Count(string([]rune(s))); got != want {
				t.Errorf("%s: Count(%q) = %d, Count of its U+FFFD form = %d", enc, s, got, want)
			}
		}
	}
}

func TestMergeStrategiesAgreeOnLongPieces(t *testing.T) {
	b := mustBPE(t, O200kBase)
	b.load()
	for _, piece := range []string{
		strings.Repeat("a", heapMergeThreshold-1),
		strings.Repeat("ab", heapMergeThreshold/2-1),
		"antidisestablishmentarianism",
		strings.Repeat("Zz", 40),
	} {
		if s, h := b.mergeScan(piece), b.mergeHeap(piece); s != h {
			t.Errorf("piece %q: scan %d, heap %d", piece, s, h)
		}
	}
}

// A single piece of a million letters must not take quadratic time; with
// the heap merge this finishes in well under a second.
func TestHugePieceIsCounted(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 1 MB piece")
	}
	b := mustBPE(t, O200kBase)
	if got := b.Count(strings.Repeat("a", 1_000_000)); got < 1_000_000/128 || got > 1_000_000 {
		t.Errorf("Count(1e6 × a) = %d, outside [1e6/128, 1e6]", got)
	}
}

func TestConcurrentCountsMatchSerialCounts(t *testing.T) {
	cases := loadOracle(t)
	type job struct {
		enc  Encoding
		text string
	}
	var jobs []job
	want := map[job]int{}
	for _, c := range cases {
		for _, enc := range Encodings {
			j := job{enc, c.Text}
			jobs = append(jobs, j)
			want[j] = mustBPE(t, enc).Count(c.Text)
		}
	}
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan string, workers)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(jobs); i += workers {
				j := jobs[(i*7)%len(jobs)]
				if got := mustBPE(t, j.enc).Count(j.text); got != want[j] {
					errs <- j.text
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for text := range errs {
		t.Errorf("concurrent count of %.40q differs from the serial count", text)
	}
}

func TestFirstUseFromManyGoroutinesLoadsOnce(t *testing.T) {
	// A fresh BPE (not the shared one) so that the first load really races.
	b := &BPE{enc: P50kBase, next: gpt2Next}
	var wg sync.WaitGroup
	counts := make([]int, 8)
	for i := range counts {
		wg.Go(func() { counts[i] = b.Count("concurrent first use") })
	}
	wg.Wait()
	for i, c := range counts {
		if c != counts[0] || c == 0 {
			t.Fatalf("goroutine %d counted %d, goroutine 0 counted %d", i, c, counts[0])
		}
	}
}

func TestCountingValidUTF8DoesNotAllocate(t *testing.T) {
	// Short pieces only: from heapMergeThreshold bytes on, the merge keeps
	// its bookkeeping on the heap.
	text := "The quick brown fox jumps over the lazy dog.\n[[variant 0]]\n\t  Ünïcödé 中文 🚀 I'LL 12345\r\n"
	for _, enc := range Encodings {
		b := mustBPE(t, enc)
		b.Count(text) // builds the tables
		if allocs := testing.AllocsPerRun(100, func() { b.Count(text) }); allocs != 0 {
			t.Errorf("%s: Count of a short text: %v allocs, want 0", enc, allocs)
		}
	}
}
