package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/backend"
	"github.com/headroom-go/headroom/ccr/retrieve"
)

func init() {
	register(&command{
		name:    "ccr",
		summary: "store an original and print its hash, or print the original stored under a hash",
		run:     runCCR,
	})
}

// ccrHelp is the help of the ccr command; the backend flags follow it.
const ccrHelp = `Usage:
  headroom ccr put [flags] [FILE|-]
        Store the bytes of FILE (standard input when FILE is - or absent)
        and print their hash, the key a later get takes.
  headroom ccr get [flags] HASH
        Write the original stored under HASH to standard output, byte for
        byte. HASH is 12 or 24 hex digits, as in a compression marker.
        Exits 1 when nothing is stored under HASH or it has expired.

The store is the one the proxy uses, chosen by the same flags and
environment variables. The memory backend lives inside one process, so a
get never finds what an earlier put stored there; use sqlite or redis.

Flags (a flag beats its environment variable, which beats the default):
`

func runCCR(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return usagef("ccr", "ccr: want a subcommand, put or get")
	}
	switch sub := args[0]; {
	case sub == "put":
		return runCCRPut(ctx, env, args[1:])
	case sub == "get":
		return runCCRGet(ctx, env, args[1:])
	case isHelpFlag(sub):
		return printCCRHelp(env)
	default:
		return usagef("ccr", "ccr: unknown subcommand %q (want put or get)", sub)
	}
}

// ccrFlags parses the arguments of a ccr subcommand with the backend flags
// bound. A bad environment value or flag is a usage error: nothing was
// opened yet and retrying unchanged cannot help.
func ccrFlags(env *Env, sub string, args []string) (*backend.Config, []string, error) {
	fs := newFlagSet("ccr " + sub)
	cfg, err := backend.Bind(fs, env.getenv)
	if err != nil {
		return nil, nil, &usageError{cmd: "ccr", err: fmt.Errorf("ccr %s: %w", sub, err)}
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		if errors.Is(err, errHelp) {
			return nil, nil, errHelp
		}
		var ue *usageError
		if errors.As(err, &ue) {
			ue.cmd = "ccr"
		}
		return nil, nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, &usageError{cmd: "ccr", err: fmt.Errorf("ccr %s: %w", sub, err)}
	}
	return cfg, pos, nil
}

// ccrArgNames names the arguments of the backend flags in the help.
var ccrArgNames = map[string]string{
	"ccr-backend":      "memory|sqlite|redis",
	"ccr-sqlite-path":  "FILE",
	"ccr-redis-url":    "URL",
	"ccr-redis-prefix": "PREFIX",
	"ccr-ttl":          "DURATION",
}

func printCCRHelp(env *Env) error {
	// The flags are listed from a FlagSet bound without the HEADROOM_CCR_*
	// variables, so help works even when one of them is malformed; their
	// names and the built-in defaults are in each flag's text.
	fs := newFlagSet("ccr")
	if _, err := backend.Bind(fs, func(name string) string {
		if strings.HasPrefix(name, "HEADROOM_") {
			return ""
		}
		return env.getenv(name)
	}); err != nil {
		return err
	}
	io.WriteString(env.Stdout, ccrHelp)
	printFlags(env.Stdout, fs, ccrArgNames)
	return nil
}

func runCCRPut(ctx context.Context, env *Env, args []string) error {
	cfg, pos, err := ccrFlags(env, "put", args)
	if errors.Is(err, errHelp) {
		return printCCRHelp(env)
	}
	if err != nil {
		return err
	}
	var payload []byte
	switch {
	case len(pos) > 1:
		return usagef("ccr", "ccr put: want at most one FILE, got %d arguments", len(pos))
	case len(pos) == 0 || pos[0] == "-":
		payload, err = io.ReadAll(env.Stdin)
		if err != nil {
			return fmt.Errorf("ccr put: read standard input: %w", err)
		}
	default:
		payload, err = os.ReadFile(pos[0])
		if err != nil {
			return fmt.Errorf("ccr put: %w", err)
		}
	}

	store, err := backend.Open(ctx, *cfg)
	if err != nil {
		return fmt.Errorf("ccr put: %w", err)
	}
	key := ccr.ComputeKey(payload)
	err = store.Put(ctx, key, payload)
	if cerr := store.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close store: %w", cerr)
	}
	if err != nil {
		return fmt.Errorf("ccr put: store in %v: %w", cfg, err)
	}
	if cfg.Backend == backend.Memory {
		fmt.Fprintf(env.Stderr, "headroom: ccr put: note: the memory backend drops %s when this process exits; use sqlite or redis to keep it\n", key)
	}
	_, err = fmt.Fprintln(env.Stdout, key)
	return err
}

func runCCRGet(ctx context.Context, env *Env, args []string) error {
	cfg, pos, err := ccrFlags(env, "get", args)
	if errors.Is(err, errHelp) {
		return printCCRHelp(env)
	}
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("ccr", "ccr get: want exactly one HASH, got %d arguments", len(pos))
	}
	// Hashes are checked before the store is opened, so a typo never costs
	// a connection and never reaches the backend as a key. Every writer
	// produces lowercase hex; case is ignored for hashes copied from
	// elsewhere.
	hash := pos[0]
	if !retrieve.ValidHash(hash) {
		return usagef("ccr", "ccr get: %q is not a hash: want 12 or 24 hex digits", hash)
	}
	hash = strings.ToLower(hash)

	store, err := backend.Open(ctx, *cfg)
	if err != nil {
		return fmt.Errorf("ccr get: %w", err)
	}
	payload, err := store.Get(ctx, hash)
	_ = store.Close() // read-only use: a close error loses nothing
	switch {
	case errors.Is(err, ccr.ErrExpired):
		return fmt.Errorf("ccr get: %s has expired (%v)", hash, cfg)
	case errors.Is(err, ccr.ErrNotFound):
		msg := fmt.Sprintf("ccr get: nothing stored under %s: never stored in this store, or expired (%v)", hash, cfg)
		if cfg.Backend == backend.Memory {
			msg += "; the memory backend only holds what this same process stored, use sqlite or redis"
		}
		return errors.New(msg)
	case err != nil:
		return fmt.Errorf("ccr get: %s from %v: %w", hash, cfg, err)
	}
	if _, err := env.Stdout.Write(payload); err != nil {
		return fmt.Errorf("ccr get: write standard output: %w", err)
	}
	return nil
}
