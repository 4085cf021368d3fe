// Package cachestab holds the request rewrites that keep a provider's
// prompt cache hitting across turns (E1–E4 of the reference proxy):
//
//   - E1 sorts the tools array by name, so SDKs that collect tools from a
//     hash-ordered set stop shuffling the cached prefix;
//   - E2 sorts the keys of every tool's JSON Schema, for the same reason;
//   - E3 marks the last tool of an Anthropic request with an ephemeral
//     cache_control breakpoint when the caller placed none;
//   - E4 gives an OpenAI request a prompt_cache_key derived from its model,
//     system prompt and tools, when the caller set none.
//
// Every rewrite runs only for auth mode payg: OAuth and subscription
// traffic is forwarded byte-equal. A rewrite changes bytes only when it
// changes meaning-preserving structure, and the re-serialised body follows
// the reference's contract (compact, keys in insertion order, new keys
// appended, numbers as their literal text; see jsonx.AppendCompact), so a
// body rewritten here is byte-identical to the one the reference would
// send and a tenant migrating between the two keeps its cache. (The one
// deliberate exception, the order of nameless tools whose schema E2
// changes, is explained at Normalize.)
//
// The functions take a parsed jsonx.Value, never modify it (values share
// backing arrays, so edits build new containers), and return a report of
// what each pass did; the caller logs and counts. The read-only detectors
// live in the observe sub-package.
package cachestab

import "strconv"

// Endpoint is the request shape a pass looks at. The zero Endpoint is not
// a shape; passes given it do nothing.
type Endpoint uint8

// The three endpoints whose bodies the proxy buffers.
const (
	// Messages is Anthropic POST /v1/messages.
	Messages Endpoint = iota + 1
	// ChatCompletions is OpenAI POST /v1/chat/completions.
	ChatCompletions
	// Responses is OpenAI POST /v1/responses.
	Responses
)

var endpointPaths = [...]string{"", "/v1/messages", "/v1/chat/completions", "/v1/responses"}

// String returns the endpoint's path, or "" for the zero Endpoint.
func (e Endpoint) String() string {
	if int(e) < len(endpointPaths) {
		return endpointPaths[e]
	}
	return ""
}

// EndpointForPath maps an exact request path to its Endpoint.
func EndpointForPath(path string) (Endpoint, bool) {
	for i := 1; i < len(endpointPaths); i++ {
		if endpointPaths[i] == path {
			return Endpoint(i), true
		}
	}
	return 0, false
}

// Pass names one rewrite.
type Pass uint8

// The rewrites, in the order Normalize runs them for the reference.
const (
	ToolSort       Pass = iota + 1 // E1
	SchemaSort                     // E2
	CacheControl                   // E3
	PromptCacheKey                 // E4
)

var passNames = [...]string{"", "e1", "e2", "e3", "e4"}

// Strategy tags the proxy reports for an applied pass (the strategies
// list of a Compressed outcome). E4 is applied after the dispatcher and
// has no tag.
var passTags = [...]string{"", "tool_array_sort", "schema_key_sort", "e3_anthropic_cache_control", ""}

// Tag returns the strategy tag of p ("" for PromptCacheKey).
func (p Pass) Tag() string {
	if int(p) < len(passTags) {
		return passTags[p]
	}
	return ""
}

// String returns "e1" … "e4".
func (p Pass) String() string {
	if int(p) < len(passNames) {
		return passNames[p]
	}
	return ""
}

// Status is what one pass did to one request.
type Status uint8

const (
	// NotRun: nothing to look at (no tools array, or a pass that does not
	// apply to the endpoint). No log event.
	NotRun Status = iota
	// Unchanged: the pass ran and the request was already normalised.
	// No log event.
	Unchanged
	// Applied: the pass changed the request. Event eN_applied.
	Applied
	// SkippedAuthMode: the request is not payg. Event eN_skipped,
	// reason auth_mode.
	SkippedAuthMode
	// SkippedMarkerPresent: the caller placed a cache_control marker, and
	// their breakpoints win. Event eN_skipped, reason marker_present.
	SkippedMarkerPresent
	// NoTarget: E3 ran but found no tool to mark. Event e3_no_target.
	NoTarget
	// SkippedKeyPresent: E4 found a non-empty prompt_cache_key. Event
	// e4_skipped, reason key_present.
	SkippedKeyPresent
	// SkippedNotAnObject: E4 was given a body that is not a JSON object.
	// Event e4_skipped, reason not_an_object (a warning).
	SkippedNotAnObject
)

var statusNames = [...]string{"not_run", "unchanged", "applied", "skipped", "skipped", "no_target", "skipped", "skipped"}

var statusReasons = [...]string{"", "", "", "auth_mode", "marker_present", "", "key_present", "not_an_object"}

var statusStrings = [...]string{"not_run", "unchanged", "applied", "skipped_auth_mode", "skipped_marker_present", "no_target", "skipped_key_present", "skipped_not_an_object"}

// String names the status for debugging and test output; log events use
// Step.Event and Reason instead.
func (s Status) String() string {
	if int(s) < len(statusStrings) {
		return statusStrings[s]
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// Reason returns the reason field of a skip event ("" for other statuses).
func (s Status) Reason() string {
	if int(s) < len(statusReasons) {
		return statusReasons[s]
	}
	return ""
}

// Step is one pass's outcome.
type Step struct {
	Pass   Pass
	Status Status
}

// stepEvents[pass][status] is built once so Event does not allocate.
var stepEvents = func() (t [len(passNames)][len(statusNames)]string) {
	for p := 1; p < len(passNames); p++ {
		for st := Applied; int(st) < len(statusNames); st++ {
			t[p][st] = passNames[p] + "_" + statusNames[st]
		}
	}
	return t
}()

// Event returns the log event name for the step ("e1_applied",
// "e3_no_target", "e4_skipped", …), or "" when the step logs nothing.
func (s Step) Event() string {
	if int(s.Pass) >= len(stepEvents) || int(s.Status) >= len(statusNames) {
		return ""
	}
	return stepEvents[s.Pass][s.Status]
}

// Reason is s.Status.Reason().
func (s Step) Reason() string { return s.Status.Reason() }

// Log event names the proxy emits around these passes when re-serialising
// fails. jsonx's writer cannot fail, so they exist only to keep the
// catalogue complete for callers that serialise by other means.
const (
	EventPhaseESerializeFailed         = "phase_e_serialize_failed"
	EventToolDefNormalizeSerializeFail = "tool_def_normalize_serialize_failed"
	EventE4SerializeError              = "e4_serialize_error"
)
