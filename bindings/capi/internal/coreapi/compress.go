package coreapi

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"github.com/headroom-go/headroom/compress"
)

func init() { register("compress", compressMethod) }

// compressors holds the two library compressors "compress" can use: with
// and without the search offload. Each is built once; both are safe for
// concurrent use.
var compressors = [2]func() (*compress.Compressor, error){
	sync.OnceValues(func() (*compress.Compressor, error) {
		return compress.New(compress.Options{Store: Store()})
	}),
	sync.OnceValues(func() (*compress.Compressor, error) {
		return compress.New(compress.Options{Store: Store(), CompressSearch: true})
	}),
}

// compressMethod runs the library entry point on one piece of content:
// detect its type, run the pipeline for it, keep the result only when it
// has fewer tokens. Arguments: content, query="", bias=0 (the pipeline's
// default), model="" (compress.DefaultModel), compress_search=false.
//
// A failed step is not an exception: like the library, the call fails
// open, returning the input unchanged with outcome "failed" and the error
// text, so the caller still has the bytes to send.
func compressMethod(ctx context.Context, r *request) ([]byte, *Error) {
	content, e := r.str("content")
	if e != nil {
		return nil, e
	}
	var req compress.Request
	if req.Query, e = r.optStr("query", ""); e != nil {
		return nil, e
	}
	if req.Bias, e = r.optFloat("bias", 0); e != nil {
		return nil, e
	}
	if req.Model, e = r.optStr("model", ""); e != nil {
		return nil, e
	}
	search, e := r.optBool("compress_search", false)
	if e != nil {
		return nil, e
	}
	if e := checkBias(req.Bias); e != nil {
		return nil, e
	}
	variant := 0
	if search {
		variant = 1
	}
	c, err := compressors[variant]()
	if err != nil {
		return nil, internalErr("%v", err)
	}
	res, err := c.Compress(ctx, content, req)
	if errors.Is(err, compress.ErrInvalidRequest) {
		return nil, valueErr("%v", err)
	}
	st := res.Stats
	o := newObject()
	o.str("text", res.Text)
	o.str("content_type", st.DetectedType.String())
	o.str("outcome", string(st.Outcome))
	o.raw("steps", stringList(st.Steps, "steps", &o.err))
	o.raw("markers", stringList(st.Markers, "markers", &o.err))
	passed := make([]byte, 0, 64)
	passed = append(passed, '[')
	for i, p := range st.Passed {
		if i > 0 {
			passed = append(passed, ',')
		}
		po := newObject()
		po.str("name", p.Name)
		po.str("kind", p.Kind.String())
		po.str("reason", p.Reason)
		b, pe := po.done()
		if pe != nil {
			return nil, pe
		}
		passed = append(passed, b...)
	}
	o.raw("passed", append(passed, ']'))
	o.int("tokens_before", st.TokensBefore)
	o.int("tokens_after", st.TokensAfter)
	o.int("tokens_saved", st.TokensSaved())
	o.int("bytes_before", st.BytesBefore)
	o.int("bytes_after", st.BytesAfter)
	o.float("duration_seconds", st.Duration.Seconds())
	if err != nil {
		o.str("error", err.Error())
	}
	return o.done()
}

// stringList encodes ss as a JSON array of strings.
func stringList(ss []string, what string, err **Error) []byte {
	b := []byte{'['}
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s, what+"["+strconv.Itoa(i)+"]", err)
	}
	return append(b, ']')
}
