// Package tagprotect keeps custom XML-like workflow tags (<system-reminder>,
// <tool_call>, <thinking>, <headroom:digest/> …) intact across a lossy text
// compressor. Protect swaps each custom tag span for an opaque placeholder
// such as {{HEADROOM_TAG_0}}; the compressor runs on the cleaned text;
// Restore swaps the originals back in. Standard HTML5 elements are not
// protected: they are markup for a different layer, not workflow structure.
//
// Tags are recognised by a single left-to-right scan with a stack of open
// custom tags, so the cost is linear in the input, nesting depth included.
package tagprotect

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Mode says what of a matched custom tag pair is hidden from the
// compressor.
type Mode uint8

const (
	// ModeBlock replaces each outermost <tag>…</tag> span, body and nested
	// tags included, with one placeholder: the compressor never sees the
	// body. It is the zero Mode.
	ModeBlock Mode = iota
	// ModeMarkers replaces the opening and the closing tag separately, so the
	// compressor may shorten the body while the boundaries survive.
	ModeMarkers
)

// String returns "block" or "markers".
func (m Mode) String() string {
	switch m {
	case ModeBlock:
		return "block"
	case ModeMarkers:
		return "markers"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// Config configures a Protector. The zero Config protects whole blocks.
type Config struct {
	// Mode selects block or marker protection; the zero value is ModeBlock.
	Mode Mode
}

// DefaultConfig returns the reference default: ModeBlock.
func DefaultConfig() Config { return Config{Mode: ModeBlock} }

// ErrInvalidConfig is wrapped by every error New returns.
var ErrInvalidConfig = errors.New("tagprotect: invalid config")

// ErrPlaceholderCollision is returned by Protect when the text already
// contains every placeholder prefix it could use. Protecting anyway would
// make Restore replace text that was never a tag.
var ErrPlaceholderCollision = errors.New("tagprotect: text contains every placeholder prefix")

// Block is one protected span: Placeholder stands for Original in the
// cleaned text.
type Block struct {
	Placeholder string
	Original    string
}

// Stats counts what one Protect call saw.
type Stats struct {
	// TagsSeen counts well-formed opening, closing and self-closing tags.
	TagsSeen int
	// HTMLTagsSkipped counts tags named after an HTML5 element.
	HTMLTagsSkipped int
	// CustomBlocks counts matched custom open/close pairs (in ModeBlock,
	// nested pairs count too although only the outermost gets a
	// placeholder).
	CustomBlocks int
	// SelfClosing counts protected self-closing custom tags.
	SelfClosing int
	// OrphanCloses counts custom closing tags with no open tag to match;
	// they stay in the text verbatim.
	OrphanCloses int
	// PrefixSalted is true when the text contained the default placeholder
	// prefix, so a salted one was used.
	PrefixSalted bool
}

// Result is the outcome of Protect.
type Result struct {
	// Text is the input with every protected span replaced by its
	// placeholder.
	Text string
	// Blocks lists the replaced spans left to right; placeholders are
	// numbered from 0 in the same order.
	Blocks []Block
	// Stats describes the scan.
	Stats Stats
}

// Protector protects tags. It holds only its configuration and is safe for
// concurrent use.
type Protector struct {
	cfg Config
}

// New validates cfg and returns a Protector.
func New(cfg Config) (*Protector, error) {
	if cfg.Mode != ModeBlock && cfg.Mode != ModeMarkers {
		return nil, fmt.Errorf("%w: unknown mode %d", ErrInvalidConfig, cfg.Mode)
	}
	return &Protector{cfg: cfg}, nil
}

// Config returns the configuration the Protector was built with.
func (p *Protector) Config() Config { return p.cfg }

// Placeholder spelling. The braces make a placeholder look unlike anything
// a workflow tag or prose would contain; a salt is inserted when the text
// already contains the default prefix.
const (
	defaultPrefix  = "{{HEADROOM_TAG_"
	fallbackPrefix = "{{HEADROOM_TAG_FALLBACK_a4f1c7e2_"
	suffix         = "}}"
	saltAttempts   = 16
)

// Protect replaces custom tag spans in text with placeholders.
//
// A tag is '<', an optional '/', a name (an ASCII letter or '_', then ASCII
// letters, digits and "_-.:"), and for a closing tag optional ASCII
// whitespace and '>'; an opening tag runs to the first '>' outside a
// quoted attribute value, and is self-closing when the last byte before
// that '>' that is neither whitespace nor part of a quoted value is '/'.
// Anything else starting with '<' is text. Names are compared
// case-insensitively (ASCII).
//
// Self-closing custom tags are always replaced. A closing custom tag
// matches the nearest open tag of the same name: in ModeBlock the whole
// span from that open tag to the close becomes one placeholder (absorbing
// any spans inside it and any unclosed tags between); in ModeMarkers the
// open and close tags get a placeholder each. Closing tags without an open
// tag stay verbatim, and so do open tags never closed in ModeBlock (in
// ModeMarkers every custom open tag is replaced as soon as it is seen).
//
// The only error is ErrPlaceholderCollision; the Result is then empty.
func (p *Protector) Protect(text string) (Result, error) {
	if text == "" || strings.IndexByte(text, '<') < 0 {
		return Result{Text: text}, nil
	}
	prefix, salted, ok := pickPrefix(text)
	if !ok {
		return Result{}, ErrPlaceholderCollision
	}
	res := Result{Stats: Stats{PrefixSalted: salted}}
	spans := findSpans(text, p.cfg.Mode, &res.Stats)
	if len(spans) == 0 {
		res.Text = text
		return res, nil
	}

	var b strings.Builder
	b.Grow(len(text) + len(spans)*(len(prefix)+len(suffix)+2))
	// Placeholders are sliced out of the output once it is built, so the
	// blocks share its memory instead of allocating a string each.
	bounds := make([][2]int, len(spans))
	var num []byte
	cursor := 0
	for k, s := range spans {
		b.WriteString(text[cursor:s.start])
		bounds[k][0] = b.Len()
		b.WriteString(prefix)
		num = strconv.AppendInt(num[:0], int64(k), 10)
		b.Write(num)
		b.WriteString(suffix)
		bounds[k][1] = b.Len()
		cursor = s.end
	}
	b.WriteString(text[cursor:])
	res.Text = b.String()
	res.Blocks = make([]Block, len(spans))
	for k, s := range spans {
		res.Blocks[k] = Block{Placeholder: res.Text[bounds[k][0]:bounds[k][1]], Original: text[s.start:s.end]}
	}
	return res, nil
}

// pickPrefix returns the default prefix, or the first salted prefix the
// text does not contain, or the fallback prefix; ok is false when the text
// contains even that.
func pickPrefix(text string) (prefix string, salted, ok bool) {
	if !strings.Contains(text, defaultPrefix) {
		return defaultPrefix, false, true
	}
	for salt := range saltAttempts {
		candidate := defaultPrefix + strconv.Itoa(salt) + "_"
		if !strings.Contains(text, candidate) {
			return candidate, true, true
		}
	}
	if strings.Contains(text, fallbackPrefix) {
		return "", true, false
	}
	return fallbackPrefix, true, true
}

// Restore puts the originals back: for each block in order, every
// occurrence of its placeholder in text is replaced by its original. A
// placeholder the compressor dropped or rewrote cannot be restored; its
// block is returned in lost and nothing is re-inserted for it, since
// re-inserting an opening tag without its body or closing tag would leave
// malformed structure. Callers should treat a non-empty lost as corruption
// worth logging.
//
// Restore of a Protect result with nothing changed in between returns the
// original text. Blocks made by Protect are restored in one pass over
// text; other blocks are replaced one after another, one pass per block,
// which gives the same result where both apply.
func Restore(text string, blocks []Block) (restored string, lost []Block) {
	if prefix, ok := onePassPrefix(blocks); ok {
		return restoreOnePass(text, blocks, prefix)
	}
	return restoreSequential(text, blocks)
}

// restoreSequential is the definition of Restore.
func restoreSequential(text string, blocks []Block) (string, []Block) {
	var lost []Block
	for _, b := range blocks {
		if b.Placeholder == "" || !strings.Contains(text, b.Placeholder) {
			lost = append(lost, b)
			continue
		}
		text = strings.ReplaceAll(text, b.Placeholder, b.Original)
	}
	return text, lost
}

// onePassPrefix reports whether blocks can be restored in one pass, and
// the placeholder prefix they share. That holds when every placeholder is
// prefix + decimal number + suffix for one of the prefixes Protect uses,
// and every original is a tag span ('<' … '>') without the prefix in it:
// then placeholder occurrences never overlap (the prefixes have no proper
// suffix that is also a prefix, and '{' occurs in neither digits nor
// suffix), and putting an original in place cannot form a new occurrence
// (one would have to contain the original's '<' or '>', or lie inside it).
// So replacing each block in turn changes exactly the occurrences present
// in the input, as a single scan does.
func onePassPrefix(blocks []Block) (string, bool) {
	if len(blocks) == 0 {
		return "", false
	}
	prefix := placeholderPrefix(blocks[0].Placeholder)
	if !isProtectPrefix(prefix) {
		return "", false
	}
	for _, b := range blocks {
		if placeholderPrefix(b.Placeholder) != prefix || len(b.Original) < 2 ||
			b.Original[0] != '<' || b.Original[len(b.Original)-1] != '>' ||
			strings.Contains(b.Original, prefix) {
			return "", false
		}
	}
	return prefix, true
}

// placeholderPrefix returns p's prefix when p is prefix + digits + suffix,
// else "".
func placeholderPrefix(p string) string {
	body, ok := strings.CutSuffix(p, suffix)
	if !ok {
		return ""
	}
	end := len(body)
	for end > 0 && '0' <= body[end-1] && body[end-1] <= '9' {
		end--
	}
	if end == len(body) {
		return ""
	}
	return body[:end]
}

func isProtectPrefix(p string) bool {
	if p == defaultPrefix || p == fallbackPrefix {
		return true
	}
	salt, ok := strings.CutPrefix(p, defaultPrefix)
	if !ok {
		return false
	}
	salt, ok = strings.CutSuffix(salt, "_")
	n, err := strconv.Atoi(salt)
	return ok && err == nil && 0 <= n && n < saltAttempts && strconv.Itoa(n) == salt
}

// restoreOnePass scans text once for prefix and replaces each complete
// placeholder with the original of the first block that names it.
func restoreOnePass(text string, blocks []Block, prefix string) (string, []Block) {
	index := make(map[string]int, len(blocks))
	for i, b := range blocks {
		if _, dup := index[b.Placeholder]; !dup {
			index[b.Placeholder] = i
		}
	}
	used := make([]bool, len(blocks))
	var out strings.Builder
	cursor := 0
	for i := 0; ; {
		at := strings.Index(text[i:], prefix)
		if at < 0 {
			break
		}
		start := i + at
		end := start + len(prefix)
		for end < len(text) && '0' <= text[end] && text[end] <= '9' {
			end++
		}
		i = start + len(prefix)
		if end == i || !strings.HasPrefix(text[end:], suffix) {
			continue
		}
		end += len(suffix)
		k, ok := index[text[start:end]]
		if !ok {
			continue
		}
		if out.Len() == 0 {
			out.Grow(len(text) + len(text)/2)
		}
		out.WriteString(text[cursor:start])
		out.WriteString(blocks[k].Original)
		used[k] = true
		cursor, i = end, end
	}
	var lost []Block
	for k, b := range blocks {
		if !used[k] {
			lost = append(lost, b)
		}
	}
	if cursor == 0 {
		return text, lost
	}
	out.WriteString(text[cursor:])
	return out.String(), lost
}
