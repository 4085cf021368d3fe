// Package linescan walks text line by line the way Rust's str::lines does,
// without allocating: the pipeline's estimators and parsers were written
// against that iterator, and they run on every tool output, so building a
// []string first would cost an allocation per line for nothing.
package linescan

import "strings"

// Scanner yields the lines of a text: the pieces between '\n', with one
// '\r' dropped before each '\n', and no final empty piece when the text
// ends with a newline. The zero Scanner yields nothing.
type Scanner struct {
	rest string
}

// New returns a Scanner over s.
func New(s string) Scanner { return Scanner{rest: s} }

// Next returns the next line and true, or "" and false at the end.
func (sc *Scanner) Next() (string, bool) {
	if sc.rest == "" {
		return "", false
	}
	i := strings.IndexByte(sc.rest, '\n')
	if i < 0 {
		line := sc.rest
		sc.rest = ""
		return line, true
	}
	line := sc.rest[:i]
	sc.rest = sc.rest[i+1:]
	return strings.TrimSuffix(line, "\r"), true
}

// Count returns the number of lines in s.
func Count(s string) int {
	if s == "" {
		return 0
	}
	n := strings.Count(s, "\n")
	if s[len(s)-1] != '\n' {
		n++
	}
	return n
}
