package textcrush

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Character classes follow Rust's char methods, which the reference uses:
// is_whitespace is Unicode White_Space (Go's unicode.IsSpace is the same
// set), is_alphabetic is the Alphabetic property (letters, letter numbers
// and Other_Alphabetic marks, wider than unicode.IsLetter), is_uppercase is
// the Uppercase property (Lu plus Other_Uppercase). Invalid UTF-8 decodes
// to U+FFFD, which is none of these, so such bytes separate words and are
// copied through untouched.

func isAlphabetic(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r|0x20 && r|0x20 <= 'z'
	}
	return unicode.IsLetter(r) || unicode.Is(unicode.Nl, r) || unicode.Is(unicode.Other_Alphabetic, r)
}

func isAlphanumeric(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r|0x20 && r|0x20 <= 'z' || '0' <= r && r <= '9'
	}
	return isAlphabetic(r) || unicode.IsNumber(r)
}

func isUppercase(r rune) bool {
	return unicode.IsUpper(r) || unicode.Is(unicode.Other_Uppercase, r)
}

// isTerminator reports whether r ends a sentence when whitespace follows.
// Only ASCII punctuation counts: CJK text ending in "。" stays one segment,
// as in the reference.
func isTerminator(r rune) bool { return r == '.' || r == '!' || r == '?' }

// splitSegments splits text into trimmed sentence segments: every line is a
// boundary, and so is a whitespace character right after '.', '!' or '?'
// (that one character is dropped). Empty segments are skipped. Segments
// are substrings of text.
func splitSegments(text string) []string {
	var segs []string
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(line)
		start := 0
		prevTerm := false
		for i := 0; i < len(line); {
			r, size := utf8.DecodeRuneInString(line[i:])
			if prevTerm && unicode.IsSpace(r) {
				if s := strings.TrimSpace(line[start:i]); s != "" {
					segs = append(segs, s)
				}
				start = i + size
				prevTerm = false
			} else {
				prevTerm = isTerminator(r)
			}
			i += size
		}
		if s := strings.TrimSpace(line[start:]); s != "" {
			segs = append(segs, s)
		}
	}
	return segs
}

// countWords is len(strings.Fields(s)) without building the slice.
func countWords(s string) int {
	n := 0
	inWord := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			sp := asciiSpace[c]
			if !sp && !inWord {
				n++
			}
			inWord = !sp
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		sp := unicode.IsSpace(r)
		if !sp && !inWord {
			n++
		}
		inWord = !sp
		i += size
	}
	return n
}

var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// salience is the share of a segment's words that carry specific detail,
// with one added to the word count so a one-word segment is never fully
// salient.
func salience(seg string) float64 {
	words, salient := 0, 0
	for w := range strings.FieldsSeq(seg) {
		words++
		if isSalient(w) {
			salient++
		}
	}
	return float64(salient) / (float64(words) + 1)
}

// salientKeywords are the status words that make a word salient.
var salientKeywords = [...]string{
	"error", "exception", "failed", "failure", "fail",
	"warning", "traceback", "assert", "todo", "fixme",
}

// maxKeywordLen bounds the lowercased word worth comparing with
// salientKeywords.
const maxKeywordLen = len("exception")

// isSalient reports whether a word carries hard-to-reconstruct detail: it
// contains an ASCII digit; or, stripped of surrounding non-alphanumerics
// and lowercased, it is a status keyword; or it has at least two letters,
// all upper case; or it is a dotted name like "pkg.Func" (the parts around
// its first '.' are non-empty and start with a letter or '_').
func isSalient(w string) bool {
	ascii := true
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case '0' <= c && c <= '9':
			return true
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	if ascii {
		return isSalientASCII(w)
	}
	if isKeyword(strings.TrimFunc(w, func(r rune) bool { return !isAlphanumeric(r) })) {
		return true
	}
	letters, upper := 0, true
	for _, r := range w {
		if isAlphabetic(r) {
			letters++
			upper = upper && isUppercase(r)
		}
	}
	if letters >= 2 && upper {
		return true
	}
	return isDotted(w)
}

// isSalientASCII is isSalient for an ASCII word without digits, the
// common case, without Unicode tables.
func isSalientASCII(w string) bool {
	lo, hi := 0, len(w)
	for lo < hi && !isASCIIAlnum(w[lo]) {
		lo++
	}
	for hi > lo && !isASCIIAlnum(w[hi-1]) {
		hi--
	}
	if t := w[lo:hi]; len(t) <= maxKeywordLen {
		for _, k := range salientKeywords {
			if asciiEqualFold(t, k) {
				return true
			}
		}
	}
	letters, upper := 0, true
	for i := 0; i < len(w); i++ {
		c := w[i]
		if 'a' <= c|0x20 && c|0x20 <= 'z' {
			letters++
			upper = upper && c <= 'Z'
		}
	}
	if letters >= 2 && upper {
		return true
	}
	return isDotted(w)
}

func isASCIIAlnum(c byte) bool {
	return 'a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9'
}

// asciiEqualFold reports whether s lowercased (ASCII) equals the lowercase
// ASCII word k.
func asciiEqualFold(s, k string) bool {
	if len(s) != len(k) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != k[i] {
			return false
		}
	}
	return true
}

// isDotted reports whether w is a dotted name like "pkg.Func": the parts
// around its first '.' are non-empty and start with a letter or '_'.
func isDotted(w string) bool {
	dot := strings.IndexByte(w, '.')
	if dot < 0 {
		return false
	}
	a, b := w[:dot], w[dot+1:]
	return a != "" && b != "" && startsName(a) && startsName(b)
}

func startsName(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r == '_' || isAlphabetic(r)
}

// isKeyword reports whether s, lowercased as Rust's str::to_lowercase
// does, is one of salientKeywords. The keywords are ASCII, so any rune
// whose lowercase is not ASCII rules a match out; that covers U+0130 (whose
// Rust lowercase is "i" plus a combining dot, where Go's is plain "i") and
// the context-dependent final sigma.
func isKeyword(s string) bool {
	var buf [maxKeywordLen]byte
	n := 0
	for _, r := range s {
		if r == 'İ' {
			return false
		}
		l := unicode.ToLower(r)
		if l >= utf8.RuneSelf || n == len(buf) {
			return false
		}
		buf[n] = byte(l)
		n++
	}
	lower := buf[:n]
	for _, k := range salientKeywords {
		if string(lower) == k {
			return true
		}
	}
	return false
}

// shingleLen is the word-window size for near-duplicate detection.
const shingleLen = 3

// shingle is a window of up to shingleLen interned words, each stored as
// its id + 1 so that zero pads shorter windows and windows of different
// sizes never collide. It stands for the reference's words joined by
// U+0001, which cannot occur inside a word, so equality is the same.
type shingle [shingleLen]uint32

// shingleIndex interns words and remembers the shingles of kept segments.
// Its buffers are reused from one segment to the next.
type shingleIndex struct {
	ids  map[string]uint32
	seen map[shingle]struct{}
	word []byte
	toks []uint32
	sh   []shingle
}

// newShingleIndex sizes the seen set for about words kept words (one
// 3-gram each), so it does not grow step by step while segments are added.
// Vocabulary repeats too much for a useful hint on the word ids.
func newShingleIndex(words int) *shingleIndex {
	return &shingleIndex{ids: make(map[string]uint32), seen: make(map[shingle]struct{}, words)}
}

// shingles returns the distinct shingles of seg, in sorted order: every
// window of shingleLen words, or, for a segment with fewer words, every
// window of every size. Words are maximal runs of alphanumerics and '_',
// lowercased character by character. The slice is valid until the next
// call.
func (x *shingleIndex) shingles(seg string) []shingle {
	x.toks = x.toks[:0]
	x.word = x.word[:0]
	for i := 0; i < len(seg); {
		c := seg[i]
		if c < utf8.RuneSelf {
			switch {
			case 'A' <= c && c <= 'Z':
				x.word = append(x.word, c+('a'-'A'))
			case 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_':
				x.word = append(x.word, c)
			default:
				x.endWord()
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(seg[i:])
		i += size
		switch {
		case !isAlphanumeric(r):
			x.endWord()
		case r == 'İ':
			// Rust lowercases U+0130 to two characters.
			x.word = append(x.word, "i\u0307"...)
		default:
			x.word = utf8.AppendRune(x.word, unicode.ToLower(r))
		}
	}
	x.endWord()

	x.sh = x.sh[:0]
	toks := x.toks
	if len(toks) >= shingleLen {
		for i := 0; i+shingleLen <= len(toks); i++ {
			var s shingle
			copy(s[:], toks[i:i+shingleLen])
			x.sh = append(x.sh, s)
		}
	} else {
		for size := 1; size <= len(toks); size++ {
			for i := 0; i+size <= len(toks); i++ {
				var s shingle
				copy(s[:], toks[i:i+size])
				x.sh = append(x.sh, s)
			}
		}
	}
	slices.SortFunc(x.sh, func(a, b shingle) int {
		for k := range a {
			if a[k] != b[k] {
				if a[k] < b[k] {
					return -1
				}
				return 1
			}
		}
		return 0
	})
	x.sh = slices.Compact(x.sh)
	return x.sh
}

// endWord interns the word being built, if any.
func (x *shingleIndex) endWord() {
	if len(x.word) == 0 {
		return
	}
	id, ok := x.ids[string(x.word)]
	if !ok {
		id = uint32(len(x.ids)) + 1
		x.ids[string(x.word)] = id
	}
	x.toks = append(x.toks, id)
	x.word = x.word[:0]
}

// covered counts the shingles already seen.
func (x *shingleIndex) covered(sh []shingle) int {
	n := 0
	for _, s := range sh {
		if _, ok := x.seen[s]; ok {
			n++
		}
	}
	return n
}

func (x *shingleIndex) add(sh []shingle) {
	for _, s := range sh {
		x.seen[s] = struct{}{}
	}
}
