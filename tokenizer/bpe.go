package tokenizer

import (
	"fmt"
	"slices"
	"sync"
	"unicode/utf8"

	"github.com/dlclark/regexp2/v2"
)

// Encoding names one of tiktoken's byte-pair encodings.
type Encoding string

// The encodings the reference maps OpenAI model names to.
const (
	O200kBase  Encoding = "o200k_base"
	Cl100kBase Encoding = "cl100k_base"
	P50kBase   Encoding = "p50k_base"
	R50kBase   Encoding = "r50k_base"
)

// Encodings lists every supported encoding.
var Encodings = []Encoding{O200kBase, Cl100kBase, P50kBase, R50kBase}

// Pre-tokenizer patterns, as published with tiktoken for each encoding. They
// need look-ahead, which is why a backtracking engine (regexp2) splits the
// text rather than the standard library.
const (
	o200kPattern = `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?` +
		`|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?` +
		`|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	cl100kPattern = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	// p50k_base and r50k_base share GPT-2's pattern.
	gpt2Pattern = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
)

// BPE counts tokens with one tiktoken encoding, exactly as tiktoken's
// encode_ordinary would: text that spells a special token such as
// "<|endoftext|>" is tokenized as plain text, as the reference does when it
// counts.
//
// Invalid UTF-8 is counted as if each invalid byte were U+FFFD, the same
// decoding a Go range loop applies.
//
// The rank table and pre-tokenizer are built on the first Count and shared by
// every later call. A BPE is safe for concurrent use; counting allocates
// nothing per token, only bookkeeping for long texts and long pieces.
type BPE struct {
	enc     Encoding
	pattern string

	once  sync.Once
	ranks map[string]uint32
	split *regexp2.Regexp
}

// One BPE per encoding, so that each table is built at most once per process.
var bpes = map[Encoding]*BPE{
	O200kBase:  {enc: O200kBase, pattern: o200kPattern},
	Cl100kBase: {enc: Cl100kBase, pattern: cl100kPattern},
	P50kBase:   {enc: P50kBase, pattern: gpt2Pattern},
	R50kBase:   {enc: R50kBase, pattern: gpt2Pattern},
}

// ForEncoding returns the shared counter for enc, or an error naming enc if
// it is not one of Encodings.
func ForEncoding(enc Encoding) (*BPE, error) {
	b, ok := bpes[enc]
	if !ok {
		return nil, fmt.Errorf("tokenizer: unknown encoding %q", enc)
	}
	return b, nil
}

// Encoding reports which encoding b counts with.
func (b *BPE) Encoding() Encoding { return b.enc }

// Count returns the number of tokens in text.
func (b *BPE) Count(text string) int {
	if text == "" {
		return 0
	}
	b.load()

	buf := getRunes(len(text))
	defer putRunes(buf)
	runes := *buf
	for _, r := range text {
		runes = append(runes, r)
	}
	*buf = runes
	if !utf8.ValidString(text) {
		// Re-encode so that byte offsets derived from the runes line up
		// with the text the pieces are cut from.
		text = string(runes)
	}

	// Matches arrive in order, so one forward cursor maps rune offsets to
	// byte offsets without a per-text offset table.
	n, runePos, bytePos := 0, 0, 0
	advance := func(to int) {
		for ; runePos < to; runePos++ {
			bytePos += utf8.RuneLen(runes[runePos])
		}
	}
	err := b.split.FindRunesMatches(runes, 0, func(m regexp2.MatchView) bool {
		idx, length, _ := m.GroupRange(0)
		advance(idx)
		start := bytePos
		advance(idx + length)
		n += b.countPiece(text[start:bytePos])
		return true
	})
	if err != nil {
		// regexp2 fails only on a match timeout, and none is set.
		panic(fmt.Sprintf("tokenizer: %s pre-tokenizer: %v", b.enc, err))
	}
	return n
}

// load builds the rank table and compiles the pre-tokenizer once.
func (b *BPE) load() {
	b.once.Do(func() {
		ranks, err := loadRanks(b.enc)
		if err != nil {
			// The rank files are embedded and checked by the tests, so
			// this is a broken build, not a run-time condition.
			panic(err)
		}
		b.ranks = ranks
		b.split = regexp2.MustCompile(b.pattern, regexp2.None)
	})
}

// countPiece returns the number of tokens byte-pair encoding turns one
// pre-tokenized piece into.
func (b *BPE) countPiece(piece string) int {
	if len(piece) == 1 {
		return 1 // every single byte is a token in all four encodings
	}
	if _, ok := b.ranks[piece]; ok {
		return 1
	}
	if len(piece) < heapMergeThreshold {
		return b.mergeScan(piece)
	}
	return b.mergeHeap(piece)
}

// Rune buffers are pooled because Count converts every text to runes for the
// pre-tokenizer; buffers above the cap are dropped so that one huge text does
// not pin its memory.
const maxPooledRunes = 64 << 10

var runePool = sync.Pool{New: func() any { return new([]rune) }}

func getRunes(byteLen int) *[]rune {
	if byteLen > maxPooledRunes {
		s := make([]rune, 0, byteLen)
		return &s
	}
	p := runePool.Get().(*[]rune)
	*p = slices.Grow((*p)[:0], byteLen)
	return p
}

func putRunes(p *[]rune) {
	if cap(*p) > maxPooledRunes {
		return
	}
	runePool.Put(p)
}
