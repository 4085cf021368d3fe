// Package parity replays the fixtures recorded from the reference implementation
// against our Go ports and reports, per transform, which fixtures match.
package parity

// Comparator replays one transform. Run receives the raw `input` and `config`
// JSON of a fixture and returns the transform's output as raw JSON. An error
// means the fixture cannot be run (for example, the transform is not ported
// yet) and is reported as Skipped with the error text, never as a match.
type Comparator interface {
	// Name is the fixture directory name, e.g. "tokenizer".
	Name() string
	// Run produces the transform output for one fixture.
	Run(input, config []byte) ([]byte, error)
}

// ComparatorFunc adapts a function to Comparator.
func ComparatorFunc(name string, run func(input, config []byte) ([]byte, error)) Comparator {
	return funcComparator{name: name, run: run}
}

type funcComparator struct {
	name string
	run  func(input, config []byte) ([]byte, error)
}

func (c funcComparator) Name() string { return c.name }

func (c funcComparator) Run(input, config []byte) ([]byte, error) { return c.run(input, config) }
