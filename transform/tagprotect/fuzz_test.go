package tagprotect

import (
	"errors"
	"strings"
	"testing"
)

// FuzzProtectRestore checks that protection is reversible and well formed
// in both modes: Restore(Protect(text)) is text with nothing lost; every
// placeholder occurs exactly once in the cleaned text, in block order; the
// originals are the input's bytes in order; and the only error is a
// placeholder collision on text that really contains every prefix.
func FuzzProtectRestore(f *testing.F) {
	f.Add("<system-reminder>keep</system-reminder> <leaf/> <div>x</div>", false)
	f.Add("<outer><inner>x</inner>y</outer></gone><open>", true)
	f.Add(`<tool a="x>y" b='/'>q</TOOL > <t/ > <link-x href=x/y>`, false)
	f.Add("{{HEADROOM_TAG_ {{HEADROOM_TAG_0_ <t/> {{HEADROOM_TAG_1}}", true)
	f.Fuzz(func(t *testing.T, text string, markers bool) {
		mode := ModeBlock
		if markers {
			mode = ModeMarkers
		}
		p := mustNew(t, mode)
		r, err := p.Protect(text)
		if err != nil {
			if !errors.Is(err, ErrPlaceholderCollision) || !strings.Contains(text, fallbackPrefix) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		back, lost := Restore(r.Text, r.Blocks)
		if back != text || lost != nil {
			t.Fatalf("Restore(Protect(%q)) = %q, lost %v", text, back, lost)
		}
		pos, orig := 0, 0
		for _, b := range r.Blocks {
			if strings.Count(r.Text, b.Placeholder) != 1 {
				t.Fatalf("placeholder %q occurs %d times in %q", b.Placeholder, strings.Count(r.Text, b.Placeholder), r.Text)
			}
			i := strings.Index(r.Text[pos:], b.Placeholder)
			if i < 0 {
				t.Fatalf("placeholder %q out of order", b.Placeholder)
			}
			pos += i + len(b.Placeholder)
			j := strings.Index(text[orig:], b.Original)
			if j < 0 || !strings.HasPrefix(b.Original, "<") || !strings.HasSuffix(b.Original, ">") {
				t.Fatalf("original %q is not a tag span of the input in order", b.Original)
			}
			orig += j + len(b.Original)
		}
		if len(r.Blocks) == 0 && r.Text != text {
			t.Fatalf("no blocks but the text changed")
		}
	})
}

// FuzzRestoreEquivalence checks the one-pass Restore against the
// block-by-block definition on compressor-mangled text: the protected
// text with arbitrary bytes (often placeholder fragments) spliced in and a
// piece cut out.
func FuzzRestoreEquivalence(f *testing.F) {
	f.Add("<t>a</t> <u/> <v>b</v>", "{{HEADROOM_TAG_1}}{{HEADROOM_TAG_", uint16(3), uint16(9))
	f.Add("{{HEADROOM_TAG_ <x/><y/>", "{{HEADROOM_TAG_0_1}}}}{{HEADROOM_TAG_0_0", uint16(40), uint16(2))
	f.Add("<a1/><a1/><a1/><a1/><a1/><a1/><a1/><a1/><a1/><a1/><a1/>", "{{HEADROOM_TAG_10}}1}}", uint16(0), uint16(18))
	f.Fuzz(func(t *testing.T, text, noise string, at, cut uint16) {
		mode := ModeBlock
		if at&1 == 1 {
			mode = ModeMarkers
		}
		r, err := mustNew(t, mode).Protect(text)
		if err != nil || len(r.Blocks) == 0 {
			return
		}
		mangled := r.Text
		i := int(at) % (len(mangled) + 1)
		mangled = mangled[:i] + noise + mangled[i:]
		j := int(cut) % (len(mangled) + 1)
		mangled = mangled[:j] + mangled[min(j+int(cut>>8), len(mangled)):]
		if _, ok := onePassPrefix(r.Blocks); !ok {
			t.Fatalf("Protect's blocks do not qualify for the one-pass restore: %q", r.Blocks)
		}
		got, gotLost := Restore(mangled, r.Blocks)
		want, wantLost := restoreSequential(mangled, r.Blocks)
		if got != want || len(gotLost) != len(wantLost) {
			t.Fatalf("one pass %q (lost %d), sequential %q (lost %d)", got, len(gotLost), want, len(wantLost))
		}
		for k := range gotLost {
			if gotLost[k] != wantLost[k] {
				t.Fatalf("lost blocks differ at %d: %v vs %v", k, gotLost[k], wantLost[k])
			}
		}
	})
}
