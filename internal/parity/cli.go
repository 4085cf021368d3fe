package parity

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit statuses of the parity-run command.
const (
	ExitOK    = 0 // every fixture matched or was skipped
	ExitDiff  = 1 // at least one fixture diffed
	ExitUsage = 2 // bad arguments, or fixtures that could not be loaded
)

const cliUsage = `usage:
  parity-run run [--fixtures DIR] [--only NAME]
      Replay the recorded fixtures through every comparator (or only NAME) and
      print one line per comparator:
          [NAME] total=N matched=M skipped=S diffed=D
      followed by one line per distinct skip reason and one line per diff.
      DIR defaults to $` + EnvFixtures + `, else ` + DefaultRelDir + `
      relative to the working directory.
      Exit status: 0 nothing diffed, 1 a fixture diffed, 2 usage or load error.
  parity-run list
      Print the comparator names, one per line.
`

// CLI implements the parity-run command over comps and returns its exit
// status. It writes results to stdout and problems to stderr.
func CLI(args []string, stdout, stderr io.Writer, comps []Comparator) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, cliUsage)
		return ExitUsage
	}
	switch args[0] {
	case "run":
		return cliRun(args[1:], stdout, stderr, comps)
	case "list":
		if len(args) > 1 {
			fmt.Fprintf(stderr, "parity-run list: unexpected arguments %q\n%s", args[1:], cliUsage)
			return ExitUsage
		}
		for _, c := range comps {
			fmt.Fprintln(stdout, c.Name())
		}
		return ExitOK
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, cliUsage)
		return ExitOK
	default:
		fmt.Fprintf(stderr, "parity-run: unknown command %q\n%s", args[0], cliUsage)
		return ExitUsage
	}
}

func cliRun(args []string, stdout, stderr io.Writer, comps []Comparator) int {
	fs := flag.NewFlagSet("parity-run run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, cliUsage) }
	fixtures := fs.String("fixtures", "", "fixture root `DIR` (default $"+EnvFixtures+", else "+DefaultRelDir+")")
	only := fs.String("only", "", "replay only the comparator `NAME`")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "parity-run run: unexpected arguments %q\n%s", fs.Args(), cliUsage)
		return ExitUsage
	}
	selected := comps
	if *only != "" {
		selected = nil
		for _, c := range comps {
			if c.Name() == *only {
				selected = append(selected, c)
			}
		}
		if len(selected) == 0 {
			fmt.Fprintf(stderr, "parity-run run: --only %q is not a comparator; known: %s\n", *only, names(comps))
			return ExitUsage
		}
	}
	loc := ResolveDir(*fixtures)
	found, err := checkRoot(loc.Dir)
	if err != nil {
		fmt.Fprintf(stderr, "parity-run: %v\n", err)
		return ExitUsage
	}
	if !found {
		fmt.Fprintf(stderr, "parity-run: fixture root %s does not exist\n", loc)
		return ExitUsage
	}

	status := ExitOK
	reports := make([]Report, 0, len(selected))
	for _, c := range selected {
		r, err := RunComparator(loc.Dir, c)
		if err != nil {
			fmt.Fprintf(stderr, "parity-run: %v\n", err)
			status = ExitUsage
			continue
		}
		reports = append(reports, r)
	}
	for i := range reports {
		fmt.Fprintln(stdout, reports[i].Summary())
	}
	for i := range reports {
		r := &reports[i]
		for _, rc := range r.SkipReasons() {
			fmt.Fprintf(stdout, "skip %s: %d fixtures: %s\n", r.Name, rc.Count, oneLine(rc.Reason))
		}
		for _, o := range r.Outcomes {
			if o.Status == Diff {
				fmt.Fprintf(stdout, "diff %s: %s: %s\n", r.Name, o.Fixture.Path, o.Difference)
				if status == ExitOK {
					status = ExitDiff
				}
			}
		}
	}
	return status
}

func names(comps []Comparator) string {
	ns := make([]string, len(comps))
	for i, c := range comps {
		ns[i] = c.Name()
	}
	return strings.Join(ns, ", ")
}

// oneLine keeps a multi-line error message on its report line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}
