package cachestab

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sync"

	"github.com/headroom-go/headroom/authmode"
	"github.com/headroom-go/headroom/internal/jsonx"
)

// KeyResult reports what InjectPromptCacheKey did.
type KeyResult struct {
	Status Status
	// Key is the injected key (32 lowercase hex characters) when Status
	// is Applied. It pins a tenant's cache lookups: log KeyPrefix, never
	// the key.
	Key string
	// Value is the body with the key, or the input when not Applied.
	Value jsonx.Value
	// Body is the compact serialisation of Value, nil when not Applied.
	Body []byte
}

// KeyPrefixLogLen is how much of the key the e4_applied event may show.
const KeyPrefixLogLen = 8

// promptCacheKeyHexLen is the key length on the wire: 16 bytes of hash.
const promptCacheKeyHexLen = 32

// KeyPrefix returns the loggable start of Key ("" when none).
func (r *KeyResult) KeyPrefix() string {
	if len(r.Key) < KeyPrefixLogLen {
		return r.Key
	}
	return r.Key[:KeyPrefixLogLen]
}

// Step returns the outcome as an E4 Step.
func (r *KeyResult) Step() Step { return Step{PromptCacheKey, r.Status} }

// InjectPromptCacheKey runs E4 on a parsed OpenAI request body: for payg
// requests without a prompt_cache_key it adds one derived by
// DerivePromptCacheKey, so OpenAI pins the cache lookup to a key that is
// the same on every turn of the conversation. The proxy runs it on both
// OpenAI endpoints after the compression dispatcher, whatever the
// compression mode, and forwards KeyResult.Body when it is non-nil.
//
// Outcomes: NotRun for Messages (Anthropic has no such field);
// SkippedAuthMode unless mode is payg; SkippedNotAnObject when body is
// not an object; SkippedKeyPresent when prompt_cache_key is a non-empty
// string (the caller's key wins, and a key we injected earlier is left
// alone, so the pass is idempotent); Applied otherwise.
//
// A prompt_cache_key that is "" or not a string counts as absent (some
// SDKs send "" by default) and is replaced where it stands; a new key is
// appended as the last member. Both follow serde_json's map insert, so
// the bytes match the reference's.
func InjectPromptCacheKey(body jsonx.Value, ep Endpoint, mode authmode.Mode) KeyResult {
	r := KeyResult{Value: body}
	switch {
	case ep != ChatCompletions && ep != Responses:
		return r
	case mode != authmode.Payg:
		r.Status = SkippedAuthMode
		return r
	case body.Kind() != jsonx.Object:
		r.Status = SkippedNotAnObject
		return r
	}
	if k, ok := body.Get("prompt_cache_key"); ok {
		if s, ok := k.Str(); ok && s != "" {
			r.Status = SkippedKeyPresent
			return r
		}
	}
	r.Key = DerivePromptCacheKey(body, ep)
	r.Value = withMember(body, "prompt_cache_key", jsonx.StringValue(r.Key))
	r.Body = compactBody(r.Value)
	r.Status = Applied
	return r
}

// DerivePromptCacheKey returns the 32-hex-character E4 key of an OpenAI
// body: the first 16 bytes of
//
//	SHA-256(model ‖ 0x00 ‖ hex(SHA-256(compact(system))) ‖ 0x00 ‖ hex(SHA-256(compact(tools))))
//
// where model is the "model" string ("" if absent or not a string), tools
// is the "tools" value (null if absent) and system is, for
// ChatCompletions, the content of the first messages item whose role is
// "system"; for Responses, "instructions" when the key exists (any type),
// else that content from "input", else from "messages". system is null
// when none is found or the message has no content. User and assistant
// turns are left out on purpose so the key survives every new turn.
func DerivePromptCacheKey(body jsonx.Value, ep Endpoint) string {
	model := ""
	if m, ok := body.Get("model"); ok {
		model, _ = m.Str()
	}
	tools, _ := body.Get("tools") // absent → zero Value, which is null

	var sum [sha256.Size]byte
	h := hashers.Get().(*hasher)
	h.h.Reset()
	h.h.Write([]byte(model))
	h.h.Write([]byte{0})
	h.writeValueDigest(systemForKey(body, ep))
	h.h.Write([]byte{0})
	h.writeValueDigest(tools)
	h.h.Sum(sum[:0])
	h.release()
	return hex.EncodeToString(sum[:promptCacheKeyHexLen/2])
}

func systemForKey(body jsonx.Value, ep Endpoint) jsonx.Value {
	if ep == Responses {
		if ins, ok := body.Get("instructions"); ok {
			return ins
		}
		if in, ok := body.Get("input"); ok {
			if c, ok := firstSystemContent(in); ok {
				return c
			}
		}
	}
	if msgs, ok := body.Get("messages"); ok {
		if c, ok := firstSystemContent(msgs); ok {
			return c
		}
	}
	return jsonx.Value{}
}

// firstSystemContent returns the content of the first item of arr whose
// role is "system" (null when it has none); ok is false when arr is not
// an array or has no such item.
func firstSystemContent(arr jsonx.Value) (jsonx.Value, bool) {
	for _, it := range arr.Items() {
		if r, ok := it.Get("role"); ok {
			if s, _ := r.Str(); s == "system" {
				c, _ := it.Get("content")
				return c, true
			}
		}
	}
	return jsonx.Value{}, false
}

// hasher pairs an outer SHA-256 with a reusable inner one and a scratch
// buffer for compact JSON.
type hasher struct {
	h, inner hash.Hash
	buf      []byte
}

// maxPooledBuf caps the scratch kept in the pool so one huge tools array
// does not pin its buffer for the life of the process.
const maxPooledBuf = 1 << 20

var hashers = sync.Pool{New: func() any {
	return &hasher{h: sha256.New(), inner: sha256.New(), buf: make([]byte, 0, 4096)}
}}

func (h *hasher) release() {
	if cap(h.buf) > maxPooledBuf {
		return
	}
	hashers.Put(h)
}

// writeValueDigest writes the lowercase hex SHA-256 of compact(v) to h.h.
func (h *hasher) writeValueDigest(v jsonx.Value) {
	var d [sha256.Size]byte
	var hx [2 * sha256.Size]byte
	h.buf = jsonx.AppendCompact(h.buf[:0], v)
	h.inner.Reset()
	h.inner.Write(h.buf)
	h.inner.Sum(d[:0])
	hex.Encode(hx[:], d[:])
	h.h.Write(hx[:])
}
