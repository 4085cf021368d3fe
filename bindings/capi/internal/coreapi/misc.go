package coreapi

import (
	"context"
	"errors"
	"strconv"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/internal/version"
	"github.com/headroom-go/headroom/tokenizer"
	"github.com/headroom-go/headroom/transform/detect"
)

func init() {
	register("hello", hello)
	register("version", versionMethod)
	register("detect_content_type", detectContentType)
	register("count_tokens", countTokens)
	register("ccr_get", ccrGet)
	register("ccr_len", ccrLen)
}

// hello returns the marker string; it takes no arguments.
func hello(context.Context, *request) ([]byte, *Error) {
	return stringResult(Hello, "hello")
}

// versionMethod returns {"version": release, "abi": ABIVersion}.
func versionMethod(context.Context, *request) ([]byte, *Error) {
	o := newObject()
	o.str("version", version.Version)
	o.int("abi", ABIVersion)
	return o.done()
}

// detectContentType runs detect_content_type(content) and returns
// {content_type, confidence, metadata}.
func detectContentType(_ context.Context, r *request) ([]byte, *Error) {
	content, e := r.str("content")
	if e != nil {
		return nil, e
	}
	out := detect.Detect(content).AppendJSON(nil)
	if _, e := stringResult(string(out), "metadata"); e != nil {
		return nil, e
	}
	return out, nil
}

// countTokens returns how many tokens text has for model: exact BPE counts
// for OpenAI models, the reference's characters-per-token estimate for the
// others. model is required because the two answers differ and no default
// fits every caller.
func countTokens(_ context.Context, r *request) ([]byte, *Error) {
	text, e := r.str("text")
	if e != nil {
		return nil, e
	}
	model, e := r.str("model")
	if e != nil {
		return nil, e
	}
	return strconv.AppendInt(nil, int64(tokenizer.ForModel(model).Count(text)), 10), nil
}

// ccrGet returns the original stored under a marker's key, or null when
// the key is unknown or expired.
func ccrGet(ctx context.Context, r *request) ([]byte, *Error) {
	key, e := r.str("hash")
	if e != nil {
		return nil, e
	}
	if err := ccr.ValidateKey(key); err != nil {
		return nil, valueErr("%v", err)
	}
	payload, err := Store().Get(ctx, key)
	if errors.Is(err, ccr.ErrNotFound) {
		return []byte("null"), nil
	}
	if err != nil {
		return nil, internalErr("%v", err)
	}
	return stringResult(string(payload), "original")
}

// ccrLen returns how many live originals the process-wide store holds.
func ccrLen(ctx context.Context, _ *request) ([]byte, *Error) {
	n, err := Store().Len(ctx)
	if err != nil {
		return nil, internalErr("%v", err)
	}
	return strconv.AppendInt(nil, int64(n), 10), nil
}
