package diffcompress

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// hunk is one @@ section. lines are substrings of the input; while they
// are consecutive input lines, lines is a window onto the split input
// (end is the input index after it) rather than a copy.
type hunk struct {
	header    string
	lines     []string
	end       int // input index after the last line; -1 once lines is a copy
	additions int
	deletions int
	score     float64
}

// file is one "diff --git" (or --combined / --cc) section.
type file struct {
	header    string
	oldFile   string // the whole "--- …" line, or ""
	newFile   string // the whole "+++ …" line, or ""
	renames   []string
	isNew     bool
	isDeleted bool
	isBinary  bool
	hunks     []hunk
}

type parsed struct {
	preDiff []string
	files   []file
}

// parse splits diff lines into files and hunks the way the reference does.
// Lines that belong to no hunk (index lines, mode lines, …) are dropped
// except for the file-level markers it records. The matchers below are
// hand-written equivalents of the reference's anchored regexes; they avoid
// running five regexes per line.
func parse(lines []string) parsed {
	var p parsed
	var cur *file
	var h *hunk
	closeHunk := func() {
		if h != nil && cur != nil {
			cur.hunks = append(cur.hunks, *h)
		}
		h = nil
	}
	for i, line := range lines {
		// Every marker below starts with one of these bytes; a plain
		// context or change line skips the prefix tests.
		var first byte
		if line != "" {
			first = line[0]
		}
		if first == 'd' && isFileHeader(line) {
			closeHunk()
			p.files = append(p.files, file{header: line})
			cur = &p.files[len(p.files)-1]
			continue
		}
		if cur == nil {
			p.preDiff = append(p.preDiff, line)
			continue
		}
		switch first {
		case ' ', 0:
			// Context line (or empty): no marker can match.
			if h != nil {
				h.add(lines, i)
			}
			continue
		case '+', '-', '@':
			// Not a file-level flag; the header and change tests follow.
		default:
			cur.setFlags(line)
		}
		// These checks run before hunk content on purpose (reference
		// order): a removed line reading "-- a/x" is taken as the file's
		// "--- a/x" header.
		if first == '-' && isOldFileLine(line) {
			cur.oldFile = line
			continue
		}
		if first == '+' && isNewFileLine(line) {
			cur.newFile = line
			continue
		}
		if first == '@' && isHunkHeader(line) {
			closeHunk()
			h = &hunk{header: line, end: i + 1}
			continue
		}
		if h == nil {
			continue
		}
		switch first {
		case '+':
			if !strings.HasPrefix(line, "+++") {
				h.additions++
			}
		case '-':
			if !strings.HasPrefix(line, "---") {
				h.deletions++
			}
		}
		h.add(lines, i)
	}
	closeHunk()
	return p
}

// add appends input line i to the hunk, extending the window onto the
// input while lines stay consecutive and copying once they do not.
func (h *hunk) add(lines []string, i int) {
	if h.end == i {
		h.lines = lines[i-len(h.lines) : i+1]
		h.end = i + 1
		return
	}
	if h.end >= 0 {
		h.lines = append(make([]string, 0, 2*len(h.lines)+1), h.lines...)
		h.end = -1
	}
	h.lines = append(h.lines, lines[i])
}

// setFlags records the file-level markers git prints between the "diff"
// line and the first hunk.
func (f *file) setFlags(line string) {
	switch {
	case strings.HasPrefix(line, "new file mode"):
		f.isNew = true
	case strings.HasPrefix(line, "deleted file mode"):
		f.isDeleted = true
	case strings.HasPrefix(line, "rename "), strings.HasPrefix(line, "similarity "),
		strings.HasPrefix(line, "copy "), strings.HasPrefix(line, "dissimilarity "):
		f.renames = append(f.renames, line)
	case isBinaryLine(line):
		f.isBinary = true
	}
}

// isFileHeader matches ^diff --git a/(.+) b/(.+)$, ^diff --combined (.+)$
// and ^diff --cc (.+)$.
func isFileHeader(line string) bool {
	if rest, ok := strings.CutPrefix(line, "diff --git a/"); ok {
		// (.+) b/(.+): the first " b/" at index >= 1 leaves the longest
		// tail, so it decides whether a non-empty second path exists.
		if len(rest) < 1 {
			return false
		}
		i := strings.Index(rest[1:], " b/")
		return i >= 0 && len(rest) > 1+i+len(" b/")
	}
	if rest, ok := strings.CutPrefix(line, "diff --combined "); ok {
		return rest != ""
	}
	if rest, ok := strings.CutPrefix(line, "diff --cc "); ok {
		return rest != ""
	}
	return false
}

// isOldFileLine matches ^--- (a/(.+)|/dev/null)$.
func isOldFileLine(line string) bool {
	return line == "--- /dev/null" || (strings.HasPrefix(line, "--- a/") && len(line) > len("--- a/"))
}

// isNewFileLine matches ^\+\+\+ (b/(.+)|/dev/null)$.
func isNewFileLine(line string) bool {
	return line == "+++ /dev/null" || (strings.HasPrefix(line, "+++ b/") && len(line) > len("+++ b/"))
}

// isBinaryLine matches ^Binary files .+ differ$.
func isBinaryLine(line string) bool {
	const pre, suf = "Binary files ", " differ"
	return len(line) > len(pre)+len(suf) && strings.HasPrefix(line, pre) && strings.HasSuffix(line, suf)
}

// isHunkHeader matches the reference's hunk header regex: "@@ -R +R @@",
// "@@@ -R -R +R @@@" or "@@@@ -R -R -R +R @@@@" at the start of the line
// (anything may follow), where R is \d+(,\d+)? and \d is any Unicode
// decimal digit, as in the reference's Unicode-aware regex engine.
func isHunkHeader(line string) bool {
	ats := 0
	for ats < len(line) && line[ats] == '@' {
		ats++
	}
	if ats < 2 || ats > 4 {
		return false
	}
	s := line[ats:]
	for i := 0; i < ats; i++ {
		sign := byte('-')
		if i == ats-1 {
			sign = '+'
		}
		if len(s) < 2 || s[0] != ' ' || s[1] != sign {
			return false
		}
		var ok bool
		if s, ok = cutRange(s[2:]); !ok {
			return false
		}
	}
	return strings.HasPrefix(s, " "+line[:ats])
}

// cutRange consumes \d+(,\d+)? from the front of s.
func cutRange(s string) (string, bool) {
	s, ok := cutDigits(s)
	if !ok {
		return s, false
	}
	if strings.HasPrefix(s, ",") {
		if rest, ok := cutDigits(s[1:]); ok {
			s = rest
		}
	}
	return s, true
}

// cutDigits consumes one or more Unicode decimal digits.
func cutDigits(s string) (string, bool) {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsDigit(r) {
			break
		}
		i += size
	}
	return s[i:], i > 0
}
