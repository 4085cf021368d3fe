package compaction

import (
	"unicode"
	"unicode/utf8"

	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/internal/pycompat"
)

// ClassifyConfig holds the thresholds that decide when a string is an
// opaque blob. Start from DefaultClassifyConfig: the zero value has
// EmitOpaqueMarkers off, so it classifies no string as opaque.
type ClassifyConfig struct {
	// OpaqueMinBytes: only strings longer than this many bytes can be
	// opaque.
	OpaqueMinBytes int
	// Base64AlphabetRatio is the share of [A-Za-z0-9+/=_-] characters
	// (counted against the byte length) above which a long string without
	// whitespace or angle brackets is base64.
	Base64AlphabetRatio float64
	// HTMLMinOpenBrackets is how many '<' (and how many '<' followed by a
	// letter, '/' or '!') make a long string HTML.
	HTMLMinOpenBrackets int
	// EmitOpaqueMarkers enables opaque classification at all. Off, long
	// strings stay scalars and are rendered verbatim, which keeps the
	// output marker-free.
	EmitOpaqueMarkers bool
}

// Reference defaults (ClassifyConfig::default) and the fixed base64 rules.
const (
	defaultOpaqueMinBytes      = 256
	defaultBase64AlphabetRatio = 0.95
	defaultHTMLMinOpenBrackets = 3
	base64MinBytes             = 64 // shorter strings are never base64
	base64MinDistinct          = 16 // real base64 uses most of its alphabet
)

// DefaultClassifyConfig returns the reference defaults: 256 bytes, 0.95,
// 3 brackets, markers on.
func DefaultClassifyConfig() ClassifyConfig {
	return ClassifyConfig{
		OpaqueMinBytes:      defaultOpaqueMinBytes,
		Base64AlphabetRatio: defaultBase64AlphabetRatio,
		HTMLMinOpenBrackets: defaultHTMLMinOpenBrackets,
		EmitOpaqueMarkers:   true,
	}
}

// Class is what Classify decided a value is.
type Class uint8

// The classes.
const (
	// ClassScalar: number, bool, null or an ordinary string; rendered as is.
	ClassScalar Class = iota
	// ClassObject: a JSON object (a table may flatten it into columns).
	ClassObject
	// ClassArray: a JSON array (compacted on its own when it holds objects).
	ClassArray
	// ClassStringifiedJSON: a string whose text is a JSON object or array.
	ClassStringifiedJSON
	// ClassOpaque: a long string to be replaced by a marker.
	ClassOpaque
)

// Classification is Classify's verdict.
type Classification struct {
	Class  Class
	Parsed jsonx.Value // ClassStringifiedJSON: the parsed container
	Kind   OpaqueKind  // ClassOpaque
}

// Classify decides how a cell is compacted. It is deterministic and never
// fails: anything it cannot place is a scalar.
func Classify(v jsonx.Value, cfg *ClassifyConfig) Classification {
	switch v.Kind() {
	case jsonx.Object:
		return Classification{Class: ClassObject}
	case jsonx.Array:
		return Classification{Class: ClassArray}
	case jsonx.String:
		s, _ := v.Str()
		return ClassifyString(s, cfg)
	}
	return Classification{Class: ClassScalar}
}

// ClassifyString is Classify for a string value.
func ClassifyString(s string, cfg *ClassifyConfig) Classification {
	if parsed, ok := ParseContainer(s); ok {
		return Classification{Class: ClassStringifiedJSON, Parsed: parsed}
	}
	if kind, ok := OpaqueKindOf(s, cfg); ok {
		return Classification{Class: ClassOpaque, Kind: kind}
	}
	return Classification{Class: ClassScalar}
}

// OpaqueKindOf reports whether s, taken as a plain string (not as JSON),
// is opaque under cfg and what it looks like.
func OpaqueKindOf(s string, cfg *ClassifyConfig) (OpaqueKind, bool) {
	if len(s) <= cfg.OpaqueMinBytes || !cfg.EmitOpaqueMarkers {
		return "", false
	}
	if looksBase64(s, cfg.Base64AlphabetRatio) {
		return KindBase64, true
	}
	if looksHTML(s, cfg.HTMLMinOpenBrackets) {
		return KindHTML, true
	}
	return KindLongString, true
}

// ParseContainer parses s when, after leading whitespace, it starts like a
// JSON object or array and is one. Strings like "123" or "true" parse as
// JSON too but are not containers, so they stay strings.
func ParseContainer(s string) (jsonx.Value, bool) {
	t := pycompat.TrimStart(s)
	if t == "" || (t[0] != '{' && t[0] != '[') {
		return jsonx.Value{}, false
	}
	v, err := jsonx.ParseString(s)
	if err != nil || (v.Kind() != jsonx.Object && v.Kind() != jsonx.Array) {
		return jsonx.Value{}, false
	}
	return v, true
}

func isBase64Byte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
		c == '+' || c == '/' || c == '=' || c == '_' || c == '-'
}

func looksBase64(s string, ratio float64) bool {
	if len(s) < base64MinBytes {
		return false
	}
	alphabet := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '<' || c == '>' || unicode.IsSpace(rune(c)):
				return false
			case isBase64Byte(c):
				alphabet++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			return false
		}
		i += size
	}
	// The reference divides a character count by the byte length, so
	// multi-byte text lowers the share faster than one might expect.
	if float64(alphabet)/float64(len(s)) < ratio {
		return false
	}
	var seenASCII [utf8.RuneSelf]bool
	var other map[rune]struct{}
	distinct := 0
	for _, r := range s {
		if r < utf8.RuneSelf {
			if seenASCII[r] {
				continue
			}
			seenASCII[r] = true
		} else {
			if other == nil {
				other = make(map[rune]struct{})
			}
			if _, ok := other[r]; ok {
				continue
			}
			other[r] = struct{}{}
		}
		if distinct++; distinct >= base64MinDistinct {
			return true
		}
	}
	return false
}

func looksHTML(s string, minOpen int) bool {
	opens, tags := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] != '<' {
			continue
		}
		opens++
		if i+1 < len(s) {
			c := s[i+1]
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/' || c == '!' {
				tags++
			}
		}
	}
	return opens >= minOpen && tags >= minOpen
}
