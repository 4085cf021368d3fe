package sse

import (
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"
)

// checkFastMatchesJSON decodes payload with the fast path and, when it
// accepts, with encoding/json, and fails on any difference.
func checkFastMatchesJSON(t *testing.T, payload []byte) bool {
	t.Helper()
	var fw anthropicWire
	var fd anthropicDeltaWire
	if !fastAnthropicDelta(payload, &fw, &fd) {
		return false
	}
	var sw anthropicWire
	if err := json.Unmarshal(payload, &sw); err != nil {
		t.Fatalf("fast path accepted %q, encoding/json rejects it: %v", payload, err)
	}
	if sw.Index == nil || sw.Delta == nil || *sw.Index != *fw.Index {
		t.Fatalf("%q: index fast %v json %v", payload, *fw.Index, sw.Index)
	}
	sd := *sw.Delta
	fd.index = 0
	if !reflect.DeepEqual(fd, sd) || sw.Message != nil || sw.ContentBlock != nil || sw.Usage != nil || sw.Error != nil {
		t.Fatalf("%q: fast %+v json %+v", payload, fd, sd)
	}
	return true
}

func TestAnthropicFastPathMatchesGeneralDecoder(t *testing.T) {
	cases := []struct {
		payload string
		fast    bool // whether the fast path must take it
	}{
		{`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}`, true},
		{`{"type":"content_block_delta","index":12,"delta":{"type":"text_delta","text":""}}`, true},
		{`{"type":"content_block_delta","index":123456789,"delta":{"type":"text_delta","text":"ü 👋"}}`, true},
		{`{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"line\nnext \"q\" \\ \/ \u00e9 \ud83d\udc4b \t"}}`, true},
		{`{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"location\": \"Zü"}}`, true},
		{`{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}}`, true},
		{`{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCg=="}}`, true},
		// Shapes left to encoding/json.
		{`{"type":"content_block_delta","index":1234567890,"delta":{"type":"text_delta","text":"x"}}`, false},
		{`{"type":"content_block_delta","index":01,"delta":{"type":"text_delta","text":"x"}}`, false},
		{`{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "x"}}`, false},
		{`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x","extra":1}}`, false},
		{`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}} `, false},
		{`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}}`, false},
		{`{"type":"content_block_delta","index":0,"delta":{"type":"citations_delta","citation":{}}}`, false},
		{`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"raw` + "\x01" + `"}}`, false},
		{`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"bad \x"}}`, false},
		{`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"end\"}}`, false},
		{`{"type":"content_block_delta","index":-1,"delta":{"type":"text_delta","text":"x"}}`, false},
		{`{"index":0,"type":"content_block_delta","delta":{"type":"text_delta","text":"x"}}`, false},
	}
	for _, tc := range cases {
		if got := checkFastMatchesJSON(t, []byte(tc.payload)); got != tc.fast {
			t.Errorf("fast path took=%v, want %v: %s", got, tc.fast, tc.payload)
		}
	}
}

// Whole streams decode to the same typed events and state with and
// without the fast path.
func TestAnthropicFastPathSameEventsAsSlowPath(t *testing.T) {
	for _, name := range []string{"anthropic_text.sse", "anthropic_tool_use.sse", "anthropic_error.sse"} {
		events := frameAll(t, readStream(t, name))
		fast, slow := NewAnthropicStream(Options{}), NewAnthropicStream(Options{})
		slow.slowOnly = true
		for i := range events {
			fe, ferr := fast.Decode(&events[i])
			se, serr := slow.Decode(&events[i])
			if !reflect.DeepEqual(fe, se) || (ferr == nil) != (serr == nil) {
				t.Fatalf("%s event %d: fast %+v (%v) slow %+v (%v)", name, i, fe, ferr, se, serr)
			}
		}
		if !reflect.DeepEqual(fast.Summary(), slow.Summary()) || !reflect.DeepEqual(fast.Blocks(), slow.Blocks()) {
			t.Fatalf("%s: state differs", name)
		}
	}
}

func FuzzAnthropicFastPath(f *testing.F) {
	f.Add([]byte(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\u00e9\n"}}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		if !utf8.Valid(payload) {
			t.Skip("the framer only hands over valid UTF-8")
		}
		checkFastMatchesJSON(t, payload)
	})
}
