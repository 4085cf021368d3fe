package retrieve

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/internal/jsonx"
)

// Status classifies a retrieval.
type Status string

// Retrieval outcomes, as the tool result's "status" field names misses.
const (
	Available Status = "available"
	Missing   Status = "missing"
	Expired   Status = "expired"
	Failed    Status = "failed"
)

// Result is the outcome of one retrieval, ready to be written for the model.
type Result struct {
	Hash   string
	Status Status
	// Original is the stored payload when Status is Available.
	Original []byte
	// TTL is the store's TTL, quoted in miss explanations so the model (and
	// whoever reads the transcript) knows why an original is gone.
	TTL time.Duration
	// Err is the store error when Status is Failed.
	Err error
}

// Lookup retrieves hash from store and classifies the outcome. ttl is the
// store's configured TTL (zero means ccr.DefaultTTL). A canceled ctx is a
// Failed result, not a miss.
func Lookup(ctx context.Context, store ccr.Store, hash string, ttl time.Duration) Result {
	if ttl <= 0 {
		ttl = ccr.DefaultTTL
	}
	r := Result{Hash: hash, TTL: ttl}
	payload, err := store.Get(ctx, hash)
	switch {
	case err == nil:
		r.Status, r.Original = Available, payload
	case errors.Is(err, ccr.ErrExpired):
		r.Status = Expired
	case errors.Is(err, ccr.ErrNotFound):
		r.Status = Missing
	default:
		r.Status, r.Err = Failed, err
	}
	return r
}

// Text renders the tool result content the model reads, byte-compatible
// with the reference's json.dumps(…, indent=2) (ASCII-escaped):
//
//	hit:     {"hash", "original_content", "original_item_count"}
//	miss:    {"error", "hash", "status", "ttl_seconds"}
//	failure: {"error": "Retrieval failed: …", "hash"}
//
// An original that is not valid UTF-8 is sent with U+FFFD in place of each
// bad byte: a JSON string cannot carry raw bytes. Operators get exact bytes
// from the store through the CLI or the HTTP endpoint.
func (r Result) Text() string {
	return jsonx.PythonDumps(r.value(), jsonx.PyDumpOptions{Indent: 2})
}

func (r Result) value() jsonx.Value {
	hash := jsonx.StringValue(r.Hash)
	switch r.Status {
	case Available:
		return jsonx.ObjectValue([]jsonx.Member{
			{Key: "hash", Value: hash},
			{Key: "original_content", Value: jsonx.StringValue(string(r.Original))},
			{Key: "original_item_count", Value: jsonx.IntValue(int64(ItemCount(r.Original)))},
		})
	case Failed:
		msg := "unknown error"
		if r.Err != nil {
			msg = r.Err.Error()
		}
		return jsonx.ObjectValue([]jsonx.Member{
			{Key: "error", Value: jsonx.StringValue("Retrieval failed: " + msg)},
			{Key: "hash", Value: hash},
		})
	default:
		secs := int64(r.TTL / time.Second)
		status := Missing
		detail := "Entry not found (CCR TTL: " + strconv.FormatInt(secs, 10) + " seconds)"
		if r.Status == Expired {
			status = Expired
			detail = "Entry expired (CCR TTL: " + strconv.FormatInt(secs, 10) + " seconds)"
		}
		return jsonx.ObjectValue([]jsonx.Member{
			{Key: "error", Value: jsonx.StringValue(detail)},
			{Key: "hash", Value: hash},
			{Key: "status", Value: jsonx.StringValue(string(status))},
			{Key: "ttl_seconds", Value: jsonx.IntValue(secs)},
		})
	}
}

// ItemCount is the "original_item_count" reported for an original: the
// number of elements when it is a JSON array (the row-dropping compressors'
// unit), else its number of lines. The store keeps bytes only, so the count
// is derived rather than remembered.
func ItemCount(original []byte) int {
	if v, err := jsonx.Parse(original); err == nil && v.Kind() == jsonx.Array {
		return v.Len()
	}
	if len(original) == 0 {
		return 0
	}
	n := 1
	for i, c := range original {
		if c == '\n' && i != len(original)-1 {
			n++
		}
	}
	return n
}

// ResultMessage returns the JSON (compact, raw UTF-8) that answers call in
// p's wire shape, carrying text:
//
//	anthropic: {"type":"tool_result","tool_use_id":ID,"content":TEXT}
//	openai:    {"role":"tool","tool_call_id":ID,"content":TEXT}
//	google:    {"functionResponse":{"name":ID,"response":<TEXT as JSON>}}
//
// Anthropic results from several calls belong together in one user message;
// OpenAI results are one message each.
func ResultMessage(p Provider, call Call, text string) []byte {
	str := jsonx.StringValue
	var v jsonx.Value
	switch p {
	case Anthropic:
		v = jsonx.ObjectValue([]jsonx.Member{
			{Key: "type", Value: str("tool_result")},
			{Key: "tool_use_id", Value: str(call.ID)},
			{Key: "content", Value: str(text)},
		})
	case Google:
		// Gemini wants a JSON object as the response; Text always is one,
		// and anything else is wrapped the way the reference wraps text.
		resp, err := jsonx.ParseString(text)
		if err != nil || resp.Kind() != jsonx.Object {
			resp = jsonx.ObjectValue([]jsonx.Member{{Key: "content", Value: str(text)}})
		}
		v = jsonx.ObjectValue([]jsonx.Member{{Key: "functionResponse", Value: jsonx.ObjectValue([]jsonx.Member{
			{Key: "name", Value: str(call.ID)},
			{Key: "response", Value: resp},
		})}})
	default:
		v = jsonx.ObjectValue([]jsonx.Member{
			{Key: "role", Value: str("tool")},
			{Key: "tool_call_id", Value: str(call.ID)},
			{Key: "content", Value: str(text)},
		})
	}
	return jsonx.AppendCompact(nil, v)
}
