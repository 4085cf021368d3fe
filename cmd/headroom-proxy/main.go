// Command headroom-proxy is the transparent streaming reverse proxy that
// sits in front of an LLM API. Run it with --help for every flag; each flag
// also reads a HEADROOM_PROXY_* (or, for the CCR store, HEADROOM_CCR_*)
// environment variable.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/headroom-go/headroom/proxy/proxycmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := proxycmd.Run(ctx, "headroom-proxy", os.Args[1:], proxycmd.Env{Stdout: os.Stdout, Getenv: os.Getenv})
	stop()
	if err == nil {
		return
	}
	code := proxycmd.ExitCode(err)
	if code == proxycmd.ExitUsage {
		fmt.Fprintf(os.Stderr, "headroom-proxy: %v\nRun headroom-proxy --help for the flags.\n", err)
	} else {
		fmt.Fprintf(os.Stderr, "headroom-proxy: %v\n", err)
	}
	os.Exit(code)
}
