package cachealign

import (
	"strings"
	"testing"

	"github.com/headroom-go/headroom/internal/jsonx"
)

// FuzzDetect checks the detector's structural promises on any text:
// spans sorted, disjoint, inside the text, of at least two code points;
// each span's text is the removed range (stripped for structural matches);
// and the static text is the cleanup of the text without the spans.
func FuzzDetect(f *testing.F) {
	d, err := NewDetector([]string{"tenant", "İx"}, DefaultEntropyThreshold)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, content string) {
		det := d.Detect(content)
		prevEnd := 0
		for i, s := range det.Spans {
			if s.Start < prevEnd || s.End > len(content) || s.End-s.Start < minSpanRunes {
				t.Fatalf("span %d %+v out of order or bounds (prev end %d, len %d)", i, s, prevEnd, len(content))
			}
			prevEnd = s.End
			removed := content[s.Start:s.End]
			if s.Pattern == "structural" {
				removed = pyStrip(removed)
			}
			if removed != s.Text {
				t.Fatalf("span %d text %q, removed %q", i, s.Text, removed)
			}
		}
		if len(det.Spans) == 0 {
			if det.Static != content {
				t.Fatalf("no spans but static %q != %q", det.Static, content)
			}
			return
		}
		var b strings.Builder
		prev := 0
		for _, s := range det.Spans {
			b.WriteString(content[prev:s.Start])
			prev = s.End
		}
		b.WriteString(content[prev:])
		if want := cleanStatic(b.String()); det.Static != want {
			t.Fatalf("static %q, want %q", det.Static, want)
		}
	})
}

// FuzzApply runs the rewriting aligner and the detect-only checker over a
// system and a user message. Neither may panic; Check must leave the
// input as it was; Apply must leave frozen messages as they were; and
// when the system text holds nothing dynamic, Apply must be idempotent.
func FuzzApply(f *testing.F) {
	f.Fuzz(func(t *testing.T, system, user string, frozen uint8) {
		msgs := jsonx.ArrayValue([]jsonx.Value{
			jsonx.ObjectValue([]jsonx.Member{{Key: "role", Value: jsonx.StringValue("system")}, {Key: "content", Value: jsonx.StringValue(system)}}),
			jsonx.ObjectValue([]jsonx.Member{{Key: "role", Value: jsonx.StringValue("user")}, {Key: "content", Value: jsonx.StringValue(user)}}),
		})
		before := jsonx.Compact(msgs)
		fr := int(frozen % 4)

		if _, err := NewChecker(nil).Check(msgs, fr); err != nil {
			t.Fatal(err)
		}
		if jsonx.Compact(msgs) != before {
			t.Fatal("Check changed its input")
		}

		a, err := New(DefaultConfig(), nil)
		if err != nil {
			t.Fatal(err)
		}
		once, err := a.Apply(msgs, fr)
		if err != nil {
			t.Fatal(err)
		}
		if jsonx.Compact(msgs) != before {
			t.Fatal("Apply changed its input")
		}
		for i := 0; i < fr && i < 2; i++ {
			if jsonx.Compact(once.Messages.Items()[i]) != jsonx.Compact(msgs.Items()[i]) {
				t.Fatalf("frozen message %d changed", i)
			}
		}
		if fr == 0 && len(a.det.Detect(system).Spans) == 0 {
			twice, err := a.Apply(once.Messages, fr)
			if err != nil {
				t.Fatal(err)
			}
			if jsonx.Compact(twice.Messages) != jsonx.Compact(once.Messages) {
				t.Fatalf("not idempotent:\n%q\n%q", jsonx.Compact(once.Messages), jsonx.Compact(twice.Messages))
			}
			if twice.CacheMetrics.PrefixChanged {
				t.Fatal("prefix changed on re-application")
			}
		}
	})
}
