package diffcompress

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/headroom-go/headroom/internal/pycompat"
)

// Hunk score weights (reference values). The score only matters when a file
// has more than MaxHunksPerFile hunks and middle hunks compete for slots.
const (
	changeWeight   = 0.03 // per added or removed line …
	changeCap      = 0.3  // … up to this much
	queryWordBoost = 0.2  // per query word found in the hunk
	minQueryWord   = 2    // query words of at most this many bytes are ignored
	priorityBoost  = 0.3  // once, if any priority word appears
	scoreCap       = 1.0
)

// priorityWords are the alternatives of the reference's three
// case-insensitive \b(…)\b priority regexes, fail(?:ed|ure)? spelt out.
// Whether any of them occurs as a whole word is all that matters.
var priorityWords = []string{
	"error", "exception", "fail", "failed", "failure", "fatal", "critical", "crash", "panic",
	"important", "note", "todo", "fixme", "hack", "xxx", "bug", "fix",
	"security", "auth", "password", "secret", "token",
}

// scoreHunks scores the hunks of one file: change density, query words
// found in the hunk and priority words, each capped as the reference does.
func scoreHunks(hunks []hunk, query string) {
	queryWords := strings.Fields(pycompat.RustLower(query))
	for i := range hunks {
		h := &hunks[i]
		score := float64(h.additions+h.deletions) * changeWeight
		if score > changeCap {
			score = changeCap
		}
		var b strings.Builder
		size := len(h.lines)
		for _, l := range h.lines {
			size += len(l)
		}
		b.Grow(size)
		for j, l := range h.lines {
			if j > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(l)
		}
		text := pycompat.RustLower(b.String())
		for _, w := range queryWords {
			if len(w) > minQueryWord && strings.Contains(text, w) {
				score += queryWordBoost
			}
		}
		if containsPriorityWord(text) {
			score += priorityBoost
		}
		if score > scoreCap {
			score = scoreCap
		}
		h.score = score
	}
}

// containsPriorityWord reports whether text contains a priority word with a
// Unicode word boundary on both sides, as the reference's \b does.
func containsPriorityWord(text string) bool {
	for _, w := range priorityWords {
		for off := 0; ; {
			i := strings.Index(text[off:], w)
			if i < 0 {
				break
			}
			start := off + i
			end := start + len(w)
			before, _ := utf8.DecodeLastRuneInString(text[:start])
			after, _ := utf8.DecodeRuneInString(text[end:])
			if (start == 0 || !pycompat.IsWordRune(before)) && (end == len(text) || !pycompat.IsWordRune(after)) {
				return true
			}
			off = start + 1
		}
	}
	return false
}

// keepHeaviestFiles keeps the limit files with the most added plus removed
// lines, ties in input order.
func keepHeaviestFiles(files []file, limit int) []file {
	weight := func(f *file) int {
		n := 0
		for _, h := range f.hunks {
			n += h.additions + h.deletions
		}
		return n
	}
	slices.SortStableFunc(files, func(a, b file) int { return weight(&b) - weight(&a) })
	return files[:limit]
}

// selectHunks keeps all hunks when there are at most limit; otherwise the
// first, the last and the limit-2 best-scoring middle hunks, in the order of
// their new-file start line.
func selectHunks(hunks []hunk, limit int) []hunk {
	if len(hunks) <= limit {
		return hunks
	}
	middle := slices.Clone(hunks[1 : len(hunks)-1])
	slices.SortStableFunc(middle, func(a, b hunk) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return 0
	})
	kept := make([]hunk, 0, limit)
	kept = append(kept, hunks[0])
	kept = append(kept, middle[:limit-2]...)
	kept = append(kept, hunks[len(hunks)-1])
	slices.SortStableFunc(kept, func(a, b hunk) int {
		la, lb := newStartLine(a.header), newStartLine(b.header)
		switch {
		case la < lb:
			return -1
		case la > lb:
			return 1
		}
		return 0
	})
	return kept
}

// newStartLine is the number in the first "+<digits>" of a hunk header, or
// 0 when there is none or it does not parse as an unsigned 64-bit integer
// (the reference's \+(\d+) with Unicode digits, then an ASCII-only parse).
func newStartLine(header string) uint64 {
	for i := 0; i < len(header); i++ {
		if header[i] != '+' {
			continue
		}
		rest, ok := cutDigits(header[i+1:])
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(header[i+1:len(header)-len(rest)], 10, 64)
		if err != nil {
			return 0
		}
		return n
	}
	return 0
}

// reduceContext keeps every line that starts with '+' or '-', up to
// contextLines lines on either side of each, and every "\ No newline…"-style
// line. A hunk without changes keeps its first contextLines lines.
//
// keep is scratch space reused across calls; the grown slice is returned.
func reduceContext(lines []string, contextLines int, keep []bool) ([]string, []bool) {
	changed := false
	for _, l := range lines {
		if isChange(l) {
			changed = true
			break
		}
	}
	if !changed {
		return lines[:min(contextLines, len(lines))], keep
	}
	keep = append(keep[:0], make([]bool, len(lines))...)
	for i, l := range lines {
		switch {
		case isChange(l):
			for j := max(0, i-contextLines); j <= min(len(lines)-1, i+contextLines); j++ {
				keep[j] = true
			}
		case strings.HasPrefix(l, `\`):
			keep[i] = true
		}
	}
	n := 0
	for _, k := range keep {
		if k {
			n++
		}
	}
	if n == len(lines) {
		return lines, keep
	}
	out := make([]string, 0, n)
	for i, l := range lines {
		if keep[i] {
			out = append(out, l)
		}
	}
	return out, keep
}

func isChange(l string) bool { return l != "" && (l[0] == '+' || l[0] == '-') }

// render writes the compressed diff: pre-diff text, then per file its
// header, rename lines, normalised mode line, binary marker or ---/+++ lines
// and hunks, then the summary footer. Lines are joined with "\n" and the
// text has no trailing newline.
func render(preDiff []string, files []file, res *Result) string {
	var w lineWriter
	size := 64
	for _, l := range preDiff {
		size += len(l) + 1
	}
	for i := range files {
		size += len(files[i].header) + len(files[i].oldFile) + len(files[i].newFile) + 3
		for _, h := range files[i].hunks {
			size += len(h.header) + 1
			for _, l := range h.lines {
				size += len(l) + 1
			}
		}
	}
	w.b.Grow(size)
	for _, l := range preDiff {
		w.line(l)
	}
	for i := range files {
		f := &files[i]
		w.line(f.header)
		for _, l := range f.renames {
			w.line(l)
		}
		// The reference prints a fixed mode and a fixed binary line
		// whatever the input said; parity keeps that.
		if f.isNew {
			w.line("new file mode 100644")
		} else if f.isDeleted {
			w.line("deleted file mode 100644")
		}
		if f.isBinary {
			w.line("Binary files differ")
			continue
		}
		if f.oldFile != "" {
			w.line(f.oldFile)
		}
		if f.newFile != "" {
			w.line(f.newFile)
		}
		for _, h := range f.hunks {
			w.line(h.header)
			for _, l := range h.lines {
				w.line(l)
			}
		}
	}
	if res.FilesAffected > 0 || res.HunksRemoved > 0 {
		w.line("[" + strconv.Itoa(res.FilesAffected) + " files changed, +" + strconv.Itoa(res.Additions) +
			" -" + strconv.Itoa(res.Deletions) + " lines")
		if res.HunksRemoved > 0 {
			w.b.WriteString(", " + strconv.Itoa(res.HunksRemoved) + " hunks omitted")
		}
		w.b.WriteByte(']')
	}
	return w.b.String()
}

// lineWriter joins lines with "\n". It tracks whether a line was written
// because the first line may be empty.
type lineWriter struct {
	b     strings.Builder
	wrote bool
}

func (w *lineWriter) line(s string) {
	if w.wrote {
		w.b.WriteByte('\n')
	}
	w.wrote = true
	w.b.WriteString(s)
}
