package parity

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// statsFixtures is a fixture set where the echo comparator matches "same",
// and a comparator that bumps one count diverges at a known path.
var statsFixtures = map[string]string{
	"stats/same.json": `{"transform":"stats","input":{"stats":[{"count":1},{"count":2},{"count":3},{"count":4}]},` +
		`"output":{"stats":[{"count":1},{"count":2},{"count":3},{"count":4}]}}`,
	"stats/ratio.json": `{"transform":"stats","input":{"ratio":0.1},"output":{"ratio":0.10000000000000001}}`,
}

// bumpLastCount is a deliberately wrong port: it rewrites "count":4 to 5.
func bumpLastCount(input, _ []byte) ([]byte, error) {
	return bytes.ReplaceAll(input, []byte(`"count":4`), []byte(`"count":5`)), nil
}

func TestDivergentComparatorIsReportedAsDiff(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), statsFixtures)
	r, err := RunComparator(dir, ComparatorFunc("stats", bumpLastCount))
	if err != nil {
		t.Fatal(err)
	}
	if r.Total() != 2 || r.Matched != 1 || r.Diffed != 1 || r.Skipped != 0 {
		t.Fatalf("report = %s, want total=2 matched=1 diffed=1", r.Summary())
	}
	// Outcomes follow file-name order: ratio.json, then same.json.
	o := r.Outcomes[1]
	if o.Status != Diff || o.Fixture.Name() != "same" {
		t.Fatalf("outcome for %s = %v, want diff", o.Fixture.Name(), o.Status)
	}
	want := Difference{Path: "$.output.stats[3].count", Expected: "4", Actual: "5"}
	if *o.Difference != want {
		t.Errorf("difference = %+v, want %+v", *o.Difference, want)
	}
}

func TestFaithfulComparatorMatches(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), statsFixtures)
	r, err := RunComparator(dir, echoComparator("stats"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Matched != 2 || r.Diffed != 0 || r.Skipped != 0 {
		t.Errorf("report = %s, want every fixture matched", r.Summary())
	}
	if got := r.Summary(); got != "[stats] total=2 matched=2 skipped=0 diffed=0" {
		t.Errorf("Summary() = %q", got)
	}
}

func TestComparatorErrorIsSkippedWithReason(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), statsFixtures)
	calls := 0
	c := ComparatorFunc("stats", func(input, _ []byte) ([]byte, error) {
		calls++
		if calls == 1 {
			return nil, errors.New("config key \"mode\" unsupported")
		}
		return nil, errors.New("not ported yet")
	})
	r, err := RunComparator(dir, c)
	if err != nil {
		t.Fatal(err)
	}
	if r.Skipped != 2 || r.Matched != 0 || r.Diffed != 0 {
		t.Fatalf("report = %s, want both skipped", r.Summary())
	}
	if r.Outcomes[0].Reason != `config key "mode" unsupported` || r.Outcomes[1].Reason != "not ported yet" {
		t.Errorf("reasons = %q, %q", r.Outcomes[0].Reason, r.Outcomes[1].Reason)
	}
	want := []ReasonCount{{`config key "mode" unsupported`, 1}, {"not ported yet", 1}}
	if got := r.SkipReasons(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("SkipReasons() = %v, want %v", got, want)
	}
}

func TestComparatorReceivesRawInputAndConfig(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string]string{
		"raw/a.json": "{\"transform\":\"raw\",\"config\": {\"b\": 1.50},\"input\": \"caf\\u00e9\",\"output\":[\"\\\"caf\\\\u00e9\\\"\",\"{\\\"b\\\": 1.50}\"]}",
	})
	c := ComparatorFunc("raw", func(input, config []byte) ([]byte, error) {
		return fmt.Appendf(nil, "[%q,%q]", input, config), nil
	})
	r, err := RunComparator(dir, c)
	if err != nil {
		t.Fatal(err)
	}
	if r.Matched != 1 {
		t.Errorf("comparator did not see the exact member bytes: %v", r.Outcomes[0].Difference)
	}
}

func TestUnparseableOutputIsDiff(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), statsFixtures)
	r, err := RunComparator(dir, ComparatorFunc("stats", func(_, _ []byte) ([]byte, error) {
		return []byte(`{"stats": [`), nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	if r.Diffed != 2 {
		t.Fatalf("report = %s, want both diffed", r.Summary())
	}
	d := r.Outcomes[0].Difference
	if d.Path != "$.output" || d.Actual != "unparseable output (11 bytes)" || !strings.Contains(d.Detail, "unexpected end of input") {
		t.Errorf("difference = %+v", *d)
	}
}

func TestPanickingComparatorIsDiff(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), statsFixtures)
	r, err := RunComparator(dir, ComparatorFunc("stats", func(_, _ []byte) ([]byte, error) {
		panic("index out of range")
	}))
	if err != nil {
		t.Fatal(err)
	}
	if r.Diffed != 2 || r.Outcomes[0].Difference.Detail != "comparator panicked: index out of range" {
		t.Errorf("report = %s, first difference %+v", r.Summary(), r.Outcomes[0].Difference)
	}
}

func TestRunComparatorMissingDirectoryIsError(t *testing.T) {
	_, err := RunComparator(t.TempDir(), echoComparator("nothing"))
	if err == nil {
		t.Fatal("RunComparator over a missing directory returned no error")
	}
}

func TestCompareFixtureBuiltByHand(t *testing.T) {
	f := &Fixture{Path: "mem.json", Transform: "stats", Input: []byte(`{"a":1.0}`), Config: []byte("null"), Output: []byte(`{"a":1}`)}
	o := CompareFixture(echoComparator("stats"), f)
	if o.Status != Diff || o.Difference.Path != "$.output.a" {
		t.Errorf("hand-built fixture: %v %+v, want a diff at $.output.a", o.Status, o.Difference)
	}
	f.Output, f.parsedOutput = []byte(`{"a":`), false
	o = CompareFixture(echoComparator("stats"), f)
	if o.Status != Diff || !strings.HasPrefix(o.Difference.Detail, "fixture output: invalid JSON") {
		t.Errorf("invalid hand-built output: %v %+v", o.Status, o.Difference)
	}
}
