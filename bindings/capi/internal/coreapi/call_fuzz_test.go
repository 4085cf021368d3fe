package coreapi

import (
	"errors"
	"testing"

	"github.com/headroom-go/headroom/internal/jsonx"
)

// FuzzCall feeds arbitrary argument bytes to every method. Whatever the
// input, Call must answer with a JSON result or with a value or type
// error: an internal error here means a transform panicked or the binding
// wrote something that is not JSON.
func FuzzCall(f *testing.F) {
	f.Fuzz(func(t *testing.T, method string, args []byte) {
		out, err := Call(method, args)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if e.Kind != KindValue && e.Kind != KindType {
				t.Fatalf("Call(%q, %q): %s: %v", method, args, e.Kind, err)
			}
			return
		}
		if !jsonx.Valid(string(out)) {
			t.Fatalf("Call(%q, %q) returned invalid JSON %q", method, args, out)
		}
	})
}
