package livezone

import (
	"fmt"

	"github.com/headroom-go/headroom/livezone/internal/scan"
)

// TTL values of Anthropic cache_control markers. A marker without a ttl
// uses the 5-minute lane.
const (
	ttlHour    = "1h"
	ttlMinutes = "5m"
)

// TTLOrderRule is the log tag of a TTL-order warning: Anthropic's prompt
// caching guide asks for 1h markers before 5m ones in each list.
const TTLOrderRule = "anthropic_prompt_caching_guide_2_19"

// Frozen is the cache floor of an Anthropic body.
type Frozen struct {
	// Count is 1 + the highest index of a message whose content array has
	// a block carrying a cache_control key, or 0 when none does. Messages
	// below it are in the provider's cached prefix and never touched.
	// Markers in system or tools never raise it: those fields are always
	// cached and never rewritten anyway.
	Count int
	// TTLWarnings names, in the order messages, system, tools, each field
	// whose markers put a "1h" TTL after a 5-minute one (explicit "5m" or
	// no ttl). The request is still valid; the proxy logs a warning with
	// TTLOrderRule.
	TTLWarnings []string
}

// ComputeFrozenCount reads the cache floor from body's cache_control
// markers. A body that is JSON but not an object, or has no messages
// array, has floor 0. When the proxy's auto-frozen setting is disabled it
// uses 0 instead and need not call this; Options.AutoFrozen computes the
// same value during an Anthropic pass without a second scan.
func ComputeFrozenCount(body []byte) (Frozen, error) {
	d := docPool.Get().(*scan.Doc)
	defer putDoc(d)
	if err := d.Parse(body); err != nil {
		return Frozen{}, fmt.Errorf("%w: %w", ErrBodyNotJSON, err)
	}
	return frozenFromDoc(d), nil
}

// ttlOrder tracks one list of markers: a 1h marker after a 5m one
// violates the ordering rule.
type ttlOrder struct{ seen5m, violated bool }

func (t *ttlOrder) observe(d *scan.Doc, marker int) {
	ttl, _ := d.Field(marker, "ttl") // -1 unless marker is an object with a ttl
	switch {
	case d.Kind(ttl) != scan.String || d.StringEquals(ttl, ttlMinutes):
		t.seen5m = true
	case d.StringEquals(ttl, ttlHour) && t.seen5m:
		t.violated = true
	}
}

func frozenFromDoc(d *scan.Doc) Frozen {
	var f Frozen
	highest := -1
	var order ttlOrder
	msgs, _ := d.Field(0, "messages")
	if d.Kind(msgs) == scan.Array {
		i := 0
		for msg := d.FirstChild(msgs); msg >= 0; msg = d.NextSibling(msg) {
			content, _ := d.Field(msg, "content")
			if d.Kind(content) == scan.Array {
				for blk := d.FirstChild(content); blk >= 0; blk = d.NextSibling(blk) {
					if marker, n := d.Field(blk, "cache_control"); n > 0 {
						order.observe(d, marker)
						highest = i
					}
				}
			}
			i++
		}
	}
	if order.violated {
		f.TTLWarnings = append(f.TTLWarnings, "messages")
	}
	for _, field := range [...]string{"system", "tools"} {
		order = ttlOrder{}
		list, _ := d.Field(0, field)
		if d.Kind(list) != scan.Array {
			continue
		}
		for blk := d.FirstChild(list); blk >= 0; blk = d.NextSibling(blk) {
			if marker, n := d.Field(blk, "cache_control"); n > 0 {
				order.observe(d, marker)
			}
		}
		if order.violated {
			f.TTLWarnings = append(f.TTLWarnings, field)
		}
	}
	f.Count = highest + 1
	return f
}
