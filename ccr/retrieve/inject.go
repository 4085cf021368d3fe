package retrieve

import (
	"bytes"
	"container/list"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"github.com/headroom-go/headroom/internal/jsonx"
)

// HasTool reports whether the tools array already holds a tool named
// ToolName (by "name", else "function.name", else "type"), for example one a
// client registered through the MCP server. Absent tools (nil or "null")
// hold none. A value that is not a JSON array is an error.
func HasTool(tools []byte) (bool, error) {
	items, err := toolItems(tools)
	if err != nil {
		return false, err
	}
	for _, t := range items {
		if toolName(t) == ToolName {
			return true, nil
		}
	}
	return false, nil
}

func toolItems(tools []byte) ([]jsonx.Value, error) {
	if isAbsent(tools) {
		return nil, nil
	}
	v, err := jsonx.Parse(tools)
	if err != nil {
		return nil, fmt.Errorf("retrieve: tools: %w", err)
	}
	if v.Kind() != jsonx.Array {
		return nil, fmt.Errorf("retrieve: tools: got %v, want an array", v.Kind())
	}
	return v.Items(), nil
}

func isAbsent(tools []byte) bool {
	t := bytes.TrimSpace(tools)
	return len(t) == 0 || string(t) == "null"
}

// toolName extracts a tool's name the way the reference's sticky injector
// does: "name", then "function.name", then "type".
func toolName(t jsonx.Value) string {
	if s, ok := getStr(t, "name"); ok && s != "" {
		return s
	}
	if fn, ok := t.Get("function"); ok {
		if s, ok := getStr(fn, "name"); ok && s != "" {
			return s
		}
	}
	s, _ := getStr(t, "type")
	return s
}

// AppendTool returns tools with def appended as the last element. The bytes
// of the existing elements, and the whitespace between them, are kept
// exactly: only the closing bracket moves. Absent tools become [def]. The
// caller's slice is not modified.
func AppendTool(tools, def []byte) ([]byte, error) {
	if isAbsent(tools) {
		out := make([]byte, 0, len(def)+2)
		return append(append(append(out, '['), def...), ']'), nil
	}
	if _, err := toolItems(tools); err != nil {
		return nil, err
	}
	end := bytes.LastIndexByte(tools, ']')
	head := bytes.TrimRight(tools[:end], " \t\r\n")
	out := make([]byte, 0, len(tools)+len(def)+1)
	out = append(out, head...)
	if head[len(head)-1] != '[' {
		out = append(out, ',')
	}
	out = append(out, def...)
	return append(out, tools[end:]...), nil
}

// Decision says what Tracker.Apply did and why; it is what the proxy logs.
type Decision int

const (
	// Skip: no markers this turn and no earlier CCR in the session.
	Skip Decision = iota
	// SkipClientTool: the request already carries a headroom_retrieve tool.
	SkipClientTool
	// InjectFirstTime: markers this turn; the session is now sticky.
	InjectFirstTime
	// InjectStickyReplay: the session saw CCR before, so the tool stays,
	// with the exact bytes it had the first time, markers or not. Dropping
	// it would change the tools prefix and bust the provider's prompt cache.
	InjectStickyReplay
	// InjectNoSession: markers this turn, but no session to remember.
	InjectNoSession
)

var decisionNames = [...]string{"skip", "skip_client_tool", "inject_first_time", "inject_sticky_replay", "inject_no_session"}

func (d Decision) String() string {
	if int(d) < len(decisionNames) {
		return decisionNames[d]
	}
	return fmt.Sprintf("Decision(%d)", int(d))
}

// Injected reports whether the decision added the tool.
func (d Decision) Injected() bool { return d >= InjectFirstTime }

// ShouldInject is the proxy's gate before Tracker.Apply. Normally the tool
// is added only when injection is configured and no cached prefix is frozen
// (adding a tool to a cached prefix costs a cache write). Fresh markers
// override both: a marker the model cannot redeem is worse than one cache
// miss.
func ShouldInject(configured bool, frozenMessages int, hasMarkers bool) bool {
	return (configured && frozenMessages == 0) || hasMarkers
}

// DefaultMaxSessions bounds a Tracker created with a non-positive size.
const DefaultMaxSessions = 1000

// Tracker remembers, per provider and session, that the session has used
// CCR and which definition bytes it was given, so later turns replay the
// same tool. It is an LRU of bounded size and safe for concurrent use.
type Tracker struct {
	schema Schema
	max    int

	mu  sync.Mutex
	lru *list.List // of *session, most recent at the front
	idx map[sessionKey]*list.Element
}

type sessionKey struct {
	provider Provider
	id       string
}

type session struct {
	key    sessionKey
	golden []byte // the definition first injected; never changes
}

// NewTracker returns a Tracker that injects definitions with schema s and
// remembers at most maxSessions sessions (DefaultMaxSessions if ≤ 0).
func NewTracker(s Schema, maxSessions int) *Tracker {
	if maxSessions <= 0 {
		maxSessions = DefaultMaxSessions
	}
	return &Tracker{schema: s, max: maxSessions, lru: list.New(), idx: make(map[sessionKey]*list.Element)}
}

// ErrUnknownProvider is returned by Apply for a provider without a tool shape.
var ErrUnknownProvider = errors.New("retrieve: unknown provider")

// Apply decides whether this turn's request gets the tool and returns the
// tools array to send: the caller's bytes unchanged when it does not, or
// with the definition appended when it does. sessionID may be empty.
func (t *Tracker) Apply(p Provider, sessionID string, tools []byte, hasMarkers bool) ([]byte, Decision, error) {
	if p != Anthropic && p != OpenAI && p != Google {
		return nil, Skip, fmt.Errorf("%w %q", ErrUnknownProvider, p)
	}
	has, err := HasTool(tools)
	if err != nil {
		return nil, Skip, err
	}
	if has {
		return tools, SkipClientTool, nil
	}
	if sessionID == "" {
		if !hasMarkers {
			return tools, Skip, nil
		}
		out, err := AppendTool(tools, Definition(p, t.schema))
		return out, InjectNoSession, err
	}
	golden, seen := t.lookup(sessionKey{p, sessionID})
	decision := InjectStickyReplay
	if !seen {
		if !hasMarkers {
			return tools, Skip, nil
		}
		golden = t.remember(sessionKey{p, sessionID}, Definition(p, t.schema))
		decision = InjectFirstTime
	}
	out, err := AppendTool(tools, golden)
	return out, decision, err
}

func (t *Tracker) lookup(k sessionKey) ([]byte, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.idx[k]
	if !ok {
		return nil, false
	}
	t.lru.MoveToFront(e)
	return e.Value.(*session).golden, true
}

// remember records the session as done with def as its golden bytes,
// unless a concurrent request recorded it first; the first bytes win.
func (t *Tracker) remember(k sessionKey, def []byte) []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.idx[k]; ok {
		t.lru.MoveToFront(e)
		return e.Value.(*session).golden
	}
	t.idx[k] = t.lru.PushFront(&session{key: k, golden: def})
	for t.lru.Len() > t.max {
		oldest := t.lru.Back()
		t.lru.Remove(oldest)
		delete(t.idx, oldest.Value.(*session).key)
	}
	return def
}

// Len reports how many sessions the tracker remembers.
func (t *Tracker) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lru.Len()
}

// sessionPrefixRunes is how much of the system prompt identifies a session
// when the client sends no session header.
const sessionPrefixRunes = 500

// SessionID returns the session a request belongs to: the client's
// x-headroom-session-id header when present, else the first 16 hex digits
// of MD5(model + ":" + the first 500 characters of the system prompt), as
// the reference derives it.
func SessionID(header, model, systemPrompt string) string {
	if header != "" {
		return header
	}
	prefix := systemPrompt
	n := 0
	for i := range systemPrompt {
		if n == sessionPrefixRunes {
			prefix = systemPrompt[:i]
			break
		}
		n++
	}
	h := md5.New()
	h.Write([]byte(model))
	h.Write([]byte{':'})
	h.Write([]byte(prefix))
	var sum [md5.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0]))[:16]
}
