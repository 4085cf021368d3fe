package cachealign

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	"github.com/headroom-go/headroom/internal/jsonx"
)

// TransformName is the name the aligner reports in TransformsApplied when
// it moved dynamic content.
const TransformName = "cache_align"

// markerPrefix prefixes the stable prefix hash in MarkersInserted.
const markerPrefix = "stable_prefix_hash:"

// prefixPartSeparator joins the static parts of leading system messages.
const prefixPartSeparator = "\n---\n"

// stableHashHexLen is how many hex digits of SHA-256 name a stable prefix.
const stableHashHexLen = 16

// Note layout: up to noteInlineMax values are joined on one line, more
// become a bulleted list.
const noteInlineMax = 3

// CacheMetrics describes the stable prefix of one request.
type CacheMetrics struct {
	// StablePrefixBytes is the UTF-8 length of the stable prefix text.
	StablePrefixBytes int
	// StablePrefixTokensEst is its token count (0 without a Counter).
	StablePrefixTokensEst int
	// StablePrefixHash is the first 16 hex digits of its SHA-256.
	StablePrefixHash string
	// PrefixChanged reports that a previous request was seen and its
	// hash differs.
	PrefixChanged bool
	// PreviousHash is the previous request's hash; "" on the first
	// request.
	PreviousHash string
}

// Result is what Apply returns: the reference's TransformResult fields.
type Result struct {
	// Messages is the aligned message array. Messages that did not change
	// share their values with the input.
	Messages jsonx.Value
	// TokensBefore and TokensAfter count the input and output messages
	// (0 without a Counter).
	TokensBefore, TokensAfter int
	// TransformsApplied is [TransformName] when dynamic content was moved,
	// else empty.
	TransformsApplied []string
	// MarkersInserted is ["stable_prefix_hash:" + hash].
	MarkersInserted []string
	// Warnings is always empty for Apply; it exists so Result mirrors the
	// reference's result.
	Warnings []string
	// Detected counts the moved spans by category.
	Detected     map[Category]int
	CacheMetrics CacheMetrics
}

// Aligner is the fixture-era rewriting cache aligner. It remembers the
// stable prefix hash of the previous request to report PrefixChanged, so
// one Aligner should serve one conversation stream; it is safe for
// concurrent use.
type Aligner struct {
	cfg     Config
	det     *Detector // nil when no detection tier is configured
	counter Counter

	mu       sync.Mutex
	prevHash string
}

// New validates cfg and builds an aligner. counter may be nil, in which
// case nothing is tokenized and the token fields of results stay zero.
func New(cfg Config, counter Counter) (*Aligner, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	a := &Aligner{cfg: cfg, counter: counter}
	if len(cfg.DetectionTiers) > 0 {
		d, err := NewDetector(cfg.ExtraDynamicLabels, cfg.EntropyThreshold)
		if err != nil {
			return nil, err
		}
		a.det = d
	}
	return a, nil
}

// Apply aligns a chat message array for prefix caching, as the reference's
// CacheAligner.apply(messages, tokenizer, frozen_message_count=frozen):
//
//  1. in every system message at index >= frozen whose content is a
//     string, detected dynamic spans are cut out and the rest is cleaned;
//  2. with NormalizeWhitespace, every message at index >= frozen with
//     string content has its line endings and trailing spaces normalised;
//  3. the static parts of the leading system messages are hashed as the
//     stable prefix (compared with the previous call's hash);
//  4. the cut values are appended to the last system message after the
//     tail separator.
//
// Messages must be an array of objects; anything else is an error and
// the aligner's state is left unchanged.
func (a *Aligner) Apply(messages jsonx.Value, frozen int) (Result, error) {
	if err := checkMessages(messages); err != nil {
		return Result{}, err
	}
	var res Result
	if a.counter != nil {
		n, err := a.counter.CountMessages(messages)
		if err != nil {
			return Result{}, err
		}
		res.TokensBefore = n
	}
	out := append([]jsonx.Value(nil), messages.Items()...)
	var extracted []string
	for i := max(frozen, 0); i < len(out); i++ {
		m := out[i]
		if !isRole(m, "system") || a.det == nil {
			continue
		}
		content, ok := stringField(m, "content", "")
		if !ok {
			continue
		}
		det := a.det.Detect(content)
		if len(det.Spans) == 0 {
			continue
		}
		if res.Detected == nil {
			res.Detected = make(map[Category]int)
		}
		for _, s := range det.Spans {
			extracted = append(extracted, s.Text)
			res.Detected[s.Category]++
		}
		out[i] = setField(m, "content", jsonx.StringValue(cleanupEmptyLines(det.Static)))
	}
	if a.cfg.NormalizeWhitespace {
		for i := max(frozen, 0); i < len(out); i++ {
			c, ok := out[i].Get("content")
			if !ok {
				continue
			}
			s, ok := c.Str()
			if !ok {
				continue
			}
			if n := normalizeWhitespace(s, a.cfg.CollapseBlankLines); n != s {
				out[i] = setField(out[i], "content", jsonx.StringValue(n))
			}
		}
	}

	prefix := a.stablePrefix(out)
	hash := shortHash(prefix)
	res.CacheMetrics = CacheMetrics{StablePrefixBytes: len(prefix), StablePrefixHash: hash}
	if a.counter != nil {
		res.CacheMetrics.StablePrefixTokensEst = a.counter.CountText(prefix)
	}
	res.CacheMetrics.PreviousHash, res.CacheMetrics.PrefixChanged = a.swapHash(hash)

	res.TransformsApplied = []string{}
	if len(extracted) > 0 {
		a.reinsert(out, extracted)
		res.TransformsApplied = append(res.TransformsApplied, TransformName)
	}
	res.Messages = jsonx.ArrayValue(out)
	if a.counter != nil {
		n, err := a.counter.CountMessages(res.Messages)
		if err != nil {
			return Result{}, err
		}
		res.TokensAfter = n
	}
	res.Warnings = []string{}
	res.MarkersInserted = []string{markerPrefix + hash}
	return res, nil
}

// swapHash records hash as the latest and returns the previous one and
// whether it differs.
func (a *Aligner) swapHash(hash string) (prev string, changed bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	prev, a.prevHash = a.prevHash, hash
	return prev, prev != "" && prev != hash
}

// stablePrefix joins the stripped text before the tail separator of each
// leading system message; system messages without string content are
// skipped and the first other message ends the prefix.
func (a *Aligner) stablePrefix(msgs []jsonx.Value) string {
	var parts []string
	for _, m := range msgs {
		if !isRole(m, "system") {
			break
		}
		content, ok := stringField(m, "content", "")
		if !ok {
			continue
		}
		if i := strings.Index(content, a.cfg.DynamicTailSeparator); i >= 0 {
			content = content[:i]
		}
		parts = append(parts, pyStrip(content))
	}
	return strings.Join(parts, prefixPartSeparator)
}

// reinsert appends the dynamic values to the last system message, if its
// content is a string (a missing content reads as "").
func (a *Aligner) reinsert(msgs []jsonx.Value, values []string) {
	var note string
	if len(values) <= noteInlineMax {
		note = strings.Join(values, ", ")
	} else {
		var b strings.Builder
		for i, v := range values {
			if i > 0 {
				b.WriteByte('\n')
			}
			b.WriteString("- ")
			b.WriteString(v)
		}
		note = b.String()
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if !isRole(msgs[i], "system") {
			continue
		}
		if content, ok := stringField(msgs[i], "content", ""); ok {
			msgs[i] = setField(msgs[i], "content", jsonx.StringValue(pyStrip(content)+a.cfg.DynamicTailSeparator+note))
		}
		return
	}
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:stableHashHexLen]
}

func checkMessages(messages jsonx.Value) error {
	if messages.Kind() != jsonx.Array {
		return fmt.Errorf("cachealign: messages must be an array, got %s", messages.Kind())
	}
	for i, m := range messages.Items() {
		if m.Kind() != jsonx.Object {
			return fmt.Errorf("cachealign: message %d is %s, not an object", i, m.Kind())
		}
	}
	return nil
}

// isRole is msg.get("role") == role.
func isRole(m jsonx.Value, role string) bool {
	v, ok := m.Get("role")
	if !ok {
		return false
	}
	s, ok := v.Str()
	return ok && s == role
}

// stringField is msg.get(key, def) when the result is a str; ok is false
// when the key holds anything else (including null).
func stringField(m jsonx.Value, key, def string) (string, bool) {
	v, present := m.Get(key)
	if !present {
		return def, true
	}
	return v.Str()
}

// setField returns a copy of object m with key set to v, in place if the
// key exists and appended otherwise (Python dict assignment order).
func setField(m jsonx.Value, key string, v jsonx.Value) jsonx.Value {
	old := m.Members()
	members := make([]jsonx.Member, len(old), len(old)+1)
	copy(members, old)
	for i := range members {
		if members[i].Key == key {
			members[i].Value = v
			return jsonx.ObjectValue(members)
		}
	}
	return jsonx.ObjectValue(append(members, jsonx.Member{Key: key, Value: v}))
}

// cleanupEmptyLines is the aligner's own pass over the detector's static
// text: whitespace-only lines go, runs of empty lines collapse to one, and
// the result is stripped.
func cleanupEmptyLines(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	prevEmpty, first := false, true
	for line := range strings.SplitSeq(s, "\n") {
		if line != "" && pyBlank(line) {
			continue
		}
		empty := line == ""
		if empty && prevEmpty {
			continue
		}
		if !first {
			b.WriteByte('\n')
		}
		first = false
		b.WriteString(line)
		prevEmpty = empty
	}
	return pyStrip(b.String())
}

// normalizeWhitespace turns CRLF and lone CR into LF, strips trailing
// whitespace from each line and, with collapse, drops a blank line that
// follows another. The text is not stripped as a whole.
func normalizeWhitespace(s string, collapse bool) string {
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	var b strings.Builder
	b.Grow(len(s))
	prevBlank, first := false, true
	for line := range strings.SplitSeq(s, "\n") {
		line = pyRStrip(line)
		blank := line == ""
		if collapse && blank && prevBlank {
			continue
		}
		if !first {
			b.WriteByte('\n')
		}
		first = false
		b.WriteString(line)
		prevBlank = blank
	}
	return b.String()
}
