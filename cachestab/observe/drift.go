package observe

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"github.com/headroom-go/headroom/authmode"
	"github.com/headroom-go/headroom/cachestab"
	"github.com/headroom-go/headroom/internal/jsonx"
)

// Fingerprint is the structural hash of a request's cache hot zone: one
// SHA-256 per dimension, each over compact JSON, so whitespace and escape
// spelling on the wire do not count as drift.
type Fingerprint struct {
	System, Tools, EarlyMessages [sha256.Size]byte
}

// earlyMessages is how many leading messages count as cached history; the
// turns after them are the live zone, where change is expected.
const earlyMessages = 3

// FingerprintOf hashes body's hot zone for its endpoint:
//
//   - System: Messages "system"; ChatCompletions the whole first message
//     whose role is "system"; Responses "instructions"; null when absent.
//   - Tools: "tools", or null.
//   - EarlyMessages: an array of the first three items of "messages"
//     (ChatCompletions leaves out role "system" messages, which System
//     covers) or, for Responses, of "input"; null when that key is absent
//     or not an array.
//
// For the zero Endpoint System and EarlyMessages hash null. FingerprintOf
// does not modify body.
func FingerprintOf(body jsonx.Value, ep cachestab.Endpoint) Fingerprint {
	b := scratchPool.Get().(*scratch)
	defer b.release()
	var f Fingerprint

	var system jsonx.Value
	switch ep {
	case cachestab.Messages:
		system, _ = body.Get("system")
	case cachestab.ChatCompletions:
		msgs, _ := body.Get("messages")
		for _, m := range msgs.Items() {
			if isRole(m, "system") {
				system = m
				break
			}
		}
	case cachestab.Responses:
		system, _ = body.Get("instructions")
	}
	f.System = b.sum(system)

	tools, _ := body.Get("tools")
	f.Tools = b.sum(tools)

	field := "messages"
	if ep == cachestab.Responses {
		field = "input"
	}
	arr, ok := body.Get(field)
	if !ok || arr.Kind() != jsonx.Array || ep == 0 {
		f.EarlyMessages = b.sum(jsonx.Value{})
		return f
	}
	b.buf = append(b.buf[:0], '[')
	n := 0
	for _, m := range arr.Items() {
		if n == earlyMessages {
			break
		}
		// A message without a string role is kept, as in the reference.
		if ep == cachestab.ChatCompletions && isRole(m, "system") {
			continue
		}
		if n > 0 {
			b.buf = append(b.buf, ',')
		}
		b.buf = jsonx.AppendCompact(b.buf, m)
		n++
	}
	b.buf = append(b.buf, ']')
	f.EarlyMessages = sha256.Sum256(b.buf)
	return f
}

func isRole(m jsonx.Value, role string) bool {
	r, ok := m.Get("role")
	if !ok {
		return false
	}
	s, ok := r.Str()
	return ok && s == role
}

// Prefix is the log form of a fingerprint: hex of the first 12 bytes of
// SHA-256 over the three digests.
func (f Fingerprint) Prefix() string {
	h := sha256.New()
	h.Write(f.System[:])
	h.Write(f.Tools[:])
	h.Write(f.EarlyMessages[:])
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:fingerprintPrefixBytes])
}

const fingerprintPrefixBytes = 12

// Dims is a set of drifted dimensions.
type Dims uint8

// The dimensions, in the fixed order String lists them.
const (
	DimSystem Dims = 1 << iota
	DimTools
	DimEarlyMessages
)

// String returns the drift_dims field: the drifted dimensions
// comma-joined in the order system, tools, early_messages.
func (d Dims) String() string {
	return dimsNames[d&7]
}

var dimsNames = func() (t [8]string) {
	names := [...]string{"system", "tools", "early_messages"}
	for d := range t {
		for i, n := range names {
			if d&(1<<i) != 0 {
				if t[d] != "" {
					t[d] += ","
				}
				t[d] += n
			}
		}
	}
	return t
}()

// DiffDims returns the dimensions in which a and b differ.
func DiffDims(a, b Fingerprint) Dims {
	var d Dims
	if a.System != b.System {
		d |= DimSystem
	}
	if a.Tools != b.Tools {
		d |= DimTools
	}
	if a.EarlyMessages != b.EarlyMessages {
		d |= DimEarlyMessages
	}
	return d
}

// DriftKind says what Observe saw.
type DriftKind uint8

// Observation outcomes.
const (
	// FirstRequest: the session was not tracked. Info event
	// cache_drift_first_request.
	FirstRequest DriftKind = iota + 1
	// Stable: same fingerprint as last time. No event.
	Stable
	// Drift: the fingerprint changed. Warn event cache_drift_observed.
	Drift
)

// Log event names of the drift detector.
const (
	EventCacheDriftFirstRequest = "cache_drift_first_request"
	EventCacheDriftObserved     = "cache_drift_observed"
)

// DriftFinding is the outcome of one observation. Every field is safe to
// log: nothing in it can be reversed into a credential.
type DriftFinding struct {
	Kind DriftKind
	// SessionKeyHash is hex of the first 16 bytes of SHA-256(session key).
	SessionKeyHash string
	// Dims lists what drifted (Drift only).
	Dims Dims
	// Previous and Current are Fingerprint.Prefix values; Previous is
	// empty for FirstRequest.
	Previous, Current string
}

// Event returns the log event name, or "" for Stable.
func (f DriftFinding) Event() string {
	switch f.Kind {
	case FirstRequest:
		return EventCacheDriftFirstRequest
	case Drift:
		return EventCacheDriftObserved
	}
	return ""
}

// DefaultDriftCapacity is the number of sessions the proxy tracks.
const DefaultDriftCapacity = 1000

// DriftDetector remembers the last fingerprint of each session in a
// bounded least-recently-used table held only in memory. It is safe for
// concurrent use.
type DriftDetector struct {
	mu  sync.Mutex
	lru lru
}

// NewDriftDetector returns a detector that tracks up to capacity
// sessions, evicting the least recently seen.
func NewDriftDetector(capacity int) (*DriftDetector, error) {
	if capacity < 1 {
		return nil, fmt.Errorf("observe: drift detector capacity %d: %w", capacity, errBadCapacity)
	}
	d := &DriftDetector{}
	d.lru.init(capacity)
	return d, nil
}

var errBadCapacity = errors.New("must be at least 1")

// Observe records fp as sessionKey's latest fingerprint and reports how it
// compares with the previous one. Only the first observation of a session
// and changes produce events; the log fields are computed only for them.
func (d *DriftDetector) Observe(sessionKey string, fp Fingerprint) DriftFinding {
	d.mu.Lock()
	prev, seen := d.lru.swap(sessionKey, fp)
	d.mu.Unlock()
	switch {
	case !seen:
		return DriftFinding{Kind: FirstRequest, SessionKeyHash: hashPrefix(sessionKey, sessionHashBytes), Current: fp.Prefix()}
	case prev == fp:
		return DriftFinding{Kind: Stable}
	}
	return DriftFinding{
		Kind:           Drift,
		SessionKeyHash: hashPrefix(sessionKey, sessionHashBytes),
		Dims:           DiffDims(prev, fp),
		Previous:       prev.Prefix(),
		Current:        fp.Prefix(),
	}
}

// Len returns the number of tracked sessions.
func (d *DriftDetector) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.lru.index)
}

const sessionHashBytes = 16

// SessionKey derives the drift detector's session identity from request
// headers and the peer's IP address (text form, without port). Priority:
//
//  1. Authorization present → "auth:" + hex of the first 16 bytes of
//     SHA-256(value);
//  2. X-Api-Key present → "apikey:" + the same hash of its value;
//  3. User-Agent present → "ipua:" + 16 hex characters of SHA-256 over
//     the IP, a zero byte and the user agent;
//  4. otherwise "ip:" + the IP.
//
// Only the first value of each header counts, and a value that is not
// visible ASCII is treated as absent (authmode.VisibleASCII), as the
// reference's header reader does. The raw credential is never part of the
// key. The reference hashes (IP, UA) with Rust's process-local hasher;
// SHA-256 is used here so the key is the same in every process and the
// output does not depend on a hash seed — nothing compares these keys
// across implementations.
func SessionKey(h authmode.Headers, peerIP string) string {
	if v, ok := readable(h, authmode.HeaderAuthorization); ok {
		return "auth:" + hashPrefix(v, sessionHashBytes)
	}
	if v, ok := readable(h, authmode.HeaderAPIKey); ok {
		return "apikey:" + hashPrefix(v, sessionHashBytes)
	}
	if ua, ok := readable(h, authmode.HeaderUserAgent); ok {
		s := sha256.New()
		s.Write([]byte(peerIP))
		s.Write([]byte{0})
		s.Write([]byte(ua))
		var sum [sha256.Size]byte
		return "ipua:" + hex.EncodeToString(s.Sum(sum[:0])[:8])
	}
	return "ip:" + peerIP
}

func readable(h authmode.Headers, name string) (string, bool) {
	vals := h.Values(name)
	if len(vals) == 0 || !authmode.VisibleASCII(vals[0]) {
		return "", false
	}
	return vals[0], true
}

func hashPrefix(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:n])
}

// scratch is a pooled serialisation buffer.
type scratch struct{ buf []byte }

const maxPooledScratch = 1 << 20

var scratchPool = sync.Pool{New: func() any { return &scratch{buf: make([]byte, 0, 4096)} }}

func (b *scratch) release() {
	if cap(b.buf) > maxPooledScratch {
		return
	}
	scratchPool.Put(b)
}

func (b *scratch) sum(v jsonx.Value) [sha256.Size]byte {
	b.buf = jsonx.AppendCompact(b.buf[:0], v)
	return sha256.Sum256(b.buf)
}
