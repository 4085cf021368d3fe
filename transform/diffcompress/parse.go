package diffcompress

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// hunk is one @@ section. lines are substrings of the input.
type hunk struct {
	header    string
	lines     []string
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
	for _, line := range lines {
		if isFileHeader(line) {
			closeHunk()
			p.files = append(p.files, file{header: line})
			cur = &p.files[len(p.files)-1]
			continue
		}
		if cur == nil {
			p.preDiff = append(p.preDiff, line)
			continue
		}
		switch {
		case strings.HasPrefix(line, "new file mode"):
			cur.isNew = true
		case strings.HasPrefix(line, "deleted file mode"):
			cur.isDeleted = true
		case strings.HasPrefix(line, "rename "), strings.HasPrefix(line, "similarity "),
			strings.HasPrefix(line, "copy "), strings.HasPrefix(line, "dissimilarity "):
			cur.renames = append(cur.renames, line)
		case isBinaryLine(line):
			cur.isBinary = true
		}
		// These checks run before hunk content on purpose (reference
		// order): a removed line reading "-- a/x" is taken as the file's
		// "--- a/x" header.
		if isOldFileLine(line) {
			cur.oldFile = line
			continue
		}
		if isNewFileLine(line) {
			cur.newFile = line
			continue
		}
		if isHunkHeader(line) {
			closeHunk()
			h = &hunk{header: line}
			continue
		}
		if h == nil {
			continue
		}
		switch {
		case strings.HasPrefix(line, "+") && !strings.HasPrefix(line, "+++"):
			h.additions++
		case strings.HasPrefix(line, "-") && !strings.HasPrefix(line, "---"):
			h.deletions++
		}
		h.lines = append(h.lines, line)
	}
	closeHunk()
	// cur points into p.files; appending to p.files above could move the
	// backing array, but cur is re-taken after every append.
	return p
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
