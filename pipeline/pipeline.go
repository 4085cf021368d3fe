// Package pipeline composes the compression steps for one content type:
// lossless reformats first, then CCR offloads gated by how bloated the
// content looks.
//
// A run over content of type T:
//
//  1. Every offload registered for T estimates the bloat of the original
//     content (a cheap structural score in [0, 1]).
//  2. The reformats registered for T run in order, each on the previous
//     one's output, until the text is at most ReformatTargetRatio of its
//     original length. A reformat that saves nothing, or fails, is passed
//     over.
//  3. Each offload, in order, runs on the current text if its estimate
//     reached BloatThreshold, or if the reformats left more than
//     OffloadFallbackRatio of the original and its estimate is positive.
//     An offload that saves no bytes, or fails, is passed over.
//
// No step can lose content: a failing step leaves the text as it was, and
// every offload stores the exact text it was given under the key its
// marker names. Step failures are recorded in the Result; those of kind
// Internal (a store that refused a write, a panic) are also returned as
// the error, for the caller to log and count.
//
// New steps plug in without touching this package: implement
// transform.Reformatter or transform.Offloader and pass a Registration.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"

	"github.com/headroom-go/headroom/transform"
)

// ErrPanic is wrapped by the error recorded for a step that panicked. The
// pipeline recovers so that one faulty step costs one compression, not the
// process; the error carries the stack so the bug can still be found.
var ErrPanic = errors.New("pipeline: step panicked")

// Registration attaches one step to the content types it handles. Build
// one with Reformat or Offload.
type Registration struct {
	types     []transform.ContentType
	reformat  transform.Reformatter
	offloader transform.Offloader
}

// Reformat registers r for the given content types.
func Reformat(r transform.Reformatter, types ...transform.ContentType) Registration {
	return Registration{types: types, reformat: r}
}

// Offload registers o for the given content types.
func Offload(o transform.Offloader, types ...transform.ContentType) Registration {
	return Registration{types: types, offloader: o}
}

// Pipeline runs the registered steps for a content type. It is immutable
// and safe for concurrent use once built.
type Pipeline struct {
	cfg       Orchestrator
	reformats map[transform.ContentType][]transform.Reformatter
	offloads  map[transform.ContentType][]transform.Offloader
}

// New returns a pipeline with the given orchestrator knobs and steps. Steps
// run in registration order within each phase. A registration without a
// step or without content types is an error.
func New(cfg Orchestrator, regs ...Registration) (*Pipeline, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("pipeline: %w: [pipeline] %w", ErrInvalidConfig, err)
	}
	p := &Pipeline{
		cfg:       cfg,
		reformats: map[transform.ContentType][]transform.Reformatter{},
		offloads:  map[transform.ContentType][]transform.Offloader{},
	}
	for i, r := range regs {
		if len(r.types) == 0 {
			return nil, fmt.Errorf("pipeline: registration %d names no content type", i)
		}
		switch {
		case r.reformat != nil:
			for _, t := range r.types {
				p.reformats[t] = append(p.reformats[t], r.reformat)
			}
		case r.offloader != nil:
			for _, t := range r.types {
				p.offloads[t] = append(p.offloads[t], r.offloader)
			}
		default:
			return nil, fmt.Errorf("pipeline: registration %d has no step", i)
		}
	}
	return p, nil
}

// Handles reports whether any step is registered for t.
func (p *Pipeline) Handles(t transform.ContentType) bool {
	return len(p.reformats[t])+len(p.offloads[t]) > 0
}

// StepKind says which phase a step belongs to.
type StepKind uint8

// Step kinds.
const (
	ReformatStep StepKind = iota + 1
	OffloadStep
)

// String returns "reformat" or "offload".
func (k StepKind) String() string {
	switch k {
	case ReformatStep:
		return "reformat"
	case OffloadStep:
		return "offload"
	}
	return "StepKind(" + strconv.Itoa(int(k)) + ")"
}

// Step records one step that was applied.
type Step struct {
	Name string
	Kind StepKind
	// BytesIn and BytesOut are the text lengths before and after the step.
	BytesIn, BytesOut int
	// Key is the CCR key of an offload's marker; "" for reformats. The
	// store holds exactly the step's input text under it.
	Key string
	// Bloat is an offload's estimate on the original content.
	Bloat float32
}

// Pass records one registered step that was not applied, and why.
type Pass struct {
	Name string
	Kind StepKind
	// Reason is a short explanation: the gate that kept an offload from
	// running, or the step's error text.
	Reason string
	// Err is the step's error (a *transform.Error, or one wrapping
	// ErrPanic or the context's error), nil when the step did not run.
	Err error
}

// Result is what a run produced.
type Result struct {
	// Output is the final text; the input itself when no step applied.
	Output string
	// Steps lists the applied steps in order.
	Steps []Step
	// Passed lists the registered steps that did not apply.
	Passed []Pass
}

// Keys returns the CCR keys of the applied offloads, in order.
func (r *Result) Keys() []string {
	var keys []string
	for _, s := range r.Steps {
		if s.Key != "" {
			keys = append(keys, s.Key)
		}
	}
	return keys
}

// Run compresses content of type t. The error is non-nil when a step
// failed with kind Internal or panicked (all such errors, joined) or when
// ctx ended (the run stops at the next step); the Result is valid either
// way and holds what the successful steps produced.
func (p *Pipeline) Run(ctx context.Context, content string, t transform.ContentType, h transform.Hints) (Result, error) {
	res := Result{Output: content}
	if content == "" {
		return res, nil
	}
	var failures []error
	fail := func(name string, kind StepKind, err error) {
		res.Passed = append(res.Passed, Pass{Name: name, Kind: kind, Reason: err.Error(), Err: err})
		if transform.KindOf(err) == transform.Internal {
			failures = append(failures, err)
		}
	}
	offloads := p.offloads[t]
	var scores []float32
	if len(offloads) > 0 {
		scores = make([]float32, len(offloads))
		for i, o := range offloads {
			s, err := estimate(o, content)
			if err != nil {
				// A faulty estimator keeps its offload from running.
				fail(o.Name(), OffloadStep, err)
				s = skipOffload
			}
			scores[i] = s
		}
	}
	// The ratios compare byte lengths as the reference does.
	origLen := float64(len(content))
	for _, r := range p.reformats[t] {
		if float64(len(res.Output))/origLen <= p.cfg.ReformatTargetRatio {
			res.Passed = append(res.Passed, Pass{Name: r.Name(), Kind: ReformatStep, Reason: "reformat target reached"})
			continue
		}
		if err := ctx.Err(); err != nil {
			return res, errors.Join(append(failures, err)...)
		}
		out, err := reformatSafely(r, res.Output)
		switch {
		case err != nil:
			fail(r.Name(), ReformatStep, err)
		case len(out) >= len(res.Output):
			res.Passed = append(res.Passed, Pass{Name: r.Name(), Kind: ReformatStep, Reason: "no bytes saved"})
		default:
			res.Steps = append(res.Steps, Step{Name: r.Name(), Kind: ReformatStep, BytesIn: len(res.Output), BytesOut: len(out)})
			res.Output = out
		}
	}

	reformatRatio := float64(len(res.Output)) / origLen
	fallback := reformatRatio > p.cfg.OffloadFallbackRatio
	for i, o := range offloads {
		s := scores[i]
		if s == skipOffload {
			continue
		}
		if !(s >= p.cfg.BloatThreshold || (fallback && s > 0)) {
			res.Passed = append(res.Passed, Pass{Name: o.Name(), Kind: OffloadStep, Reason: gateReason(s, p.cfg.BloatThreshold, fallback)})
			continue
		}
		if err := ctx.Err(); err != nil {
			return res, errors.Join(append(failures, err)...)
		}
		out, err := offloadSafely(ctx, o, res.Output, h)
		switch {
		case err != nil:
			fail(o.Name(), OffloadStep, err)
		case out.Key == "":
			fail(o.Name(), OffloadStep, transform.Fail(o.Name(), errors.New("offload returned no CCR key")))
		case len(out.Output) >= len(res.Output):
			res.Passed = append(res.Passed, Pass{Name: o.Name(), Kind: OffloadStep, Reason: "no bytes saved"})
		default:
			res.Steps = append(res.Steps, Step{Name: o.Name(), Kind: OffloadStep, BytesIn: len(res.Output), BytesOut: len(out.Output), Key: out.Key, Bloat: s})
			res.Output = out.Output
		}
	}
	return res, errors.Join(failures...)
}

// skipOffload marks an offload whose estimator failed (already recorded).
const skipOffload float32 = -1

func gateReason(score, threshold float32, fallback bool) string {
	r := "bloat " + strconv.FormatFloat(float64(score), 'g', 3, 32) + " below threshold " + strconv.FormatFloat(float64(threshold), 'g', 3, 32)
	if !fallback {
		r += " and reformats sufficed"
	}
	return r
}

// panicError turns a recovered value into an error wrapping ErrPanic.
func panicError(name string, v any) error {
	return transform.Fail(name, fmt.Errorf("%w: %v\n%s", ErrPanic, v, debug.Stack()))
}

func estimate(o transform.Offloader, content string) (s float32, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicError(o.Name(), v)
		}
	}()
	s = o.EstimateBloat(content)
	if !(s >= 0 && s <= 1) {
		// An estimator outside its contract must not open (or shut) the
		// gate by accident.
		return 0, transform.Fail(o.Name(), fmt.Errorf("bloat estimate %v outside [0, 1]", s))
	}
	return s, nil
}

func reformatSafely(r transform.Reformatter, content string) (out string, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicError(r.Name(), v)
		}
	}()
	return r.Reformat(content)
}

func offloadSafely(ctx context.Context, o transform.Offloader, content string, h transform.Hints) (out transform.Result, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicError(o.Name(), v)
		}
	}()
	return o.Offload(ctx, content, h)
}
