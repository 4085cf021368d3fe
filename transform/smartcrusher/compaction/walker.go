package compaction

import (
	"context"
	"fmt"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/internal/jsonx"
)

// DocumentCompactor applies compaction wherever it fits inside a JSON
// document, keeping the document's shape: objects keep their keys, arrays
// of objects that compact become strings holding the rendering, strings
// holding JSON are parsed, compacted and written back (as the rendering,
// or as compact JSON), and long opaque strings become markers.
//
// Arrays are compacted bottom-up: their items are walked first, so an
// outer table sees inner tables already rendered. SmartCrusher does not
// use it; it is for callers that want lossless compaction alone.
type DocumentCompactor struct {
	// Config is the compactor configuration; start from DefaultConfig().
	Config Config
	// Formatter renders compacted arrays. Nil means CSVSchema{}.
	Formatter Formatter
	// Store receives the payload behind every opaque marker, under the
	// marker's hash. Nil means markers are written but nothing is stored.
	Store ccr.Store
}

// NewDocumentCompactor returns a DocumentCompactor with DefaultConfig, the
// CSV+schema formatter and store (which may be nil).
func NewDocumentCompactor(store ccr.Store) *DocumentCompactor {
	return &DocumentCompactor{Config: DefaultConfig(), Formatter: CSVSchema{}, Store: store}
}

// walkState is the request-scoped state of one Compact call.
type walkState struct {
	ctx    context.Context
	d      *DocumentCompactor
	f      Formatter
	stored map[string]struct{}
	err    error
}

// Compact returns doc with every compactable spot replaced. doc itself is
// not modified. The only error is a failure to store a payload (or ctx
// ending during a store); the returned value must then be discarded.
func (d *DocumentCompactor) Compact(ctx context.Context, doc jsonx.Value) (jsonx.Value, error) {
	st := &walkState{ctx: ctx, d: d, f: d.Formatter}
	if st.f == nil {
		st.f = CSVSchema{}
	}
	out := st.walk(doc)
	if st.err != nil {
		return jsonx.Value{}, st.err
	}
	return out, nil
}

func (st *walkState) walk(v jsonx.Value) jsonx.Value {
	switch v.Kind() {
	case jsonx.Object:
		in := v.Members()
		out := make([]jsonx.Member, len(in))
		for i := range in {
			out[i] = jsonx.Member{Key: in[i].Key, Value: st.walk(in[i].Value)}
		}
		return jsonx.ObjectValue(out)
	case jsonx.Array:
		in := v.Items()
		out := make([]jsonx.Value, len(in))
		for i := range in {
			out[i] = st.walk(in[i])
		}
		c := Compact(out, &st.d.Config)
		if !c.Compacted() {
			return jsonx.ArrayValue(out)
		}
		for r := range c.Refs() {
			st.put(r.Hash, r.Payload)
		}
		return jsonx.StringValue(string(st.f.AppendFormat(nil, c)))
	case jsonx.String:
		s, _ := v.Str()
		if parsed, ok := ParseContainer(s); ok {
			w := st.walk(parsed)
			if rendered, ok := w.Str(); ok {
				return jsonx.StringValue(rendered)
			}
			return jsonx.StringValue(jsonx.Compact(w))
		}
		if kind, ok := OpaqueKindOf(s, &st.d.Config.Classify); ok {
			h := Hash(s)
			st.put(h, s)
			return jsonx.StringValue(string(AppendMarker(nil, h, kind, len(s))))
		}
	}
	return v
}

// put stores payload once per walk; after the first failure it does
// nothing, and Compact reports that failure.
func (st *walkState) put(key, payload string) {
	if st.d.Store == nil || st.err != nil {
		return
	}
	if _, ok := st.stored[key]; ok {
		return
	}
	if err := st.d.Store.Put(st.ctx, key, []byte(payload)); err != nil {
		st.err = fmt.Errorf("compaction: store opaque payload %s: %w", key, err)
		return
	}
	if st.stored == nil {
		st.stored = make(map[string]struct{})
	}
	st.stored[key] = struct{}{}
}
