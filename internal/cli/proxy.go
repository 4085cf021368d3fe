package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/headroom-go/headroom/internal/version"
	"github.com/headroom-go/headroom/proxy"
	"github.com/headroom-go/headroom/proxy/proxyflags"
)

func init() {
	register(&command{
		name:    "proxy",
		summary: "run the compression proxy in front of an LLM API (the flags of headroom-proxy)",
		run:     runProxy,
	})
}

// runProxy runs the proxy until ctx is cancelled (SIGINT or SIGTERM in the
// binary), taking its flags and HEADROOM_PROXY_* variables from proxyflags
// so it accepts exactly what headroom-proxy accepts. Logs are JSON lines on
// standard output, as headroom-proxy writes them.
func runProxy(ctx context.Context, env *Env, args []string) error {
	fs := flag.NewFlagSet("headroom proxy", flag.ContinueOnError)
	flags := proxyflags.Bind(fs)
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.SetOutput(io.Discard) // Main reports the error once; help goes to stdout
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			flags.PrintUsage(env.Stdout)
			return nil
		}
		return usagef("proxy", "proxy: %w", err)
	}
	if fs.NArg() > 0 {
		return usagef("proxy", "proxy: unexpected argument %q (a boolean flag takes its value attached, as in --rewrite-host=false)", fs.Arg(0))
	}
	if *showVersion {
		_, err := fmt.Fprintln(env.Stdout, version.Version)
		return err
	}
	cfg, err := flags.Config(env.getenv)
	if err != nil {
		return usagef("proxy", "proxy: %w", err)
	}
	logger := slog.New(slog.NewJSONHandler(env.Stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	srv, err := proxy.New(cfg, logger)
	if err != nil {
		return usagef("proxy", "proxy: %w", err)
	}
	if err := srv.ListenAndServe(ctx); err != nil {
		return fmt.Errorf("proxy: %w", err)
	}
	return nil
}
