// Package detect names the kind of a tool output (JSON array, diff, HTML,
// search results, build log, source code or plain text) so that it can be
// routed to the compressor made for it.
//
// Detect is the regex-based detector the live zone uses; its verdicts,
// confidences and metadata match the reference implementation's
// content_detector exactly (the parity fixtures check this). IsDiff is the
// reference's parser-based diff test, which compress.Route uses as its
// parser tier.
//
// All functions are safe for concurrent use, deterministic, and never
// panic. Text is expected to be UTF-8, as in the reference; invalid bytes
// are matched as U+FFFD by the patterns and make a JSON candidate invalid.
package detect

import (
	"math"
	"strings"

	"github.com/headroom-go/headroom/transform"
)

// Result is a detector's verdict on one text.
type Result struct {
	// Type is the detected content type.
	Type transform.ContentType
	// Confidence is in [0, 1]. It is 0 for empty or whitespace-only text
	// and 0.5 for text that no tier recognised.
	Confidence float64
	// Metadata holds the evidence the winning tier counted (see Detect).
	Metadata Metadata
}

// Line windows and acceptance thresholds of the tiers, from the reference.
const (
	diffLineWindow   = 500
	htmlSampleBytes  = 3000
	searchLineWindow = 100
	logLineWindow    = 200
	codeLineWindow   = 100

	diffMinConfidence   = 0.7
	htmlMinConfidence   = 0.7
	searchMinConfidence = 0.6
	logMinConfidence    = 0.5
	codeMinConfidence   = 0.5

	// fallbackConfidence is reported when no tier accepts the text.
	fallbackConfidence = 0.5
)

// Detect classifies content by trying, in order, the tiers below; the first
// that recognises the text with at least its minimum confidence wins.
//
//  1. Empty or whitespace-only: PlainText, confidence 0, no metadata.
//  2. JSON array (the trimmed text starts with '[' and is valid JSON):
//     confidence 1 when it is a non-empty array of objects, else 0.8;
//     metadata item_count, is_dict_array.
//  3. Diff (first 500 lines; needs a header line): header_matches,
//     change_lines. Minimum 0.7.
//  4. HTML (first 3000 bytes; needs a doctype, an <html> tag or three
//     structural tags): has_doctype, has_html_tag, structural_tags. Min 0.7.
//  5. Search results (first 100 lines; at least 30% "path:N:" lines):
//     matching_lines, total_lines. Minimum 0.6.
//  6. Build or log output (first 200 lines; at least 10% log-like lines):
//     pattern_matches, error_matches, total_lines. Minimum 0.5.
//  7. Source code (first 100 lines; one language with three or more
//     pattern lines): language, pattern_matches. Minimum 0.5.
//  8. Otherwise PlainText with confidence 0.5 and no metadata.
//
// Lines are the pieces between '\n' (a trailing newline makes a final empty
// line) and "non-blank" means not all Unicode white space; totals count
// non-blank lines only. Detect does not allocate, except for JSON texts
// that use serde_json's private marker keys.
func Detect(content string) Result {
	if strings.TrimSpace(content) == "" {
		return Result{Type: transform.PlainText}
	}
	if r, ok := detectJSON(content); ok {
		return r
	}
	if r, ok := detectDiff(content); ok && r.Confidence >= diffMinConfidence {
		return r
	}
	if r, ok := detectHTML(content); ok && r.Confidence >= htmlMinConfidence {
		return r
	}
	if r, ok := detectSearch(content); ok && r.Confidence >= searchMinConfidence {
		return r
	}
	if r, ok := detectLog(content); ok && r.Confidence >= logMinConfidence {
		return r
	}
	if r, ok := detectCode(content); ok && r.Confidence >= codeMinConfidence {
		return r
	}
	return Result{Type: transform.PlainText, Confidence: fallbackConfidence}
}

// DetectDomain recognises only the two shapes a file-type classifier has no
// label for, search results and build/log output, with Detect's rules and
// thresholds. It reports false when neither applies.
func DetectDomain(content string) (transform.ContentType, bool) {
	if r, ok := detectSearch(content); ok && r.Confidence >= searchMinConfidence {
		return transform.SearchResults, true
	}
	if r, ok := detectLog(content); ok && r.Confidence >= logMinConfidence {
		return transform.BuildOutput, true
	}
	return transform.PlainText, false
}

// lines iterates over at most limit pieces of s split at '\n', like the
// reference's split('\n').take(limit).
type lines struct {
	rest  string
	left  int
	ended bool
}

func newLines(s string, limit int) lines { return lines{rest: s, left: limit} }

func (l *lines) next() (string, bool) {
	if l.ended || l.left == 0 {
		return "", false
	}
	l.left--
	i := strings.IndexByte(l.rest, '\n')
	if i < 0 {
		l.ended = true
		return l.rest, true
	}
	line := l.rest[:i]
	l.rest = l.rest[i+1:]
	return line, true
}

// nextNonBlank is next for the tiers whose patterns all need a non-space
// character: it skips whitespace-only lines (they still use up the window,
// as in the reference) and also returns the line without its leading
// white space, which the patterns match against.
func (l *lines) nextNonBlank() (line, rest string, ok bool) {
	for {
		if line, ok = l.next(); !ok {
			return "", "", false
		}
		if rest = trimLeftSpace(line); rest != "" {
			return line, rest, true
		}
	}
}

// capOne mirrors the reference's f64::min(1.0) cap.
func capOne(x float64) float64 { return math.Min(x, 1) }

// The confidence formulas below wrap every product in float64(...): Go may
// otherwise fuse a*b+c into one FMA instruction on some platforms, and the
// fixtures record the separately rounded IEEE results (for example
// 0.3 + 1.0*0.5 + 3*0.05 = 0.9500000000000001).

func detectJSON(content string) (Result, bool) {
	trimmed := strings.TrimSpace(content)
	if !strings.HasPrefix(trimmed, "[") {
		return Result{}, false
	}
	items, dicts, ok := jsonArrayShape(trimmed)
	if !ok {
		return Result{}, false
	}
	r := Result{Type: transform.JSONArray, Confidence: 0.8}
	if dicts {
		r.Confidence = 1
	}
	r.Metadata.add("item_count", IntValue(items))
	r.Metadata.add("is_dict_array", BoolValue(dicts))
	return r, true
}

func detectDiff(content string) (Result, bool) {
	headers, changes := 0, 0
	for it := newLines(content, diffLineWindow); ; {
		line, ok := it.next()
		if !ok {
			break
		}
		if diffHeader.match(line, "") {
			headers++
		}
		if isChangeLine(line) {
			changes++
		}
	}
	if headers == 0 {
		return Result{}, false
	}
	conf := capOne(0.5 + float64(float64(headers)*0.2) + float64(float64(changes)*0.05))
	r := Result{Type: transform.GitDiff, Confidence: conf}
	r.Metadata.add("header_matches", IntValue(headers))
	r.Metadata.add("change_lines", IntValue(changes))
	return r, true
}

// isChangeLine is `^[+-][^+-]`: an added or removed line, not a "+++"/"---"
// header. Checking the second byte suffices: a multi-byte character can
// never start with '+' or '-'.
func isChangeLine(line string) bool {
	return len(line) >= 2 && (line[0] == '+' || line[0] == '-') && line[1] != '+' && line[1] != '-'
}

func detectHTML(content string) (Result, bool) {
	sample := content
	if len(sample) > htmlSampleBytes {
		cut := htmlSampleBytes
		for cut > 0 && !isRuneStart(sample[cut]) {
			cut--
		}
		sample = sample[:cut]
	}
	doctype := htmlDoctype.MatchString(sample)
	htmlTagged := htmlTag.MatchString(sample)
	structural := countStructuralTags(sample)
	if !doctype && !htmlTagged && structural < 3 {
		return Result{}, false
	}
	conf := 0.0
	if doctype {
		conf += 0.5
	}
	if htmlTagged {
		conf += 0.3
	}
	if htmlHead.MatchString(sample) {
		conf += 0.1
	}
	if htmlBody.MatchString(sample) {
		conf += 0.1
	}
	conf += math.Min(float64(float64(structural)*0.03), 0.3)
	conf = capOne(conf)
	if conf < 0.5 {
		return Result{}, false
	}
	r := Result{Type: transform.HTML, Confidence: conf}
	r.Metadata.add("has_doctype", BoolValue(doctype))
	r.Metadata.add("has_html_tag", BoolValue(htmlTagged))
	r.Metadata.add("structural_tags", IntValue(structural))
	return r, true
}

// isRuneStart is Rust's str::is_char_boundary for an in-range index.
func isRuneStart(b byte) bool { return b < 0x80 || b >= 0xC0 }

func detectSearch(content string) (Result, bool) {
	matching, nonBlank := 0, 0
	for it := newLines(content, searchLineWindow); ; {
		line, rest, ok := it.nextNonBlank()
		if !ok {
			break
		}
		nonBlank++
		if searchLine.match(line, rest) {
			matching++
		}
	}
	if matching == 0 {
		return Result{}, false
	}
	ratio := float64(matching) / float64(nonBlank)
	if ratio < 0.3 {
		return Result{}, false
	}
	r := Result{Type: transform.SearchResults, Confidence: capOne(0.4 + float64(ratio*0.6))}
	r.Metadata.add("matching_lines", IntValue(matching))
	r.Metadata.add("total_lines", IntValue(nonBlank))
	return r, true
}

func detectLog(content string) (Result, bool) {
	matches, errors, nonBlank := 0, 0, 0
	for it := newLines(content, logLineWindow); ; {
		line, rest, ok := it.nextNonBlank()
		if !ok {
			break
		}
		nonBlank++
		for i, pat := range logPatterns {
			if pat.match(line, rest) {
				matches++
				if i < errorPatternCount {
					errors++
				}
				break
			}
		}
	}
	if matches == 0 {
		return Result{}, false
	}
	ratio := float64(matches) / float64(nonBlank)
	if ratio < 0.1 {
		return Result{}, false
	}
	conf := capOne(0.3 + float64(ratio*0.5) + float64(float64(errors)*0.05))
	r := Result{Type: transform.BuildOutput, Confidence: conf}
	r.Metadata.add("pattern_matches", IntValue(matches))
	r.Metadata.add("error_matches", IntValue(errors))
	r.Metadata.add("total_lines", IntValue(nonBlank))
	return r, true
}

func detectCode(content string) (Result, bool) {
	// Scores in the order languages first matched: the reference breaks
	// ties in favour of the earliest, which is not declaration order.
	var (
		order  [len(languages)]int // language indexes, first-seen order
		scores [len(languages)]int
		seen   int
	)
	nonBlank := 0
	for it := newLines(content, codeLineWindow); ; {
		line, rest, ok := it.nextNonBlank()
		if !ok {
			break
		}
		nonBlank++
		for li := range languages {
			for _, pat := range languages[li].patterns {
				if !pat.match(line, rest) {
					continue
				}
				if scores[li] == 0 {
					order[seen] = li
					seen++
				}
				scores[li]++
				break
			}
		}
	}
	best := -1
	for _, li := range order[:seen] {
		if best < 0 || scores[li] > scores[best] {
			best = li
		}
	}
	if best < 0 || scores[best] < 3 {
		return Result{}, false
	}
	score := scores[best]
	ratio := float64(score) / float64(max(nonBlank, 1))
	conf := capOne(0.4 + float64(ratio*0.4) + float64(float64(score)*0.02))
	r := Result{Type: transform.SourceCode, Confidence: conf}
	r.Metadata.add("language", StringValue(languages[best].name))
	r.Metadata.add("pattern_matches", IntValue(score))
	return r, true
}
