package transform

import (
	"context"
	"errors"
	"fmt"
)

// A Reformatter rewrites content more densely without dropping
// information: the output says everything the input said (JSON minified,
// repeated log lines folded into a template and its variants), so no CCR
// entry is needed to recover anything.
//
// Contract:
//   - Reformat is deterministic and safe for concurrent use;
//   - it never returns output longer than its input (return the input
//     unchanged, or an error of kind Skipped, when there is nothing to gain);
//   - a failure is an *Error: InvalidInput when the content is not of the
//     shape the reformatter understands, Skipped when there is nothing to do,
//     Internal for anything else.
type Reformatter interface {
	// Name is the stable snake_case name reported in stats, e.g.
	// "json_minifier".
	Name() string
	// Reformat returns the denser form of content.
	Reformat(content string) (string, error)
}

// An Offloader shrinks content by dropping bytes from it, after storing
// the content it was given in a CCR store so that a model (or operator)
// can ask for it back through the marker the output carries.
//
// Contract:
//   - EstimateBloat is cheap (a structural scan, no compression pass),
//     deterministic, safe on any input including "" (which scores 0), and
//     returns a score in [0, 1]: how much of content this offloader could
//     usefully remove;
//   - Offload returns a Result whose Key is non-empty and resolves, in the
//     offloader's store, to exactly the content it was given; when it
//     decides the offload is not worth it, it returns an *Error of kind
//     Skipped rather than a Result without a key;
//   - a store failure is an *Error of kind Internal and leaves no marker in
//     any output;
//   - both methods are safe for concurrent use.
type Offloader interface {
	// Name is the stable snake_case name reported in stats, e.g.
	// "log_offload".
	Name() string
	// EstimateBloat scores how much content would benefit from Offload.
	EstimateBloat(content string) float32
	// Offload compresses content, guided by h.
	Offload(ctx context.Context, content string, h Hints) (Result, error)
}

// Hints is what the caller knows about how the content will be used. The
// zero value means "nothing known" and gives the reference pipeline's
// behaviour.
type Hints struct {
	// Query is the user's question or task. Compressors that score lines
	// or items by relevance keep what matches it. "" means none.
	Query string
	// Bias scales how much an adaptive compressor keeps: 0 keeps the
	// minimum (what the reference pipeline passes), 1 keeps what the
	// content's diversity suggests, larger values keep more. It must be
	// finite and not negative.
	Bias float64
}

// Result is what an Offloader produced.
type Result struct {
	// Output is the shortened content, ending with the retrieval marker.
	Output string
	// Key is the CCR key the marker names; the offloader's store holds
	// the offloaded content under it.
	Key string
}

// ErrorKind classifies a transform failure. Every kind means "skip this
// transform and carry on with the content as it was": a pipeline never
// stops, or loses content, because one transform failed.
type ErrorKind uint8

const (
	// Internal is a failure the caller should log and count: a store that
	// rejected a write, a panic, a logic error.
	Internal ErrorKind = iota
	// InvalidInput means the content was not of the shape the transform
	// handles (JSON that does not parse, say).
	InvalidInput
	// Skipped means the transform ran and found nothing worth doing.
	Skipped
)

// String returns the kind's snake_case name.
func (k ErrorKind) String() string {
	switch k {
	case Internal:
		return "internal"
	case InvalidInput:
		return "invalid_input"
	case Skipped:
		return "skipped"
	}
	return fmt.Sprintf("ErrorKind(%d)", uint8(k))
}

// Error is a classified transform failure.
type Error struct {
	// Transform is the Name of the transform that failed.
	Transform string
	// Kind says how serious the failure is.
	Kind ErrorKind
	// Err is the cause.
	Err error
}

// Error describes the failure as "TRANSFORM KIND: CAUSE".
func (e *Error) Error() string {
	return e.Transform + " " + e.Kind.String() + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Skip returns an error of kind Skipped for transform with the given reason.
func Skip(transform, reason string) *Error {
	return &Error{Transform: transform, Kind: Skipped, Err: errors.New(reason)}
}

// Invalid returns an error of kind InvalidInput wrapping cause.
func Invalid(transform string, cause error) *Error {
	return &Error{Transform: transform, Kind: InvalidInput, Err: cause}
}

// Fail returns an error of kind Internal wrapping cause.
func Fail(transform string, cause error) *Error {
	return &Error{Transform: transform, Kind: Internal, Err: cause}
}

// KindOf returns the kind of err: the Kind of the first *Error in its
// chain, or Internal for any other non-nil error, because an unclassified
// failure is one somebody should look at.
func KindOf(err error) ErrorKind {
	var te *Error
	if errors.As(err, &te) {
		return te.Kind
	}
	return Internal
}
