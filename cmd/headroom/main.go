// Command headroom is the operator command of headroom-go. It runs the
// proxy (headroom proxy, the same flags as headroom-proxy), stores and
// retrieves compressed originals in the CCR store (headroom ccr put / get)
// and prints its version. Run headroom help for the list of commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/headroom-go/headroom/internal/cli"
)

func main() {
	// SIGINT and SIGTERM cancel the context: the proxy drains and exits 0,
	// a store operation in flight is abandoned.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.Env{
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Getenv: os.Getenv,
	})
	stop()
	os.Exit(code)
}
