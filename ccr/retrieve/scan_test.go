package retrieve_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/ccr/retrieve"
)

// The expectations come from running the reference's four patterns with
// Python's re (testdata/scan_oracle.py), which is what defines Unicode \d,
// \w and \b, lazy matching and the pattern order here.
func TestScanTextMatchesPythonOracle(t *testing.T) {
	data, err := os.ReadFile("testdata/scan_oracle.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Text string   `json:"text"`
		Want []string `json:"want"`
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 10 {
		t.Fatalf("oracle has only %d cases", len(cases))
	}
	for _, c := range cases {
		got := retrieve.ScanText(nil, c.Text)
		if !slices.Equal(got, c.Want) && !(len(got) == 0 && len(c.Want) == 0) {
			t.Errorf("ScanText(%q) = %q, want %q", c.Text, got, c.Want)
		}
	}
}

func TestScanTextKeepsEarlierHashesAndDeduplicates(t *testing.T) {
	h := strings.Repeat("ab", 12)
	dst := retrieve.ScanText([]string{"already"}, "<<ccr:"+h+">> and again <<ccr:"+h+">>")
	if !slices.Equal(dst, []string{"already", h}) {
		t.Fatalf("got %q", dst)
	}
}

const (
	hashA = "0123456789abcdef01234567"
	hashB = "a1b2c3d4e5f6"
	hashC = "ffffffffffffffffffffffff"
	hashD = "eeeeeeeeeeee"
)

func TestScanMessagesReadsEveryProviderShape(t *testing.T) {
	messages := `[
	  {"role": "system", "content": "see <<ccr:` + hashA + `>>"},
	  {"role": "user", "content": [
	    {"type": "text", "text": "[3 lines compressed. hash=` + hashC + `]"},
	    {"type": "tool_result", "tool_use_id": "t1", "content": "<<ccr:` + hashB + ` 9_rows_offloaded>>"},
	    {"type": "tool_result", "tool_use_id": "t2", "content": [
	      {"type": "text", "text": "<<ccr:` + hashD + `,html,3B>> <<ccr:` + hashA + `>>"},
	      {"type": "image", "text": "<<ccr:999999999999>>"}
	    ]},
	    {"type": "image", "source": {"data": "<<ccr:888888888888>>"}}
	  ]},
	  {"role": "user", "parts": [
	    {"text": "<<ccr:777777777777>>"},
	    {"functionResponse": {"name": "f", "response": {"out": "<<ccr:666666666666>>", "n": 1}}},
	    {"functionResponse": {"name": "g", "response": "<<ccr:555555555555>>"}}
	  ]},
	  {"role": "assistant", "content": null}
	]`
	got, err := retrieve.ScanMessages([]byte(messages))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{hashA, hashC, hashB, hashD, "777777777777", "666666666666", "555555555555"}
	if !slices.Equal(got, want) {
		t.Fatalf("ScanMessages = %q\nwant %q", got, want)
	}
}

func TestScanMessagesRejectsNonArrays(t *testing.T) {
	for _, in := range []string{`{"role":"user"}`, `[{"content":"x"}`, ``} {
		if _, err := retrieve.ScanMessages([]byte(in)); err == nil {
			t.Errorf("ScanMessages(%q) accepted", in)
		}
	}
}

// Thousands of distinct markers (plus repeats) must come back once each, in
// discovery order, whichever side of the set/linear switch they fall on.
func TestScanTextDeduplicatesManyMarkers(t *testing.T) {
	var b strings.Builder
	var want []string
	for i := 0; i < 3000; i++ {
		h := fmt.Sprintf("%024x", i*7919+1)
		want = append(want, h)
		fmt.Fprintf(&b, "row %d <<ccr:%s>>\n", i, h)
	}
	b.WriteString("again <<ccr:" + want[0] + ">> and <<ccr:" + want[2999] + ">>\n")
	got := retrieve.ScanText(nil, b.String())
	if len(got) != len(want) {
		t.Fatalf("got %d hashes, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("hash %d = %s, want %s", i, got[i], want[i])
		}
	}
}
