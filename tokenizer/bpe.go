package tokenizer

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
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

// BPE counts tokens with one tiktoken encoding, exactly as tiktoken's
// encode_ordinary would: text that spells a special token such as
// "<|endoftext|>" is tokenized as plain text, as the reference does when it
// counts.
//
// Invalid UTF-8 is counted as if each invalid byte were U+FFFD, the same
// decoding a Go range loop applies.
//
// The rank table is built on the first Count and shared by every later call.
// A BPE is safe for concurrent use. Counting valid UTF-8 allocates nothing
// except bookkeeping for pieces of heapMergeThreshold bytes or more; invalid
// UTF-8 costs one copy of the text.
type BPE struct {
	enc Encoding
	// next returns the end of the pre-tokenized piece starting at a byte
	// offset of a valid UTF-8 text (see pretokenize.go).
	next func(text string, start int) int

	once  sync.Once
	ranks map[string]uint32
}

// One BPE per encoding, so that each table is built at most once per process.
var bpes = map[Encoding]*BPE{
	O200kBase:  {enc: O200kBase, next: o200kNext},
	Cl100kBase: {enc: Cl100kBase, next: cl100kNext},
	// p50k_base and r50k_base share GPT-2's pre-tokenizer.
	P50kBase: {enc: P50kBase, next: gpt2Next},
	R50kBase: {enc: R50kBase, next: gpt2Next},
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
	if !utf8.ValidString(text) {
		text = replaceInvalidUTF8(text)
	}
	n := 0
	for start := 0; start < len(text); {
		end := b.next(text, start)
		n += b.countPiece(text[start:end])
		start = end
	}
	return n
}

// load builds the rank table once.
func (b *BPE) load() {
	b.once.Do(func() {
		ranks, err := loadRanks(b.enc)
		if err != nil {
			// The rank files are embedded and checked by the tests, so
			// this is a broken build, not a run-time condition.
			panic(err)
		}
		b.ranks = ranks
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

// replaceInvalidUTF8 replaces each byte of text that is not part of a valid
// UTF-8 sequence with U+FFFD, as a range loop decodes it, so that the pieces
// are cut from, and counted on, the text BPE's doc promises.
func replaceInvalidUTF8(text string) string {
	var sb strings.Builder
	sb.Grow(len(text) + 2*utf8.UTFMax)
	for _, r := range text {
		sb.WriteRune(r)
	}
	return sb.String()
}
