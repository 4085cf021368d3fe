package retrieval

import (
	"github.com/headroom-go/headroom/internal/jsonx"
)

// Usage accounting. Every round is a separate upstream call, billed on its
// own: the client, which sees one response, must see the tokens of all of
// them or its cost and context accounting under-counts. The final
// response's usage object is rewritten so that each integer field is the
// sum over the rounds (nested objects such as cache breakdowns and token
// details are summed field by field). Fields that are not integers
// (service tier, say) keep the final round's value; fields that only an
// earlier round reported are added after the final round's own.

// sumUsage returns final with the integer fields of earlier added in. Nil
// or non-object inputs are skipped; ok is false when nothing could be
// summed (final is then returned unchanged).
func sumUsage(final []byte, earlier ...[]byte) ([]byte, bool) {
	fv, err := jsonx.ParseVerbatim(final)
	if err != nil || fv.Kind() != jsonx.Object {
		return final, false
	}
	summed := false
	for _, e := range earlier {
		ev, err := jsonx.ParseVerbatim(e)
		if err != nil || ev.Kind() != jsonx.Object {
			continue
		}
		fv = addUsage(fv, ev)
		summed = true
	}
	if !summed {
		return final, false
	}
	return jsonx.AppendCompact(nil, fv), true
}

// addUsage returns a with b's integer fields added, recursively.
func addUsage(a, b jsonx.Value) jsonx.Value {
	members := make([]jsonx.Member, 0, a.Len()+b.Len())
	members = append(members, a.Members()...)
	for _, bm := range b.Members() {
		idx := -1
		for i := range members {
			if members[i].Key == bm.Key {
				idx = i
				break
			}
		}
		if idx < 0 {
			members = append(members, bm)
			continue
		}
		av := members[idx].Value
		switch {
		case av.Kind() == jsonx.Object && bm.Value.Kind() == jsonx.Object:
			members[idx].Value = addUsage(av, bm.Value)
		case av.Kind() == jsonx.Number && bm.Value.Kind() == jsonx.Number:
			x, ok1 := av.Int64()
			y, ok2 := bm.Value.Int64()
			if ok1 && ok2 {
				members[idx].Value = jsonx.IntValue(x + y)
			}
		case av.IsNull() && bm.Value.Kind() == jsonx.Number:
			members[idx].Value = bm.Value
		}
	}
	return jsonx.ObjectValue(members)
}
