package coreapi

import (
	"sort"
	"strconv"

	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/internal/pycompat"
)

// field is one keyword of a reference config class (SmartCrusherConfig,
// LogCompressorConfig, …) bound to the Go config field it sets. Exactly one
// of the pointers is set.
type field struct {
	name    string
	integer *int
	number  *float64
	boolean *bool
	strs    *[]string
}

func intField(name string, p *int) field          { return field{name: name, integer: p} }
func floatField(name string, p *float64) field    { return field{name: name, number: p} }
func boolField(name string, p *bool) field        { return field{name: name, boolean: p} }
func stringsField(name string, p *[]string) field { return field{name: name, strs: p} }
func findField(fs []field, name string) (field, bool) {
	for _, f := range fs {
		if f.name == name {
			return f, true
		}
	}
	return field{}, false
}

// decodeConfig sets the fields named in members; the others keep the
// values they hold (the defaults). Members are applied in key order so
// that the first error reported does not depend on the caller's dict
// order.
func decodeConfig(fs []field, members []jsonx.Member) *Error {
	sorted := make([]jsonx.Member, len(members))
	copy(sorted, members)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Key < sorted[j].Key })
	for _, m := range sorted {
		f, ok := findField(fs, m.Key)
		if !ok {
			return typeErr("config: unexpected keyword argument %q", m.Key)
		}
		if e := f.set(m.Value); e != nil {
			return e
		}
	}
	return nil
}

func (f field) set(v jsonx.Value) *Error {
	switch {
	case f.integer != nil:
		if v.Kind() != jsonx.Number || !v.IsInteger() {
			if v.Kind() == jsonx.Number {
				return valueErr("config: %s must be a non-negative integer, got %s", f.name, jsonx.Compact(v))
			}
			return typeErr("config: %s must be an integer, not %s", f.name, v.Kind())
		}
		i, ok := v.Int64()
		if !ok || i < 0 || int64(int(i)) != i {
			return valueErr("config: %s must be a non-negative integer, got %s", f.name, jsonx.Compact(v))
		}
		*f.integer = int(i)
	case f.number != nil:
		x, e := floatValue("config: "+f.name, v)
		if e != nil {
			return e
		}
		*f.number = x
	case f.boolean != nil:
		b, ok := v.Bool()
		if !ok {
			return typeErr("config: %s must be a boolean, not %s", f.name, v.Kind())
		}
		*f.boolean = b
	case f.strs != nil:
		if v.Kind() != jsonx.Array {
			return typeErr("config: %s must be a list of strings, not %s", f.name, v.Kind())
		}
		out := make([]string, 0, len(v.Items()))
		for i, it := range v.Items() {
			s, ok := it.Str()
			if !ok {
				return typeErr("config: %s[%d] must be a string, not %s", f.name, i, it.Kind())
			}
			out = append(out, s)
		}
		*f.strs = out
	}
	return nil
}

// appendConfig writes every field as one JSON object in table order: the
// effective configuration, defaults included.
func appendConfig(dst []byte, fs []field) []byte {
	dst = append(dst, '{')
	for i, f := range fs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonx.AppendCompactString(dst, f.name)
		dst = append(dst, ':')
		switch {
		case f.integer != nil:
			dst = strconv.AppendInt(dst, int64(*f.integer), 10)
		case f.number != nil:
			dst = pycompat.AppendPyRepr(dst, *f.number)
		case f.boolean != nil:
			dst = strconv.AppendBool(dst, *f.boolean)
		case f.strs != nil:
			dst = append(dst, '[')
			for j, s := range *f.strs {
				if j > 0 {
					dst = append(dst, ',')
				}
				dst = jsonx.AppendCompactString(dst, s)
			}
			dst = append(dst, ']')
		}
	}
	return append(dst, '}')
}
