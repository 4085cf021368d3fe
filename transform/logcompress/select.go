package logcompress

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/headroom-go/headroom/internal/pycompat"
	"github.com/headroom-go/headroom/transform/adaptive"
)

// minKeptLines is the adaptive sizer's floor (the reference's min_k).
const minKeptLines = 10

// selectLines returns the indices of the lines to keep, ascending.
func (c *Compressor) selectLines(lines []string, info []lineInfo, bias float64) []int {
	var errs, fails, warns, summaries []int
	var traces [][2]int // [start, end) runs of consecutive trace lines
	for i, li := range info {
		switch li.level {
		case errorLevel:
			errs = append(errs, i)
		case failLevel:
			fails = append(fails, i)
		case warnLevel:
			warns = append(warns, i)
		}
		if li.trace {
			if n := len(traces); n > 0 && traces[n-1][1] == i {
				traces[n-1][1] = i + 1
			} else {
				traces = append(traces, [2]int{i, i + 1})
			}
		}
		if li.summary {
			summaries = append(summaries, i)
		}
	}

	picked := make([]bool, len(lines))
	for _, i := range c.firstLastBest(errs, info) {
		picked[i] = true
	}
	for _, i := range c.firstLastBest(fails, info) {
		picked[i] = true
	}
	if c.cfg.DedupeWarnings {
		warns = dedupeWarnings(lines, warns)
	}
	for _, i := range warns[:min(len(warns), c.cfg.MaxWarnings)] {
		picked[i] = true
	}
	for _, t := range traces[:min(len(traces), c.cfg.MaxStackTraces)] {
		for i := t[0]; i < min(t[1], t[0]+c.cfg.StackTraceMaxLines); i++ {
			picked[i] = true
		}
	}
	if c.cfg.KeepSummaryLines {
		for _, i := range summaries {
			picked[i] = true
		}
	}

	// Context goes around the lines picked above, not around context lines.
	keep := slices.Clone(picked)
	ctx := c.cfg.ErrorContextLines
	for i, p := range picked {
		if p {
			for j := max(0, i-ctx); j < min(len(lines), i+ctx+1); j++ {
				keep[j] = true
			}
		}
	}
	var out []int
	for i, k := range keep {
		if k {
			out = append(out, i)
		}
	}

	// The adaptive cap is at least min(minKeptLines, MaxTotalLines) for
	// inputs of more than adaptive.SmallInput lines (and the line count
	// below), so the costly sizer runs only when the selection could
	// exceed it.
	floor := min(minKeptLines, c.cfg.MaxTotalLines)
	if len(lines) <= adaptive.SmallInput {
		floor = len(lines)
	}
	if len(out) <= floor {
		return out
	}
	limit := adaptive.OptimalK(lines, bias, minKeptLines, c.cfg.MaxTotalLines)
	if len(out) <= limit {
		return out
	}
	slices.SortStableFunc(out, func(a, b int) int {
		switch sa, sb := info[a].score, info[b].score; {
		case sa > sb:
			return -1
		case sa < sb:
			return 1
		}
		return a - b
	})
	out = out[:limit]
	slices.Sort(out)
	return out
}

// firstLastBest picks at most MaxErrors of idx: all when they fit, else
// the first and last (as configured, even beyond the cap) and then the
// highest-scoring others, earlier lines first among equal scores.
func (c *Compressor) firstLastBest(idx []int, info []lineInfo) []int {
	limit := c.cfg.MaxErrors
	if len(idx) <= limit {
		return idx
	}
	out := make([]int, 0, limit+2)
	if c.cfg.KeepFirstError {
		out = append(out, idx[0])
	}
	if c.cfg.KeepLastError && !slices.Contains(out, idx[len(idx)-1]) {
		out = append(out, idx[len(idx)-1])
	}
	if len(out) >= limit {
		return out
	}
	byScore := slices.Clone(idx)
	slices.SortStableFunc(byScore, func(a, b int) int {
		switch sa, sb := info[a].score, info[b].score; {
		case sa > sb:
			return -1
		case sa < sb:
			return 1
		}
		return a - b
	})
	for _, i := range byScore {
		if len(out) >= limit {
			break
		}
		if !slices.Contains(out[:min(len(out), 2)], i) {
			out = append(out, i)
		}
	}
	return out
}

// dedupeWarnings keeps the first warning of each normalised form.
func dedupeWarnings(lines []string, warns []int) []int {
	seen := make(map[string]struct{}, len(warns))
	out := warns[:0:0]
	for _, i := range warns {
		k := dedupeKey(lines[i])
		if _, dup := seen[k]; dup {
			continue
		}
		seen[k] = struct{}{}
		out = append(out, i)
	}
	return out
}

// dedupeKey keeps a warning's text up to its first ':' or '=' verbatim (the
// message kind) and normalises the rest: every run of decimal digits
// becomes "N", then every "/dir/…/" path prefix becomes "/PATH/". The
// reference also replaces 0x<hex> with "ADDR" after the digit pass, which
// can never match because the digit pass has already turned the "0" into
// "N"; it is omitted here.
func dedupeKey(line string) string {
	cut := strings.IndexAny(line, ":=")
	if cut < 0 {
		return line
	}
	var b strings.Builder
	b.Grow(len(line))
	b.WriteString(line[:cut])
	suffix := replaceDigitRuns(line[cut:])
	// /[\w/]+/ , leftmost and greedy: from a '/', take the longest run of
	// word runes and slashes and end the match at the run's last slash,
	// which must come after at least one run rune.
	for i := 0; i < len(suffix); {
		if suffix[i] != '/' {
			b.WriteByte(suffix[i])
			i++
			continue
		}
		j, lastSlash := i+1, -1
		for j < len(suffix) {
			r, size := utf8.DecodeRuneInString(suffix[j:])
			if r == '/' {
				if j > i+1 {
					lastSlash = j
				}
			} else if !pycompat.IsWordRune(r) {
				break
			}
			j += size
		}
		if lastSlash < 0 {
			b.WriteByte('/')
			i++
			continue
		}
		b.WriteString("/PATH/")
		i = lastSlash + 1
	}
	return b.String()
}

// replaceDigitRuns replaces each run of Unicode decimal digits with "N".
func replaceDigitRuns(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	inRun := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsDigit(r) {
			if !inRun {
				b.WriteByte('N')
			}
			inRun = true
		} else {
			inRun = false
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func countLevels(info []lineInfo) Stats {
	s := Stats{Total: len(info)}
	for _, li := range info {
		switch li.level {
		case errorLevel:
			s.Errors++
		case failLevel:
			s.Fails++
		case warnLevel:
			s.Warnings++
		case infoLevel:
			s.Info++
		}
	}
	return s
}

// render joins the kept lines and, when lines were left out and any of them
// had a level, appends "[N lines omitted: a ERROR, b FAIL, c WARN, d INFO]"
// (counts over all lines, zero counts left out).
func render(lines []string, keep []int, s Stats) string {
	size := 64
	for _, i := range keep {
		size += len(lines[i]) + 1
	}
	var b strings.Builder
	b.Grow(size)
	for n, i := range keep {
		if n > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(lines[i])
	}
	omitted := s.Total - len(keep)
	if omitted <= 0 || s.Errors+s.Fails+s.Warnings+s.Info == 0 {
		return b.String()
	}
	if len(keep) > 0 {
		b.WriteByte('\n')
	}
	b.WriteByte('[')
	b.WriteString(strconv.Itoa(omitted))
	b.WriteString(" lines omitted: ")
	sep := ""
	for _, p := range []struct {
		n     int
		label string
	}{{s.Errors, "ERROR"}, {s.Fails, "FAIL"}, {s.Warnings, "WARN"}, {s.Info, "INFO"}} {
		if p.n > 0 {
			b.WriteString(sep)
			b.WriteString(strconv.Itoa(p.n))
			b.WriteByte(' ')
			b.WriteString(p.label)
			sep = ", "
		}
	}
	b.WriteByte(']')
	return b.String()
}
