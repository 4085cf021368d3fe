package livezone_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/livezone"
)

type entryPoint func(context.Context, []byte, livezone.Options) ([]byte, livezone.Manifest, error)

func pass(t *testing.T, f entryPoint, body string) ([]byte, livezone.Manifest) {
	t.Helper()
	return passWith(t, f, body, livezone.Options{Model: "gpt-4o"})
}

func passWith(t *testing.T, f entryPoint, body string, opts livezone.Options) ([]byte, livezone.Manifest) {
	t.Helper()
	in := []byte(body)
	out, m, err := f(t.Context(), in, opts)
	if err != nil {
		t.Fatalf("%v", err)
	}
	checkSplices(t, in, out, m)
	return out, m
}

func outcomes(m livezone.Manifest) string {
	var s []string
	for _, b := range m.Blocks {
		s = append(s, strings.Join([]string{itoa(b.MessageIndex), itoa(b.BlockIndex), b.BlockType, b.Action.Kind.String()}, " "))
	}
	return strings.Join(s, "; ")
}

func itoa(i int) string {
	if i < 0 {
		return "-"
	}
	return string(rune('0' + i%10))
}

func TestChatLatestToolMessageWith1500RowsShrinksByMoreThan40Percent(t *testing.T) {
	body := `{"model":"gpt-4o","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"who is slow?"},` +
		`{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"q","arguments":"{}"}}]},` +
		`{"role":"tool","tool_call_id":"c1","content":` + str(rowsJSON(1500)) + `}]}`
	out, m := pass(t, livezone.OpenAIChat, body)
	if got := outcomes(m); got != "3 - tool_content compressed; 1 - user_string below_byte_threshold" {
		t.Fatalf("outcomes %s", got)
	}
	if shrink := 1 - float64(len(out))/float64(len(body)); shrink <= 0.40 {
		t.Errorf("body shrank %.1f%%, want > 40%%", 100*shrink)
	}
}

func TestChatWithSeveralCompletionsIsUntouched(t *testing.T) {
	msgs := `"messages":[{"role":"tool","tool_call_id":"c","content":` + str(rowsJSON(300)) + `}]`
	for _, c := range []struct {
		n    string
		skip bool
	}{{"3", true}, {"2", true}, {"10", true}, {"1", false}, {"0", false}, {"-3", false}, {"3.0", false}, {`"3"`, false}, {"null", false}} {
		_, m := pass(t, livezone.OpenAIChat, `{"n":`+c.n+`,`+msgs+`}`)
		if skipped := m.Skip == livezone.SkipNGreaterThanOne; skipped != c.skip {
			t.Errorf("n=%s: skip %q", c.n, m.Skip)
		}
		if c.skip && (m.Outcome != livezone.NoChange || len(m.Blocks) != 0) {
			t.Errorf("n=%s: outcome %v, blocks %d", c.n, m.Outcome, len(m.Blocks))
		}
		if !c.skip && m.Outcome != livezone.Modified {
			t.Errorf("n=%s: not compressed", c.n)
		}
	}
	// The skip comes before the messages check, as in the reference.
	if _, m, err := livezone.OpenAIChat(t.Context(), []byte(`{"n":3}`), livezone.Options{}); err != nil || m.Skip != livezone.SkipNGreaterThanOne {
		t.Errorf("n=3 without messages: err %v, skip %q", err, m.Skip)
	}
}

func TestChatTouchesOnlyTheLatestToolAndUserMessages(t *testing.T) {
	rows := str(rowsJSON(300))
	body := `{"messages":[` +
		`{"role":"user","content":` + rows + `},` + // 0: older user
		`{"role":"tool","tool_call_id":"a","content":` + rows + `},` + // 1: older tool
		`{"role":"tool","tool_call_id":"b","content":` + rows + `},` + // 2: latest tool
		`{"role":"user","content":[{"type":"text","text":` + rows + `},{"type":"image_url","image_url":{"url":"data:image/png;base64,aGk="}},{"type":"text","text":"and?"}]},` + // 3
		`{"role":"assistant","content":` + rows + `}]}`
	_, m := pass(t, livezone.OpenAIChat, body)
	if got := outcomes(m); got != "2 - tool_content compressed; 3 0 user_text compressed; 3 2 user_text below_byte_threshold" {
		t.Fatalf("outcomes %s", got)
	}
	if m.LatestUserMessageIndex != 3 || m.MessagesTotal != 5 {
		t.Errorf("manifest %+v", m)
	}
}

func TestChatToolMessageAfterTheUserMessage(t *testing.T) {
	rows := str(rowsJSON(300))
	// The tool slot is processed first but lies later in the body: the
	// splices must still come out in body order.
	body := `{"messages":[{"role":"user","content":` + rows + `},{"role":"tool","tool_call_id":"a","content":` + rows + `}]}`
	_, m := pass(t, livezone.OpenAIChat, body)
	if got := outcomes(m); got != "1 - tool_content compressed; 0 - user_string compressed" {
		t.Fatalf("outcomes %s", got)
	}
}

func TestChatSkipsContentItCannotRewrite(t *testing.T) {
	rows := str(rowsJSON(300))
	cases := map[string]string{
		"tool parts":           `{"messages":[{"role":"tool","content":[{"type":"text","text":` + rows + `}]}]}`,
		"duplicate content":    `{"messages":[{"role":"tool","content":` + rows + `,"content":` + rows + `}]}`,
		"user part not object": `{"messages":[{"role":"user","content":[` + rows + `,{"type":"text","text":` + rows + `}]}]}`,
		"duplicate part text":  `{"messages":[{"role":"user","content":[{"type":"text","text":"a","text":` + rows + `}]}]}`,
		"numeric user content": `{"messages":[{"role":"user","content":12}]}`,
	}
	for name, body := range cases {
		_, m := pass(t, livezone.OpenAIChat, body)
		if m.Outcome != livezone.NoChange || len(m.Blocks) != 0 {
			t.Errorf("%s: outcome %v, blocks %s", name, m.Outcome, outcomes(m))
		}
	}
	if _, _, err := livezone.OpenAIChat(t.Context(), []byte(`{"model":"gpt-4o"}`), livezone.Options{}); !errors.Is(err, livezone.ErrNoMessagesArray) {
		t.Errorf("no messages: %v", err)
	}
}

func TestResponsesCompressesEveryOutputButRetrievals(t *testing.T) {
	rows := str(rowsJSON(300))
	body := `{"model":"gpt-4o","input":[` +
		`{"type":"message","role":"user","content":[{"type":"input_text","text":` + rows + `}]},` + // 0
		`{"type":"reasoning","id":"r","encrypted_content":` + rows + `},` + // 1
		`{"type":"function_call","call_id":"c1","name":"query","arguments":"{}"},` + // 2
		`{"type":"function_call_output","call_id":"c1","output":` + rows + `},` + // 3
		`{"type":"function_call","call_id":"c2","name":"mcp__headroom__headroom_retrieve","arguments":"{}"},` + // 4
		`{"type":"function_call_output","call_id":"c2","output":` + rows + `},` + // 5
		`{"type":"function_call","call_id":"c3","name":"headroom_retrieve","arguments":"{}"},` + // 6
		`{"type":"function_call_output","call_id":"c3","output":` + rows + `},` + // 7
		`{"type":"local_shell_call_output","call_id":"c4","output":` + str(buildLog(300)) + `},` + // 8
		`{"type":"apply_patch_call_output","call_id":"c5","output":"done"},` + // 9
		`{"type":"function_call_output","call_id":"c6","output":[{"type":"input_text","text":` + rows + `}]}]}` // 10
	_, m := passWith(t, livezone.OpenAIResponses, body, lossy(t, livezone.Options{Model: "gpt-4o"}))
	want := "3 - function_call_output compressed; 8 - local_shell_call_output compressed; 9 - apply_patch_call_output below_byte_threshold"
	if got := outcomes(m); got != want {
		t.Fatalf("outcomes %s, want %s", got, want)
	}
	if a := m.Blocks[2].Action; a.ContentType != livezone.OutputItemContentType || a.ByteCount != 4 {
		t.Errorf("output floor action %+v", a)
	}
	if got := m.TransformsApplied(); strings.Join(got, ",") != "smart_crusher,log_compressor" {
		t.Errorf("transforms %v", got)
	}
}

func TestResponsesItemsArrayAndReasons(t *testing.T) {
	small := `{"type":"function_call_output","call_id":"c","output":"ok"}`
	if _, m := pass(t, livezone.OpenAIResponses, `{"messages":[`+small+`]}`); m.NoChangeReason() != "below_output_floor" {
		t.Errorf("messages alias: reason %q, blocks %s", m.NoChangeReason(), outcomes(m))
	}
	if _, m := pass(t, livezone.OpenAIResponses, `{"input":[{"type":"message","role":"user","content":"hi"}]}`); m.NoChangeReason() != "no_eligible_items" {
		t.Errorf("message only: reason %q", m.NoChangeReason())
	}
	for _, body := range []string{`{"input":"hello"}`, `{"input":"hello","messages":[` + small + `]}`, `{"model":"gpt-4o"}`} {
		if _, _, err := livezone.OpenAIResponses(t.Context(), []byte(body), livezone.Options{}); !errors.Is(err, livezone.ErrNoMessagesArray) {
			t.Errorf("%s: error %v", body, err)
		}
	}
}

func TestSearchAndDiffOutputsGoToTheirCompressors(t *testing.T) {
	body := `{"input":[` +
		`{"type":"function_call_output","call_id":"a","output":` + str(grepOutput(300)) + `},` +
		`{"type":"apply_patch_call_output","call_id":"b","output":` + str(unifiedDiff(3, 15)) + `}]}`
	_, m := passWith(t, livezone.OpenAIResponses, body, lossy(t, livezone.Options{Model: "gpt-4o"}))
	if got := strings.Join(m.TransformsApplied(), ","); got != "search_compressor,diff_compressor" {
		t.Fatalf("transforms %q; blocks %+v", got, m.Blocks)
	}
}
