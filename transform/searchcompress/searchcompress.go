// Package searchcompress shrinks grep, ripgrep and ag output
// ("path:line:content", or "path-line-content" for ripgrep context lines)
// for a model's context. It groups matches by file, scores them against the
// user's query and for error and warning words, keeps the best-scoring
// files, sizes the total to how repetitive the matches are, keeps the
// first, last and best matches of each file and says how many were left
// out. When a CCR store is attached and enough was dropped, the original
// is stored under the MD5-24 key named by a "Retrieve more" marker.
//
// It follows the reference SearchCompressor (no parity fixtures exist for
// it), with the deviations noted on Compress.
package searchcompress

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/internal/pycompat"
	"github.com/headroom-go/headroom/signals"
	"github.com/headroom-go/headroom/transform/adaptive"
)

// Config tunes a Compressor. Build one with DefaultConfig and change fields;
// New rejects the zero Config (it would keep no files).
type Config struct {
	// MaxMatchesPerFile caps the matches kept per file. It must be at
	// least 1.
	MaxMatchesPerFile int
	// AlwaysKeepFirst and AlwaysKeepLast give a file's first and last
	// match a slot before the best-scoring ones, so the reader sees where
	// its matches start and end.
	AlwaysKeepFirst bool
	AlwaysKeepLast  bool
	// MaxTotalMatches is the most matches the adaptive sizer may keep in
	// total; it usually keeps fewer when matches repeat. The sizer never
	// goes below DefaultMinTotalMatches when there are more than eight
	// matches, whatever this says. It must be at least 1.
	MaxTotalMatches int
	// MaxFiles caps the files kept; the files whose matches score highest
	// in total win. It must be at least 1.
	MaxFiles int
	// ContextKeywords raise (by 0.4 each) the score of matches containing
	// them, compared ignoring ASCII case. Empty keywords are rejected: they
	// would match everything.
	ContextKeywords []string
	// BoostErrors raises the score of matches the Detector calls an error
	// (0.5), a warning (0.4) or important (0.3).
	BoostErrors bool
	// Detector classifies match lines when BoostErrors is set. Nil means
	// signals.DefaultKeywordDetector().
	Detector signals.Detector
	// EnableCCR allows the retrieval marker. False never emits one, even
	// with a Store.
	EnableCCR bool
	// MinMatchesForCCR is the match count below which no marker is
	// emitted: a handful of dropped matches is not worth a round trip.
	MinMatchesForCCR int
	// CCRRatio is the compression the marker requires: output bytes /
	// input bytes must be below it. It must be in (0, 1].
	CCRRatio float64
	// GroupByFile prints each file's path once as a heading with
	// "line:content" rows beneath it and a blank line between files
	// (ripgrep's --heading layout) instead of repeating the path on
	// every row. Long paths repeated on every match are the largest
	// remaining waste in big result sets.
	GroupByFile bool
	// Store receives the original under the marker's key. Nil means no
	// store and no marker: the output is still compressed.
	Store ccr.Store
}

// Reference defaults.
const (
	DefaultMaxMatchesPerFile = 5
	DefaultMaxTotalMatches   = 30
	DefaultMaxFiles          = 15
	DefaultMinMatchesForCCR  = 10
	DefaultCCRRatio          = 0.8
	// DefaultMinTotalMatches is the adaptive sizer's floor.
	DefaultMinTotalMatches = 5
)

// DefaultConfig returns the reference configuration: first and last match
// kept, error boosting and CCR enabled, classic layout, no store.
func DefaultConfig() Config {
	return Config{
		MaxMatchesPerFile: DefaultMaxMatchesPerFile,
		AlwaysKeepFirst:   true,
		AlwaysKeepLast:    true,
		MaxTotalMatches:   DefaultMaxTotalMatches,
		MaxFiles:          DefaultMaxFiles,
		BoostErrors:       true,
		EnableCCR:         true,
		MinMatchesForCCR:  DefaultMinMatchesForCCR,
		CCRRatio:          DefaultCCRRatio,
	}
}

// ErrInvalidConfig is wrapped by every error New returns.
var ErrInvalidConfig = errors.New("searchcompress: invalid config")

// ErrInvalidBias is returned by Compress for a negative, NaN or infinite
// bias.
var ErrInvalidBias = errors.New("searchcompress: invalid bias")

// Summary is the note left for a file some of whose matches were dropped.
type Summary struct {
	// File is the path as it appeared in the input.
	File string
	// Text is the line in the output, e.g.
	// "[... and 7 more matches in src/app.go]".
	Text string
}

// Result describes one compression. When the input was returned unchanged
// (no match lines, or compressing would not have made it shorter)
// Compressed is the input, CompressedMatches equals OriginalMatches,
// CompressionRatio is 1 and CacheKey is empty.
type Result struct {
	// Compressed is the output text, ending with the retrieval marker when
	// CacheKey is set.
	Compressed string
	// OriginalMatches counts the parsed match lines of the input.
	OriginalMatches int
	// CompressedMatches counts the match lines in Compressed.
	CompressedMatches int
	// FilesAffected counts the distinct files of the input, kept or not.
	FilesAffected int
	// UnparsedLines counts non-blank input lines that are not matches
	// ("Binary file x matches", "--" separators, prose). They are not in
	// a compressed output; with a marker they remain retrievable.
	UnparsedLines int
	// CompressionRatio is the byte length of the output before the marker
	// over that of the input.
	CompressionRatio float64
	// CacheKey is the MD5-24 key the marker names, or "" when no marker
	// was emitted. When set, the original is in Config.Store under it.
	CacheKey string
	// Summaries lists the files with dropped matches in path order.
	Summaries []Summary
}

// Compressor compresses search results. It holds only its configuration and
// is safe for concurrent use when its Detector and Store are.
type Compressor struct {
	cfg      Config
	detector signals.Detector
	keywords [][]byte // ASCII-lowercased ContextKeywords
}

// New validates cfg and returns a Compressor.
func New(cfg Config) (*Compressor, error) {
	switch {
	case cfg.MaxMatchesPerFile < 1:
		return nil, fmt.Errorf("%w: MaxMatchesPerFile %d is below 1", ErrInvalidConfig, cfg.MaxMatchesPerFile)
	case cfg.MaxTotalMatches < 1:
		return nil, fmt.Errorf("%w: MaxTotalMatches %d is below 1", ErrInvalidConfig, cfg.MaxTotalMatches)
	case cfg.MaxFiles < 1:
		return nil, fmt.Errorf("%w: MaxFiles %d is below 1", ErrInvalidConfig, cfg.MaxFiles)
	case cfg.MinMatchesForCCR < 0:
		return nil, fmt.Errorf("%w: MinMatchesForCCR %d is negative", ErrInvalidConfig, cfg.MinMatchesForCCR)
	case !(cfg.CCRRatio > 0 && cfg.CCRRatio <= 1):
		return nil, fmt.Errorf("%w: CCRRatio %v is outside (0, 1]", ErrInvalidConfig, cfg.CCRRatio)
	}
	c := &Compressor{cfg: cfg, detector: cfg.Detector}
	for i, kw := range cfg.ContextKeywords {
		if kw == "" {
			return nil, fmt.Errorf("%w: ContextKeywords[%d] is empty", ErrInvalidConfig, i)
		}
		c.keywords = append(c.keywords, pycompat.AppendASCIILower(nil, kw))
	}
	c.cfg.ContextKeywords = slices.Clone(cfg.ContextKeywords)
	if c.detector == nil {
		c.detector = signals.DefaultKeywordDetector()
	}
	return c, nil
}

// Config returns the configuration the Compressor was built with.
func (c *Compressor) Config() Config {
	cfg := c.cfg
	cfg.ContextKeywords = slices.Clone(cfg.ContextKeywords)
	return cfg
}

// Compress compresses content. query is the user's question or task ("" for
// none): each of its words longer than two bytes found in a match raises
// the match's score by 0.3. bias scales the adaptive total: 1 keeps what
// the sizer finds natural, less keeps fewer, more keeps more (up to
// MaxTotalMatches); it must be finite and non-negative.
//
// Unlike the reference, Compress returns the input unchanged when the
// output (marker included) would not be shorter than the input in both
// bytes and characters: a few dropped short matches can cost less than the
// "[... and N more matches]" notes that replace them.
//
// The result is deterministic for a given input and configuration. Apart
// from a bad bias, the error is non-nil only when the Store rejects the
// original; the Result returned with it is then the unchanged input, so a
// caller that fails open can forward it and no marker points at a missing
// entry.
func (c *Compressor) Compress(ctx context.Context, content, query string, bias float64) (Result, error) {
	if math.IsNaN(bias) || math.IsInf(bias, 0) || bias < 0 {
		return Result{}, fmt.Errorf("%w: %v (want a finite value >= 0)", ErrInvalidBias, bias)
	}
	files, total, unparsed := parse(content)
	if total == 0 {
		r := passThrough(content, 0)
		r.UnparsedLines = unparsed
		return r, nil
	}
	c.score(files, query)
	selected := c.selectMatches(files, bias)
	body, kept, summaries := c.render(files, selected)

	res := Result{
		Compressed:        body,
		OriginalMatches:   total,
		CompressedMatches: kept,
		FilesAffected:     len(files),
		UnparsedLines:     unparsed,
		CompressionRatio:  float64(len(body)) / float64(max(len(content), 1)),
		Summaries:         summaries,
	}
	var marker, key string
	if c.cfg.EnableCCR && c.cfg.Store != nil && total >= c.cfg.MinMatchesForCCR && res.CompressionRatio < c.cfg.CCRRatio {
		key = ccr.MD5Key([]byte(content))
		marker = "\n[" + strconv.Itoa(total) + " matches compressed to " + strconv.Itoa(kept) +
			". Retrieve more: hash=" + key + "]"
	}
	if !shorter(body, marker, content) {
		r := passThrough(content, total)
		r.FilesAffected, r.UnparsedLines = len(files), unparsed
		return r, nil
	}
	if marker != "" {
		if err := c.cfg.Store.Put(ctx, key, []byte(content)); err != nil {
			r := passThrough(content, total)
			r.FilesAffected, r.UnparsedLines = len(files), unparsed
			return r, fmt.Errorf("searchcompress: store original under %s: %w", key, err)
		}
		res.Compressed += marker
		res.CacheKey = key
	}
	return res, nil
}

// shorter reports whether body+marker is shorter than content in bytes and
// in characters (the unit token estimators count).
func shorter(body, marker, content string) bool {
	if len(body)+len(marker) >= len(content) {
		return false
	}
	// The marker is ASCII.
	return utf8.RuneCountInString(body)+len(marker) < utf8.RuneCountInString(content)
}

func passThrough(content string, matches int) Result {
	return Result{Compressed: content, OriginalMatches: matches, CompressedMatches: matches, CompressionRatio: 1}
}

// match is one parsed result line.
type match struct {
	line    uint64
	content string
	score   float32
}

// fileMatches holds a file's matches in input order.
type fileMatches struct {
	path    string
	matches []match
	total   float32 // sum of match scores, in input order
}

// parse splits content into lines and groups the match lines by file,
// sorted by path bytes. It returns the match and unparsed-line counts.
func parse(content string) (files []fileMatches, total, unparsed int) {
	index := make(map[string]int)
	for raw := range strings.SplitSeq(content, "\n") {
		line := strings.TrimSpace(raw)
		if line == "" {
			continue
		}
		path, n, body, ok := parseLine(line)
		if !ok {
			unparsed++
			continue
		}
		i, seen := index[path]
		if !seen {
			i = len(files)
			index[path] = i
			files = append(files, fileMatches{path: path})
		}
		files[i].matches = append(files[i].matches, match{line: n, content: body})
		total++
	}
	slices.SortFunc(files, func(a, b fileMatches) int { return strings.Compare(a.path, b.path) })
	return files, total, unparsed
}

// parseLine splits one trimmed line at its leftmost line-number marker: a
// ':' or '-' not preceded by ':' or '-', one or more ASCII digits, then ':'
// or '-' (the two may differ, as ripgrep mixes match and context lines).
// The path before it must be non-empty and the number must fit in 64 bits.
// A Windows drive prefix ("C:\" or "C:/") is skipped before scanning, so
// its colon is not taken for a separator. A dash-prefixed number
// ("f.py:-1:x") is not a line number.
func parseLine(line string) (path string, n uint64, content string, ok bool) {
	start := 0
	if len(line) >= 3 && isASCIILetter(line[0]) && line[1] == ':' && (line[2] == '\\' || line[2] == '/') {
		start = 2
	}
	for i := start; i < len(line); i++ {
		if !isSep(line[i]) || i > 0 && isSep(line[i-1]) {
			continue
		}
		j := i + 1
		for j < len(line) && '0' <= line[j] && line[j] <= '9' {
			j++
		}
		if j == i+1 || j >= len(line) || !isSep(line[j]) {
			continue
		}
		if i == 0 {
			return "", 0, "", false
		}
		n, err := strconv.ParseUint(line[i+1:j], 10, 64)
		if err != nil {
			return "", 0, "", false
		}
		return line[:i], n, line[j+1:], true
	}
	return "", 0, "", false
}

func isSep(c byte) bool         { return c == ':' || c == '-' }
func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// Score increments. They are float32 because the reference scores in single
// precision; the sums decide ties between files.
const (
	queryWordBoost  float32 = 0.3
	errorBoost      float32 = 0.5
	warningBoost    float32 = 0.4
	importanceBoost float32 = 0.3
	keywordBoost    float32 = 0.4
	maxScore        float32 = 1
	minQueryWordLen         = 3
)

// score sets every match's score and every file's total.
func (c *Compressor) score(files []fileMatches, query string) {
	var words [][]byte
	for w := range strings.FieldsSeq(query) {
		if len(w) >= minQueryWordLen {
			words = append(words, pycompat.AppendASCIILower(nil, w))
		}
	}
	var lower []byte
	for fi := range files {
		f := &files[fi]
		f.total = 0
		for mi := range f.matches {
			m := &f.matches[mi]
			lower = pycompat.AppendASCIILower(lower[:0], m.content)
			var s float32
			for _, w := range words {
				if bytes.Contains(lower, w) {
					s += queryWordBoost
				}
			}
			if c.cfg.BoostErrors {
				switch c.detector.Score(m.content, signals.Search).Category {
				case signals.Error:
					s += errorBoost
				case signals.Warning:
					s += warningBoost
				case signals.Importance:
					s += importanceBoost
				}
			}
			for _, kw := range c.keywords {
				if bytes.Contains(lower, kw) {
					s += keywordBoost
				}
			}
			m.score = min(s, maxScore)
			f.total += m.score
		}
	}
}

// selectMatches returns, per file index, the kept matches in line order;
// nil for a file that keeps none.
func (c *Compressor) selectMatches(files []fileMatches, bias float64) [][]match {
	order := make([]int, len(files))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(files[b].total, files[a].total) })
	if len(order) > c.cfg.MaxFiles {
		order = order[:c.cfg.MaxFiles]
	}

	var items []string
	var buf []byte
	for _, fi := range order {
		f := &files[fi]
		for _, m := range f.matches {
			buf = appendRow(buf[:0], f.path, m)
			items = append(items, string(buf))
		}
	}
	budget := adaptive.OptimalK(items, bias, DefaultMinTotalMatches, c.cfg.MaxTotalMatches)

	selected := make([][]match, len(files))
	taken := 0
	var byScore []match
	type key struct {
		line    uint64
		content string
	}
	seen := make(map[key]struct{})
	for _, fi := range order {
		if taken >= budget {
			break
		}
		ms := files[fi].matches
		room := min(c.cfg.MaxMatchesPerFile, budget-taken)
		var kept []match
		clear(seen)
		push := func(m match) {
			k := key{m.line, m.content}
			if _, dup := seen[k]; !dup {
				seen[k] = struct{}{}
				kept = append(kept, m)
			}
		}
		if c.cfg.AlwaysKeepFirst && len(kept) < room {
			push(ms[0])
		}
		if c.cfg.AlwaysKeepLast && len(ms) > 1 && len(kept) < room {
			push(ms[len(ms)-1])
		}
		byScore = append(byScore[:0], ms...)
		slices.SortStableFunc(byScore, func(a, b match) int {
			if s := cmp.Compare(b.score, a.score); s != 0 {
				return s
			}
			return cmp.Compare(a.line, b.line)
		})
		for _, m := range byScore {
			if len(kept) >= room {
				break
			}
			push(m)
		}
		slices.SortStableFunc(kept, func(a, b match) int { return cmp.Compare(a.line, b.line) })
		selected[fi] = kept
		taken += len(kept)
	}
	return selected
}

// render writes the kept matches of the selected files in path order, each
// followed by a summary when matches were dropped, joined with "\n".
func (c *Compressor) render(files []fileMatches, selected [][]match) (string, int, []Summary) {
	var b []byte
	var summaries []Summary
	kept := 0
	newline := func() {
		if len(b) > 0 {
			b = append(b, '\n')
		}
	}
	for fi, ms := range selected {
		if ms == nil {
			continue
		}
		f := &files[fi]
		kept += len(ms)
		if c.cfg.GroupByFile {
			if len(b) > 0 {
				// A blank line between groups.
				b = append(b, '\n', '\n')
			}
			b = append(b, f.path...)
			for _, m := range ms {
				b = append(b, '\n')
				b = strconv.AppendUint(b, m.line, 10)
				b = append(b, ':')
				b = append(b, m.content...)
			}
		} else {
			for _, m := range ms {
				newline()
				b = appendRow(b, f.path, m)
			}
		}
		if omitted := len(f.matches) - len(ms); omitted > 0 {
			newline()
			start := len(b)
			b = append(b, "[... and "...)
			b = strconv.AppendInt(b, int64(omitted), 10)
			b = append(b, " more matches"...)
			if !c.cfg.GroupByFile {
				b = append(b, " in "...)
				b = append(b, f.path...)
			}
			b = append(b, ']')
			summaries = append(summaries, Summary{File: f.path, Text: string(b[start:])})
		}
	}
	return string(b), kept, summaries
}

// appendRow appends "path:line:content".
func appendRow(b []byte, path string, m match) []byte {
	b = append(b, path...)
	b = append(b, ':')
	b = strconv.AppendUint(b, m.line, 10)
	b = append(b, ':')
	return append(b, m.content...)
}
