package livezone_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/livezone"
	"github.com/headroom-go/headroom/transform"
)

func anthropic(t *testing.T, body string, opts livezone.Options) ([]byte, livezone.Manifest) {
	t.Helper()
	in := []byte(body)
	out, m, err := livezone.Anthropic(t.Context(), in, opts)
	if err != nil {
		t.Fatalf("Anthropic: %v", err)
	}
	checkSplices(t, in, out, m)
	return out, m
}

func TestLatestToolResultWith1500RowsShrinksByMoreThan40Percent(t *testing.T) {
	rows := rowsJSON(1500)
	body := `{"model":"claude-sonnet-4-5","max_tokens":1024,"messages":[` +
		`{"role":"user","content":"list the slow users"},` +
		`{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"query","input":{"sql":"select *"}}]},` +
		`{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":` + str(rows) + `},{"type":"text","text":"which are slow?"}]}]}`
	out, m := anthropic(t, body, livezone.Options{})
	if m.Outcome != livezone.Modified || len(m.Splices) != 1 {
		t.Fatalf("outcome %v with %d splices; blocks %+v", m.Outcome, len(m.Splices), m.Blocks)
	}
	b := m.Blocks[0]
	if b.MessageIndex != 2 || b.BlockIndex != 0 || b.BlockType != "tool_result" || b.Action.Strategy != livezone.StrategySmartCrusher {
		t.Fatalf("block %+v", b)
	}
	if shrink := 1 - float64(b.Action.CompressedBytes)/float64(b.Action.OriginalBytes); shrink <= 0.40 {
		t.Errorf("block shrank %.1f%%, want > 40%%", 100*shrink)
	}
	if shrink := 1 - float64(len(out))/float64(len(body)); shrink <= 0.40 {
		t.Errorf("body shrank %.1f%%, want > 40%%", 100*shrink)
	}
	if b.Action.CompressedTokens >= b.Action.OriginalTokens || m.TokensSaved() != b.Action.OriginalTokens-b.Action.CompressedTokens {
		t.Errorf("tokens %d → %d, saved %d", b.Action.OriginalTokens, b.Action.CompressedTokens, m.TokensSaved())
	}
	if m.Blocks[1].Action.Kind != livezone.BelowByteThreshold || m.Blocks[1].Action.ThresholdBytes != livezone.MinBlockBytes {
		t.Errorf("short text block: %+v", m.Blocks[1])
	}
}

func TestHotZoneBlocksAreNeverTouched(t *testing.T) {
	rows := str(rowsJSON(200))
	body := `{"messages":[{"role":"user","content":[` +
		`{"type":"thinking","thinking":` + rows + `,"signature":"sig"},` +
		`{"type":"redacted_thinking","data":` + rows + `},` +
		`{"type":"tool_use","id":"t","name":"n","input":{"rows":` + rows + `}},` +
		`{"type":"compaction","content":` + rows + `},` +
		`{"type":"tool_result","tool_use_id":"t","content":` + rows + `}]}]}`
	_, m := anthropic(t, body, livezone.Options{})
	wantTypes := []string{"thinking", "redacted_thinking", "tool_use", "compaction"}
	for i, typ := range wantTypes {
		b := m.Blocks[i]
		if b.BlockType != typ || b.Action.Kind != livezone.Excluded || b.Action.Reason != livezone.HotZoneBlockType {
			t.Errorf("block %d = %+v, want %s excluded", i, b, typ)
		}
	}
	if m.Blocks[4].Action.Kind != livezone.Compressed {
		t.Fatalf("tool_result not compressed: %+v", m.Blocks[4])
	}
	// checkSplices proved nothing else changed; the one splice must be the
	// tool_result's content, the last literal of the body.
	if len(m.Splices) != 1 || m.Splices[0].In.Start != strings.LastIndex(body, rows) {
		t.Errorf("splices %+v", m.Splices)
	}
}

func TestFrozenMessagesAreNeverTouched(t *testing.T) {
	rows := str(rowsJSON(100))
	frozen := `{"role":"user","content":[{"type":"tool_result","tool_use_id":"a","content":` + rows + `,"cache_control":{"type":"ephemeral"}}]}`
	live := `{"role":"user","content":[{"type":"tool_result","tool_use_id":"b","content":` + rows + `}]}`
	asst := `{"role":"assistant","content":[{"type":"tool_use","id":"b","name":"q","input":{}}]}`

	t.Run("floor from markers", func(t *testing.T) {
		body := `{"messages":[` + frozen + `,` + asst + `,` + live + `]}`
		_, m := anthropic(t, body, livezone.Options{AutoFrozen: true})
		if m.FrozenCount != 1 || m.MessagesBelowFrozenFloor != 1 || m.LatestUserMessageIndex != 2 {
			t.Fatalf("manifest %+v", m)
		}
		if m.Outcome != livezone.Modified || m.Splices[0].In.Start < len(`{"messages":[`+frozen) {
			t.Fatalf("outcome %v, splices %+v", m.Outcome, m.Splices)
		}
	})
	t.Run("latest user below the floor", func(t *testing.T) {
		body := `{"messages":[` + live + `,` + asst + `,` + frozen + `]}`
		_, m := anthropic(t, body, livezone.Options{AutoFrozen: true})
		if m.Outcome != livezone.NoChange || m.LatestUserMessageIndex != -1 || len(m.Blocks) != 0 ||
			m.FrozenCount != 3 || m.MessagesBelowFrozenFloor != 3 {
			t.Fatalf("manifest %+v", m)
		}
	})
	t.Run("explicit floor above the messages", func(t *testing.T) {
		body := `{"messages":[` + live + `]}`
		_, m := anthropic(t, body, livezone.Options{FrozenCount: 99})
		if m.Outcome != livezone.NoChange || m.MessagesBelowFrozenFloor != 1 || m.LatestUserMessageIndex != -1 {
			t.Fatalf("manifest %+v", m)
		}
	})
	t.Run("auto-frozen disabled", func(t *testing.T) {
		body := `{"messages":[` + asst + `,` + frozen + `]}`
		_, m := anthropic(t, body, livezone.Options{FrozenCount: 0})
		if m.Outcome != livezone.Modified || m.LatestUserMessageIndex != 1 {
			t.Fatalf("manifest %+v", m)
		}
	})
}

// TestLiteralsOutsideSlotsAreUnchanged builds a pretty-printed body whose
// numbers, escapes and key order a re-serializer would change, and checks
// each survives byte for byte while the tool result is rewritten.
func TestLiteralsOutsideSlotsAreUnchanged(t *testing.T) {
	body := "{\n  \"temperature\": 1.0,\n  \"metadata\": {\"user_id\": 12345678901234567, \"big\": 1e5, \"Big\": 1E+5, \"neg\": -0, \"tiny\": 2.50e-3},\n" +
		"  \"system\": \"caf\\u00e9 \\ud83d\\ude00 a\\/b <tag> & \\u2028\",\n" +
		"  \"messages\" : [\n    {\"content\": [{\"text\": \"hi \\u0041\", \"type\": \"text\"}], \"role\": \"user\"},\n" +
		"    {\"role\": \"assistant\", \"content\": [{\"type\": \"tool_use\", \"id\": \"t1\", \"name\": \"q\", \"input\": {\"limit\": 10.0, \"ids\": [1, 2.0, -0.0]}}]},\n" +
		"    {\"role\": \"user\", \"content\": [ {\"tool_use_id\": \"t1\", \"type\": \"tool_result\", \"content\": " + str(rowsJSON(300)) + ", \"is_error\": false} ]}\n" +
		"  ],\n  \"max_tokens\": 4096\n}\n"
	out, m := anthropic(t, body, livezone.Options{})
	if m.Outcome != livezone.Modified {
		t.Fatalf("not modified: %+v", m.Blocks)
	}
	for _, lit := range []string{"1.0", "12345678901234567", "1e5", "1E+5", "-0", "2.50e-3", "10.0", "2.0", "-0.0",
		`caf\u00e9 \ud83d\ude00 a\/b <tag> & \u2028`, `hi \u0041`, "\n  \"messages\" : [\n", `"is_error": false} ]}` + "\n"} {
		if bytes.Count(out, []byte(lit)) != strings.Count(body, lit) {
			t.Errorf("literal %q: %d occurrences in output, %d in input", lit, bytes.Count(out, []byte(lit)), strings.Count(body, lit))
		}
	}
}

func TestCCRMarkerResolvesToTheOriginal(t *testing.T) {
	store := memstore.New(0, 0)
	rows := rowsJSON(400)
	body := `{"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":` + str(rows) + `}]}]}`
	out, m := anthropic(t, body, livezone.Options{Store: store})
	orig, repl := checkSplices(t, []byte(body), out, m)
	if m.Outcome != livezone.Modified || orig[0] != rows {
		t.Fatalf("outcome %v", m.Outcome)
	}
	checkMarker(t, store, m.Blocks[0].Action.Marker, rows, repl[0])
	if m.Blocks[0].Action.CompressedBytes != len(repl[0]) {
		t.Errorf("CompressedBytes %d, replacement with marker is %d bytes", m.Blocks[0].Action.CompressedBytes, len(repl[0]))
	}
}

// failingStore refuses every Put, as a full or unreachable backend does.
type failingStore struct{ memstore.Store }

var errStoreDown = errors.New("store down")

func (*failingStore) Put(context.Context, string, []byte) error { return errStoreDown }

func TestStoreFailureRevertsTheBlock(t *testing.T) {
	body := `{"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":` + str(rowsJSON(300)) + `}]}]}`
	_, m := anthropic(t, body, livezone.Options{Store: &failingStore{}})
	a := m.Blocks[0].Action
	if m.Outcome != livezone.NoChange || a.Kind != livezone.CompressorError || !errors.Is(a.Err, errStoreDown) || a.Strategy != livezone.StrategySmartCrusher {
		t.Fatalf("outcome %v, action %+v", m.Outcome, a)
	}
	if m.Count(livezone.CompressorError) != 1 {
		t.Errorf("Count(CompressorError) = %d", m.Count(livezone.CompressorError))
	}
}

// selectiveFailure fails on texts containing a marker word and otherwise
// uses the default compressors, so one block of a body fails for real
// reasons of its own while the others compress.
type selectiveFailure struct{ word string }

func (s selectiveFailure) CompressBlock(ctx context.Context, text string, ct transform.ContentType) (livezone.Candidate, error) {
	if strings.Contains(text, s.word) {
		if s.word == "PANIC" {
			panic("compressor bug")
		}
		return livezone.Candidate{Strategy: "failing"}, errors.New("cannot compress " + s.word)
	}
	def, err := livezone.Default()
	if err != nil {
		return livezone.Candidate{}, err
	}
	return def.CompressBlock(ctx, text, ct)
}

func TestCompressorFailureRevertsOnlyThatBlock(t *testing.T) {
	for _, word := range []string{"BROKEN", "PANIC"} {
		t.Run(word, func(t *testing.T) {
			bad := strings.Replace(rowsJSON(300), "user_00007", word, 1)
			body := `{"messages":[{"role":"user","content":[` +
				`{"type":"tool_result","tool_use_id":"a","content":` + str(bad) + `},` +
				`{"type":"tool_result","tool_use_id":"b","content":` + str(rowsJSON(300)) + `}]}]}`
			_, m := anthropic(t, body, livezone.Options{Compressor: selectiveFailure{word}})
			if m.Outcome != livezone.Modified || len(m.Splices) != 1 {
				t.Fatalf("outcome %v, %d splices", m.Outcome, len(m.Splices))
			}
			if a := m.Blocks[0].Action; a.Kind != livezone.CompressorError || a.Err == nil {
				t.Errorf("failing block: %+v", a)
			}
			if word == "PANIC" && !errors.Is(m.Blocks[0].Action.Err, livezone.ErrCompressorPanic) {
				t.Errorf("panic not reported as ErrCompressorPanic: %v", m.Blocks[0].Action.Err)
			}
			if m.Blocks[1].Action.Kind != livezone.Compressed {
				t.Errorf("other block: %+v", m.Blocks[1].Action)
			}
		})
	}
}

func TestBodiesThatAreNotRequestsAreErrors(t *testing.T) {
	cases := []struct {
		body string
		opts livezone.Options
		want error
	}{
		{"", livezone.Options{}, livezone.ErrBodyNotJSON},
		{"not json", livezone.Options{}, livezone.ErrBodyNotJSON},
		{`{"messages":[]}x`, livezone.Options{}, livezone.ErrBodyNotJSON},
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"\xff\"}]}", livezone.Options{}, livezone.ErrBodyNotJSON},
		{`{}`, livezone.Options{}, livezone.ErrNoMessagesArray},
		{`[]`, livezone.Options{}, livezone.ErrNoMessagesArray},
		{`{"messages":{"role":"user"}}`, livezone.Options{}, livezone.ErrNoMessagesArray},
		{`{"messages":[]}`, livezone.Options{FrozenCount: -1}, livezone.ErrInvalidOptions},
	}
	for _, c := range cases {
		out, _, err := livezone.Anthropic(t.Context(), []byte(c.body), c.opts)
		if !errors.Is(err, c.want) {
			t.Errorf("Anthropic(%q): error %v, want %v", c.body, err, c.want)
		}
		if string(out) != c.body {
			t.Errorf("Anthropic(%q) did not return the input with its error", c.body)
		}
	}
}

func TestSlotsOfTheLatestUserMessage(t *testing.T) {
	rows := str(rowsJSON(300))
	cases := []struct {
		name    string
		content string
		want    []string // block type and action kind of each outcome
	}{
		{"string content", rows, []string{"string_content compressed"}},
		{"bedrock typeless text", `[{"text":` + rows + `}]`, []string{"text compressed"}},
		{"text block", `[{"type":"text","text":` + rows + `}]`, []string{"text compressed"}},
		{"tool_result with parts", `[{"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":` + rows + `}]}]`,
			[]string{"tool_result no_compression_applied"}},
		{"image and typeless", `[{"type":"image","source":{"type":"base64","data":"aGk="}},{"foo":1}]`,
			[]string{"image no_compression_applied", "unknown no_compression_applied"}},
		{"short text", `[{"type":"text","text":"hello"}]`, []string{"text below_byte_threshold"}},
		{"null content", `null`, nil},
		{"absent content", `absent`, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := `{"messages":[{"role":"user","content":` + c.content + `},{"role":"assistant","content":"prefill"}]}`
			if c.content == "absent" {
				body = `{"messages":[{"role":"user"}]}`
			}
			_, m := anthropic(t, body, livezone.Options{})
			if m.Skip != "" {
				t.Errorf("skip %q", m.Skip)
			}
			var got []string
			for _, b := range m.Blocks {
				got = append(got, b.BlockType+" "+b.Action.Kind.String())
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("outcomes %v, want %v", got, c.want)
			}
		})
	}
}

func TestUnexpectedShapesAreLeftAlone(t *testing.T) {
	rows := str(rowsJSON(300))
	cases := map[string]string{
		"duplicate messages": `{"messages":[{"role":"user","content":` + rows + `}],"messages":[{"role":"user","content":` + rows + `}]}`,
		"duplicate content":  `{"messages":[{"role":"user","content":"x","content":` + rows + `}]}`,
		"duplicate type":     `{"messages":[{"role":"user","content":[{"type":"text","type":"text","text":` + rows + `}]}]}`,
		"duplicate text":     `{"messages":[{"role":"user","content":[{"type":"text","text":"a","text":` + rows + `}]}]}`,
		"non-object block":   `{"messages":[{"role":"user","content":[` + rows + `,{"type":"text","text":` + rows + `}]}]}`,
		"numeric type":       `{"messages":[{"role":"user","content":[{"type":7,"text":` + rows + `}]}]}`,
		"object content":     `{"messages":[{"role":"user","content":{"type":"text","text":` + rows + `}}]}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			_, m := anthropic(t, body, livezone.Options{})
			if m.Outcome != livezone.NoChange || m.Skip != livezone.SkipUnexpectedShape {
				t.Fatalf("outcome %v, skip %q", m.Outcome, m.Skip)
			}
		})
	}
}

func TestLatestUserRoleUsesTheLastDuplicateKey(t *testing.T) {
	rows := str(rowsJSON(300))
	// serde_json keeps the last of repeated keys: message 1 is a user
	// message, message 0 is not.
	body := `{"messages":[{"role":"user","role":"assistant","content":` + rows + `},{"role":"tool","role":"user","content":` + rows + `}]}`
	_, m := anthropic(t, body, livezone.Options{})
	if m.LatestUserMessageIndex != 1 || m.Outcome != livezone.Modified {
		t.Fatalf("latest user %d, outcome %v", m.LatestUserMessageIndex, m.Outcome)
	}
}

// lossy adds a store and the store-backed compressors to opts: only then do
// the lossy compressors run, since without a store nothing they drop could
// be retrieved.
func lossy(t *testing.T, opts livezone.Options) livezone.Options {
	t.Helper()
	st := memstore.New(0, 0)
	c, err := livezone.NewCompressors(st)
	if err != nil {
		t.Fatal(err)
	}
	opts.Store, opts.Compressor = st, c
	return opts
}

func TestWithoutAStoreOnlyLosslessWorkIsDone(t *testing.T) {
	body := `{"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":` + str(buildLog(400)) + `}]}]}`
	out, m := anthropic(t, body, livezone.Options{})
	if m.Outcome != livezone.NoChange || string(out) != body {
		t.Fatalf("store-less pass dropped log lines: outcome %v, blocks %+v", m.Outcome, m.Blocks)
	}
}

func TestBuildOutputGoesToTheLogCompressor(t *testing.T) {
	body := `{"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":` + str(buildLog(400)) + `}]}]}`
	out, m := anthropic(t, body, lossy(t, livezone.Options{}))
	if m.Outcome != livezone.Modified || m.Blocks[0].Action.Strategy != livezone.StrategyLogCompressor {
		t.Fatalf("outcome %v, blocks %+v", m.Outcome, m.Blocks)
	}
	if !bytes.Contains(out, []byte("undefined: frobnicate")) {
		t.Errorf("the error line was dropped")
	}
}

func TestCanceledContextForwardsTheOriginal(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	body := []byte(`{"messages":[{"role":"user","content":` + str(rowsJSON(300)) + `}]}`)
	out, _, err := livezone.Anthropic(ctx, body, livezone.Options{})
	if !errors.Is(err, context.Canceled) || !bytes.Equal(out, body) {
		t.Fatalf("err %v, body returned unchanged %v", err, bytes.Equal(out, body))
	}
}
