// Package comparators holds one parity comparator per fixture directory.
// Each ported transform adds a file <transform>.go whose init calls register.
package comparators

import (
	"errors"
	"fmt"

	"github.com/headroom-go/headroom/internal/parity"
)

// Names lists every fixture directory that has a comparator slot, in report order.
var Names = []string{
	"cache_aligner",
	"ccr",
	"content_detector",
	"diff_compressor",
	"log_compressor",
	"smart_crusher",
	"text_crusher",
	"tokenizer",
}

var registered = map[string]parity.Comparator{}

// register adds a ported comparator. It panics on an unknown or duplicate
// name because both are programming errors caught by any test run.
func register(c parity.Comparator) {
	name := c.Name()
	known := false
	for _, n := range Names {
		if n == name {
			known = true
		}
	}
	if !known {
		panic(fmt.Sprintf("comparators: register %q: not a fixture directory", name))
	}
	if _, dup := registered[name]; dup {
		panic(fmt.Sprintf("comparators: register %q twice", name))
	}
	registered[name] = c
}

// ErrNotPorted is returned by the placeholder comparator of a transform that has no Go port yet.
var ErrNotPorted = errors.New("not ported yet")

// All returns one comparator per fixture directory in Names order; a directory
// without a registered comparator gets one whose Run fails with ErrNotPorted.
func All() []parity.Comparator {
	out := make([]parity.Comparator, 0, len(Names))
	for _, n := range Names {
		if c, ok := registered[n]; ok {
			out = append(out, c)
			continue
		}
		out = append(out, parity.ComparatorFunc(n, func(_, _ []byte) ([]byte, error) { return nil, ErrNotPorted }))
	}
	return out
}

// Registered reports whether name has a real (ported) comparator.
func Registered(name string) bool {
	_, ok := registered[name]
	return ok
}
