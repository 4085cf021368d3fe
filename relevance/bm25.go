package relevance

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/headroom-go/headroom/internal/pycompat"
)

// BM25Params are the BM25 knobs. Every field is taken literally, zero
// included; start from [DefaultBM25Params] to change one of them.
type BM25Params struct {
	// K1 controls term-frequency saturation. Must be finite and >= 0.
	K1 float64
	// B controls document-length normalisation. Must be in [0, 1].
	B float64
	// Normalize divides the raw score by MaxScore and caps it at 1. Without
	// it the raw score is used as is (and then clamped to [0, 1]).
	Normalize bool
	// MaxScore is the raw score that maps to 1 when normalising. Must be
	// finite and > 0 when Normalize is set.
	MaxScore float64
}

// Reference parameters.
const (
	defaultK1       = 1.5
	defaultB        = 0.75
	defaultMaxScore = 10.0
)

// longTermBytes is the byte length from which a matched term earns
// longTermBonus: UUIDs, long numeric IDs and identifiers are strong evidence
// that an item is the one the context talks about.
const (
	longTermBytes = 8
	longTermBonus = 0.3
)

// Truncation of MatchedTerms, and how many terms a single-item reason names.
const (
	maxMatchedSingle = 10
	maxMatchedBatch  = 5
	reasonPreview    = 3
)

// DefaultBM25Params returns the reference parameters: k1 1.5, b 0.75,
// normalised against a maximum raw score of 10.
func DefaultBM25Params() BM25Params {
	return BM25Params{K1: defaultK1, B: defaultB, Normalize: true, MaxScore: defaultMaxScore}
}

// BM25 is the keyword scorer. It is immutable and safe for concurrent use.
//
// The context is the query: its tokens (see [Tokenize]) and their counts qf.
// An item's raw score sums, over the distinct context terms in byte order that
// occur in the item f times,
//
//	(ln 2 · f·(k1+1)) / (f + k1·(1 − b + b·|D|/avgdl)) · qf
//
// where |D| is the item's token count and avgdl is |D| itself for a single
// item and the batch's mean token count in a batch. The IDF is the constant
// ln 2 for every term, in batches too: that is the reference's Rust scorer
// (its older Python scorer used corpus IDF in batches). The final score is
// min(raw/MaxScore, 1), plus 0.3 (capped at 1) when any matched term is at
// least 8 bytes long.
type BM25 struct {
	p BM25Params
}

var _ Scorer = (*BM25)(nil)

// NewBM25 validates p and returns a scorer using it.
func NewBM25(p BM25Params) (*BM25, error) {
	switch {
	case !(p.K1 >= 0) || math.IsInf(p.K1, 0):
		return nil, fmt.Errorf("relevance: BM25 k1 %v must be finite and >= 0", p.K1)
	case !(p.B >= 0 && p.B <= 1):
		return nil, fmt.Errorf("relevance: BM25 b %v must be in [0, 1]", p.B)
	case p.Normalize && (!(p.MaxScore > 0) || math.IsInf(p.MaxScore, 0)):
		return nil, fmt.Errorf("relevance: BM25 max score %v must be finite and > 0", p.MaxScore)
	}
	return &BM25{p: p}, nil
}

var defaultBM25 = &BM25{p: DefaultBM25Params()}

// DefaultBM25 returns the scorer with [DefaultBM25Params]. It is shared.
func DefaultBM25() *BM25 { return defaultBM25 }

// Params returns the scorer's parameters.
func (s *BM25) Params() BM25Params { return s.p }

// Score implements [Scorer]. The reason names up to three matched terms.
func (s *BM25) Score(item, context string) Result {
	q := newQuery(context)
	var sc scratch
	sc.reset(len(q.terms))
	dl := q.scan(item, &sc)
	raw, matched := s.raw(&q, &sc, dl, 0)
	score := s.finalize(raw, &q, sc.touched)

	var reason string
	switch matched {
	case 0:
		reason = "BM25: no term matches"
	case 1:
		reason = "BM25: matched '" + q.terms[sc.touched[0]] + "'"
	default:
		var b strings.Builder
		b.WriteString("BM25: matched ")
		b.WriteString(strconv.Itoa(matched))
		b.WriteString(" terms (")
		for i, t := range sc.touched[:min(matched, reasonPreview)] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(q.terms[t])
		}
		if matched > reasonPreview {
			b.WriteString("...")
		}
		b.WriteByte(')')
		reason = b.String()
	}
	return newResult(score, reason, q.termList(sc.touched[:min(matched, maxMatchedSingle)]))
}

// ScoreBatch implements [Scorer]. With a context that has no tokens every
// item scores 0 with reason "BM25: empty context".
func (s *BM25) ScoreBatch(items []string, context string) []Result {
	out := make([]Result, len(items))
	q := newQuery(context)
	if len(q.terms) == 0 {
		for i := range out {
			out[i] = Result{Reason: "BM25: empty context"}
		}
		return out
	}

	// First pass: token counts (for the mean length) and each item's matched
	// terms with their frequencies, kept flat to avoid a map per item.
	var sc scratch
	sc.reset(len(q.terms))
	lens := make([]int, len(items))
	offsets := make([]int, len(items)+1)
	var hits []hit
	total := 0
	for i, item := range items {
		lens[i] = q.scan(item, &sc)
		total += lens[i]
		for _, t := range sc.touched {
			hits = append(hits, hit{term: t, freq: sc.counts[t]})
		}
		offsets[i+1] = len(hits)
		sc.clear()
	}
	avg := float64(total) / float64(max(len(items), 1))

	// One backing array for every item's truncated MatchedTerms.
	nTerms := 0
	for i := range items {
		nTerms += min(offsets[i+1]-offsets[i], maxMatchedBatch)
	}
	terms := make([]string, 0, nTerms)

	for i := range items {
		itemHits := hits[offsets[i]:offsets[i+1]]
		if len(itemHits) == 0 || lens[i] == 0 {
			out[i] = Result{Reason: "BM25: no matches"}
			continue
		}
		sc.touched = sc.touched[:0]
		for _, h := range itemHits {
			sc.counts[h.term] = h.freq
			sc.touched = append(sc.touched, h.term)
		}
		raw, matched := s.raw(&q, &sc, lens[i], avg)
		score := s.finalize(raw, &q, sc.touched)
		start := len(terms)
		for _, t := range sc.touched[:min(matched, maxMatchedBatch)] {
			terms = append(terms, q.terms[t])
		}
		out[i] = newResult(score, "BM25: "+strconv.Itoa(matched)+" terms", terms[start:len(terms):len(terms)])
		sc.clear()
	}
	return out
}

// raw computes the unnormalised score of a document of dl tokens whose
// matched term indices (ascending, hence byte order) and frequencies are in
// sc. avgLen <= 0 means "use dl", as for a single item.
//
// The arithmetic is spelled out in the reference's evaluation order, with
// explicit float64 conversions so no platform fuses a multiply and an add:
// fixtures pin these values bit for bit.
func (s *BM25) raw(q *query, sc *scratch, dl int, avgLen float64) (float64, int) {
	if dl == 0 || len(sc.touched) == 0 {
		return 0, 0
	}
	docLen := float64(dl)
	avgdl := avgLen
	if !(avgdl > 0) {
		avgdl = docLen
	}
	k1, b := s.p.K1, s.p.B
	lengthNorm := (1 - b) + float64(b*docLen)/avgdl
	score := 0.0
	for _, t := range sc.touched {
		f := float64(sc.counts[t])
		num := float64(f * (k1 + 1))
		den := f + float64(k1*lengthNorm)
		termScore := float64(math.Ln2*num) / den
		score += float64(termScore * float64(q.qf[t]))
	}
	return score, len(sc.touched)
}

// finalize normalises raw and applies the long-term bonus.
func (s *BM25) finalize(raw float64, q *query, matched []int) float64 {
	score := raw
	if s.p.Normalize {
		score = min(raw/s.p.MaxScore, 1)
	}
	for _, t := range matched {
		if len(q.terms[t]) >= longTermBytes {
			score = min(score+longTermBonus, 1)
			break
		}
	}
	return score
}

// query is a tokenized context: its distinct terms in byte order, their
// counts, and a lookup from term to position.
type query struct {
	terms []string
	qf    []int
	index map[string]int
}

func newQuery(context string) query {
	type termCount struct {
		term  string
		count int
	}
	var tc []termCount
	seen := make(map[string]int)
	eachToken(lowerForTokens(context), func(tok string) {
		if i, ok := seen[tok]; ok {
			tc[i].count++
			return
		}
		seen[tok] = len(tc)
		tc = append(tc, termCount{tok, 1})
	})
	slices.SortFunc(tc, func(a, b termCount) int { return strings.Compare(a.term, b.term) })
	q := query{terms: make([]string, len(tc)), qf: make([]int, len(tc)), index: seen}
	for i, e := range tc {
		q.terms[i], q.qf[i] = e.term, e.count
		seen[e.term] = i
	}
	return q
}

// termList copies the terms at the given indices.
func (q *query) termList(idx []int) []string {
	if len(idx) == 0 {
		return nil
	}
	out := make([]string, len(idx))
	for i, t := range idx {
		out[i] = q.terms[t]
	}
	return out
}

// scan tokenizes doc, records in sc how often each query term occurs (with
// sc.touched sorted ascending) and returns the token count. sc must be clear.
func (q *query) scan(doc string, sc *scratch) int {
	n := 0
	if len(q.terms) == 0 {
		eachToken(lowerForTokens(doc), func(string) { n++ })
		return n
	}
	record := func(i int, ok bool) {
		n++
		if !ok {
			return
		}
		if sc.counts[i] == 0 {
			sc.touched = append(sc.touched, i)
		}
		sc.counts[i]++
	}
	if ascii, upper := classifyASCII(doc); !ascii || !upper {
		eachToken(lowerForTokens(doc), func(tok string) {
			i, ok := q.index[tok]
			record(i, ok)
		})
	} else {
		// ASCII with capitals: lowercasing maps bytes one to one and keeps
		// every byte's word/hex class, so the tokens of the lowered text are
		// the lowered tokens of the original. Lowering each token into a
		// reused buffer avoids copying the whole item.
		eachToken(doc, func(tok string) {
			sc.buf = pycompat.AppendASCIILower(sc.buf[:0], tok)
			i, ok := q.index[string(sc.buf)]
			record(i, ok)
		})
	}
	slices.Sort(sc.touched)
	return n
}

// hit is one matched term of one batch item.
type hit struct {
	term, freq int
}

// scratch holds per-document term counts, reused across a batch.
type scratch struct {
	counts  []int // by query term index
	touched []int // indices with counts > 0
	buf     []byte
}

func (sc *scratch) reset(nTerms int) {
	sc.counts = make([]int, nTerms)
	sc.touched = sc.touched[:0]
}

func (sc *scratch) clear() {
	for _, t := range sc.touched {
		sc.counts[t] = 0
	}
	sc.touched = sc.touched[:0]
}

// classifyASCII reports whether s is all ASCII and whether it has capitals.
func classifyASCII(s string) (ascii, upper bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return false, upper
		}
		if 'A' <= c && c <= 'Z' {
			upper = true
		}
	}
	return true, upper
}
