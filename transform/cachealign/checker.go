package cachealign

import (
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/headroom-go/headroom/internal/jsonx"
)

// Report is what Check returns. The messages are not part of it: Check
// never changes them.
type Report struct {
	// Findings are the volatile tokens in unfrozen system messages, in
	// message order.
	Findings []Finding
	// Warnings holds one customer-facing line when anything was found,
	// naming the count per label, else is empty. Callers log it.
	Warnings []string
	// Tokens counts the messages (0 without a Counter); the reference
	// reports it as both tokens_before and tokens_after.
	Tokens       int
	CacheMetrics CacheMetrics
	// MarkersInserted is ["stable_prefix_hash:" + hash], as the reference
	// reports it.
	MarkersInserted []string
}

// Checker is the reference's current, detect-only CacheAligner: it reports
// volatile content in system messages and the stability of the system
// text across requests, and never rewrites anything. It remembers the
// previous request's hash (one Checker per conversation stream, or one per
// proxy as the reference does) and is safe for concurrent use.
type Checker struct {
	counter Counter

	mu       sync.Mutex
	prevHash string
}

// NewChecker returns a checker. counter may be nil, in which case nothing
// is tokenized and the token fields of reports stay zero; the proxy passes
// nil to keep the check cheap.
func NewChecker(counter Counter) *Checker { return &Checker{counter: counter} }

// Check inspects a chat message array. Volatile tokens are looked for in
// the string content of system messages at index >= frozen; the stable
// hash covers the content of every system message with string content,
// joined by "\n---\n" and not stripped. messages must be an array of
// objects; it is only read.
func (c *Checker) Check(messages jsonx.Value, frozen int) (Report, error) {
	if err := checkMessages(messages); err != nil {
		return Report{}, err
	}
	var rep Report
	if c.counter != nil {
		n, err := c.counter.CountMessages(messages)
		if err != nil {
			return Report{}, err
		}
		rep.Tokens = n
	}
	items := messages.Items()
	for i := max(frozen, 0); i < len(items); i++ {
		if !isRole(items[i], "system") {
			continue
		}
		if content, ok := presentString(items[i], "content"); ok && content != "" {
			rep.Findings = append(rep.Findings, DetectVolatile(content)...)
		}
	}
	rep.Warnings = []string{}
	if len(rep.Findings) > 0 {
		rep.Warnings = append(rep.Warnings, volatileWarning(rep.Findings))
	}

	var b strings.Builder
	first := true
	for _, m := range items {
		if !isRole(m, "system") {
			continue
		}
		if content, ok := presentString(m, "content"); ok {
			if !first {
				b.WriteString(prefixPartSeparator)
			}
			first = false
			b.WriteString(content)
		}
	}
	text := b.String()
	hash := shortHash(text)
	rep.CacheMetrics = CacheMetrics{StablePrefixBytes: len(text), StablePrefixHash: hash}
	if c.counter != nil {
		rep.CacheMetrics.StablePrefixTokensEst = c.counter.CountText(text)
	}
	c.mu.Lock()
	prev := c.prevHash
	c.prevHash = hash
	c.mu.Unlock()
	rep.CacheMetrics.PreviousHash = prev
	rep.CacheMetrics.PrefixChanged = prev != "" && prev != hash
	rep.MarkersInserted = []string{markerPrefix + hash}
	return rep, nil
}

// presentString returns the field when it is present and a string.
func presentString(m jsonx.Value, key string) (string, bool) {
	v, ok := m.Get(key)
	if !ok {
		return "", false
	}
	return v.Str()
}

// volatileWarning words the reference's warning, counts sorted by label.
func volatileWarning(findings []Finding) string {
	counts := make(map[string]int)
	for _, f := range findings {
		counts[f.Label]++
	}
	labels := make([]string, 0, len(counts))
	for l := range counts {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	var b strings.Builder
	b.WriteString("CacheAligner: detected volatile content in system prompt (")
	for i, l := range labels {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(l)
		b.WriteByte('=')
		b.WriteString(strconv.Itoa(counts[l]))
	}
	b.WriteString("); cache prefix unstable. Move dynamic values out of the system prompt to recover cache hits.")
	return b.String()
}
