package cli

import (
	"context"
)

func init() {
	register(&command{
		name:    "help",
		summary: "show this list, or the help of one command (headroom help COMMAND)",
		run:     runHelp,
	})
}

// runHelp prints the command list, or asks the named command for its help
// so each command's help text lives next to its flags.
func runHelp(ctx context.Context, env *Env, args []string) error {
	switch len(args) {
	case 0:
		printUsage(env.Stdout)
		return nil
	case 1:
		if isHelpFlag(args[0]) {
			printUsage(env.Stdout)
			return nil
		}
		c, ok := commands[args[0]]
		if !ok {
			return usagef("", "help: unknown command %q", args[0])
		}
		return c.run(ctx, env, []string{"--help"})
	default:
		return usagef("", "help: want at most one command name, got %d arguments", len(args))
	}
}
