package parity

import (
	"fmt"
)

// Status classifies the result of replaying one fixture.
type Status uint8

const (
	// Match means the comparator reproduced the recorded output.
	Match Status = iota
	// Diff means the comparator ran and produced something else.
	Diff
	// Skipped means the comparator could not run the fixture (it returned an
	// error, e.g. because the transform is not ported yet).
	Skipped
)

func (s Status) String() string {
	switch s {
	case Match:
		return "match"
	case Diff:
		return "diff"
	case Skipped:
		return "skipped"
	}
	return fmt.Sprintf("Status(%d)", uint8(s))
}

// Outcome is the result of one fixture.
type Outcome struct {
	// Fixture is the replayed fixture.
	Fixture *Fixture
	Status  Status
	// Reason is the comparator's error text when Status is Skipped.
	Reason string
	// Difference is the first difference when Status is Diff.
	Difference *Difference
}

// outputRoot prefixes every difference path: the compared value is the
// fixture's "output" member.
const outputRoot = "$.output"

// CompareFixture runs c on f and compares its result with f's recorded
// output. Output that is not valid JSON is a Diff at the root, never a Skip:
// the comparator ran and produced something wrong.
//
// A panicking comparator is reported as a Diff too, so one bad port cannot
// abort a whole parity run.
func CompareFixture(c Comparator, f *Fixture) (o Outcome) {
	defer func() {
		if p := recover(); p != nil {
			o = Outcome{Fixture: f, Status: Diff, Difference: &Difference{
				Path:     outputRoot,
				Expected: "<not compared>",
				Actual:   "<panic>",
				Detail:   fmt.Sprintf("comparator panicked: %v", p),
			}}
		}
	}()
	want, err := f.expected()
	if err != nil {
		// A Fixture built by hand rather than loaded can carry bad output;
		// without an oracle nothing can match.
		return Outcome{Fixture: f, Status: Diff, Difference: &Difference{
			Path: outputRoot, Expected: "<invalid>", Actual: "<not compared>", Detail: "fixture output: " + err.Error(),
		}}
	}
	got, err := c.Run(f.Input, f.Config)
	if err != nil {
		return Outcome{Fixture: f, Status: Skipped, Reason: err.Error()}
	}
	actual, err := parseJSON(got)
	if err != nil {
		return Outcome{Fixture: f, Status: Diff, Difference: &Difference{
			Path:     outputRoot,
			Expected: render(want),
			Actual:   fmt.Sprintf("unparseable output (%d bytes)", len(got)),
			Detail:   err.Error(),
		}}
	}
	if d := diffValues(want, &actual, outputRoot); d != nil {
		return Outcome{Fixture: f, Status: Diff, Difference: d}
	}
	return Outcome{Fixture: f, Status: Match}
}

// Report collects the outcomes of one comparator over its fixture directory.
type Report struct {
	// Name is the comparator's name.
	Name string
	// Outcomes holds one entry per fixture, in file-name order.
	Outcomes []Outcome
	// Matched, Diffed and Skipped count Outcomes by Status.
	Matched, Diffed, Skipped int
}

// Total is the number of fixtures replayed.
func (r *Report) Total() int { return len(r.Outcomes) }

func (r *Report) add(o Outcome) {
	r.Outcomes = append(r.Outcomes, o)
	switch o.Status {
	case Match:
		r.Matched++
	case Diff:
		r.Diffed++
	case Skipped:
		r.Skipped++
	}
}

// Summary is the one-line form scripts parse:
// "[NAME] total=N matched=M skipped=S diffed=D".
func (r *Report) Summary() string {
	return fmt.Sprintf("[%s] total=%d matched=%d skipped=%d diffed=%d", r.Name, r.Total(), r.Matched, r.Skipped, r.Diffed)
}

// SkipReasons groups skipped fixtures by reason, in order of first occurrence.
func (r *Report) SkipReasons() []ReasonCount {
	var out []ReasonCount
	for _, o := range r.Outcomes {
		if o.Status != Skipped {
			continue
		}
		found := false
		for i := range out {
			if out[i].Reason == o.Reason {
				out[i].Count++
				found = true
				break
			}
		}
		if !found {
			out = append(out, ReasonCount{Reason: o.Reason, Count: 1})
		}
	}
	return out
}

// ReasonCount is one distinct skip reason and how many fixtures gave it.
type ReasonCount struct {
	Reason string
	Count  int
}

// RunComparator loads c's fixtures from dir/c.Name() and replays them all.
func RunComparator(dir string, c Comparator) (Report, error) {
	fixtures, err := Load(dir, c.Name())
	if err != nil {
		return Report{Name: c.Name()}, err
	}
	r := Report{Name: c.Name(), Outcomes: make([]Outcome, 0, len(fixtures))}
	for i := range fixtures {
		r.add(CompareFixture(c, &fixtures[i]))
	}
	return r, nil
}
