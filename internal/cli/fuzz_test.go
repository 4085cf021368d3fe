package cli

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// FuzzParseArgs checks parseArgs against a small model of how a command
// line with interleaved flags is meant to read: the flag package's rules
// for one flag (dashes, "=value", a bool's optional value, a string's value
// taken from the next argument even when it looks like a flag or is "--"),
// applied left to right, with every other argument positional until a
// terminating "--". The fuzz input is the argument list joined by NUL.
func FuzzParseArgs(f *testing.F) {
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		if len(args) > 64 {
			return
		}
		fs := newFlagSet("fuzz")
		name := fs.String("name", "", "")
		verbose := fs.Bool("v", false, "")
		pos, err := parseArgs(fs, args)

		want := modelParse(args)
		switch {
		case want.help:
			if !errors.Is(err, errHelp) {
				t.Fatalf("%q: want help, got pos %q err %v", args, pos, err)
			}
		case want.bad:
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("%q: want a usage error, got pos %q err %v", args, pos, err)
			}
		default:
			if err != nil || !slices.Equal(pos, want.pos) || *name != want.name || *verbose != want.verbose {
				t.Fatalf("%q: got pos %q name %q v %v err %v; want pos %q name %q v %v",
					args, pos, *name, *verbose, err, want.pos, want.name, want.verbose)
			}
		}
	})
}

type modelResult struct {
	pos       []string
	name      string
	verbose   bool
	help, bad bool
}

// modelParse reads args for a command with a string flag "name" and a bool
// flag "v", written from the flag package's documented syntax.
func modelParse(args []string) modelResult {
	var r modelResult
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			r.pos = append(r.pos, args[i+1:]...)
			return r
		}
		if len(a) < 2 || a[0] != '-' {
			r.pos = append(r.pos, a)
			continue
		}
		n := a[1:]
		if n[0] == '-' {
			n = n[1:]
		}
		if n == "" || n[0] == '-' || n[0] == '=' {
			return modelResult{bad: true}
		}
		val, hasVal := "", false
		if k := strings.IndexByte(n[1:], '='); k >= 0 {
			n, val, hasVal = n[:k+1], n[k+2:], true
		}
		switch n {
		case "v":
			r.verbose = true
			if hasVal {
				b, err := strconv.ParseBool(val)
				if err != nil {
					return modelResult{bad: true}
				}
				r.verbose = b
			}
		case "name":
			if !hasVal {
				if i+1 == len(args) {
					return modelResult{bad: true}
				}
				i++
				val = args[i]
			}
			r.name = val
		case "h", "help":
			return modelResult{help: true}
		default:
			return modelResult{bad: true}
		}
	}
	return r
}
