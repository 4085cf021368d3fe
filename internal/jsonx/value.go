// Package jsonx is the JSON model every parity-bound transform shares: an
// ordered value that keeps object keys in source order and numbers as their
// literal text, a parser that accepts exactly what the reference's
// serde_json (preserve_order + arbitrary_precision) accepts, and the
// byte-exact writers the reference output depends on.
//
// encoding/json cannot be used for any of this: it reorders map keys, turns
// numbers into float64 and escapes <, >, & and U+2028/U+2029.
package jsonx

import (
	"math"
	"strconv"
)

// Kind says which JSON type a Value holds.
type Kind uint8

// The JSON kinds. The zero Kind is Null, so the zero Value is JSON null.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

var kindNames = [...]string{"null", "bool", "number", "string", "array", "object"}

// String returns the lowercase JSON type name ("null", "object", ...).
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Member is one key/value pair of an object.
type Member struct {
	Key   string
	Value Value
}

// Value is an immutable-by-convention JSON value. The zero Value is null.
//
// Objects are member slices in insertion order; numbers keep the literal text
// the parser normalised (see Parse). Values share their backing slices when
// copied, so a caller that wants to edit a container builds a new one.
type Value struct {
	kind Kind
	b    bool
	s    string // string contents, or the number literal
	arr  []Value
	obj  []Member
}

// NullValue returns JSON null.
func NullValue() Value { return Value{} }

// BoolValue returns a JSON boolean.
func BoolValue(b bool) Value { return Value{kind: Bool, b: b} }

// StringValue returns a JSON string holding s (which should be valid UTF-8).
func StringValue(s string) Value { return Value{kind: String, s: s} }

// NumberValue returns a JSON number written exactly as lit. It returns false
// when lit is not a JSON number token; the literal is normalised the way the
// parser normalises it, so NumberValue("1E5") writes "1e+5".
func NumberValue(lit string) (Value, bool) {
	if !isNumberLiteral(lit) {
		return Value{}, false
	}
	return Value{kind: Number, s: normalizeNumber(lit)}, true
}

// IntValue returns the JSON number for i.
func IntValue(i int64) Value { return Value{kind: Number, s: strconv.FormatInt(i, 10)} }

// ArrayValue returns a JSON array over items (not copied).
func ArrayValue(items []Value) Value { return Value{kind: Array, arr: items} }

// ObjectValue returns a JSON object over members (not copied). The caller
// guarantees keys are distinct; use ObjectBuilder when they may repeat.
func ObjectValue(members []Member) Value { return Value{kind: Object, obj: members} }

// Kind reports the value's JSON type.
func (v Value) Kind() Kind { return v.kind }

// IsNull reports whether v is JSON null.
func (v Value) IsNull() bool { return v.kind == Null }

// Bool returns the boolean and whether v is one.
func (v Value) Bool() (bool, bool) { return v.b, v.kind == Bool }

// Str returns the string contents and whether v is a string.
func (v Value) Str() (string, bool) {
	if v.kind != String {
		return "", false
	}
	return v.s, true
}

// Literal returns the number's literal text and whether v is a number.
func (v Value) Literal() (string, bool) {
	if v.kind != Number {
		return "", false
	}
	return v.s, true
}

// Items returns the elements of an array (nil for any other kind).
func (v Value) Items() []Value {
	if v.kind != Array {
		return nil
	}
	return v.arr
}

// Members returns the members of an object in order (nil for other kinds).
func (v Value) Members() []Member {
	if v.kind != Object {
		return nil
	}
	return v.obj
}

// Len returns the number of elements of an array or members of an object,
// and 0 for scalars.
func (v Value) Len() int {
	switch v.kind {
	case Array:
		return len(v.arr)
	case Object:
		return len(v.obj)
	}
	return 0
}

// Get returns the value stored under key in an object.
func (v Value) Get(key string) (Value, bool) {
	if v.kind != Object {
		return Value{}, false
	}
	for i := range v.obj {
		if v.obj[i].Key == key {
			return v.obj[i].Value, true
		}
	}
	return Value{}, false
}

// Float returns the number as float64, mirroring serde_json's as_f64 under
// arbitrary_precision: the literal is parsed and only finite results count,
// so "1e400" reports false.
func (v Value) Float() (float64, bool) {
	if v.kind != Number {
		return 0, false
	}
	f, err := strconv.ParseFloat(v.s, 64)
	if err != nil && !isRangeErr(err) {
		return 0, false
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// Int64 returns the number as int64 when its literal is a plain integer in
// range (serde_json's as_i64).
func (v Value) Int64() (int64, bool) {
	if v.kind != Number {
		return 0, false
	}
	i, err := strconv.ParseInt(v.s, 10, 64)
	return i, err == nil
}

// Uint64 returns the number as uint64 when its literal is a plain
// non-negative integer in range (serde_json's as_u64).
func (v Value) Uint64() (uint64, bool) {
	if v.kind != Number {
		return 0, false
	}
	u, err := strconv.ParseUint(v.s, 10, 64)
	return u, err == nil
}

// IsInteger reports whether v is a number whose literal fits i64 or u64;
// "1.0", "1e+3" and integers wider than 64 bits are not.
func (v Value) IsInteger() bool {
	if _, ok := v.Int64(); ok {
		return true
	}
	_, ok := v.Uint64()
	return ok
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// Equal reports JSON equality as serde_json's Value == defines it: numbers
// compare by literal ("1" != "1.0"), arrays element-wise in order, objects
// as key sets ignoring order.
func Equal(a, b Value) bool {
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case Null:
		return true
	case Bool:
		return a.b == b.b
	case Number, String:
		return a.s == b.s
	case Array:
		if len(a.arr) != len(b.arr) {
			return false
		}
		for i := range a.arr {
			if !Equal(a.arr[i], b.arr[i]) {
				return false
			}
		}
		return true
	case Object:
		if len(a.obj) != len(b.obj) {
			return false
		}
		for i := range a.obj {
			// Same order is the common case; fall back to a lookup.
			if b.obj[i].Key == a.obj[i].Key {
				if !Equal(a.obj[i].Value, b.obj[i].Value) {
					return false
				}
				continue
			}
			bv, ok := b.Get(a.obj[i].Key)
			if !ok || !Equal(a.obj[i].Value, bv) {
				return false
			}
		}
		return true
	}
	return false
}

// ObjectBuilder assembles an object with serde_json's duplicate-key rule: a
// repeated key keeps the position of its first occurrence and the value of
// its last. The zero ObjectBuilder is ready to use.
type ObjectBuilder struct {
	members []Member
	index   map[string]int // built only once the object grows large
}

// indexThreshold is the member count above which duplicate detection
// switches from a linear scan to a map; small objects dominate real input.
const indexThreshold = 16

// Set adds or replaces key.
func (ob *ObjectBuilder) Set(key string, v Value) {
	if ob.index != nil {
		if i, ok := ob.index[key]; ok {
			ob.members[i].Value = v
			return
		}
		ob.index[key] = len(ob.members)
		ob.members = append(ob.members, Member{Key: key, Value: v})
		return
	}
	for i := range ob.members {
		if ob.members[i].Key == key {
			ob.members[i].Value = v
			return
		}
	}
	ob.members = append(ob.members, Member{Key: key, Value: v})
	if len(ob.members) > indexThreshold {
		ob.index = make(map[string]int, 2*len(ob.members))
		for i := range ob.members {
			ob.index[ob.members[i].Key] = i
		}
	}
}

// Value returns the built object. The builder must not be used afterwards.
func (ob *ObjectBuilder) Value() Value {
	return Value{kind: Object, obj: ob.members}
}
