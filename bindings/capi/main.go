// Command capi is the C-shared build of the headroom core, loaded by the
// Python package as headroom._core:
//
//	go build -buildmode=c-shared -o libheadroom.so ./bindings/capi
//
// It exports a single call entry point over the JSON methods of package
// coreapi, a free function for the buffers it returns, and the ABI version
// the two sides must agree on:
//
//	int    headroom_abi_version(void);
//	int    headroom_call(const char *method, size_t method_len,
//	                     const char *args, size_t args_len,
//	                     char **out, size_t *out_len);
//	void   headroom_free(char *p);
//
// headroom_call returns 0 and the JSON result in *out, or a positive status
// naming the error kind (1 ValueError, 2 TypeError, 3 internal failure) and
// a UTF-8 message in *out. It returns -1 without touching *out when out or
// out_len is NULL. Every *out must be released with headroom_free. The
// inputs are copied before use, so the caller may free them as soon as the
// call returns, and calls may run concurrently from any thread.
package main

/*
#include <stdlib.h>
#include <stddef.h>
*/
import "C"

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/headroom-go/headroom/bindings/capi/internal/coreapi"
)

// statusMisuse is returned when the out parameters are NULL, so that
// nothing can be reported through them.
const statusMisuse = -1

//export headroom_abi_version
func headroom_abi_version() C.int { return C.int(coreapi.ABIVersion) }

//export headroom_call
func headroom_call(method *C.char, methodLen C.size_t, args *C.char, argsLen C.size_t, out **C.char, outLen *C.size_t) (status C.int) {
	if out == nil || outLen == nil {
		return statusMisuse
	}
	*out, *outLen = nil, 0
	// coreapi.Call recovers the transforms' panics; this one guards the
	// copying and allocation around it, because a panic must never unwind
	// into the C caller.
	defer func() {
		if p := recover(); p != nil {
			status = reply(out, outLen, C.int(coreapi.KindInternal), []byte(fmt.Sprintf("headroom_call: panic: %v", p)))
		}
	}()
	name, err := goBytes(method, methodLen, "method")
	if err != nil {
		return reply(out, outLen, C.int(coreapi.KindValue), []byte(err.Error()))
	}
	req, err := goBytes(args, argsLen, "args")
	if err != nil {
		return reply(out, outLen, C.int(coreapi.KindValue), []byte(err.Error()))
	}
	res, err := coreapi.Call(string(name), req)
	if err != nil {
		kind := coreapi.KindInternal
		var ce *coreapi.Error
		if errors.As(err, &ce) {
			kind = ce.Kind
		}
		return reply(out, outLen, C.int(kind), []byte(err.Error()))
	}
	return reply(out, outLen, 0, res)
}

//export headroom_free
func headroom_free(p *C.char) { C.free(unsafe.Pointer(p)) }

// goBytes copies n bytes at p into Go memory. A NULL pointer is accepted
// only with n == 0.
func goBytes(p *C.char, n C.size_t, what string) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	if p == nil {
		return nil, fmt.Errorf("%s is NULL with length %d", what, uint64(n))
	}
	if uint64(n) > math.MaxInt {
		return nil, fmt.Errorf("%s length %d is too large", what, uint64(n))
	}
	return bytes.Clone(unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n))), nil
}

// reply stores msg in C memory for the caller and returns status.
func reply(out **C.char, outLen *C.size_t, status C.int, msg []byte) C.int {
	*out = (*C.char)(C.CBytes(msg))
	*outLen = C.size_t(len(msg))
	return status
}

func main() {}
