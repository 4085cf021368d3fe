package coreapi

import (
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/internal/pycompat"
)

// object writes one compact JSON result object. Strings that are not valid
// UTF-8 and floats that JSON cannot spell make the result an internal
// error instead of being patched into something the caller never produced.
type object struct {
	buf []byte
	n   int
	err *Error
}

func newObject() *object { return &object{buf: append(make([]byte, 0, 256), '{')} }

func (o *object) key(k string) {
	if o.n > 0 {
		o.buf = append(o.buf, ',')
	}
	o.n++
	o.buf = jsonx.AppendCompactString(o.buf, k)
	o.buf = append(o.buf, ':')
}

func (o *object) str(k, s string) {
	o.key(k)
	o.buf = appendString(o.buf, s, k, &o.err)
}

// keyOrNull writes a CCR key, or null when there is none ("" in Go).
func (o *object) keyOrNull(k, key string) {
	if key == "" {
		o.key(k)
		o.buf = append(o.buf, "null"...)
		return
	}
	o.str(k, key)
}

func (o *object) int(k string, n int) {
	o.key(k)
	o.buf = strconv.AppendInt(o.buf, int64(n), 10)
}

func (o *object) bool(k string, b bool) {
	o.key(k)
	o.buf = strconv.AppendBool(o.buf, b)
}

// float writes x as Python's repr does, so that a float field always reads
// back as a Python float ("1.0", never "1").
func (o *object) float(k string, x float64) {
	o.key(k)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		o.buf = append(o.buf, "null"...)
		if o.err == nil {
			o.err = internalErr("result field %q is %v, which JSON cannot carry", k, x)
		}
		return
	}
	o.buf = pycompat.AppendPyRepr(o.buf, x)
}

// raw writes an already encoded JSON value.
func (o *object) raw(k string, v []byte) {
	o.key(k)
	o.buf = append(o.buf, v...)
}

func (o *object) done() ([]byte, *Error) {
	if o.err != nil {
		return nil, o.err
	}
	return append(o.buf, '}'), nil
}

// appendString writes s as a JSON string, recording an internal error in
// *err when s is not valid UTF-8: the inputs were validated, so such a
// result would be a transform bug, and rewriting it as U+FFFD would hand the
// caller bytes the transform never produced.
func appendString(dst []byte, s, what string, err **Error) []byte {
	if !utf8.ValidString(s) && *err == nil {
		*err = internalErr("result field %q is not valid UTF-8", what)
	}
	return jsonx.AppendCompactString(dst, s)
}

// stringResult encodes a bare JSON string result.
func stringResult(s, what string) ([]byte, *Error) {
	var err *Error
	b := appendString(nil, s, what, &err)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// checkBias rejects a bias no transform can honour. The reference passes
// any float through; a negative budget scale has no meaning, so it is an
// error here rather than a silently clamped value.
func checkBias(bias float64) *Error {
	if bias < 0 {
		return valueErr("bias must be non-negative, got %v", bias)
	}
	return nil
}
