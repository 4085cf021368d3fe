package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/headroom-go/headroom/internal/version"
)

func init() {
	register(&command{
		name:    "version",
		summary: "print the version",
		run:     runVersion,
	})
}

func runVersion(_ context.Context, env *Env, args []string) error {
	fs := newFlagSet("version")
	pos, err := parseArgs(fs, args)
	if errors.Is(err, errHelp) {
		fmt.Fprintf(env.Stdout, "Usage: headroom version\n\nPrints the version of this build and exits.\n")
		return nil
	}
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("version", "version: unexpected argument %q", pos[0])
	}
	_, err = fmt.Fprintln(env.Stdout, version.Version)
	return err
}
