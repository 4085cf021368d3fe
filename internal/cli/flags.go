package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// errHelp is returned by parseArgs when the arguments ask for help.
var errHelp = flag.ErrHelp

// newFlagSet returns a FlagSet for command cmd that reports nothing itself:
// parseArgs turns its errors into usage errors and each command prints its
// own help, to stdout when asked for.
func newFlagSet(cmd string) *flag.FlagSet {
	fs := flag.NewFlagSet("headroom "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// commandName is the command a FlagSet from newFlagSet belongs to.
func commandName(fs *flag.FlagSet) string {
	return strings.TrimPrefix(fs.Name(), "headroom ")
}

// parseArgs parses args with fs and returns the positional arguments.
// Unlike fs.Parse it accepts flags after positional arguments, so
// "headroom ccr get HASH --ccr-backend redis" works as an operator types
// it; everything after "--" is positional. It returns errHelp for -h or
// --help and a usageError for anything the FlagSet rejects.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			return nil, errHelp
		}
		if err != nil {
			return nil, &usageError{cmd: commandName(fs), err: fmt.Errorf("%s: %w", commandName(fs), err)}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// The FlagSet stops either after consuming "--" or at the first
		// argument that is not a flag ("-" counts as one, meaning stdin).
		if endsWithTerminator(fs, args[:len(args)-len(rest)]) {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// endsWithTerminator reports whether the flags fs just parsed from chunk
// ended at a "--" terminator rather than at a positional argument. A "--"
// can also be the value of a flag that takes one ("--name --"), so chunk is
// walked flag by flag as the FlagSet read it.
func endsWithTerminator(fs *flag.FlagSet, chunk []string) bool {
	for i := 0; i < len(chunk); i++ {
		arg := chunk[i]
		if arg == "--" {
			return true // the FlagSet stops right after a terminator
		}
		name := strings.TrimPrefix(strings.TrimPrefix(arg, "-"), "-")
		if strings.Contains(name, "=") {
			continue // the value is attached
		}
		if f := fs.Lookup(name); f != nil && !isBoolFlag(f) {
			i++ // the next argument was this flag's value
		}
	}
	return false
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// isHelpFlag reports whether arg is one of the spellings of help.
func isHelpFlag(arg string) bool {
	switch arg {
	case "-h", "-help", "--help":
		return true
	}
	return false
}

// printFlags lists fs's flags, one per entry with its usage indented below,
// in the same shape as the proxy's help. argNames names the argument of
// flags whose type alone says nothing useful ("value", "string").
func printFlags(w io.Writer, fs *flag.FlagSet, argNames map[string]string) {
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		if n, ok := argNames[f.Name]; ok {
			name = n
		}
		head := "  --" + f.Name
		if name != "" {
			head += " " + strings.ToUpper(name)
		}
		fmt.Fprintf(w, "%s\n        %s\n", head, usage)
	})
}
