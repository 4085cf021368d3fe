package tagprotect

import "strings"

// htmlElements are the HTML living standard's element names (the WHATWG
// index of elements), which Protect never touches.
var htmlElements = func() map[string]struct{} {
	names := []string{
		"html", "base", "head", "link", "meta", "style", "title", "body",
		"address", "article", "aside", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
		"header", "hgroup", "main", "nav", "section", "search",
		"blockquote", "dd", "div", "dl", "dt", "figcaption", "figure", "hr", "li",
		"menu", "ol", "p", "pre", "ul",
		"a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "dfn", "em",
		"i", "kbd", "mark", "q", "rp", "rt", "ruby", "s", "samp", "small", "span",
		"strong", "sub", "sup", "time", "u", "var", "wbr",
		"area", "audio", "img", "map", "track", "video",
		"embed", "iframe", "object", "param", "picture", "portal", "source",
		"svg", "math", "canvas", "noscript", "script", "del", "ins",
		"caption", "col", "colgroup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
		"button", "datalist", "fieldset", "form", "input", "label", "legend", "meter",
		"optgroup", "option", "output", "progress", "select", "textarea",
		"details", "dialog", "summary", "slot", "template",
	}
	m := make(map[string]struct{}, len(names))
	for _, n := range names {
		m[n] = struct{}{}
	}
	return m
}()

// maxHTMLName is the length of the longest HTML element name.
const maxHTMLName = len("blockquote")

// IsHTMLElement reports whether name, compared ignoring ASCII case, is an
// HTML5 element name; such tags are never protected.
func IsHTMLElement(name string) bool {
	if len(name) > maxHTMLName {
		return false
	}
	var buf [maxHTMLName]byte
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	_, ok := htmlElements[string(buf[:len(name)])]
	return ok
}

// tagKind is what parseTag found at a '<'.
type tagKind uint8

const (
	notTag tagKind = iota
	openTag
	selfClosingTag
	closeTag
)

// parseTag reads the tag starting at text[start] == '<'. It returns the
// kind, the tag name and the offset just past the tag's '>'.
func parseTag(text string, start int) (kind tagKind, name string, end int) {
	n := len(text)
	i := start + 1
	closing := i < n && text[i] == '/'
	if closing {
		i++
	}
	if i >= n || !isNameStart(text[i]) {
		return notTag, "", 0
	}
	nameStart := i
	for i++; i < n && isNameByte(text[i]); i++ {
	}
	name = text[nameStart:i]
	if closing {
		for i < n && isASCIISpace(text[i]) {
			i++
		}
		if i >= n || text[i] != '>' {
			return notTag, "", 0
		}
		return closeTag, name, i + 1
	}
	// Attributes: skip to '>' outside quotes. A '/' marks the tag
	// self-closing until whitespace or a quoted value follows it, so
	// "<a/ >" is an open tag and "<a href=x/y>" a self-closing one, as in
	// the reference.
	selfClosing := false
	for i < n {
		switch c := text[i]; c {
		case '>':
			if selfClosing {
				return selfClosingTag, name, i + 1
			}
			return openTag, name, i + 1
		case '/':
			selfClosing = true
			i++
		case '"', '\'':
			q := strings.IndexByte(text[i+1:], c)
			if q < 0 {
				return notTag, "", 0
			}
			i += q + 2
			selfClosing = false
		default:
			if isASCIISpace(c) {
				selfClosing = false
			}
			i++
		}
	}
	return notTag, "", 0
}

func isNameStart(c byte) bool {
	return 'a' <= c|0x20 && c|0x20 <= 'z' || c == '_'
}

func isNameByte(c byte) bool {
	return isNameStart(c) || '0' <= c && c <= '9' || c == '-' || c == '.' || c == ':'
}

// isASCIISpace is Rust's u8::is_ascii_whitespace: space, tab, line feed,
// form feed and carriage return, but not vertical tab.
func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// span is a byte range of the input to replace with a placeholder.
type span struct{ start, end int }

// open is a custom tag waiting for its close.
type open struct {
	name  string // as written; names are ASCII, compared with EqualFold
	start int    // offset of its '<'
}

// findSpans scans text once and returns the spans to replace, sorted and
// disjoint.
func findSpans(text string, mode Mode, st *Stats) []span {
	var spans []span
	var stack []open
	for i := 0; i < len(text); {
		lt := strings.IndexByte(text[i:], '<')
		if lt < 0 {
			break
		}
		i += lt
		kind, name, end := parseTag(text, i)
		if kind == notTag {
			i++
			continue
		}
		st.TagsSeen++
		if IsHTMLElement(name) {
			st.HTMLTagsSkipped++
			i = end
			continue
		}
		switch kind {
		case selfClosingTag:
			spans = append(spans, span{i, end})
			st.SelfClosing++
		case openTag:
			if mode == ModeMarkers {
				spans = append(spans, span{i, end})
			}
			stack = append(stack, open{name, i})
		case closeTag:
			m := len(stack) - 1
			for m >= 0 && !strings.EqualFold(stack[m].name, name) {
				m--
			}
			if m < 0 {
				st.OrphanCloses++
				break
			}
			st.CustomBlocks++
			if mode == ModeMarkers {
				// The tags opened inside the pair and never closed keep
				// their placeholders; they just cannot be matched any
				// more. (The reference also pops the entry below the
				// match, leaving the enclosing tag's close unprotected;
				// that is a bug this package does not copy.)
				stack = stack[:m]
				spans = append(spans, span{i, end})
				break
			}
			// ModeBlock: the pair becomes one span that swallows every
			// span recorded inside it and every unclosed tag between.
			openStart := stack[m].start
			stack = stack[:m]
			for len(spans) > 0 && spans[len(spans)-1].start >= openStart {
				spans = spans[:len(spans)-1]
			}
			spans = append(spans, span{openStart, end})
		}
		i = end
	}
	return spans
}
