package cachestab

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/headroom-go/headroom/authmode"
	"github.com/headroom-go/headroom/internal/jsonx"
)

// Result reports what Normalize did.
type Result struct {
	// ToolSort, SchemaSort and CacheControl are the outcomes of E1, E2
	// and E3. CacheControl is NotRun for the OpenAI endpoints.
	ToolSort, SchemaSort, CacheControl Status
	// ToolCount is the length of the tools array the passes examined
	// (0 when there was none). The eN_applied events carry it.
	ToolCount int
	// Locations lists where E3 placed markers ("tools[N-1]").
	Locations []string
	// Value is the normalised body: the input itself when nothing
	// changed, otherwise a new value sharing the untouched parts.
	Value jsonx.Value
	// Body is the compact serialisation of Value, or nil when nothing
	// changed (forward the original bytes then).
	Body []byte
}

// Changed reports whether any pass rewrote the body.
func (r *Result) Changed() bool { return r.Body != nil }

// Steps returns the outcomes in run order: E1, E2 and, for Messages, E3.
func (r *Result) Steps(ep Endpoint) []Step {
	steps := []Step{{ToolSort, r.ToolSort}, {SchemaSort, r.SchemaSort}}
	if ep == Messages {
		steps = append(steps, Step{CacheControl, r.CacheControl})
	}
	return steps
}

// Tags returns the strategy tags of the applied passes in run order, the
// list the proxy reports as normalisation strategies.
func (r *Result) Tags() []string {
	var tags []string
	for _, s := range [...]Step{{ToolSort, r.ToolSort}, {SchemaSort, r.SchemaSort}, {CacheControl, r.CacheControl}} {
		if s.Status == Applied {
			tags = append(tags, s.Pass.Tag())
		}
	}
	return tags
}

// Normalize runs E1 (tool sort), E2 (schema key sort) and, for Messages,
// E3 (cache_control on the last tool) over a parsed request body. The
// proxy calls it in live_zone compression mode only (with mode off the
// dispatchers, and so these passes, do not run; nor do they for a chat
// request with n > 1, which skips the dispatcher), before live-zone
// compression, and compresses Result.Body instead of the original bytes
// when it is non-nil.
//
// Gates, as in the reference:
//   - mode other than payg: every pass SkippedAuthMode, body untouched;
//   - no non-empty tools array: E1 and E2 NotRun;
//   - any tool with a top-level cache_control key: E1 SkippedMarkerPresent
//     (the caller's order defines their breakpoints), E2 still runs since
//     schema keys never move a marker;
//   - any cache_control on a system block, a message content block or a
//     tool: E3 SkippedMarkerPresent (keys deeper down, e.g. inside a
//     schema, are not markers and are ignored).
//
// E2's targets are tools[].input_schema for Messages and
// tools[].function.parameters for both OpenAI endpoints. Responses tools
// are flat ({"type":"function","name":…,"parameters":…}), so E2 finds
// nothing there; this matches the reference on purpose: sorting the flat
// form would send different bytes than the reference does for the same
// request and bust a migrating tenant's cache, and the flat schema's key
// order is already whatever the client's SDK emits deterministically.
//
// E3 places exactly one {"type":"ephemeral"} marker (no ttl), appended as
// the last key of the last tool after sorting: that caches the whole tools
// array, the most reused part of a request. System and message slots are
// never used, so the request stays well under Anthropic's four-marker cap.
//
// The sort key of a tool is its string name, else function.name, else the
// lowercase hex MD5 of its compact JSON, compared byte-wise with a stable
// sort. Normalize computes the key after E2 has sorted the tool's schema
// (the reference computes it before): the two orders agree for every
// named tool, and for a nameless tool with an unsorted schema only this
// order makes Normalize idempotent, so a body normalised once is never
// reshuffled by a second pass.
func Normalize(body jsonx.Value, ep Endpoint, mode authmode.Mode) Result {
	r := Result{Value: body}
	if ep < Messages || ep > Responses {
		return r
	}
	if mode != authmode.Payg {
		r.ToolSort, r.SchemaSort = SkippedAuthMode, SkippedAuthMode
		if ep == Messages {
			r.CacheControl = SkippedAuthMode
		}
		return r
	}

	toolsIdx := memberIndex(body, "tools")
	var tools []jsonx.Value
	if toolsIdx >= 0 {
		tools = body.Members()[toolsIdx].Value.Items()
	}
	newTools := tools // replaced by a copy before any edit
	if len(tools) > 0 {
		r.ToolCount = len(tools)
		newTools, r.SchemaSort = sortSchemas(tools, ep)
		if anyToolMarker(tools) {
			r.ToolSort = SkippedMarkerPresent
		} else {
			var sorted bool
			newTools, sorted = sortTools(newTools, !sameSlice(newTools, tools))
			r.ToolSort = Unchanged
			if sorted {
				r.ToolSort = Applied
			}
		}
	}

	if ep == Messages {
		switch {
		case anyAnthropicMarker(body):
			r.CacheControl = SkippedMarkerPresent
		case len(newTools) == 0 || newTools[len(newTools)-1].Kind() != jsonx.Object:
			r.CacheControl = NoTarget
		default:
			if sameSlice(newTools, tools) {
				newTools = slices.Clone(tools)
			}
			last := len(newTools) - 1
			newTools[last] = withMember(newTools[last], "cache_control", ephemeralMarker())
			r.CacheControl = Applied
			r.Locations = []string{"tools[" + strconv.Itoa(last) + "]"}
		}
	}

	if r.ToolSort != Applied && r.SchemaSort != Applied && r.CacheControl != Applied {
		return r
	}
	members := slices.Clone(body.Members())
	members[toolsIdx].Value = jsonx.ArrayValue(newTools)
	r.Value = jsonx.ObjectValue(members)
	r.Body = compactBody(r.Value)
	return r
}

// sortSchemas applies E2 to every tool. It returns tools itself when no
// schema changed.
func sortSchemas(tools []jsonx.Value, ep Endpoint) ([]jsonx.Value, Status) {
	out := tools
	for i, tool := range tools {
		var path [2]string
		n := 1
		if ep == Messages {
			path[0] = "input_schema"
		} else {
			path[0], path[1], n = "function", "parameters", 2
		}
		schema, ok := lookup(tool, path[:n])
		if !ok {
			continue
		}
		sorted, changed := SortSchemaKeys(schema)
		if !changed {
			continue
		}
		if sameSlice(out, tools) {
			out = slices.Clone(tools)
		}
		out[i] = replaceAt(tool, path[:n], sorted)
	}
	if sameSlice(out, tools) {
		return tools, Unchanged
	}
	return out, Applied
}

// SortSchemaKeys returns v with the keys of every object, at any depth,
// in byte-wise ascending order (E2). Arrays keep their element order,
// since oneOf, enum, required and prefixItems are ordered, but objects
// inside them are sorted. changed is false, and v is returned as is, when
// every object was already sorted: the serialised bytes then cannot
// differ, which is the reference's test for "applied".
func SortSchemaKeys(v jsonx.Value) (out jsonx.Value, changed bool) {
	switch v.Kind() {
	case jsonx.Object:
		ms := v.Members()
		var nm []jsonx.Member
		for i := range ms {
			if c, ch := SortSchemaKeys(ms[i].Value); ch {
				if nm == nil {
					nm = slices.Clone(ms)
				}
				nm[i].Value = c
			}
		}
		keysSorted := slices.IsSortedFunc(ms, cmpKey)
		if nm == nil && keysSorted {
			return v, false
		}
		if nm == nil {
			nm = slices.Clone(ms)
		}
		if !keysSorted {
			slices.SortStableFunc(nm, cmpKey)
		}
		return jsonx.ObjectValue(nm), true
	case jsonx.Array:
		items := v.Items()
		var ni []jsonx.Value
		for i := range items {
			if c, ch := SortSchemaKeys(items[i]); ch {
				if ni == nil {
					ni = slices.Clone(items)
				}
				ni[i] = c
			}
		}
		if ni == nil {
			return v, false
		}
		return jsonx.ArrayValue(ni), true
	}
	return v, false
}

func cmpKey(a, b jsonx.Member) int { return strings.Compare(a.Key, b.Key) }

// sortTools applies E1, writing into tools only when owned (otherwise
// into a new slice, since tools belongs to the caller's value). It reports whether
// the key sequence changed (a stable sort of an already non-decreasing
// sequence cannot change it, so that is "was it unsorted").
func sortTools(tools []jsonx.Value, owned bool) ([]jsonx.Value, bool) {
	// The common case is a short array of named tools that is already
	// sorted: check pairwise without building a key slice.
	sorted := true
	prev := ToolSortKey(tools[0])
	for i := 1; i < len(tools); i++ {
		k := ToolSortKey(tools[i])
		if k < prev {
			sorted = false
			break
		}
		prev = k
	}
	if sorted {
		return tools, false
	}
	type keyed struct {
		key  string
		tool jsonx.Value
	}
	ks := make([]keyed, len(tools))
	for i, t := range tools {
		ks[i] = keyed{ToolSortKey(t), t}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	out := tools
	if !owned {
		out = make([]jsonx.Value, len(tools))
	}
	for i := range ks {
		out[i] = ks[i].tool
	}
	return out, true
}

// ToolSortKey is E1's sort key for one tool: its name (Anthropic and
// Responses shape), else function.name (Chat shape), else the lowercase
// hex MD5 of its compact JSON so nameless tools still sort the same way
// every time.
func ToolSortKey(tool jsonx.Value) string {
	if n, ok := tool.Get("name"); ok {
		if s, ok := n.Str(); ok {
			return s
		}
	}
	if f, ok := tool.Get("function"); ok {
		if n, ok := f.Get("name"); ok {
			if s, ok := n.Str(); ok {
				return s
			}
		}
	}
	sum := md5.Sum(jsonx.AppendCompact(nil, tool))
	return hex.EncodeToString(sum[:])
}

// anyToolMarker reports whether a tool object has a top-level
// cache_control key (any value, even null: presence is what counts).
func anyToolMarker(tools []jsonx.Value) bool {
	for _, t := range tools {
		if _, ok := t.Get("cache_control"); ok {
			return true
		}
	}
	return false
}

// anyAnthropicMarker reports whether body carries cache_control where
// Anthropic honours it: on a block of an array system, on a block of an
// array message content, or on a tool.
func anyAnthropicMarker(body jsonx.Value) bool {
	if sys, ok := body.Get("system"); ok && anyToolMarker(sys.Items()) {
		return true
	}
	if msgs, ok := body.Get("messages"); ok {
		for _, m := range msgs.Items() {
			if c, ok := m.Get("content"); ok && anyToolMarker(c.Items()) {
				return true
			}
		}
	}
	if tools, ok := body.Get("tools"); ok && anyToolMarker(tools.Items()) {
		return true
	}
	return false
}

// ephemeralMarker is the breakpoint E3 places. Built per call because
// values share their backing arrays with whoever holds them.
func ephemeralMarker() jsonx.Value {
	return jsonx.ObjectValue([]jsonx.Member{{Key: "type", Value: jsonx.StringValue("ephemeral")}})
}

// withMember returns obj with key set to v: replaced in place when the key
// exists (serde_json's insert keeps the position), appended otherwise.
func withMember(obj jsonx.Value, key string, v jsonx.Value) jsonx.Value {
	ms := obj.Members()
	out := make([]jsonx.Member, len(ms), len(ms)+1)
	copy(out, ms)
	for i := range out {
		if out[i].Key == key {
			out[i].Value = v
			return jsonx.ObjectValue(out)
		}
	}
	return jsonx.ObjectValue(append(out, jsonx.Member{Key: key, Value: v}))
}

// lookup follows object keys.
func lookup(v jsonx.Value, path []string) (jsonx.Value, bool) {
	for _, k := range path {
		var ok bool
		if v, ok = v.Get(k); !ok {
			return jsonx.Value{}, false
		}
	}
	return v, true
}

// replaceAt returns v with the value at path (which exists) set to nv.
func replaceAt(v jsonx.Value, path []string, nv jsonx.Value) jsonx.Value {
	if len(path) == 0 {
		return nv
	}
	child, _ := v.Get(path[0])
	return withMember(v, path[0], replaceAt(child, path[1:], nv))
}

// memberIndex returns the index of key among obj's members, or -1.
func memberIndex(obj jsonx.Value, key string) int {
	for i, m := range obj.Members() {
		if m.Key == key {
			return i
		}
	}
	return -1
}

// sameSlice reports whether a and b share their first element's storage
// (both empty counts as the same).
func sameSlice(a, b []jsonx.Value) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	return &a[0] == &b[0]
}

// compactBody serialises v into a pooled scratch buffer and returns an
// exactly sized copy: one allocation instead of a dozen doublings for a
// body of a few hundred kilobytes.
func compactBody(v jsonx.Value) []byte {
	bp := bodyPool.Get().(*[]byte)
	buf := jsonx.AppendCompact((*bp)[:0], v)
	out := bytes.Clone(buf)
	if cap(buf) <= maxPooledBody {
		*bp = buf
		bodyPool.Put(bp)
	}
	return out
}

// maxPooledBody caps the scratch kept in the pool; larger bodies are rare
// and should not pin their buffers.
const maxPooledBody = 4 << 20

var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}
