package cachealign

import (
	"strings"
	"unicode/utf8"

	"github.com/headroom-go/headroom/internal/pycompat"
)

// The labels of volatile-content findings, stable for log consumers.
const (
	LabelUUID    = "uuid"
	LabelJWT     = "jwt"
	LabelISO8601 = "iso8601"
	LabelHexHash = "hex_hash"
)

// Finding is one volatile token found by DetectVolatile.
type Finding struct {
	// Label is LabelUUID, LabelJWT, LabelISO8601 or LabelHexHash.
	Label string
	// Sample is the token if it has at most 16 characters, else its first
	// 8 and last 4 around "...", so a secret is never logged whole.
	Sample string
}

const (
	sampleMaxRunes  = 16
	sampleHeadRunes = 8
	sampleTailRunes = 4
	uuidRunes       = 36
	uuidDashes      = 4
	uuidHexRunes    = 32
	jwtSegments     = 3
	jwtMinSegRunes  = 4
	isoMinRunes     = 8
)

// tokenTrimChars is the punctuation stripped from both ends of a
// whitespace-separated token before it is classified.
const tokenTrimChars = ".,;:!?\"'()[]{}<>"

// DetectVolatile finds volatile tokens in content the way the reference's
// current (detect-only) CacheAligner does: the text is split on Python
// whitespace, each piece is trimmed of surrounding punctuation, and a
// piece is reported if it parses as a canonical UUID, has the shape of a
// JWT, is accepted by Python's datetime.fromisoformat (a trailing Z read
// as +00:00), or is a 32/40/64-character hex number, checked in that
// order. It never changes anything.
func DetectVolatile(content string) []Finding {
	var out []Finding
	for _, raw := range strings.FieldsFunc(content, pycompat.IsPyWhitespace) {
		tok := strings.Trim(raw, tokenTrimChars)
		if tok == "" {
			continue
		}
		if label := classifyVolatile(tok); label != "" {
			out = append(out, Finding{Label: label, Sample: volatileSample(tok)})
		}
	}
	return out
}

func classifyVolatile(tok string) string {
	n := utf8.RuneCountInString(tok)
	switch {
	case isUUIDToken(tok, n):
		return LabelUUID
	case strings.IndexByte(tok, '.') >= 0 && isJWTShape(tok):
		return LabelJWT
	case isISO8601Token(tok, n):
		return LabelISO8601
	case (n == 32 || n == 40 || n == 64) && pyIntValidHex(tok):
		return LabelHexHash
	}
	return ""
}

func volatileSample(tok string) string {
	n := utf8.RuneCountInString(tok)
	if n <= sampleMaxRunes {
		return tok
	}
	head := 0
	for i := 0; i < sampleHeadRunes; i++ {
		_, w := utf8.DecodeRuneInString(tok[head:])
		head += w
	}
	tail := len(tok)
	for i := 0; i < sampleTailRunes; i++ {
		_, w := utf8.DecodeLastRuneInString(tok[:tail])
		tail -= w
	}
	return tok[:head] + "..." + tok[tail:]
}

// isUUIDToken is the reference's canonical-UUID test: 36 characters with
// exactly four dashes, accepted by uuid.UUID(), which drops "urn:",
// "uuid:", surrounding braces and every dash and then needs 32 characters
// that int(x, 16) accepts.
func isUUIDToken(tok string, n int) bool {
	if n != uuidRunes || strings.Count(tok, "-") != uuidDashes {
		return false
	}
	h := strings.ReplaceAll(tok, "urn:", "")
	h = strings.ReplaceAll(h, "uuid:", "")
	h = strings.Trim(h, "{}")
	h = strings.ReplaceAll(h, "-", "")
	return utf8.RuneCountInString(h) == uuidHexRunes && pyIntValidHex(h)
}

// isJWTShape: exactly two dots, three segments of at least four
// characters, each of which Python's urlsafe_b64decode accepts after
// padding with '='.
func isJWTShape(tok string) bool {
	if strings.Count(tok, ".") != jwtSegments-1 {
		return false
	}
	for seg := range strings.SplitSeq(tok, ".") {
		n := utf8.RuneCountInString(seg)
		if n < jwtMinSegRunes || n != len(seg) { // non-ASCII fails .encode("ascii")
			return false
		}
		if !lenientBase64OK(seg, (4-n%4)%4) {
			return false
		}
	}
	return true
}

// lenientBase64OK reports whether binascii.a2b_base64 in its default
// (non-strict) mode accepts seg followed by pad '=' characters, after the
// URL-safe alphabet is mapped to the standard one. Non-strict decoding
// skips characters outside the alphabet and stops at a complete padding
// sequence; it fails only when the data characters leave a partial group.
func lenientBase64OK(seg string, pad int) bool {
	quad, pads := 0, 0
	for i := 0; i < len(seg)+pad; i++ {
		c := byte('=')
		if i < len(seg) {
			c = seg[i]
		}
		if c == '=' {
			if quad >= 2 {
				pads++
				if quad+pads >= 4 {
					return true
				}
			}
			continue
		}
		if !isASCIIAlnum(c) && c != '+' && c != '/' && c != '-' && c != '_' {
			continue
		}
		pads = 0
		quad = (quad + 1) % 4
	}
	return quad == 0
}

// isISO8601Token: at least 8 characters, a 'T' or '-' somewhere, and
// accepted by datetime.fromisoformat once a trailing Z becomes +00:00.
func isISO8601Token(tok string, n int) bool {
	if n < isoMinRunes || !strings.ContainsAny(tok, "T-") {
		return false
	}
	if strings.HasSuffix(tok, "Z") {
		tok = tok[:len(tok)-1] + "+00:00"
	}
	return pyFromISOFormatOK(tok)
}
