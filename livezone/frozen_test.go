package livezone_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/livezone"
)

func TestComputeFrozenCount(t *testing.T) {
	cc := `"cache_control":{"type":"ephemeral"}`
	cc1h := `"cache_control":{"type":"ephemeral","ttl":"1h"}`
	cc5m := `"cache_control":{"type":"ephemeral","ttl":"5m"}`
	block := func(marker string) string { return `{"type":"text","text":"x",` + marker + `}` }
	msg := func(role string, blocks ...string) string {
		return `{"role":"` + role + `","content":[` + strings.Join(blocks, ",") + `]}`
	}
	cases := []struct {
		name  string
		body  string
		count int
		warn  string
	}{
		{"no markers", `{"messages":[` + msg("user", `{"type":"text","text":"x"}`) + `,{"role":"assistant","content":"hi"}]}`, 0, ""},
		{"marker on message 0", `{"messages":[` + msg("user", block(cc)) + `,{"role":"assistant","content":"hi"}]}`, 1, ""},
		{"highest marked message wins", `{"messages":[` + msg("user", block(cc)) + `,` + msg("assistant", `{"type":"text","text":"a"}`) + `,` + msg("user", `{"type":"text","text":"b"}`, block(cc)) + `,{"role":"assistant","content":"z"}]}`, 3, ""},
		{"null marker still counts", `{"messages":[` + msg("user", block(`"cache_control":null`)) + `]}`, 1, ""},
		{"system and tools do not count", `{"system":[` + block(cc) + `],"tools":[{"name":"t",` + cc + `}],"messages":[{"role":"user","content":"hi"}]}`, 0, ""},
		{"string content has no markers", `{"messages":[{"role":"user","content":"hi","cache_control":{"type":"ephemeral"}}]}`, 0, ""},
		{"no messages", `{"model":"claude"}`, 0, ""},
		{"not an object", `[1,2]`, 0, ""},
		{"1h before 5m is fine", `{"messages":[` + msg("user", block(cc1h), block(cc5m)) + `]}`, 1, ""},
		{"5m then 1h", `{"messages":[` + msg("user", block(cc5m)) + `,` + msg("user", block(cc1h)) + `]}`, 2, "messages"},
		{"default then 1h", `{"messages":[` + msg("user", block(cc), block(cc1h)) + `]}`, 1, "messages"},
		{"unknown ttl is ignored", `{"messages":[` + msg("user", block(`"cache_control":{"ttl":"10m"}`), block(cc1h)) + `]}`, 1, ""},
		{"system and tools warn separately", `{"system":[` + block(cc) + `,` + block(cc1h) + `],"tools":[{"name":"a",` + cc5m + `},{"name":"b",` + cc1h + `}],"messages":[` + msg("user", block(cc1h)) + `]}`, 1, "system,tools"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := livezone.ComputeFrozenCount([]byte(c.body))
			if err != nil {
				t.Fatal(err)
			}
			if f.Count != c.count || strings.Join(f.TTLWarnings, ",") != c.warn {
				t.Errorf("got count %d warnings %v, want %d %q", f.Count, f.TTLWarnings, c.count, c.warn)
			}
			// The Anthropic pass computes the same floor from its own scan.
			if strings.Contains(c.body, `"messages":[`) {
				_, m, err := livezone.Anthropic(t.Context(), []byte(c.body), livezone.Options{AutoFrozen: true})
				if err != nil || m.FrozenCount != c.count || strings.Join(m.TTLWarnings, ",") != c.warn {
					t.Errorf("AutoFrozen pass: err %v, floor %d, warnings %v", err, m.FrozenCount, m.TTLWarnings)
				}
			}
		})
	}
	if _, err := livezone.ComputeFrozenCount([]byte(`{"messages":`)); !errors.Is(err, livezone.ErrBodyNotJSON) {
		t.Errorf("truncated body: %v", err)
	}
}

func TestManifestSummaries(t *testing.T) {
	block := func(a livezone.Action) livezone.BlockOutcome { return livezone.BlockOutcome{Action: a} }
	m := livezone.Manifest{Blocks: []livezone.BlockOutcome{
		block(livezone.Action{Kind: livezone.Compressed, Strategy: "log_compressor", OriginalTokens: 100, CompressedTokens: 30}),
		block(livezone.Action{Kind: livezone.RejectedNotSmaller, Strategy: "smart_crusher", OriginalTokens: 80, CompressedTokens: 90}),
		block(livezone.Action{Kind: livezone.Compressed, Strategy: "smart_crusher", OriginalTokens: 200, CompressedTokens: 50}),
		block(livezone.Action{Kind: livezone.Compressed, Strategy: "log_compressor", OriginalTokens: 10, CompressedTokens: 9}),
	}}
	if got := m.TokensSaved(); got != 70+150+1 {
		t.Errorf("TokensSaved = %d", got)
	}
	if got := strings.Join(m.TransformsApplied(), ","); got != "log_compressor,smart_crusher" {
		t.Errorf("TransformsApplied = %s", got)
	}

	reasons := []struct {
		kinds []livezone.Action
		want  string
	}{
		{nil, "no_eligible_items"},
		{[]livezone.Action{{Kind: livezone.NoCompressionApplied}}, "no_compressible_content"},
		{[]livezone.Action{{Kind: livezone.NoCompressionApplied}, {Kind: livezone.Excluded}}, "excluded_live_zone"},
		{[]livezone.Action{{Kind: livezone.Excluded}, {Kind: livezone.BelowByteThreshold, ContentType: "text"}}, "below_plain_text_floor"},
		{[]livezone.Action{{Kind: livezone.BelowByteThreshold, ContentType: "text"}, {Kind: livezone.BelowByteThreshold, ContentType: livezone.OutputItemContentType}}, "below_output_floor"},
		{[]livezone.Action{{Kind: livezone.BelowByteThreshold, ContentType: livezone.OutputItemContentType}, {Kind: livezone.RejectedNotSmaller}}, "rejected_not_smaller"},
		{[]livezone.Action{{Kind: livezone.RejectedNotSmaller}, {Kind: livezone.CompressorError}}, "compressor_error"},
		{[]livezone.Action{{Kind: livezone.Compressed}}, "no_change"},
	}
	for _, r := range reasons {
		var m livezone.Manifest
		for _, a := range r.kinds {
			m.Blocks = append(m.Blocks, block(a))
		}
		if got := m.NoChangeReason(); got != r.want {
			t.Errorf("%v: reason %q, want %q", r.kinds, got, r.want)
		}
	}
}
