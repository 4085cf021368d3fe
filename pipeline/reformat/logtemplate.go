package reformat

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/headroom-go/headroom/internal/pycompat"
	"github.com/headroom-go/headroom/pipeline/internal/linescan"
	"github.com/headroom-go/headroom/transform"
)

// LogTemplateName is the log template miner's step name.
const LogTemplateName = "log_template"

// wildcard marks a template position whose token varies across the run.
const wildcard = "<*>"

// LogTemplateConfig tunes LogTemplate. The TOML keys are those of the
// [reformat.log_template] section of the pipeline configuration.
type LogTemplateConfig struct {
	// MinLines is the line count below which a log is left alone: the
	// template header costs more than short logs can save.
	MinLines int `toml:"min_lines"`
	// MinRun is the fewest consecutive lines that are folded into one
	// template; shorter runs are emitted verbatim.
	MinRun int `toml:"min_run"`
	// SimilarityThreshold is the share of token positions (among lines
	// with the same number of tokens) that must agree with the run's
	// template for a line to join the run. In [0, 1].
	SimilarityThreshold float32 `toml:"similarity_threshold"`
	// MinConstantTokens is the fewest positions that must stay constant
	// across a run for it to be folded: a template of wildcards alone says
	// nothing.
	MinConstantTokens int `toml:"min_constant_tokens"`
}

// Validate reports the first field outside its documented range.
func (c LogTemplateConfig) Validate() error {
	switch {
	case c.MinLines < 0:
		return fmt.Errorf("min_lines must not be negative, got %d", c.MinLines)
	case c.MinRun < 0:
		return fmt.Errorf("min_run must not be negative, got %d", c.MinRun)
	case !(c.SimilarityThreshold >= 0 && c.SimilarityThreshold <= 1):
		return fmt.Errorf("similarity_threshold must be in [0, 1], got %v", c.SimilarityThreshold)
	case c.MinConstantTokens < 0:
		return fmt.Errorf("min_constant_tokens must not be negative, got %d", c.MinConstantTokens)
	}
	return nil
}

// LogTemplate is a simplified Drain miner: it folds runs of consecutive
// log lines that share a template (same token count, enough positions
// equal) into
//
//	[Template T1: <*> INFO worker <*> processing job <*>] (800 occurrences)
//	2025-01-15T12:34:56 1 42
//	2025-01-15T12:34:57 2 43
//	…
//
// Only consecutive lines fold, so the log's order is kept, and every folded
// line can be rebuilt from the template and its row. What is not kept is a
// folded line's exact spacing: tokens are split on white space and rejoined
// with single spaces, and a trailing '\r' is dropped, as in the reference.
type LogTemplate struct {
	cfg LogTemplateConfig
}

var _ transform.Reformatter = (*LogTemplate)(nil)

// NewLogTemplate validates cfg and returns a LogTemplate.
func NewLogTemplate(cfg LogTemplateConfig) (*LogTemplate, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("reformat: log_template: %w", err)
	}
	return &LogTemplate{cfg: cfg}, nil
}

// Name implements transform.Reformatter.
func (*LogTemplate) Name() string { return LogTemplateName }

// Reformat folds template runs in content. Empty content and content with
// fewer than MinLines lines are Skipped; when folding would not shorten
// the text, content is returned unchanged.
func (lt *LogTemplate) Reformat(content string) (string, error) {
	if content == "" {
		return "", transform.Skip(LogTemplateName, "empty input")
	}
	n := linescan.Count(content)
	if n < lt.cfg.MinLines {
		return "", transform.Skip(LogTemplateName, "input below min_lines")
	}
	lines := make([]string, 0, n)
	sc := linescan.New(content)
	for l, ok := sc.Next(); ok; l, ok = sc.Next() {
		lines = append(lines, l)
	}
	tokens := make([][]string, len(lines))
	for i, l := range lines {
		tokens[i] = pycompat.SplitWhitespace(l)
	}

	m := miner{cfg: &lt.cfg, lines: lines, tokens: tokens, nextID: 1}
	m.out.Grow(len(content))
	for i, toks := range tokens {
		if len(toks) == 0 {
			// A blank line ends any run and is kept as it is.
			m.flush()
			m.out.WriteString(lines[i])
			m.out.WriteByte('\n')
			continue
		}
		if m.open && m.extends(toks) {
			m.add(i, toks)
			continue
		}
		m.flush()
		m.start(i, toks)
	}
	m.flush()

	out := m.out.String()
	if !strings.HasSuffix(content, "\n") && strings.HasSuffix(out, "\n") {
		out = out[:len(out)-1]
	}
	if len(out) >= len(content) {
		return content, nil
	}
	return out, nil
}

// miner is the state of one Reformat call: the open run and the output.
type miner struct {
	cfg    *LogTemplateConfig
	lines  []string
	tokens [][]string
	out    strings.Builder
	nextID int

	open    bool
	members []int    // line indices in the run
	slots   []string // the run's template; wild[i] marks a varying slot
	wild    []bool
}

func (m *miner) start(i int, toks []string) {
	m.open = true
	m.members = append(m.members[:0], i)
	m.slots = append(m.slots[:0], toks...)
	m.wild = m.wild[:0]
	for range toks {
		m.wild = append(m.wild, false)
	}
}

// extends reports whether toks matches the run's template closely enough.
// Wildcard slots count as matches. The ratio is single precision because
// the reference compares an f32 quotient with the f32 threshold.
func (m *miner) extends(toks []string) bool {
	if len(toks) != len(m.slots) {
		return false
	}
	matches := 0
	for p, tok := range toks {
		if m.wild[p] || m.slots[p] == tok {
			matches++
		}
	}
	return float32(matches)/float32(len(toks)) >= m.cfg.SimilarityThreshold
}

func (m *miner) add(i int, toks []string) {
	m.members = append(m.members, i)
	for p, tok := range toks {
		if !m.wild[p] && m.slots[p] != tok {
			m.wild[p] = true
		}
	}
}

// flush emits the open run, folded when it qualifies, and closes it.
func (m *miner) flush() {
	if !m.open {
		return
	}
	m.open = false
	constant := 0
	for _, w := range m.wild {
		if !w {
			constant++
		}
	}
	varying := len(m.wild) - constant
	if len(m.members) < m.cfg.MinRun || constant < m.cfg.MinConstantTokens || varying == 0 {
		for _, i := range m.members {
			m.out.WriteString(m.lines[i])
			m.out.WriteByte('\n')
		}
		return
	}
	m.out.WriteString("[Template T")
	m.out.WriteString(strconv.Itoa(m.nextID))
	m.nextID++
	m.out.WriteString(": ")
	for p, s := range m.slots {
		if p > 0 {
			m.out.WriteByte(' ')
		}
		if m.wild[p] {
			s = wildcard
		}
		m.out.WriteString(s)
	}
	m.out.WriteString("] (")
	m.out.WriteString(strconv.Itoa(len(m.members)))
	m.out.WriteString(" occurrences)\n")
	for _, i := range m.members {
		first := true
		for p, tok := range m.tokens[i] {
			if !m.wild[p] {
				continue
			}
			if !first {
				m.out.WriteByte(' ')
			}
			m.out.WriteString(tok)
			first = false
		}
		m.out.WriteByte('\n')
	}
}
