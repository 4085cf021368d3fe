package retrieve

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/headroom-go/headroom/internal/jsonx"
)

// The bracket markers the reference's scanner recognises, in the order it
// tries them. Python's \d and \w are Unicode-aware, so they are spelled out
// as Unicode classes: Go's \d and \w are ASCII-only.
var markerPatterns = [...]*regexp.Regexp{
	// "[N items compressed to M. Retrieve more: hash=H]" (Kompress, log, search)
	regexp.MustCompile(`\[(\p{Nd}+) [\p{L}\p{N}_]+ compressed to (\p{Nd}+)\. Retrieve more: hash=([a-f0-9]{24})\]`),
	// "[N items compressed. hash=H]"
	regexp.MustCompile(`\[(\p{Nd}+) [\p{L}\p{N}_]+ compressed\. hash=([a-f0-9]{24})\]`),
	// anything bracketed that says "compressed" and ends in hash=H (diff)
	regexp.MustCompile(`(?i)\[.*?compressed.*?hash=([a-f0-9]{24})\]`),
}

const ccrMarkerOpen = "<<ccr:"

// Minimum and maximum hex lengths of a <<ccr:…>> marker's hash: 12 for the
// SHA-256 row-drop and blob markers, 24 for BLAKE3 content keys.
const (
	minMarkerHash = 12
	maxMarkerHash = 24
)

// ScanText appends to dst the hashes of the retrieval markers in text that
// dst does not hold yet, and returns the extended slice. Patterns are tried
// in the reference's order, each over the whole text, so the order of the
// result matches the reference's "first five hashes" lists.
//
// Markers whose hash is followed by "." (the code compressor's
// "… hash=H. Expires in Nm.]") match no pattern, as in the reference: they
// do not on their own make a turn need the tool.
func ScanText(dst []string, text string) []string {
	if !strings.Contains(text, "hash=") && !strings.Contains(text, ccrMarkerOpen) {
		return dst // the common case: no marker at all, no regex work
	}
	var seen dedup
	for _, re := range markerPatterns {
		for _, m := range re.FindAllStringSubmatchIndex(text, -1) {
			n := len(m)
			dst = seen.add(dst, text[m[n-2]:m[n-1]])
		}
	}
	return scanCCRMarkers(dst, text, &seen)
}

// scanCCRMarkers finds "<<ccr:" followed by 12–24 lowercase hex characters
// and then a word boundary. The reference uses the regex
// <<ccr:([a-f0-9]{12,24})\b; with backtracking, that matches exactly when
// the whole hex run is 12–24 long and the next character is not a
// (Unicode) word character, which is checked directly here because RE2's
// \b is ASCII-only.
func scanCCRMarkers(dst []string, text string, seen *dedup) []string {
	for i := 0; ; {
		j := strings.Index(text[i:], ccrMarkerOpen)
		if j < 0 {
			return dst
		}
		start := i + j + len(ccrMarkerOpen)
		end := start
		for end < len(text) && isLowerHex(text[end]) {
			end++
		}
		if n := end - start; n >= minMarkerHash && n <= maxMarkerHash && !wordRuneAt(text, end) {
			dst = seen.add(dst, text[start:end])
		}
		i = start
	}
}

func isLowerHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }

// wordRuneAt reports whether text[i:] starts with a character Python's
// Unicode \w matches: letters, numbers, underscore.
func wordRuneAt(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// dedupLinearLimit is the list length up to which dedup searches dst
// directly: a turn usually carries a handful of markers, and a scan of a
// short slice beats building a map.
const dedupLinearLimit = 16

// dedup keeps dst free of repeats. Past dedupLinearLimit entries it switches
// to a set, so a text carrying thousands of markers is scanned in linear
// time rather than quadratic.
type dedup struct{ set map[string]struct{} }

// add appends a copy of h to dst unless dst already holds it.
func (d *dedup) add(dst []string, h string) []string {
	if d.set == nil {
		if len(dst) < dedupLinearLimit {
			for _, have := range dst {
				if have == h {
					return dst
				}
			}
			return append(dst, strings.Clone(h))
		}
		d.set = make(map[string]struct{}, 2*len(dst))
		for _, have := range dst {
			d.set[have] = struct{}{}
		}
	}
	if _, ok := d.set[h]; ok {
		return dst
	}
	c := strings.Clone(h)
	d.set[c] = struct{}{}
	return append(dst, c)
}

// ScanMessages returns the marker hashes in a request's messages array, in
// discovery order without repeats. It reads the places the reference reads:
// string content; "text" blocks; "tool_result" blocks' string content or
// their "text" items; and Gemini parts' "text" or the string values of a
// "functionResponse" response. A body that is not a JSON array is an error.
func ScanMessages(messages []byte) ([]string, error) {
	v, err := jsonx.Parse(messages)
	if err != nil {
		return nil, fmt.Errorf("retrieve: scan messages: %w", err)
	}
	if v.Kind() != jsonx.Array {
		return nil, fmt.Errorf("retrieve: scan messages: got %v, want an array", v.Kind())
	}
	var found []string
	for _, msg := range v.Items() {
		found = scanMessage(found, msg)
	}
	return found, nil
}

func scanMessage(dst []string, msg jsonx.Value) []string {
	if content, ok := msg.Get("content"); ok {
		if s, ok := content.Str(); ok {
			dst = ScanText(dst, s)
		}
		for _, block := range content.Items() {
			dst = scanBlock(dst, block)
		}
	}
	if parts, ok := msg.Get("parts"); ok {
		for _, part := range parts.Items() {
			dst = scanPart(dst, part)
		}
	}
	return dst
}

func scanBlock(dst []string, block jsonx.Value) []string {
	typ, _ := getStr(block, "type")
	switch typ {
	case "text":
		if s, ok := getStr(block, "text"); ok {
			dst = ScanText(dst, s)
		}
	case "tool_result":
		content, _ := block.Get("content")
		if s, ok := content.Str(); ok {
			dst = ScanText(dst, s)
		}
		for _, item := range content.Items() {
			if t, _ := getStr(item, "type"); t == "text" {
				if s, ok := getStr(item, "text"); ok {
					dst = ScanText(dst, s)
				}
			}
		}
	}
	return dst
}

func scanPart(dst []string, part jsonx.Value) []string {
	if text, ok := part.Get("text"); ok {
		if s, ok := text.Str(); ok {
			dst = ScanText(dst, s)
		}
		return dst
	}
	fr, ok := part.Get("functionResponse")
	if !ok {
		return dst
	}
	resp, _ := fr.Get("response")
	if s, ok := resp.Str(); ok {
		return ScanText(dst, s)
	}
	for _, m := range resp.Members() {
		if s, ok := m.Value.Str(); ok {
			dst = ScanText(dst, s)
		}
	}
	return dst
}

func getStr(v jsonx.Value, key string) (string, bool) {
	x, ok := v.Get(key)
	if !ok {
		return "", false
	}
	return x.Str()
}
