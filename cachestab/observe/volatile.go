// Package observe holds the read-only cache detectors that run on every
// buffered request body: the volatile-content detector (E5), which finds
// per-request values such as timestamps and UUIDs in the parts of a
// request a provider caches, and the cache drift detector (E6), which
// notices when consecutive requests of one client change their system
// prompt, tools or first messages.
//
// Both return findings for the caller to log and count; neither changes a
// request nor logs anything itself. Credentials never leave this package
// unhashed: session keys are built from SHA-256 prefixes of the
// Authorization or API-key value.
package observe

import (
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/headroom-go/headroom/cachestab"
	"github.com/headroom-go/headroom/internal/jsonx"
)

// VolatileKind is the kind of a volatile finding.
type VolatileKind uint8

// The finding kinds.
const (
	// Timestamp is an ISO 8601 date-time: DDDD-DD-DD, then 'T', 't' or a
	// space, then DD:DD:DD.
	Timestamp VolatileKind = iota + 1
	// UUIDv4 is a 36-character version-4 UUID (either case).
	UUIDv4
	// IDField is an object key naming a per-request identifier
	// (request_id, trace_id, session_id, correlation_id, matched as a
	// case-insensitive substring) with a non-empty value.
	IDField
)

var volatileKindNames = [...]string{"", "iso8601_timestamp", "uuid_v4", "id_field"}

// String returns the kind field of the log event.
func (k VolatileKind) String() string {
	if int(k) < len(volatileKindNames) {
		return volatileKindNames[k]
	}
	return ""
}

// VolatileFinding is one piece of volatile content.
type VolatileFinding struct {
	Kind VolatileKind
	// Location is the path of the string or key, e.g. "system",
	// "messages[1].content[2].text",
	// "tools[0].input_schema.properties.request_id".
	Location string
	// Sample is the matched text (for IDField, the value: a string as is,
	// anything else as compact JSON), cut to SampleMaxBytes at a UTF-8
	// boundary with "…" appended when cut.
	Sample string
}

// Limits of the volatile detector.
const (
	// MaxVolatileFindings caps the findings per request: a log or CSV
	// pasted into a system prompt would otherwise flood the log, and the
	// first few findings are the ones a user acts on.
	MaxVolatileFindings = 10
	// SampleMaxBytes caps a sample so findings point at the content
	// without copying customer data into logs.
	SampleMaxBytes = 80
)

// EventVolatileContentDetected is the warning the caller logs per finding,
// with request_id, kind, location and sample.
const EventVolatileContentDetected = "volatile_content_detected"

// idFieldNeedles are lowercase; keys are lowered (ASCII) before matching.
var idFieldNeedles = [...]string{"request_id", "trace_id", "session_id", "correlation_id"}

// Window sizes of the two string patterns.
const (
	timestampLen = len("2006-01-02T15:04:05")
	uuidLen      = len("550e8400-e29b-41d4-a716-446655440000")
)

// DetectVolatile scans the cacheable parts of a parsed request body and
// returns up to MaxVolatileFindings findings, in walk order. It never
// modifies body and allocates only for findings.
//
// Messages: "system" (string or blocks), every messages[i].content, each
// tool's string "description" and its "input_schema".
// ChatCompletions: every messages[i].content, each tool's
// function.description and function.parameters.
// Responses: as ChatCompletions (the reference walks it with the same
// shape), plus "instructions", every input[i].content, and the flat
// tools' description and parameters. The reference does not look at the
// Responses-only fields; scanning them here is deliberate: the detector
// only reports, so looking further costs no cache, and a timestamp in a
// Codex instructions block busts the cache as surely as one in a Chat
// system message.
//
// Inside those values, every string is scanned for timestamps and UUIDs
// (a match is skipped past, so matches never overlap), and every object
// key met on the way is checked for ID names.
func DetectVolatile(body jsonx.Value, ep cachestab.Endpoint) []VolatileFinding {
	w := walkerPool.Get().(*volatileWalker)
	defer w.release()
	w.path = w.path[:0]
	switch ep {
	case cachestab.Messages:
		if sys, ok := body.Get("system"); ok {
			n := w.push("system")
			w.value(sys)
			w.pop(n)
		}
		w.contents(body, "messages")
		w.tools(body, ep)
	case cachestab.ChatCompletions, cachestab.Responses:
		if ep == cachestab.Responses {
			if ins, ok := body.Get("instructions"); ok {
				n := w.push("instructions")
				w.value(ins)
				w.pop(n)
			}
			w.contents(body, "input")
		}
		w.contents(body, "messages")
		w.tools(body, ep)
	}
	return w.found
}

// walkerPool recycles the path buffer, so a body without findings costs
// no allocation.
var walkerPool = sync.Pool{New: func() any { return &volatileWalker{path: make([]byte, 0, pathCap)} }}

// maxPooledPath drops walkers whose path grew on a pathological body.
const maxPooledPath = 4 << 10

func (w *volatileWalker) release() {
	w.found = nil
	if cap(w.path) <= maxPooledPath {
		walkerPool.Put(w)
	}
}

// pathCap fits the locations of ordinary requests.
const pathCap = 256

// volatileWalker keeps the current location as bytes and renders it only
// when something is found. push and pop bracket each step down.
type volatileWalker struct {
	path  []byte
	found []VolatileFinding
}

func (w *volatileWalker) full() bool { return len(w.found) >= MaxVolatileFindings }

func (w *volatileWalker) push(seg string) int {
	n := len(w.path)
	w.path = append(w.path, seg...)
	return n
}

func (w *volatileWalker) pushIndex(i int) int {
	n := len(w.path)
	w.path = append(w.path, '[')
	w.path = strconv.AppendInt(w.path, int64(i), 10)
	w.path = append(w.path, ']')
	return n
}

func (w *volatileWalker) pushKey(k string) int {
	n := len(w.path)
	w.path = append(w.path, '.')
	w.path = append(w.path, k...)
	return n
}

func (w *volatileWalker) pop(n int) { w.path = w.path[:n] }

// contents scans body[field][i].content for every item.
func (w *volatileWalker) contents(body jsonx.Value, field string) {
	arr, ok := body.Get(field)
	if !ok {
		return
	}
	n := w.push(field)
	for i, msg := range arr.Items() {
		if w.full() {
			break
		}
		c, ok := msg.Get("content")
		if !ok {
			continue
		}
		m := w.pushIndex(i)
		w.pushKey("content")
		w.value(c)
		w.pop(m)
	}
	w.pop(n)
}

// tools scans each tool's description (strings only) and schema
// (recursively): input_schema on Messages, function.* on the OpenAI
// endpoints, and also the flat fields on Responses.
func (w *volatileWalker) tools(body jsonx.Value, ep cachestab.Endpoint) {
	tools, ok := body.Get("tools")
	if !ok {
		return
	}
	n := w.push("tools")
	for i, tool := range tools.Items() {
		if w.full() {
			break
		}
		m := w.pushIndex(i)
		switch ep {
		case cachestab.Messages:
			w.toolFields(tool, "input_schema")
		default:
			if fn, ok := tool.Get("function"); ok {
				k := w.pushKey("function")
				w.toolFields(fn, "parameters")
				w.pop(k)
			}
			if ep == cachestab.Responses {
				w.toolFields(tool, "parameters")
			}
		}
		w.pop(m)
	}
	w.pop(n)
}

func (w *volatileWalker) toolFields(obj jsonx.Value, schema string) {
	if d, ok := obj.Get("description"); ok {
		if s, ok := d.Str(); ok {
			k := w.pushKey("description")
			w.scanString(s)
			w.pop(k)
		}
	}
	if sc, ok := obj.Get(schema); ok {
		k := w.pushKey(schema)
		w.value(sc)
		w.pop(k)
	}
}

// value walks v: strings are scanned, arrays and objects recursed, and
// object keys checked for ID names.
func (w *volatileWalker) value(v jsonx.Value) {
	if w.full() {
		return
	}
	switch v.Kind() {
	case jsonx.String:
		s, _ := v.Str()
		w.scanString(s)
	case jsonx.Array:
		for i, it := range v.Items() {
			if w.full() {
				return
			}
			n := w.pushIndex(i)
			w.value(it)
			w.pop(n)
		}
	case jsonx.Object:
		for _, m := range v.Members() {
			if w.full() {
				return
			}
			n := w.pushKey(m.Key)
			if isIDKey(m.Key) && !isEmptyValue(m.Value) {
				w.add(IDField, sampleOf(m.Value))
			}
			w.value(m.Value)
			w.pop(n)
		}
	}
}

func (w *volatileWalker) add(k VolatileKind, sample string) {
	w.found = append(w.found, VolatileFinding{Kind: k, Location: string(w.path), Sample: truncateSample(sample)})
}

// scanString looks for timestamps, then UUIDs, at each byte offset.
func (w *volatileWalker) scanString(s string) {
	for i := 0; i < len(s); {
		if w.full() {
			return
		}
		c := s[i]
		if c >= '0' && c <= '9' && i+timestampLen <= len(s) && isTimestamp(s[i:i+timestampLen]) {
			w.add(Timestamp, s[i:i+timestampLen])
			i += timestampLen
			continue
		}
		if isHex(c) && i+uuidLen <= len(s) && isUUIDv4(s[i:i+uuidLen]) {
			w.add(UUIDv4, s[i:i+uuidLen])
			i += uuidLen
			continue
		}
		i++
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f')
}

// isTimestamp matches DDDD-DD-DD?DD:DD:DD with ? one of 'T', 't', ' '
// (RFC 3339 §5.6 allows the space).
func isTimestamp(s string) bool {
	for i := 0; i < timestampLen; i++ {
		c := s[i]
		switch i {
		case 4, 7:
			if c != '-' {
				return false
			}
		case 10:
			if c != 'T' && c != 't' && c != ' ' {
				return false
			}
		case 13, 16:
			if c != ':' {
				return false
			}
		default:
			if !isDigit(c) {
				return false
			}
		}
	}
	return true
}

// isUUIDv4 matches a version-4 UUID: hyphens at 8, 13, 18, 23; '4' at 14;
// an RFC 4122 §4.4 variant digit (8, 9, a, b, either case) at 19.
func isUUIDv4(s string) bool {
	for i := 0; i < uuidLen; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		case 14:
			if c != '4' {
				return false
			}
		case 19:
			switch c {
			case '8', '9', 'a', 'b', 'A', 'B':
			default:
				return false
			}
		default:
			if !isHex(c) {
				return false
			}
		}
	}
	return true
}

func isIDKey(k string) bool {
	for _, n := range idFieldNeedles {
		if containsFoldASCII(k, n) {
			return true
		}
	}
	return false
}

func containsFoldASCII(s, needle string) bool {
	for i := 0; i+len(needle) <= len(s); i++ {
		j := 0
		for j < len(needle) && lowerASCII(s[i+j]) == needle[j] {
			j++
		}
		if j == len(needle) {
			return true
		}
	}
	return false
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// isEmptyValue: null, "", [] and {} do not count as an ID value, so schemas
// that merely declare a request_id field are not reported.
func isEmptyValue(v jsonx.Value) bool {
	switch v.Kind() {
	case jsonx.Null:
		return true
	case jsonx.String:
		s, _ := v.Str()
		return s == ""
	case jsonx.Array, jsonx.Object:
		return v.Len() == 0
	}
	return false
}

func sampleOf(v jsonx.Value) string {
	if s, ok := v.Str(); ok {
		return s
	}
	return jsonx.Compact(v)
}

// truncateSample cuts s to SampleMaxBytes at a rune boundary.
func truncateSample(s string) string {
	if len(s) <= SampleMaxBytes {
		return s
	}
	cut := SampleMaxBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
