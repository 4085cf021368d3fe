package cachealign

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/headroom-go/headroom/internal/pycompat"
)

// Category is the kind of dynamic content a span holds. The values are the
// reference's category names, which appear in its logs and statistics.
type Category string

// The categories the regex tier can report.
const (
	CategoryDate       Category = "date"
	CategoryTime       Category = "time"
	CategoryDatetime   Category = "datetime"
	CategoryTimestamp  Category = "timestamp"
	CategoryUUID       Category = "uuid"
	CategoryRequestID  Category = "request_id"
	CategoryVersion    Category = "version"
	CategorySession    Category = "session"
	CategoryUserData   Category = "user_data"
	CategoryIdentifier Category = "identifier"
	CategoryVolatile   Category = "volatile"
	CategoryUnknown    Category = "unknown"
)

// Span is one piece of dynamic content found in a text.
type Span struct {
	// Text is the dynamic value as it is reinserted: the matched text, or
	// for a "Label: value" match the value with surrounding whitespace
	// stripped.
	Text string
	// Start and End are the byte offsets of the range removed from the
	// text (for a structural match, the unstripped value).
	Start, End int
	Category   Category
	// Confidence is 1 for universal patterns, 0.9 for structural matches
	// and the normalised entropy for high-entropy tokens.
	Confidence float64
	// Pattern names the rule that matched: a universal pattern name
	// ("uuid", "iso_date", ...), "structural" or "entropy".
	Pattern string
}

// Detection is the result of Detector.Detect.
type Detection struct {
	// Spans are sorted by Start and never overlap.
	Spans []Span
	// Static is the text with every span removed and the reference's
	// line cleanup applied; it equals the input when Spans is empty.
	Static string
}

// DefaultLabels are the "Label: value" labels whose value the structural
// rule treats as dynamic, in the order the rule tries them.
var DefaultLabels = []string{
	"date", "time", "timestamp", "datetime", "created", "updated", "modified",
	"expires", "last", "current", "today", "now",
	"id", "uuid", "guid", "session", "request", "trace", "span", "transaction",
	"correlation", "token", "key", "secret",
	"user", "username", "email", "name", "phone", "address", "customer",
	"client", "employee", "member",
	"version", "build", "commit", "branch", "revision", "status", "state",
	"count", "total", "balance", "remaining", "load", "queue", "active", "pending",
	"order", "ticket", "case", "invoice", "reference",
}

// labelCategories maps a lowercased label to its category; a label not
// listed (such as "last" or an extra label) is CategoryUnknown.
var labelCategories = func() map[string]Category {
	m := make(map[string]Category)
	add := func(c Category, labels ...string) {
		for _, l := range labels {
			m[l] = c
		}
	}
	add(CategoryDate, "date", "datetime", "created", "updated", "modified", "expires", "today")
	add(CategoryTimestamp, "time", "timestamp", "now")
	add(CategoryDatetime, "current")
	add(CategoryUUID, "id", "uuid", "guid")
	add(CategorySession, "session", "request", "trace", "span", "transaction", "correlation")
	add(CategoryRequestID, "token", "key", "secret", "order", "ticket", "case", "invoice", "reference")
	add(CategoryUserData, "user", "username", "email", "name", "phone", "address", "customer", "client", "employee", "member")
	add(CategoryVersion, "version", "build", "commit", "branch", "revision")
	add(CategoryVolatile, "status", "state", "count", "total", "balance", "remaining", "load", "queue", "active", "pending")
	return m
}()

const (
	// minSpanRunes is the reference's min_span_length, in code points.
	minSpanRunes = 2
	// minEntropyRunes is the reference's min_entropy_length.
	minEntropyRunes = 8
	// DefaultEntropyThreshold is the normalised entropy at or above which
	// a mixed letter/digit token counts as a generated identifier.
	DefaultEntropyThreshold = 0.7
)

// entropyStopwords look random enough to pass the entropy test but are
// ordinary words.
var entropyStopwords = [...]string{"username", "password", "localhost", "undefined"}

// Detector finds dynamic content (dates, identifiers, "Label: value"
// pairs, random-looking tokens) in text: the regex tier of the
// reference's DynamicContentDetector, with Python's regex semantics
// (Unicode \d, \w, \s and \b, look-around, case-insensitive labels)
// reproduced exactly. A Detector is immutable and safe for concurrent use.
type Detector struct {
	labels           []label
	byASCIIKey       [utf8.RuneSelf][]int // label indexes by an ASCII foldKey of the first rune
	byKey            map[rune][]int       // the same for non-ASCII keys
	emptyLabels      []int                // labels that match the empty string
	entropyThreshold float64
}

type label struct {
	runes []ignoreCaseRune
}

// NewDetector builds a detector whose structural rule knows DefaultLabels
// followed by extraLabels (matched literally, case-insensitively), and
// whose entropy rule fires at entropyThreshold (DefaultEntropyThreshold is
// the reference default). It fails on a threshold that is not a finite
// number or on a label that is not valid UTF-8.
func NewDetector(extraLabels []string, entropyThreshold float64) (*Detector, error) {
	if math.IsNaN(entropyThreshold) || math.IsInf(entropyThreshold, 0) {
		return nil, fmt.Errorf("cachealign: entropy threshold %v is not a finite number", entropyThreshold)
	}
	d := &Detector{byKey: make(map[rune][]int), entropyThreshold: entropyThreshold}
	all := make([]string, 0, len(DefaultLabels)+len(extraLabels))
	all = append(append(all, DefaultLabels...), extraLabels...)
	for i, l := range all {
		if !utf8.ValidString(l) {
			return nil, fmt.Errorf("cachealign: dynamic label %q is not valid UTF-8", l)
		}
		var lb label
		for _, r := range l {
			lb.runes = append(lb.runes, ignoreCaseRune{r: r, cased: isCased(r), key: foldKey(r)})
		}
		d.labels = append(d.labels, lb)
		if len(lb.runes) == 0 {
			d.emptyLabels = append(d.emptyLabels, i)
			continue
		}
		if k := lb.runes[0].key; k < utf8.RuneSelf {
			d.byASCIIKey[k] = append(d.byASCIIKey[k], i)
		} else {
			d.byKey[k] = append(d.byKey[k], i)
		}
	}
	return d, nil
}

// Detect finds the dynamic spans of content and the static text left when
// they are removed. Universal patterns claim text first, then structural
// "Label: value" matches, then high-entropy tokens; a later rule never
// claims text overlapping an earlier claim.
func (d *Detector) Detect(content string) Detection {
	spans := d.spans(content)
	if len(spans) == 0 {
		return Detection{Static: content}
	}
	return Detection{Spans: spans, Static: removeSpans(content, spans)}
}

func (d *Detector) spans(content string) []Span {
	var spans []Span
	var claimed claims
	var ums [32]universalMatch
	matches := universalMatches(content, ums[:0])
	for k, p := range universalPatterns {
		for _, m := range matches {
			if m.pattern != k || utf8.RuneCountInString(content[m.start:m.end]) < minSpanRunes || !claimed.add(m.start, m.end) {
				continue
			}
			spans = append(spans, Span{
				Text: content[m.start:m.end], Start: m.start, End: m.end,
				Category: p.category, Confidence: 1, Pattern: p.name,
			})
		}
	}
	for pos := 0; pos <= len(content); {
		m, ok := d.findStructural(content, pos)
		if !ok {
			break
		}
		pos = m.end
		if claimed.overlaps(m.start, m.end) {
			continue
		}
		value := content[m.valueStart:m.valueEnd]
		if utf8.RuneCountInString(value) < minSpanRunes || pyBlank(value) {
			continue
		}
		claimed.add(m.valueStart, m.valueEnd)
		spans = append(spans, Span{
			Text: pyStrip(value), Start: m.valueStart, End: m.valueEnd,
			Category: labelCategory(content[m.start:m.labelEnd]), Confidence: 0.9, Pattern: "structural",
		})
	}
	for pos := 0; pos < len(content); {
		start, end := findFrom(content, pos, matchEntropyCandidate)
		if start < 0 {
			break
		}
		pos = end
		if claimed.overlaps(start, end) {
			continue
		}
		text := content[start:end]
		if len(text) < minEntropyRunes || allASCIILetters(text) || allASCIIDigits(text) || isEntropyStopword(text) {
			continue
		}
		if e := normalizedEntropy(text); e >= d.entropyThreshold {
			claimed.add(start, end)
			spans = append(spans, Span{
				Text: text, Start: start, End: end,
				Category: CategoryIdentifier, Confidence: e, Pattern: "entropy",
			})
		}
	}
	// Claimed ranges are disjoint and non-empty, so starts are distinct.
	slices.SortFunc(spans, func(a, b Span) int { return a.Start - b.Start })
	return spans
}

// claims is the set of claimed [start, end) ranges, kept sorted by start.
// Claimed ranges never overlap, so a range overlaps the set exactly when
// it overlaps the last claim starting before its end.
type claims []claimRange

type claimRange struct{ start, end int }

func (c claims) overlaps(start, end int) bool {
	i := sort.Search(len(c), func(i int) bool { return c[i].start >= end })
	return i > 0 && c[i-1].end > start
}

// add claims [start, end) unless it overlaps; it reports whether it did.
func (c *claims) add(start, end int) bool {
	if c.overlaps(start, end) {
		return false
	}
	i := sort.Search(len(*c), func(i int) bool { return (*c)[i].start >= end })
	*c = slices.Insert(*c, i, claimRange{start, end})
	return true
}

// structuralMatch is one match of
// (?P<label>L1|L2|…)(?P<sep>\s*[:=]\s*|\s+)(?P<value>[^\n,;]+) under
// re.IGNORECASE.
type structuralMatch struct {
	start, end           int
	labelEnd             int
	valueStart, valueEnd int
}

// findStructural returns the leftmost structural match starting at or after
// from; at one offset the labels are tried in list order, as the regex
// alternation does.
func (d *Detector) findStructural(s string, from int) (structuralMatch, bool) {
	var merged []int
	for i := from; i < len(s); {
		r, w := runeAt(s, i)
		var cand []int
		if k := foldKey(r); k < utf8.RuneSelf {
			cand = d.byASCIIKey[k]
		} else {
			cand = d.byKey[k]
		}
		if len(d.emptyLabels) > 0 {
			merged = append(append(merged[:0], cand...), d.emptyLabels...)
			slices.Sort(merged)
			cand = merged
		}
		for _, li := range cand {
			// Most candidates already fail on their second rune; decide
			// that inline for ASCII before the full match.
			if rs := d.labels[li].runes; len(rs) > 1 && rs[1].r < utf8.RuneSelf && i+1 < len(s) {
				if c := s[i+1]; c < utf8.RuneSelf {
					if rs[1].cased && 'A' <= c && c <= 'Z' {
						c += 'a' - 'A'
					}
					if rune(c) != rs[1].key {
						continue
					}
				}
			}
			if m, ok := d.matchLabelAt(s, i, li); ok {
				return m, true
			}
		}
		i += w
	}
	// An empty label can still match at the very end of the text only if
	// a separator and a value follow, which nothing does there.
	return structuralMatch{}, false
}

func (d *Detector) matchLabelAt(s string, i, li int) (structuralMatch, bool) {
	j := i
	for _, p := range d.labels[li].runes {
		if j >= len(s) {
			return structuralMatch{}, false
		}
		// ASCII on both sides: compare lowercase bytes. Non-ASCII text
		// (Kelvin sign, long s, dotted and dotless i) takes the full path.
		if c := s[j]; c < utf8.RuneSelf && p.r < utf8.RuneSelf {
			if p.cased && 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if rune(c) != p.key { // an uncased ASCII key is the rune itself
				return structuralMatch{}, false
			}
			j++
			continue
		}
		r, w := runeAt(s, j)
		if !p.matches(r) {
			return structuralMatch{}, false
		}
		j += w
	}
	vs, ve, ok := matchSeparatorValue(s, j)
	if !ok {
		return structuralMatch{}, false
	}
	return structuralMatch{start: i, end: ve, labelEnd: j, valueStart: vs, valueEnd: ve}, true
}

func isValueStop(r rune) bool { return r == '\n' || r == ',' || r == ';' }

// valueEnd is the greedy end of [^\n,;]+ starting at i (i itself accepted).
func valueEnd(s string, i int) int {
	for {
		r, w := runeAt(s, i)
		if r < 0 || isValueStop(r) {
			return i
		}
		i += w
	}
}

func whitespaceRunEnd(s string, i int) int {
	for {
		r, w := runeAt(s, i)
		if r < 0 || !isWhitespaceRune(r) {
			return i
		}
		i += w
	}
}

// valueAfterWhitespace matches [^\n,;]+ right after a greedy whitespace
// run [lo, hi) that the engine may give back down to lo: the value starts
// at hi if a value rune is there, else at the last run rune that is not a
// newline (the only whitespace a value cannot start with).
func valueAfterWhitespace(s string, lo, hi int) (int, int, bool) {
	if r, _ := runeAt(s, hi); r >= 0 && !isValueStop(r) {
		return hi, valueEnd(s, hi), true
	}
	for j := hi; j > lo; {
		r, w := utf8.DecodeLastRuneInString(s[lo:j])
		j -= w
		if r != '\n' {
			return j, valueEnd(s, j), true
		}
	}
	return 0, 0, false
}

// matchSeparatorValue matches (?:\s*[:=]\s*|\s+) then the value at i and
// returns the value range. The whitespace before [:=] can never be given
// back usefully (a whitespace rune is not ':' or '='), so only the run
// after the colon and the \s+ alternative can back off.
func matchSeparatorValue(s string, i int) (int, int, bool) {
	w1 := whitespaceRunEnd(s, i)
	if byteAt(s, w1, ':') || byteAt(s, w1, '=') {
		w2 := whitespaceRunEnd(s, w1+1)
		if vs, ve, ok := valueAfterWhitespace(s, w1+1, w2); ok {
			return vs, ve, true
		}
	}
	if w1 > i {
		// \s+ must keep at least one whitespace rune.
		_, first := runeAt(s, i)
		return valueAfterWhitespace(s, i+first, w1)
	}
	return 0, 0, false
}

// matchEntropyCandidate: \b[a-zA-Z0-9_-]{8,}\b, backing off from the
// longest run until the closing boundary holds ('-' is not a word
// character, so the boundary can fall inside the run).
func matchEntropyCandidate(s string, i int) int {
	if i >= len(s) || !isB64URLByte(s[i]) || !atWordBoundary(s, i) {
		return -1
	}
	e := i
	for e < len(s) && isB64URLByte(s[e]) {
		e++
	}
	for ; e-i >= minEntropyRunes; e-- {
		if atWordBoundary(s, e) {
			return e
		}
	}
	return -1
}

func allASCIILetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return s != ""
}

func allASCIIDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isEntropyStopword(s string) bool {
	for _, w := range entropyStopwords {
		if strings.EqualFold(s, w) {
			return true
		}
	}
	return false
}

// normalizedEntropy is the Shannon entropy (bits) of s's characters divided
// by log2(len(s)). Terms are summed in order of first appearance, as the
// reference's dict iteration does, so the float result matches bit for bit
// whenever the logarithms do. s is ASCII here.
func normalizedEntropy(s string) float64 {
	if s == "" {
		return 0
	}
	var counts [128]int
	var order [128]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i] & 0x7f
		if counts[c] == 0 {
			order[n] = c
			n++
		}
		counts[c]++
	}
	length := float64(len(s))
	entropy := 0.0
	for _, c := range order[:n] {
		p := float64(counts[c]) / length
		entropy -= p * math.Log2(p)
	}
	maxEntropy := 1.0
	if len(s) > 1 {
		maxEntropy = math.Log2(length)
	}
	return entropy / maxEntropy
}

// removeSpans deletes the span ranges from content and applies the
// detector's cleanup: a blank line right after a blank line is dropped,
// kept lines lose trailing whitespace, and the result is stripped.
func removeSpans(content string, spans []Span) string {
	var b strings.Builder
	b.Grow(len(content))
	prev := 0
	for _, s := range spans {
		b.WriteString(content[prev:s.Start])
		prev = s.End
	}
	b.WriteString(content[prev:])
	return cleanStatic(b.String())
}

func cleanStatic(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	prevBlank, first := false, true
	for line := range strings.SplitSeq(s, "\n") {
		blank := pyBlank(line)
		if blank && prevBlank {
			continue
		}
		if !first {
			b.WriteByte('\n')
		}
		first = false
		b.WriteString(pyRStrip(line))
		prevBlank = blank
	}
	return pyStrip(b.String())
}

// labelCategory categorises a structural match by its label text as
// matched, lowercased with Python's full mapping: "DATE" is a date label,
// while "İd" (which the case-insensitive match accepts for "id") lowercases
// to "i̇d" and is unknown, as in the reference.
func labelCategory(matched string) Category {
	if c, ok := labelCategories[pycompat.RustLower(matched)]; ok {
		return c
	}
	return CategoryUnknown
}
