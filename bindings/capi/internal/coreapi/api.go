// Package coreapi is the JSON-in, JSON-out surface behind the C-shared
// library that the Python package exposes as headroom._core.
//
// A caller names a method ("smart_crusher.crush", "count_tokens", …) and
// passes one JSON object of arguments; Call returns the result as compact
// JSON, or an *Error whose Kind tells the binding which exception to raise.
// Keyword names, defaults and result fields follow the reference's
// headroom._core, so Python code written against it reads the same fields
// here.
//
// Every call builds its transform from the configuration it is given, which
// keeps the C boundary free of handles that could leak or dangle. Originals
// behind CCR markers go to one in-memory store per process (see Store), so a
// marker in any result resolves through the "ccr_get" method until it ages
// out.
//
// Call never panics: a panic in a transform is recovered and returned as a
// KindInternal error, because a panic that unwound into the C caller would
// take the whole interpreter down.
package coreapi

import (
	"context"
	"fmt"
	"runtime/debug"
	"sort"
	"sync"
	"unicode/utf8"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/internal/jsonx"
)

// ABIVersion numbers the calling convention between the C-shared library and
// the Python package (method names, request and result shapes). The Python
// loader refuses a library whose ABIVersion differs from the one it was
// written for, rather than misreading its results.
const ABIVersion = 1

// Hello is what the "hello" method returns: the marker string the
// reference's deployment smoke test checks to tell a loaded core from a
// stale or missing one.
const Hello = "headroom-core"

// Kind classifies an Error so that a binding can map it onto its own
// exception types.
type Kind uint8

const (
	// KindValue: an argument has the right type but an unusable value (a
	// negative bias, a ratio out of range, text that is not UTF-8), or the
	// method does not exist. Python raises ValueError.
	KindValue Kind = iota + 1
	// KindType: an argument has the wrong JSON type, a required one is
	// missing or an unknown one was given. Python raises TypeError.
	KindType
	// KindInternal: the core failed (a transform panicked, the CCR store
	// rejected an original). Python raises headroom._core.CoreError.
	KindInternal
)

// String names the kind as the Python exception it maps to.
func (k Kind) String() string {
	switch k {
	case KindValue:
		return "ValueError"
	case KindType:
		return "TypeError"
	case KindInternal:
		return "CoreError"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Error is the only error type Call returns.
type Error struct {
	Kind   Kind
	Method string
	Msg    string
}

func (e *Error) Error() string {
	if e.Method == "" {
		return e.Msg
	}
	return e.Method + ": " + e.Msg
}

func valueErr(format string, args ...any) *Error {
	return &Error{Kind: KindValue, Msg: fmt.Sprintf(format, args...)}
}

func typeErr(format string, args ...any) *Error {
	return &Error{Kind: KindType, Msg: fmt.Sprintf(format, args...)}
}

func internalErr(format string, args ...any) *Error {
	return &Error{Kind: KindInternal, Msg: fmt.Sprintf(format, args...)}
}

// handler runs one method on a parsed request and returns the result as
// compact JSON.
type handler func(ctx context.Context, r *request) ([]byte, *Error)

// methods maps every method name to its handler. It is filled by the init
// functions of the files that implement them and never written afterwards.
var methods = map[string]handler{}

func register(name string, h handler) {
	if _, dup := methods[name]; dup {
		panic("coreapi: method " + name + " registered twice")
	}
	methods[name] = h
}

// Methods returns the names Call accepts, sorted.
func Methods() []string {
	names := make([]string, 0, len(methods))
	for n := range methods {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Call runs method with the JSON object req as its arguments. On success
// the result is compact JSON; otherwise the error is an *Error naming the
// method. req must be valid UTF-8; strings inside it must not encode lone
// surrogates.
func Call(method string, req []byte) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			out = nil
			err = &Error{Kind: KindInternal, Method: method, Msg: fmt.Sprintf("panic: %v\n%s", p, debug.Stack())}
		}
	}()
	h, ok := methods[method]
	if !ok {
		return nil, &Error{Kind: KindValue, Method: method, Msg: "unknown method"}
	}
	r, e := parseRequest(req)
	if e == nil {
		out, e = h(context.Background(), r)
	}
	if e == nil {
		e = r.unused()
	}
	if e != nil {
		e.Method = method
		return nil, e
	}
	return out, nil
}

// storeCapacity and storeTTL size the process-wide CCR store like the
// reference's in-memory default.
const (
	storeCapacity = ccr.DefaultCapacity
	storeTTL      = ccr.DefaultTTL
)

// Store returns the process-wide store that receives the originals behind
// every marker a method emits, and that "ccr_get" reads.
var Store = sync.OnceValue(func() *memstore.Store {
	return memstore.New(storeCapacity, storeTTL)
})

// request is one parsed argument object. Handlers take the arguments they
// know with the typed getters; any member left untaken is an unexpected
// keyword argument.
type request struct {
	members []jsonx.Member
	taken   []bool
}

func parseRequest(req []byte) (*request, *Error) {
	if !utf8.Valid(req) {
		return nil, valueErr("arguments are not valid UTF-8")
	}
	v, err := jsonx.Parse(req)
	if err != nil {
		return nil, valueErr("arguments are not JSON: %v", err)
	}
	if v.Kind() != jsonx.Object {
		return nil, typeErr("arguments must be a JSON object, got %s", v.Kind())
	}
	m := v.Members()
	return &request{members: m, taken: make([]bool, len(m))}, nil
}

// take returns the value of the named argument and marks it used.
func (r *request) take(name string) (jsonx.Value, bool) {
	for i, m := range r.members {
		if m.Key == name {
			r.taken[i] = true
			return m.Value, true
		}
	}
	return jsonx.Value{}, false
}

// unused reports the first argument no getter took.
func (r *request) unused() *Error {
	for i, m := range r.members {
		if !r.taken[i] {
			return typeErr("unexpected argument %q", m.Key)
		}
	}
	return nil
}

// str returns a required string argument.
func (r *request) str(name string) (string, *Error) {
	v, ok := r.take(name)
	if !ok {
		return "", typeErr("missing required argument %q", name)
	}
	s, ok := v.Str()
	if !ok {
		return "", typeErr("%s must be a string, not %s", name, v.Kind())
	}
	return s, nil
}

// optStr returns an optional string argument; absent means def.
func (r *request) optStr(name, def string) (string, *Error) {
	v, ok := r.take(name)
	if !ok {
		return def, nil
	}
	s, ok := v.Str()
	if !ok {
		return "", typeErr("%s must be a string, not %s", name, v.Kind())
	}
	return s, nil
}

// optBool returns an optional boolean argument; absent means def.
func (r *request) optBool(name string, def bool) (bool, *Error) {
	v, ok := r.take(name)
	if !ok {
		return def, nil
	}
	b, ok := v.Bool()
	if !ok {
		return false, typeErr("%s must be a boolean, not %s", name, v.Kind())
	}
	return b, nil
}

// optFloat returns an optional number argument; absent means def. A JSON
// document cannot spell NaN or infinity, so the result is finite.
func (r *request) optFloat(name string, def float64) (float64, *Error) {
	v, ok := r.take(name)
	if !ok {
		return def, nil
	}
	return floatValue(name, v)
}

// optNullableFloat returns an optional number argument that may be null;
// absent and null both mean "not given".
func (r *request) optNullableFloat(name string) (float64, bool, *Error) {
	v, ok := r.take(name)
	if !ok || v.IsNull() {
		return 0, false, nil
	}
	f, e := floatValue(name, v)
	return f, e == nil, e
}

// object returns an optional object argument; absent and null both mean
// an empty object.
func (r *request) object(name string) ([]jsonx.Member, *Error) {
	v, ok := r.take(name)
	if !ok || v.IsNull() {
		return nil, nil
	}
	if v.Kind() != jsonx.Object {
		return nil, typeErr("%s must be an object, not %s", name, v.Kind())
	}
	return v.Members(), nil
}

func floatValue(name string, v jsonx.Value) (float64, *Error) {
	if v.Kind() != jsonx.Number {
		return 0, typeErr("%s must be a number, not %s", name, v.Kind())
	}
	f, ok := v.Float()
	if !ok {
		return 0, valueErr("%s is out of range: %s", name, jsonx.Compact(v))
	}
	return f, nil
}
