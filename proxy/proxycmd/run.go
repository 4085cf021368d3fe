// Package proxycmd runs the proxy as a command: it parses the flags and
// environment of proxyflags, opens the CCR store, builds the Server and
// serves until its context ends. The headroom-proxy binary and the
// "headroom proxy" subcommand both call Run, so they start the same way.
package proxycmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/headroom-go/headroom/ccr/backend"
	"github.com/headroom-go/headroom/internal/version"
	"github.com/headroom-go/headroom/proxy"
	"github.com/headroom-go/headroom/proxy/proxyflags"
)

// Env is the part of the process Run uses.
type Env struct {
	// Stdout receives the JSON log lines, --help and --version.
	Stdout io.Writer
	// Getenv reads an environment variable; nil means none is set.
	Getenv func(string) string
}

// UsageError is an error in the command line or the environment: retrying
// without changing them cannot succeed. Binaries exit with their usage
// status for it and point at --help.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Exit statuses ExitCode maps Run's result to, the same as the headroom
// command's.
const (
	ExitOK      = 0
	ExitFailure = 1 // well-formed, but the store, listener or server failed
	ExitUsage   = 2 // a *UsageError: fix the command line or environment
)

// ExitCode is the process exit status for an error returned by Run.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	return ExitFailure
}

// Run parses args (the command line after the command name; name is used in
// the help) and runs the proxy until ctx is cancelled, then shuts down
// gracefully and returns nil. --help and --version print to env.Stdout and
// return nil. A bad flag, environment value or configuration is a
// *UsageError; a CCR store that cannot be opened, a listener that cannot be
// bound or a server failure is any other error. With --compression the CCR
// store is opened before listening and never replaced by another backend.
func Run(ctx context.Context, name string, args []string, env Env) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // the caller reports errors once; help goes to Stdout
	flags, err := proxyflags.Bind(fs, env.Getenv)
	if err != nil {
		return &UsageError{err}
	}
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			flags.PrintUsage(env.Stdout)
			return nil
		}
		return &UsageError{err}
	}
	if fs.NArg() > 0 {
		return &UsageError{fmt.Errorf("unexpected argument %q (a boolean flag takes its value attached, as in --rewrite-host=false)", fs.Arg(0))}
	}
	if *showVersion {
		_, err := fmt.Fprintln(env.Stdout, version.Version)
		return err
	}
	cfg, err := flags.Config()
	if err != nil {
		return &UsageError{err}
	}
	ccrCfg, err := flags.CCR()
	if err != nil {
		return &UsageError{err}
	}

	logger := slog.New(slog.NewJSONHandler(env.Stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	if cfg.Compression {
		store, err := backend.Open(ctx, ccrCfg)
		if err != nil {
			return fmt.Errorf("open CCR store (%v): %w", ccrCfg, err)
		}
		defer func() {
			if err := store.Close(); err != nil {
				logger.Warn("closing the CCR store failed", slog.String("error", err.Error()))
			}
		}()
		cfg.Store = store
		cfg.StoreTTL = ccrCfg.TTL
		logger.Info("ccr store opened", slog.String("store", ccrCfg.String()))
	}
	srv, err := proxy.New(cfg, logger)
	if err != nil {
		return &UsageError{err}
	}
	return srv.ListenAndServe(ctx)
}
