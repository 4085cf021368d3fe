// Package authmode classifies who pays for an LLM request from its headers
// and maps that class to the compression policy the proxy runs under.
//
// The class decides whether the proxy may change request bytes for cache
// stability at all: only pay-as-you-go callers (who pay per input token and
// gain from every cache hit) get the tool sort, schema key sort and cache
// key rewrites; OAuth and subscription clients are forwarded byte-equal,
// because an intermediary that rewrites their prompts can look like cache
// evasion to the provider.
//
// Classification is a pure, allocation-free function of a few headers. It
// never fails: unreadable values are treated as absent and reported back so
// the caller can log them.
package authmode

import "fmt"

// Mode is the billing class of a request. The zero Mode is Payg, which is
// also the class of a request that carries no credentials at all.
type Mode uint8

// The three classes, in the reference's order.
const (
	// Payg is a per-token API key (Anthropic x-api-key or sk-ant-api,
	// OpenAI sk-, Gemini x-goog-api-key) or an unrecognised caller.
	Payg Mode = iota
	// OAuth is a bearer token of a fixed-price plan (sk-ant-oat, a JWT),
	// or any non-Bearer Authorization scheme such as SigV4 or Basic.
	OAuth
	// Subscription is a known CLI or IDE client identified by User-Agent,
	// whatever token it carries.
	Subscription
)

var modeNames = [...]string{"payg", "oauth", "subscription"}

// String returns the wire form used in logs and metric labels: "payg",
// "oauth" or "subscription".
func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// ParseMode is the inverse of String. It is exact: the wire forms are
// lowercase and nothing else is accepted.
func ParseMode(s string) (Mode, error) {
	for i, name := range modeNames {
		if s == name {
			return Mode(i), nil
		}
	}
	return 0, fmt.Errorf("authmode: unknown mode %q (want payg, oauth or subscription)", s)
}

// Headers gives read access to request headers. Values returns every value
// of the named header in arrival order, or nil when it is absent; a header
// sent with an empty value is present. Names are passed in canonical MIME
// form ("User-Agent", "X-Api-Key"). net/http's Header satisfies it, so
// library code can classify without importing net/http.
type Headers interface {
	Values(name string) []string
}

// HeaderFunc adapts a lookup function to Headers.
type HeaderFunc func(name string) []string

// Values calls f(name).
func (f HeaderFunc) Values(name string) []string { return f(name) }

// Header names read by the classifier, in canonical form.
const (
	HeaderUserAgent     = "User-Agent"
	HeaderAuthorization = "Authorization"
	HeaderAPIKey        = "X-Api-Key"
	HeaderGoogAPIKey    = "X-Goog-Api-Key"
)

// Log event names for the caller. The classifier itself never logs.
const (
	// EventClassified is logged at debug with the mode of every request.
	EventClassified = "auth_mode_classified"
	// EventPolicySelected is logged at debug with the resolved Policy.
	EventPolicySelected = "policy_selected"
	// EventUnparseableUserAgent is a warning for Result.BadUserAgent.
	EventUnparseableUserAgent = "auth_mode_classify_unparseable_user_agent"
	// EventUnparseableAuthorization is a warning for Result.BadAuthorization.
	EventUnparseableAuthorization = "auth_mode_classify_unparseable_authorization"
)

// Result is a classification and what the classifier had to ignore.
type Result struct {
	Mode Mode
	// BadUserAgent is set when User-Agent held a byte outside visible
	// ASCII and tab; it was then treated as empty.
	BadUserAgent bool
	// BadAuthorization is the same for Authorization.
	BadAuthorization bool
}

// subscriptionAgents are the User-Agent fragments of CLI and IDE clients.
// They match anywhere in the value, case-insensitively, because some CLIs
// prepend their parent agent's product token to their own.
var subscriptionAgents = [...]string{
	"claude-cli/",
	"claude-code/",
	"codex-cli/",
	"cursor/",
	"claude-vscode/",
	"github-copilot/",
	"anthropic-cli/",
	"antigravity/",
}

// Token shapes inside "Bearer <token>".
const (
	bearerPrefix     = "Bearer " // case-sensitive, one space, as in the reference
	oauthTokenPrefix = "sk-ant-oat"
	payTokenPrefix   = "sk-" // also covers sk-ant-api
)

// Classify derives the Mode from h. Rules, first match wins:
//
//  1. User-Agent contains a known CLI/IDE fragment → Subscription (even
//     with an API key: the client, not the token, decides how it must be
//     treated).
//  2. Authorization "Bearer <token>": sk-ant-oat… → OAuth; sk-… → Payg;
//     at least two dots (a JWT) → OAuth; any other token falls through.
//     A non-empty Authorization that is not "Bearer " (SigV4, Basic,
//     lowercase "bearer") → OAuth.
//  3. X-Api-Key or X-Goog-Api-Key present, even empty → Payg.
//  4. Otherwise Payg.
//
// Only the first value of each header counts. A value with a byte outside
// visible ASCII (0x20–0x7E) and tab counts as empty, the way the reference's
// header type refuses to read it; non-ASCII user agents therefore never
// match rule 1. Classify does not allocate.
func Classify(h Headers) Result {
	var r Result
	ua, ok := first(h, HeaderUserAgent)
	if !ok {
		r.BadUserAgent = true
	}
	if isSubscriptionAgent(ua) {
		r.Mode = Subscription
		return r
	}

	auth, ok := first(h, HeaderAuthorization)
	if !ok {
		r.BadAuthorization = true
	}
	if len(auth) >= len(bearerPrefix) && auth[:len(bearerPrefix)] == bearerPrefix {
		token := auth[len(bearerPrefix):]
		switch {
		case hasPrefix(token, oauthTokenPrefix):
			r.Mode = OAuth
			return r
		case hasPrefix(token, payTokenPrefix):
			r.Mode = Payg
			return r
		case countByte(token, '.') >= 2:
			r.Mode = OAuth
			return r
		}
	} else if auth != "" {
		r.Mode = OAuth
		return r
	}

	// X-Api-Key, X-Goog-Api-Key and the default all mean Payg; the
	// explicit checks exist in the reference only to document intent.
	r.Mode = Payg
	return r
}

// first returns the first value of name. ok is false when the value had to
// be discarded as unreadable (the returned string is then empty).
func first(h Headers, name string) (v string, ok bool) {
	vals := h.Values(name)
	if len(vals) == 0 {
		return "", true
	}
	v = vals[0]
	if !VisibleASCII(v) {
		return "", false
	}
	return v, true
}

// VisibleASCII reports whether every byte of s is visible ASCII (0x20–0x7E)
// or a horizontal tab: the values the reference can read as text. Other
// header-reading code (session keys) applies the same rule.
func VisibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 && c != '\t') || c > 0x7e {
			return false
		}
	}
	return true
}

func hasPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && s[:len(prefix)] == prefix
}

func countByte(s string, c byte) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
		}
	}
	return n
}

// isSubscriptionAgent reports whether ua contains one of subscriptionAgents,
// ignoring ASCII case. Every fragment ends in '/', and a user agent has only
// a few slashes, so it compares the text ending at each slash instead of
// searching for eight needles.
func isSubscriptionAgent(ua string) bool {
	for i := 0; i < len(ua); i++ {
		if ua[i] != '/' {
			continue
		}
		for _, frag := range subscriptionAgents {
			start := i + 1 - len(frag)
			if start >= 0 && equalFoldASCII(ua[start:i], frag[:len(frag)-1]) {
				return true
			}
		}
	}
	return false
}

// equalFoldASCII reports whether s equals lowercase-ASCII want after
// lowering ASCII letters in s.
func equalFoldASCII(s, want string) bool {
	if len(s) != len(want) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lower(s[i]) != want[i] {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}
