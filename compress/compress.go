// Package compress is the library entry point: give it a tool output and it
// detects what kind of content it is, runs the compression pipeline for
// that kind, and returns the shorter text with statistics, or the input
// unchanged with the reason it was kept.
//
//	c, err := compress.New(compress.Options{Store: store})
//	...
//	res, err := c.Compress(ctx, toolOutput, compress.Request{Query: userQuestion})
//	// res.Text is what to send; res.Stats says what happened.
//
// A result is kept only when it has strictly fewer tokens than the input,
// counted with the request's model tokenizer. Every marker in the output
// resolves in Options.Store. A failing step never loses content: Compress
// then returns the input unchanged together with the error, classified so
// the caller can count it and carry on.
package compress

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/pipeline"
	"github.com/headroom-go/headroom/tokenizer"
	"github.com/headroom-go/headroom/transform"
)

// DefaultModel is the model whose tokenizer counts tokens when neither the
// Options nor the Request name one: the reference proxy's default.
const DefaultModel = "claude-3-5-sonnet-20241022"

// ErrInvalidRequest is wrapped by the error Compress returns for a Request
// it cannot honour (a negative or non-finite Bias).
var ErrInvalidRequest = errors.New("compress: invalid request")

// Options configure a Compressor. The zero value is valid: lossless
// reformats only, default configuration, DefaultModel's tokenizer.
type Options struct {
	// Store receives the original of every offloaded text, under the key
	// its marker names. Nil means no store, and so no offloads: only the
	// lossless reformats run, because a marker must never name an entry
	// that does not exist.
	Store ccr.Store
	// Model names the tokenizer for requests that do not name one. ""
	// means DefaultModel.
	Model string
	// Config is the pipeline configuration. Nil means
	// pipeline.DefaultConfig().
	Config *pipeline.Config
	// CompressSearch registers the search offload for grep-style output.
	// False leaves search results alone, as the reference does: agents
	// acted on lossy grep output (upstream issue #1307). It needs Store.
	CompressSearch bool
	// Extra registers additional steps after the defaults (a new
	// compressor is one package plus one registration here). They run in
	// the order given, after the default steps of the same phase.
	Extra []pipeline.Registration
}

// Request carries what is known about one piece of content. The zero value
// is valid.
type Request struct {
	// Query is the user's question or task; relevance-aware steps keep
	// what matches it. "" means none.
	Query string
	// Bias scales how much adaptive steps keep: 0 (the reference
	// pipeline's value) keeps the minimum, 1 what the content's diversity
	// suggests, more keeps more. Finite, ≥ 0.
	Bias float64
	// Model names the tokenizer for this request. "" means Options.Model.
	Model string
}

// Outcome says how a Compress call ended.
type Outcome string

// Outcomes.
const (
	// Compressed: at least one step applied and the result has fewer
	// tokens than the input.
	Compressed Outcome = "compressed"
	// Unchanged: no step applied (nothing registered for the content type,
	// offloads gated off, or every step passed); see Stats.Passed.
	Unchanged Outcome = "unchanged"
	// NotSmaller: steps applied but the result did not have fewer tokens,
	// so the input was kept.
	NotSmaller Outcome = "not_smaller"
	// Failed: a step failed, or the context ended; the input was kept and
	// Compress returned the error.
	Failed Outcome = "failed"
)

// Stats describes one Compress call.
type Stats struct {
	// DetectedType is the content type the input was routed by.
	DetectedType transform.ContentType
	// Outcome says whether the result is the compressed text.
	Outcome Outcome
	// Steps names the applied steps in order, e.g. ["json_minifier",
	// "json_offload"]. Empty unless Outcome is Compressed.
	Steps []string
	// Markers are the CCR keys the result's offload markers name, in order.
	// Each resolves in Options.Store to exactly the text its step was
	// given: the input itself for the first step, or the previous steps'
	// output (a minified JSON document, say). SmartCrusher's row-drop
	// markers inside the output resolve in the same store too.
	Markers []string
	// Passed lists the registered steps that did not apply, and why.
	Passed []pipeline.Pass
	// TokensBefore and TokensAfter count the input and the returned text.
	TokensBefore, TokensAfter int
	// BytesBefore and BytesAfter are their lengths in bytes.
	BytesBefore, BytesAfter int
	// Duration is the wall time of the call, token counting included.
	Duration time.Duration
}

// TokensSaved returns TokensBefore − TokensAfter.
func (s *Stats) TokensSaved() int { return s.TokensBefore - s.TokensAfter }

// Result is the text to use and how it was obtained.
type Result struct {
	// Text is the compressed text when Stats.Outcome is Compressed and
	// the input, byte for byte, otherwise.
	Text  string
	Stats Stats
}

// Compressor routes content to the pipeline. Build it once with New; it is
// safe for concurrent use and holds no per-call state.
type Compressor struct {
	p       *pipeline.Pipeline
	model   string
	counter tokenizer.Counter
}

// New validates opts and builds every step once.
func New(opts Options) (*Compressor, error) {
	cfg := pipeline.DefaultConfig()
	if opts.Config != nil {
		cfg = *opts.Config
		if err := cfg.Validate(); err != nil {
			return nil, fmt.Errorf("compress: %w", err)
		}
	}
	regs, err := pipeline.ReformatRegistrations(cfg)
	if err != nil {
		return nil, fmt.Errorf("compress: %w", err)
	}
	if opts.Store != nil {
		offs, err := pipeline.OffloadRegistrations(cfg, opts.Store)
		if err != nil {
			return nil, fmt.Errorf("compress: %w", err)
		}
		regs = append(regs, offs...)
		if opts.CompressSearch {
			sr, err := pipeline.SearchRegistration(cfg, opts.Store)
			if err != nil {
				return nil, fmt.Errorf("compress: %w", err)
			}
			regs = append(regs, sr)
		}
	} else if opts.CompressSearch {
		return nil, errors.New("compress: CompressSearch needs a Store")
	}
	regs = append(regs, opts.Extra...)
	p, err := pipeline.New(cfg.Pipeline, regs...)
	if err != nil {
		return nil, fmt.Errorf("compress: %w", err)
	}
	model := opts.Model
	if model == "" {
		model = DefaultModel
	}
	return &Compressor{p: p, model: model, counter: tokenizer.ForModel(model)}, nil
}

// Compress compresses content. The returned Result is always usable: on
// error its Text is content unchanged and Stats.Outcome is Failed. Errors
// are a *transform.Error of kind Internal for a failed step (errors.As
// finds it; errors.Is(err, pipeline.ErrPanic) for a step that panicked),
// the context's error when ctx ended, or ErrInvalidRequest.
func (c *Compressor) Compress(ctx context.Context, content string, req Request) (Result, error) {
	start := time.Now()
	res := Result{Text: content}
	st := &res.Stats
	st.BytesBefore, st.BytesAfter = len(content), len(content)
	counter := c.counter
	if req.Model != "" && req.Model != c.model {
		counter = tokenizer.ForModel(req.Model)
	}
	done := func(o Outcome) {
		st.Outcome = o
		st.Duration = time.Since(start)
	}
	if math.IsNaN(req.Bias) || math.IsInf(req.Bias, 0) || req.Bias < 0 {
		done(Failed)
		return res, fmt.Errorf("%w: bias must be a finite number ≥ 0, got %v", ErrInvalidRequest, req.Bias)
	}
	st.DetectedType = Route(content)
	st.TokensBefore = counter.Count(content)
	st.TokensAfter = st.TokensBefore
	if !c.p.Handles(st.DetectedType) {
		done(Unchanged)
		return res, nil
	}

	run, err := c.p.Run(ctx, content, st.DetectedType, transform.Hints{Query: req.Query, Bias: req.Bias})
	st.Passed = run.Passed
	if err != nil {
		// Fail open: whatever the other steps achieved, a caller that
		// counts failures gets the bytes it sent.
		done(Failed)
		return res, err
	}
	if len(run.Steps) == 0 {
		done(Unchanged)
		return res, nil
	}
	after := counter.Count(run.Output)
	if after >= st.TokensBefore {
		done(NotSmaller)
		return res, nil
	}
	res.Text = run.Output
	st.TokensAfter = after
	st.BytesAfter = len(run.Output)
	st.Steps = make([]string, len(run.Steps))
	for i, s := range run.Steps {
		st.Steps[i] = s.Name
	}
	st.Markers = run.Keys()
	done(Compressed)
	return res, nil
}
