// Command parity-run replays the fixtures recorded from the reference
// implementation through the Go comparators and reports per transform how
// many matched, were skipped, or diffed. Run `parity-run help` for usage.
package main

import (
	"io"
	"os"

	"github.com/headroom-go/headroom/internal/parity"
	"github.com/headroom-go/headroom/internal/parity/comparators"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	return parity.CLI(args, stdout, stderr, comparators.All())
}
