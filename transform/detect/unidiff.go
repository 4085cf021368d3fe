package detect

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// IsDiff reports whether text parses as a unified diff that changes
// something: the parse succeeds and at least one file has at least one hunk.
// It reproduces the verdicts of the reference's parser (the unidiff 0.4.0
// crate), including the inputs on which that parser errors or panics, all
// of which are "not a diff":
//
//   - a "+++ " header while a file is open, or a hunk header with no file;
//   - a "+++ " header before any "--- " header;
//   - a hunk header whose numbers are Unicode digits other than ASCII or do
//     not fit in 64 bits.
//
// Combined-merge hunks ("@@@ ... @@@") are not recognised, as upstream.
// Empty text is not a diff. IsDiff does not allocate.
func IsDiff(text string) bool {
	var (
		sawSource bool // a "--- " header has been seen (it is never forgotten)
		fileOpen  bool // a "+++ " header opened a file not yet closed
		fileHunks bool // the open file has a hunk
		hunked    bool // some closed file had a hunk
	)
	for rest := text; rest != ""; {
		var line string
		line, rest = nextLine(rest)
		switch {
		case fileHeader(line, "--- "):
			sawSource = true
			if fileOpen {
				hunked = hunked || fileHunks
				fileOpen, fileHunks = false, false
			}
		case fileHeader(line, "+++ "):
			if fileOpen || !sawSource {
				return false
			}
			fileOpen = true
		default:
			h, ok := parseHunkHeader(line)
			if !ok {
				continue
			}
			if !fileOpen || !h.valid {
				return false
			}
			// The hunk is recorded whatever its body looks like: every
			// line parses as a body line, and a short body simply ends the
			// hunk early. The body lines are still visited by this loop as
			// possible headers, exactly as upstream does.
			fileHunks = true
		}
	}
	return hunked || (fileOpen && fileHunks)
}

// nextLine splits off the first line as Rust's str::lines does: at '\n',
// dropping a "\r" only when it precedes that '\n'. rest is "" after the
// last line, so a trailing newline yields no extra empty line.
func nextLine(s string) (line, rest string) {
	i := strings.IndexByte(s, '\n')
	if i < 0 {
		return s, ""
	}
	return strings.TrimSuffix(s[:i], "\r"), s[i+1:]
}

// fileHeader reports whether line matches `^<prefix>[^\t\n]+`: the prefix
// followed by at least one character that is not a tab.
func fileHeader(line, prefix string) bool {
	return len(line) > len(prefix) && strings.HasPrefix(line, prefix) && line[len(prefix)] != '\t'
}

// hunkHeader is the outcome of matching
// `^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@` (Unicode \d). valid is
// false when the digits would make the reference's usize parse fail.
type hunkHeader struct {
	valid bool
}

// parseHunkHeader matches a hunk header line. The upstream parser then
// parses each captured number as usize and panics if it cannot; the caller
// turns that into "not a diff" through h.valid.
func parseHunkHeader(line string) (h hunkHeader, ok bool) {
	rest, found := strings.CutPrefix(line, "@@ -")
	if !found {
		return h, false
	}
	h.valid = true
	numbers := func(s string) (string, bool) {
		// \d+ then an optional ,\d+ (tried only when digits follow the comma).
		n, s := leadingDigits(s)
		if n == "" {
			return s, false
		}
		h.valid = h.valid && fitsUsize(n)
		if after, ok := strings.CutPrefix(s, ","); ok {
			if m, tail := leadingDigits(after); m != "" {
				h.valid = h.valid && fitsUsize(m)
				s = tail
			}
		}
		return s, true
	}
	if rest, ok = numbers(rest); !ok {
		return h, false
	}
	if rest, ok = strings.CutPrefix(rest, " +"); !ok {
		return h, false
	}
	if rest, ok = numbers(rest); !ok {
		return h, false
	}
	return h, strings.HasPrefix(rest, " @@")
}

// leadingDigits splits off the longest prefix of Unicode decimal digits.
func leadingDigits(s string) (digits, rest string) {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsDigit(r) {
			break
		}
		i += size
	}
	return s[:i], s[i:]
}

// fitsUsize reports whether Rust's "…".parse::<usize>() accepts digits on a
// 64-bit target: ASCII only, at most 2^64-1.
func fitsUsize(digits string) bool {
	_, err := strconv.ParseUint(digits, 10, 64)
	return err == nil
}
