package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/headroom-go/headroom/proxy/proxycmd"
)

func init() {
	register(&command{
		name:    "proxy",
		summary: "run the compression proxy in front of an LLM API (the flags of headroom-proxy)",
		run:     runProxy,
	})
}

// runProxy runs the proxy until ctx is cancelled (SIGINT or SIGTERM in the
// binary) through proxycmd.Run, the start-up headroom-proxy uses, so both
// accept exactly the same flags and HEADROOM_PROXY_* / HEADROOM_CCR_*
// variables. Logs are JSON lines on standard output.
func runProxy(ctx context.Context, env *Env, args []string) error {
	err := proxycmd.Run(ctx, "headroom proxy", args, proxycmd.Env{Stdout: env.Stdout, Getenv: env.getenv})
	var ue *proxycmd.UsageError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ue):
		return usagef("proxy", "proxy: %w", ue.Err)
	default:
		return fmt.Errorf("proxy: %w", err)
	}
}
