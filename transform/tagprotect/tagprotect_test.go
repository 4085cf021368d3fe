package tagprotect

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func mustNew(t testing.TB, m Mode) *Protector {
	t.Helper()
	p, err := New(Config{Mode: m})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// ph is the k-th default placeholder.
func ph(k int) string { return defaultPrefix + strconv.Itoa(k) + suffix }

func TestNewRejectsUnknownMode(t *testing.T) {
	if _, err := New(Config{Mode: 2}); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("err = %v, want ErrInvalidConfig", err)
	}
	if DefaultConfig().Mode != ModeBlock || (Config{}).Mode != ModeBlock {
		t.Fatal("the default and zero mode must be ModeBlock")
	}
}

func TestProtectBlockMode(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		cleaned string
		blocks  []string // originals, in placeholder order
	}{
		{"no angle bracket", "plain text only", "plain text only", nil},
		{"empty", "", "", nil},
		{"self-closing", "Text <marker/> more", "Text " + ph(0) + " more", []string{"<marker/>"}},
		{"whole block", "<system-reminder>keep this</system-reminder> after",
			ph(0) + " after", []string{"<system-reminder>keep this</system-reminder>"}},
		{"nested collapse to the outermost", "x <outer><inner>a</inner><leaf/></outer> y",
			"x " + ph(0) + " y", []string{"<outer><inner>a</inner><leaf/></outer>"}},
		{"close matches ignoring case", "<Thinking>t</THINKING>", ph(0), []string{"<Thinking>t</THINKING>"}},
		{"identical blocks get distinct placeholders", "<t>x</t> and <t>x</t>",
			ph(0) + " and " + ph(1), []string{"<t>x</t>", "<t>x</t>"}},
		{"HTML elements untouched", "<div class=\"c\"><P>para</P><br/></div>", "<div class=\"c\"><P>para</P><br/></div>", nil},
		{"custom inside HTML", "<div><tool_call>x</tool_call></div>", "<div>" + ph(0) + "</div>", []string{"<tool_call>x</tool_call>"}},
		{"HTML inside custom is part of the block", "<result><b>x</b></result>", ph(0), []string{"<result><b>x</b></result>"}},
		{"HTML-like custom names are custom", "<div-x>y</div-x>", ph(0), []string{"<div-x>y</div-x>"}},
		{"orphan close stays", "a </tool_call> b", "a </tool_call> b", nil},
		{"unclosed open stays", "<thinking> never closed", "<thinking> never closed", nil},
		{"self-closing inside an unclosed open", "<thinking> <leaf/> x", "<thinking> " + ph(0) + " x", []string{"<leaf/>"}},
		{"unclosed tag inside a matched pair is absorbed", "<outer><stray>x</outer>", ph(0), []string{"<outer><stray>x</outer>"}},
		{"close matches the nearest open", "<t>a<t>b</t>c", "<t>a" + ph(0) + "c", []string{"<t>b</t>"}},
		{"quoted > in attribute", `<tool name="a>b">x</tool>`, ph(0), []string{`<tool name="a>b">x</tool>`}},
		{"single-quoted attribute", `<tool name='a/>'>x</tool>`, ph(0), []string{`<tool name='a/>'>x</tool>`}},
		{"unterminated quote is not a tag", `<tool name="x>y</tool>`, `<tool name="x>y</tool>`, nil},
		{"slash in unquoted value makes it self-closing", "<link-x href=x/y>", ph(0), []string{"<link-x href=x/y>"}},
		{"whitespace after slash makes it an open tag", "<tool / >x</tool>", ph(0), []string{"<tool / >x</tool>"}},
		{"quoted value after slash makes it an open tag", `<tool/ a="b">x</tool>`, ph(0), []string{`<tool/ a="b">x</tool>`}},
		{"whitespace before close >", "<tool>x</tool \t>", ph(0), []string{"<tool>x</tool \t>"}},
		{"vertical tab is not ASCII whitespace", "<tool>x</tool\v>", "<tool>x</tool\v>", nil},
		{"close with attributes is not a tag", "<tool>x</tool a>", "<tool>x</tool a>", nil},
		{"names", "<_x/><ns:tag.v-1/><a1/>", ph(0) + ph(1) + ph(2), []string{"<_x/>", "<ns:tag.v-1/>", "<a1/>"}},
		{"not names", "< x/> <1x/> <-x/> </ x> a < b > c", "< x/> <1x/> <-x/> </ x> a < b > c", nil},
		{"truncated tags", "<tool", "<tool", nil},
		{"lone brackets", "<", "<", nil},
		{"lone close bracket", "</", "</", nil},
		{"non-ASCII name bytes end the name", "<tagé>x</tagé>", "<tagé>x</tagé>", nil},
	}
	p := mustNew(t, ModeBlock)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := p.Protect(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if r.Text != tt.cleaned {
				t.Errorf("cleaned = %q\nwant      %q", r.Text, tt.cleaned)
			}
			var got []string
			for k, b := range r.Blocks {
				if b.Placeholder != ph(k) {
					t.Errorf("block %d placeholder %q", k, b.Placeholder)
				}
				got = append(got, b.Original)
			}
			if !slices.Equal(got, tt.blocks) {
				t.Errorf("originals = %q\nwant        %q", got, tt.blocks)
			}
			if back, lost := Restore(r.Text, r.Blocks); back != tt.in || lost != nil {
				t.Errorf("Restore = %q (lost %v), want the input", back, lost)
			}
		})
	}
}

func TestProtectMarkersMode(t *testing.T) {
	tests := []struct {
		name, in, cleaned string
		blocks            []string
	}{
		{"pair", "<think>body text</think>", ph(0) + "body text" + ph(1), []string{"<think>", "</think>"}},
		{"self-closing", "a <leaf/> b", "a " + ph(0) + " b", []string{"<leaf/>"}},
		// Every tag of a nested structure keeps its placeholder, the
		// enclosing close included.
		{"nested", "<outer><inner>x</inner>y</outer>", ph(0) + ph(1) + "x" + ph(2) + "y" + ph(3),
			[]string{"<outer>", "<inner>", "</inner>", "</outer>"}},
		{"unclosed open is still replaced", "<open> tail", ph(0) + " tail", []string{"<open>"}},
		{"orphan close stays", "x</gone>", "x</gone>", nil},
		{"unclosed inside a pair", "<o><uu>x</o></uu>", ph(0) + ph(1) + "x" + ph(2) + "</uu>", []string{"<o>", "<uu>", "</o>"}},
		{"HTML untouched", "<p><t>x</t></p>", "<p>" + ph(0) + "x" + ph(1) + "</p>", []string{"<t>", "</t>"}},
	}
	p := mustNew(t, ModeMarkers)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := p.Protect(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, b := range r.Blocks {
				got = append(got, b.Original)
			}
			if r.Text != tt.cleaned || !slices.Equal(got, tt.blocks) {
				t.Errorf("got %q %q\nwant %q %q", r.Text, got, tt.cleaned, tt.blocks)
			}
			if back, lost := Restore(r.Text, r.Blocks); back != tt.in || lost != nil {
				t.Errorf("Restore = %q (lost %v)", back, lost)
			}
		})
	}
}

func TestProtectStats(t *testing.T) {
	in := "<div><t>a<leaf/></t></div></orphan><open>"
	r, err := mustNew(t, ModeBlock).Protect(in)
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{TagsSeen: 7, HTMLTagsSkipped: 2, CustomBlocks: 1, SelfClosing: 1, OrphanCloses: 1}
	if r.Stats != want {
		t.Fatalf("stats %+v, want %+v", r.Stats, want)
	}
}

func TestPlaceholderPrefixIsSaltedOnCollision(t *testing.T) {
	p := mustNew(t, ModeBlock)
	in := "literal {{HEADROOM_TAG_0}} then <t/>"
	r, err := p.Protect(in)
	if err != nil {
		t.Fatal(err)
	}
	if r.Text != "literal {{HEADROOM_TAG_0}} then {{HEADROOM_TAG_0_0}}" || !r.Stats.PrefixSalted {
		t.Fatalf("got %q salted=%v", r.Text, r.Stats.PrefixSalted)
	}
	if back, _ := Restore(r.Text, r.Blocks); back != in {
		t.Fatalf("Restore = %q", back)
	}

	// Salt 0 taken too: salt 1.
	r, _ = p.Protect("{{HEADROOM_TAG_0_x <t/>")
	if r.Text != "{{HEADROOM_TAG_0_x {{HEADROOM_TAG_1_0}}" {
		t.Fatalf("got %q", r.Text)
	}

	// Every salt taken: the fallback prefix.
	var b strings.Builder
	b.WriteString(defaultPrefix)
	for salt := range saltAttempts {
		b.WriteString(" " + defaultPrefix + strconv.Itoa(salt) + "_")
	}
	all := b.String()
	r, err = p.Protect(all + " <t/>")
	if err != nil || r.Text != all+" "+fallbackPrefix+"0}}" {
		t.Fatalf("got %q, %v", r.Text, err)
	}

	// The fallback taken as well: an error, not an ambiguous result.
	_, err = p.Protect(all + " " + fallbackPrefix + "0}} <t/>")
	if !errors.Is(err, ErrPlaceholderCollision) {
		t.Fatalf("err = %v, want ErrPlaceholderCollision", err)
	}
}

func TestRestore(t *testing.T) {
	blocks := []Block{{ph(0), "<a1>x</a1>"}, {ph(1), "<b1/>"}}
	tests := []struct {
		name, in, want string
		lost           []Block
	}{
		{"both present", "p " + ph(0) + " q " + ph(1), "p <a1>x</a1> q <b1/>", nil},
		{"duplicated by the compressor", ph(1) + ph(1), "<b1/><b1/>", []Block{blocks[0]}},
		{"dropped placeholders are not re-inserted", "compressed", "compressed", blocks},
		{"rewritten placeholder is lost", "{{HEADROOM_TAG_0 }}", "{{HEADROOM_TAG_0 }}", blocks},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, lost := Restore(tt.in, blocks)
			if got != tt.want || !slices.Equal(lost, tt.lost) {
				t.Errorf("Restore = %q, lost %v; want %q, %v", got, lost, tt.want, tt.lost)
			}
		})
	}
	if got, lost := Restore("x", nil); got != "x" || lost != nil {
		t.Errorf("no blocks: %q %v", got, lost)
	}
	// An empty placeholder would match everywhere; it is reported lost.
	if got, lost := Restore("x", []Block{{"", "<y/>"}}); got != "x" || len(lost) != 1 {
		t.Errorf("empty placeholder: %q %v", got, lost)
	}
}

func TestPlaceholdersDoNotPrefixEachOther(t *testing.T) {
	// Placeholder 1 is not a prefix of placeholder 10: the suffix ends
	// the number.
	var in strings.Builder
	for k := range 12 {
		in.WriteString("<t" + strconv.Itoa(k) + "/> ")
	}
	r, err := mustNew(t, ModeBlock).Protect(in.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Blocks) != 12 {
		t.Fatalf("%d blocks", len(r.Blocks))
	}
	if back, lost := Restore(r.Text, r.Blocks); back != in.String() || lost != nil {
		t.Fatalf("Restore = %q", back)
	}
}

func TestIsHTMLElement(t *testing.T) {
	for name, want := range map[string]bool{
		"div": true, "DIV": true, "Blockquote": true, "h6": true, "search": true, "template": true,
		"h7": false, "thinking": false, "tool_call": false, "div-x": false, "": false,
		"blockquotes": false, "system-reminder": false, "headroom:digest": false,
	} {
		if got := IsHTMLElement(name); got != want {
			t.Errorf("IsHTMLElement(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestRestoreOfForeignBlocksChainsReplacements(t *testing.T) {
	// Blocks not made by Protect: an original that itself holds a later
	// placeholder is expanded again, as replacing block by block does.
	blocks := []Block{{ph(0), "<a>" + ph(1) + "</a>"}, {ph(1), "<b/>"}}
	if _, ok := onePassPrefix(blocks); ok {
		t.Fatal("an original containing the prefix must not take the one-pass path")
	}
	got, lost := Restore("x "+ph(0), blocks)
	if got != "x <a><b/></a>" || lost != nil {
		t.Fatalf("got %q, lost %v", got, lost)
	}
	// Placeholders in another spelling take the general path too.
	got, lost = Restore("[[0]]", []Block{{"[[0]]", "<c/>"}})
	if got != "<c/>" || lost != nil {
		t.Fatalf("got %q, lost %v", got, lost)
	}
}

func TestOnePassPrefixAcceptsProtectPrefixesOnly(t *testing.T) {
	for prefix, want := range map[string]bool{
		defaultPrefix: true, defaultPrefix + "0_": true, defaultPrefix + "15_": true, fallbackPrefix: true,
		defaultPrefix + "16_": false, defaultPrefix + "01_": false, defaultPrefix + "x_": false, "{{OTHER_": false,
	} {
		_, ok := onePassPrefix([]Block{{prefix + "3" + suffix, "<t/>"}})
		if ok != want {
			t.Errorf("prefix %q: one pass %v, want %v", prefix, ok, want)
		}
	}
	// A duplicated placeholder restores the first block and loses the second.
	b := []Block{{ph(0), "<x/>"}, {ph(0), "<y/>"}}
	got, lost := Restore(ph(0)+ph(0), b)
	want, wantLost := restoreSequential(ph(0)+ph(0), b)
	if got != want || got != "<x/><x/>" || len(lost) != 1 || lost[0] != wantLost[0] {
		t.Fatalf("got %q %v, want %q %v", got, lost, want, wantLost)
	}
}
