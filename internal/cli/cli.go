// Package cli implements the headroom operator command: a table of
// subcommands, each in its own file, sharing one way to parse flags, print
// help and turn errors into exit statuses. cmd/headroom only wires the
// process (arguments, standard streams, environment, signals) into Main.
//
// A new subcommand is one new file that calls register from its init
// function; Main, the help listing and the exit statuses pick it up.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Exit statuses Main returns.
const (
	// ExitOK means the command did what was asked.
	ExitOK = 0
	// ExitFailure means the command was well-formed but failed: a missing or
	// expired hash, a store that cannot be opened or reached, an I/O error.
	ExitFailure = 1
	// ExitUsage means the command line or the environment is wrong as
	// written: an unknown command or flag, a bad flag or environment value,
	// a malformed hash. Retrying without changing them cannot succeed.
	ExitUsage = 2
)

// Env is the part of the process a command may use. Tests build one around
// buffers; cmd/headroom passes the real standard streams and os.Getenv.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads an environment variable; nil means no variable is set.
	Getenv func(string) string
}

func (e *Env) getenv(name string) string {
	if e.Getenv == nil {
		return ""
	}
	return e.Getenv(name)
}

// command is one subcommand of headroom.
type command struct {
	// name is the word after "headroom" that selects the command.
	name string
	// summary is its one-line description in the command list.
	summary string
	// run executes the command with the arguments that follow its name.
	// When those ask for help (-h, --help) it writes the command's help to
	// env.Stdout and returns nil. A usageError makes Main exit ExitUsage;
	// any other error exits ExitFailure.
	run func(ctx context.Context, env *Env, args []string) error
}

// commands holds every registered subcommand by name.
var commands = map[string]*command{}

// register adds c to the command table. It is called from init functions,
// so a clash is a programming error caught by any test run.
func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("cli: command " + c.name + " registered twice")
	}
	commands[c.name] = c
}

// usageError is an error in how headroom was invoked. cmd names the command
// whose help the message points to; empty means headroom itself.
type usageError struct {
	cmd string
	err error
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usageError for command cmd.
func usagef(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, err: fmt.Errorf(format, args...)}
}

// Main runs headroom with args (the command line without the program name)
// and returns the process exit status. Errors are written to env.Stderr as
// one line prefixed "headroom: ", followed for usage errors by a pointer to
// the relevant help.
func Main(ctx context.Context, args []string, env Env) int {
	err := dispatch(ctx, &env, args)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintf(env.Stderr, "headroom: %v\n", err)
	var ue *usageError
	if errors.As(err, &ue) {
		topic := "headroom help"
		if ue.cmd != "" {
			topic += " " + ue.cmd
		}
		fmt.Fprintf(env.Stderr, "Run '%s' for usage.\n", topic)
		return ExitUsage
	}
	return ExitFailure
}

func dispatch(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		printUsage(env.Stderr)
		return &usageError{err: errors.New("no command given")}
	}
	switch name := args[0]; name {
	case "-h", "-help", "--help":
		return runHelp(ctx, env, args[1:])
	case "-version", "--version":
		return runVersion(ctx, env, args[1:])
	default:
		c, ok := commands[name]
		if !ok {
			if strings.HasPrefix(name, "-") {
				return usagef("", "unknown flag %q before the command (flags go after it: headroom COMMAND [flags])", name)
			}
			return usagef("", "unknown command %q", name)
		}
		return c.run(ctx, env, args[1:])
	}
}

// printUsage writes the top-level help: what headroom is and its commands.
func printUsage(w io.Writer) {
	names := make([]string, 0, len(commands))
	width := 0
	for name := range commands {
		names = append(names, name)
		width = max(width, len(name))
	}
	slices.Sort(names)
	fmt.Fprintf(w, "headroom is the operator command of headroom-go, the context-compression layer for LLM agents.\n\n")
	fmt.Fprintf(w, "Usage:\n  headroom COMMAND [flags] [ARGS]\n\nCommands:\n")
	for _, name := range names {
		fmt.Fprintf(w, "  %-*s  %s\n", width, name, commands[name].summary)
	}
	fmt.Fprintf(w, "\nRun 'headroom help COMMAND' or 'headroom COMMAND --help' for a command's flags.\n")
	fmt.Fprintf(w, "Exit status: %d success, %d the command failed, %d invalid command line or environment.\n",
		ExitOK, ExitFailure, ExitUsage)
}
