package retrieval

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/retrieve"
)

// DefaultMaxRounds is how many retrieval rounds one client request may
// trigger when Config.MaxRounds is zero: enough for a model that needs a
// few originals one after another, few enough that a model calling the
// tool in a loop costs a bounded number of upstream calls.
const DefaultMaxRounds = 3

// DefaultMaxResponseBytes bounds a non-streaming upstream response read
// whole to look for tool calls when Config.MaxResponseBytes is zero. A
// larger response is passed to the client untouched.
const DefaultMaxResponseBytes = 32 << 20

// DefaultMaxEventBytes bounds one server-sent event, and the text the
// stream rewriter accumulates for one round, when Config.MaxEventBytes is
// zero.
const DefaultMaxEventBytes = 16 << 20

// Config configures New. Store and Base are required.
type Config struct {
	// Store answers the model's retrieval calls. Any backend works; with a
	// shared one (Redis, a shared SQLite file) an original stored by one
	// proxy process is served by another.
	Store ccr.Store
	// StoreTTL is the store's entry lifetime, quoted in the tool result
	// when a hash has expired or is unknown. Zero means ccr.DefaultTTL.
	StoreTTL time.Duration
	// Base sends requests upstream (the proxy's transport). Required.
	Base http.RoundTripper
	// MaxRounds caps the retrieval rounds per client request. Zero means
	// DefaultMaxRounds; negative is an error.
	MaxRounds int
	// Schema is the tool's parameter schema. The zero value is
	// retrieve.HashOnly, the current one.
	Schema retrieve.Schema
	// InjectionDisabled turns off the tool for sessions that only carry
	// it from earlier turns: the tool is then added only to requests that
	// hold markers this turn (a marker the model cannot redeem is worse
	// than one changed tool list). False (the default) keeps the tool
	// sticky for the rest of a session.
	InjectionDisabled bool
	// MaxSessions bounds the sticky-session memory. Zero means
	// retrieve.DefaultMaxSessions; negative is an error.
	MaxSessions int
	// MaxResponseBytes caps a non-streaming response read whole. Zero
	// means DefaultMaxResponseBytes; negative is an error.
	MaxResponseBytes int64
	// MaxEventBytes caps one SSE event and one round's accumulated
	// output in a stream. Zero means DefaultMaxEventBytes; negative is an
	// error.
	MaxEventBytes int
	// Handle decides which requests RoundTrip resolves retrieval calls
	// for; the others go to Base untouched. Nil means requests whose
	// context was marked with WithHandling.
	Handle func(*http.Request) bool
	// Logger receives one line per retrieval round and per failure. Nil
	// discards.
	Logger *slog.Logger
}

// Retrieval injects the headroom_retrieve tool into requests and resolves
// the model's calls to it. It is an http.RoundTripper (wrap the proxy's
// transport with it) and is safe for concurrent use. Create it with New.
type Retrieval struct {
	cfg      Config
	tracker  *retrieve.Tracker // Anthropic and OpenAI Chat sessions
	rtracker *retrieve.Tracker // OpenAI Responses sessions (own tool shape)
	respDef  []byte            // the Responses-shaped definition
	log      *slog.Logger
	stats    counters
}

var _ http.RoundTripper = (*Retrieval)(nil)

// New validates cfg and returns a ready Retrieval.
func New(cfg Config) (*Retrieval, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("retrieval: no CCR store configured")
	case cfg.Base == nil:
		return nil, errors.New("retrieval: no base transport configured")
	case cfg.MaxRounds < 0:
		return nil, fmt.Errorf("retrieval: max rounds %d is negative", cfg.MaxRounds)
	case cfg.MaxSessions < 0:
		return nil, fmt.Errorf("retrieval: max sessions %d is negative", cfg.MaxSessions)
	case cfg.MaxResponseBytes < 0:
		return nil, fmt.Errorf("retrieval: max response bytes %d is negative", cfg.MaxResponseBytes)
	case cfg.MaxEventBytes < 0:
		return nil, fmt.Errorf("retrieval: max event bytes %d is negative", cfg.MaxEventBytes)
	case cfg.Schema != retrieve.HashOnly && cfg.Schema != retrieve.WithQuery:
		return nil, fmt.Errorf("retrieval: unknown tool schema %d", cfg.Schema)
	}
	if cfg.MaxRounds == 0 {
		cfg.MaxRounds = DefaultMaxRounds
	}
	if cfg.MaxResponseBytes == 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.MaxEventBytes == 0 {
		cfg.MaxEventBytes = DefaultMaxEventBytes
	}
	if cfg.StoreTTL <= 0 {
		cfg.StoreTTL = ccr.DefaultTTL
	}
	if cfg.Handle == nil {
		cfg.Handle = func(r *http.Request) bool { return Handling(r.Context()) }
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	def, err := responsesDefinition(cfg.Schema)
	if err != nil {
		return nil, err
	}
	return &Retrieval{
		cfg:      cfg,
		tracker:  retrieve.NewTracker(cfg.Schema, cfg.MaxSessions),
		rtracker: retrieve.NewTracker(cfg.Schema, cfg.MaxSessions),
		respDef:  def,
		log:      log,
	}, nil
}

type handlingKey struct{}

// WithHandling returns ctx marked so that RoundTrip (with the default
// Config.Handle) resolves headroom_retrieve calls in the response to a
// request carrying it. Mark the requests whose tool list Inject changed.
func WithHandling(ctx context.Context) context.Context {
	return context.WithValue(ctx, handlingKey{}, true)
}

// Handling reports whether ctx was marked by WithHandling.
func Handling(ctx context.Context) bool {
	v, _ := ctx.Value(handlingKey{}).(bool)
	return v
}

// format is a provider wire format the package can rewrite.
type format uint8

const (
	formatNone      format = iota
	formatAnthropic        // Anthropic Messages
	formatChat             // OpenAI Chat Completions
	formatResponses        // OpenAI Responses
)

// URL paths of the supported formats; matched exactly, like the proxy's
// compression path.
const (
	pathMessages        = "/v1/messages"
	pathChatCompletions = "/v1/chat/completions"
	pathResponses       = "/v1/responses"
)

func formatForPath(path string) format {
	switch path {
	case pathMessages:
		return formatAnthropic
	case pathChatCompletions:
		return formatChat
	case pathResponses:
		return formatResponses
	}
	return formatNone
}

// formatForUpstreamPath is formatForPath for an upstream-bound request,
// whose path may carry the upstream's base path before the API path.
func formatForUpstreamPath(path string) format {
	if f := formatForPath(path); f != formatNone {
		return f
	}
	for _, p := range [...]string{pathMessages, pathChatCompletions, pathResponses} {
		if strings.HasSuffix(path, p) {
			return formatForPath(p)
		}
	}
	return formatNone
}

func (f format) String() string {
	switch f {
	case formatAnthropic:
		return "anthropic"
	case formatChat:
		return "openai_chat"
	case formatResponses:
		return "openai_responses"
	}
	return "none"
}

// Stats is a snapshot of the package's counters, for the proxy's metrics.
// Every field only grows.
type Stats struct {
	// Injections counts requests the tool was added to; Sticky counts
	// those where it was added because the session had it before, without
	// fresh markers. ClientTool counts requests that already carried a
	// headroom_retrieve tool of their own (left alone).
	Injections, Sticky, ClientTool int64
	// Hits, Misses and Expired count retrievals answered with the
	// original, with "unknown hash" and with "expired". StoreErrors counts
	// retrievals the store failed; Malformed counts calls whose hash was
	// not a hash. All five are answered to the model.
	Hits, Misses, Expired, StoreErrors, Malformed int64
	// Rounds counts continuations sent upstream after answering calls.
	Rounds int64
	// ContinuationFailures counts continuations that failed (transport
	// error, non-200 answer, unreadable stream); a stream then ends with
	// the provider's error event.
	ContinuationFailures int64
	// CapReached counts responses that still called the tool after
	// MaxRounds rounds.
	CapReached int64
	// Mixed counts responses that called headroom_retrieve together with
	// a client tool; they reach the client unchanged.
	Mixed int64
	// StreamErrors counts streams the package ended with an error event
	// (continuation failures, the round cap, a truncated held turn).
	StreamErrors int64
}

type counters struct {
	injections, sticky, clientTool                   atomic.Int64
	hits, misses, expired, storeErrors, malformed    atomic.Int64
	rounds, contFailures, capReached, mixed, sErrors atomic.Int64
}

// Stats returns the current counters.
func (r *Retrieval) Stats() Stats {
	c := &r.stats
	return Stats{
		Injections: c.injections.Load(), Sticky: c.sticky.Load(), ClientTool: c.clientTool.Load(),
		Hits: c.hits.Load(), Misses: c.misses.Load(), Expired: c.expired.Load(),
		StoreErrors: c.storeErrors.Load(), Malformed: c.malformed.Load(),
		Rounds: c.rounds.Load(), ContinuationFailures: c.contFailures.Load(),
		CapReached: c.capReached.Load(), Mixed: c.mixed.Load(), StreamErrors: c.sErrors.Load(),
	}
}
