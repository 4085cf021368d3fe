// Command headroom-proxy is the transparent streaming reverse proxy that
// sits in front of an LLM API. Run it with --help for every flag; each flag
// also reads a HEADROOM_PROXY_* environment variable.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/headroom-go/headroom/internal/version"
	"github.com/headroom-go/headroom/proxy"
	"github.com/headroom-go/headroom/proxy/proxyflags"
)

func main() {
	fs := flag.NewFlagSet("headroom-proxy", flag.ContinueOnError)
	flags := proxyflags.Bind(fs)
	showVersion := fs.Bool("version", false, "print the version and exit")
	// The flag package would print errors and the whole usage to stderr;
	// help goes to stdout instead and an error gets one line.
	fs.SetOutput(io.Discard)
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			flags.PrintUsage(os.Stdout)
			return
		}
		fatalUsage(err)
	}
	if fs.NArg() > 0 {
		fatalUsage(fmt.Errorf("unexpected argument %q (a boolean flag takes its value attached, as in --rewrite-host=false)", fs.Arg(0)))
	}
	if *showVersion {
		fmt.Println(version.Version)
		return
	}
	cfg, err := flags.Config(os.Getenv)
	if err != nil {
		fatalUsage(err)
	}

	logger := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	srv, err := proxy.New(cfg, logger)
	if err != nil {
		fatalUsage(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := srv.ListenAndServe(ctx); err != nil {
		logger.Error("headroom-proxy failed", slog.String("error", err.Error()))
		os.Exit(1)
	}
}

// fatalUsage reports a configuration error and exits with the usage status.
func fatalUsage(err error) {
	fmt.Fprintf(os.Stderr, "headroom-proxy: %v\nRun headroom-proxy --help for the flags.\n", err)
	os.Exit(2)
}
