package retrieval

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// The continuation of a conversation must resend the client's request with
// only the new turns added: any other byte that changes moves the provider's
// prompt-cache boundary. So request and response documents are edited in
// place by byte offsets found with the small scanner below, never decoded
// and re-encoded. The scanner trusts that its input is one valid JSON
// document (callers check json.Valid first); on anything else it returns
// errMalformed rather than guessing.

var errMalformed = errors.New("retrieval: malformed JSON")

// span is a half-open byte range [start, end) of a JSON value.
type span struct{ start, end int }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// skipValue returns the index just past the JSON value starting at b[i].
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errMalformed
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				end, err := skipString(b, i)
				if err != nil {
					return 0, err
				}
				i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, nil
				}
			}
			i++
		}
		return 0, errMalformed
	default:
		start := i
		for i < len(b) {
			switch c := b[i]; {
			case c == ',' || c == '}' || c == ']' || isSpace(c):
				if i == start {
					return 0, errMalformed
				}
				return i, nil
			}
			i++
		}
		if i == start {
			return 0, errMalformed
		}
		return i, nil
	}
}

// skipString returns the index just past the string token starting at b[i].
func skipString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, errMalformed
}

// objectMembers calls fn for each member of the object at obj (a span that
// holds exactly one object, surrounding space allowed), with the key's raw
// token and the value's span, offsets relative to obj. fn returning false
// stops the walk.
func objectMembers(obj []byte, fn func(rawKey []byte, v span) bool) error {
	i := skipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return errMalformed
	}
	i = skipSpace(obj, i+1)
	if i < len(obj) && obj[i] == '}' {
		return nil
	}
	for i < len(obj) {
		if obj[i] != '"' {
			return errMalformed
		}
		kEnd, err := skipString(obj, i)
		if err != nil {
			return err
		}
		key := obj[i:kEnd]
		i = skipSpace(obj, kEnd)
		if i >= len(obj) || obj[i] != ':' {
			return errMalformed
		}
		i = skipSpace(obj, i+1)
		vEnd, err := skipValue(obj, i)
		if err != nil {
			return err
		}
		if !fn(key, span{i, vEnd}) {
			return nil
		}
		i = skipSpace(obj, vEnd)
		if i >= len(obj) {
			return errMalformed
		}
		if obj[i] == '}' {
			return nil
		}
		if obj[i] != ',' {
			return errMalformed
		}
		i = skipSpace(obj, i+1)
	}
	return errMalformed
}

// keyIs reports whether the raw key token (with quotes) names key. Keys
// written with escapes are decoded; plain ones are compared directly.
func keyIs(raw []byte, key string) bool {
	if len(raw) == len(key)+2 && string(raw[1:len(raw)-1]) == key {
		return true
	}
	for _, c := range raw {
		if c == '\\' {
			var s string
			return json.Unmarshal(raw, &s) == nil && s == key
		}
	}
	return false
}

// member finds the value of key in the object obj. With duplicate keys the
// last one wins, as in the JSON decoders providers run.
func member(obj []byte, key string) (span, bool, error) {
	var found span
	ok := false
	err := objectMembers(obj, func(raw []byte, v span) bool {
		if keyIs(raw, key) {
			found, ok = v, true
		}
		return true
	})
	return found, ok && err == nil, err
}

// memberBytes returns the raw bytes of obj's member key, or nil.
func memberBytes(obj []byte, key string) []byte {
	s, ok, _ := member(obj, key)
	if !ok {
		return nil
	}
	return obj[s.start:s.end]
}

// memberString decodes obj's member key when it is a string.
func memberString(obj []byte, key string) (string, bool) {
	raw := memberBytes(obj, key)
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// memberInt decodes obj's member key when it is an integer.
func memberInt(obj []byte, key string) (int64, bool) {
	raw := memberBytes(obj, key)
	n, err := strconv.ParseInt(string(raw), 10, 64)
	return n, err == nil
}

// arrayElements returns the spans of the elements of the array arr.
func arrayElements(arr []byte) ([]span, error) {
	i := skipSpace(arr, 0)
	if i >= len(arr) || arr[i] != '[' {
		return nil, errMalformed
	}
	i = skipSpace(arr, i+1)
	if i < len(arr) && arr[i] == ']' {
		return nil, nil
	}
	var out []span
	for i < len(arr) {
		end, err := skipValue(arr, i)
		if err != nil {
			return nil, err
		}
		out = append(out, span{i, end})
		i = skipSpace(arr, end)
		if i >= len(arr) {
			return nil, errMalformed
		}
		if arr[i] == ']' {
			return out, nil
		}
		if arr[i] != ',' {
			return nil, errMalformed
		}
		i = skipSpace(arr, i+1)
	}
	return nil, errMalformed
}

// replaceSpan returns doc with doc[s.start:s.end] replaced by v, in a new
// slice.
func replaceSpan(doc []byte, s span, v []byte) []byte {
	out := make([]byte, 0, len(doc)-(s.end-s.start)+len(v))
	out = append(out, doc[:s.start]...)
	out = append(out, v...)
	return append(out, doc[s.end:]...)
}

// setMember returns obj with member key's value replaced by v, or with
// "key":v added as the last member when absent. Every other byte is kept.
func setMember(obj []byte, key string, v []byte) ([]byte, error) {
	s, ok, err := member(obj, key)
	if err != nil {
		return nil, err
	}
	if ok {
		return replaceSpan(obj, s, v), nil
	}
	end := len(obj) - 1
	for end >= 0 && isSpace(obj[end]) {
		end--
	}
	if end < 0 || obj[end] != '}' {
		return nil, errMalformed
	}
	head := end - 1
	for head >= 0 && isSpace(obj[head]) {
		head--
	}
	if head < 0 {
		return nil, errMalformed
	}
	out := make([]byte, 0, len(obj)+len(key)+len(v)+4)
	out = append(out, obj[:head+1]...)
	if obj[head] != '{' {
		out = append(out, ',')
	}
	out = strconv.AppendQuote(out, key)
	out = append(out, ':')
	out = append(out, v...)
	return append(out, obj[head+1:]...), nil
}

// appendToArray returns arr (an array value) with items appended as its
// last elements, keeping the existing bytes; only the closing bracket moves.
func appendToArray(arr []byte, items ...[]byte) ([]byte, error) {
	end := len(arr) - 1
	for end >= 0 && isSpace(arr[end]) {
		end--
	}
	if end < 0 || arr[end] != ']' {
		return nil, errMalformed
	}
	head := end - 1
	for head >= 0 && isSpace(arr[head]) {
		head--
	}
	if head < 0 {
		return nil, errMalformed
	}
	n := len(arr)
	for _, it := range items {
		n += len(it) + 1
	}
	out := make([]byte, 0, n)
	out = append(out, arr[:head+1]...)
	for i, it := range items {
		if i > 0 || arr[head] != '[' {
			out = append(out, ',')
		}
		out = append(out, it...)
	}
	return append(out, arr[head+1:]...), nil
}

// appendToMember returns doc with items appended to the array held by its
// top-level member key.
func appendToMember(doc []byte, key string, items ...[]byte) ([]byte, error) {
	s, ok, err := member(doc, key)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("retrieval: request has no %q array", key)
	}
	arr, err := appendToArray(doc[s.start:s.end], items...)
	if err != nil {
		return nil, fmt.Errorf("retrieval: request %q is not an array: %w", key, err)
	}
	return replaceSpan(doc, s, arr), nil
}
