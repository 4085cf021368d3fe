// Package proxyflags binds the proxy's command-line flags and their
// HEADROOM_PROXY_* environment variables to a proxy.Config, and the CCR
// store's --ccr-* flags (HEADROOM_CCR_*) to a backend.Config, so the
// headroom-proxy binary and any other command that runs the proxy accept
// exactly the same options. Precedence: a flag given on the command line,
// then its environment variable, then the default.
package proxyflags

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/headroom-go/headroom/ccr/backend"
	"github.com/headroom-go/headroom/proxy"
)

// Environment variable names, one per flag except --no-rewrite-host.
const (
	EnvListen                  = "HEADROOM_PROXY_LISTEN"
	EnvUpstream                = "HEADROOM_PROXY_UPSTREAM"
	EnvUpstreamTimeout         = "HEADROOM_PROXY_UPSTREAM_TIMEOUT"
	EnvUpstreamConnectTimeout  = "HEADROOM_PROXY_UPSTREAM_CONNECT_TIMEOUT"
	EnvMaxBodyBytes            = "HEADROOM_PROXY_MAX_BODY_BYTES"
	EnvLogLevel                = "HEADROOM_PROXY_LOG_LEVEL"
	EnvRewriteHost             = "HEADROOM_PROXY_REWRITE_HOST"
	EnvGracefulShutdownTimeout = "HEADROOM_PROXY_GRACEFUL_SHUTDOWN_TIMEOUT"
	EnvStripInternalHeaders    = "HEADROOM_PROXY_STRIP_INTERNAL_HEADERS"
	EnvCompression             = "HEADROOM_PROXY_COMPRESSION"
	EnvCompressionMaxBodyBytes = "HEADROOM_PROXY_COMPRESSION_MAX_BODY_BYTES"
	EnvCacheControlAutoFrozen  = "HEADROOM_PROXY_CACHE_CONTROL_AUTO_FROZEN"
	EnvAuthModePolicy          = "HEADROOM_PROXY_AUTH_MODE_POLICY_ENFORCEMENT"
	EnvRetrieveAllow           = "HEADROOM_PROXY_RETRIEVE_ALLOW"
	EnvCompressAllow           = "HEADROOM_PROXY_COMPRESS_ALLOW"
	EnvCCRInjectTool           = "HEADROOM_PROXY_CCR_INJECT_TOOL"
	EnvCCRHandleResponses      = "HEADROOM_PROXY_CCR_HANDLE_RESPONSES"
	// EnvNoCCRInjectTool is the reference's switch for the retrieval
	// tool, with the opposite sense: a true value means
	// --ccr-inject-tool=false, a false one the default.
	// HEADROOM_PROXY_CCR_INJECT_TOOL and the flag win.
	EnvNoCCRInjectTool = "HEADROOM_NO_CCR_INJECT_TOOL"
	// EnvCompressAllowRemote is the reference's switch for remote callers
	// of /v1/compress: a true value means --compress-allow any, a false
	// one the default. HEADROOM_PROXY_COMPRESS_ALLOW and the flag win.
	EnvCompressAllowRemote = "HEADROOM_COMPRESS_ALLOW_REMOTE"
)

// Flags holds the values bound to a flag.FlagSet. Create it with Bind, parse
// the FlagSet, then call Config (and CCR for the store).
type Flags struct {
	fs     *flag.FlagSet
	specs  []spec
	getenv func(string) string

	cfg           proxy.Config
	ccr           *backend.Config
	rewriteHost   bool
	noRewriteHost bool
}

// spec describes one bound flag for the environment fallback and the help.
type spec struct {
	name, env, arg, def, usage string
}

// Bind registers every proxy flag and the --ccr-* store flags on fs and
// sets fs.Usage to print them with their environment variables and
// defaults. Flags already on fs (such as a command's own --version) are
// listed after them. getenv (os.Getenv in a binary; nil means no variable
// is set) supplies the environment fallbacks; the error is a malformed
// HEADROOM_CCR_* variable, which the store flags check at bind time.
func Bind(fs *flag.FlagSet, getenv func(string) string) (*Flags, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	f := &Flags{fs: fs, getenv: getenv, rewriteHost: true}
	f.cfg.MaxBodyBytes = proxy.DefaultMaxBodyBytes
	f.cfg.UpstreamTimeout = proxy.DefaultUpstreamTimeout
	f.cfg.UpstreamConnectTimeout = proxy.DefaultUpstreamConnectTimeout
	f.cfg.GracefulShutdownTimeout = proxy.DefaultGracefulShutdownTimeout
	f.cfg.Listen = proxy.DefaultListen

	f.add(&listenValue{&f.cfg.Listen}, spec{"listen", EnvListen, "ADDR", proxy.DefaultListen,
		"address to listen on, ip:port or :port (HTTP/1.1 and cleartext HTTP/2)"})
	f.add(&upstreamValue{&f.cfg.Upstream}, spec{"upstream", EnvUpstream, "URL", "(required)",
		"base URL every request is forwarded to: http, https, ws or wss, optionally with a path prefix"})
	f.add(&durationValue{&f.cfg.UpstreamTimeout}, spec{"upstream-timeout", EnvUpstreamTimeout, "DURATION", "600s",
		"longest wait for upstream response headers, and for each gap in a streamed body; never a cap on a live stream's total length"})
	f.add(&durationValue{&f.cfg.UpstreamConnectTimeout}, spec{"upstream-connect-timeout", EnvUpstreamConnectTimeout, "DURATION", "10s", "longest wait to connect (and TLS handshake) to the upstream"})
	f.add(&byteSizeValue{&f.cfg.MaxBodyBytes}, spec{"max-body-bytes", EnvMaxBodyBytes, "SIZE", "100MB",
		"body cap on the buffered compression paths (only with --compression); 100MB is decimal, 1GiB binary"})
	f.add(&levelValue{&f.cfg.LogLevel}, spec{"log-level", EnvLogLevel, "LEVEL", "info",
		"minimum log level: debug, info, warn or error"})
	f.add(&boolValue{&f.rewriteHost}, spec{"rewrite-host", EnvRewriteHost, "[=BOOL]", "true",
		"send the upstream's host as Host (false keeps the client's Host)"})
	f.add(&boolValue{&f.noRewriteHost}, spec{"no-rewrite-host", "", "", "false",
		"keep the client's Host header; wins over --rewrite-host"})
	f.add(&durationValue{&f.cfg.GracefulShutdownTimeout}, spec{"graceful-shutdown-timeout", EnvGracefulShutdownTimeout, "DURATION", "30s",
		"on SIGTERM/SIGINT, how long in-flight requests and streams may finish before they are closed"})
	f.add(&disabledValue{&f.cfg.ForwardInternalHeaders, "strip-internal-headers"}, spec{"strip-internal-headers", EnvStripInternalHeaders, "MODE", "enabled",
		"enabled strips x-headroom-* request headers before forwarding; disabled forwards them"})
	f.add(&boolValue{&f.cfg.Compression}, spec{"compression", EnvCompression, "[=BOOL]", "false",
		"compress the live zone of JSON POST /v1/messages, /v1/chat/completions and /v1/responses bodies " +
			"(buffered; any failure forwards the original bytes) and open the CCR store below. " +
			"POST /v1/compress and GET /v1/retrieve use the same store, so without --compression there is none and /v1/retrieve answers 503"})
	f.add(&byteSizeValue{&f.cfg.CompressionMaxBodyBytes}, spec{"compression-max-body-bytes", EnvCompressionMaxBodyBytes, "SIZE", "the --max-body-bytes value",
		"largest body the compression path buffers; larger ones are answered 413 without contacting the upstream"})
	f.add(&offValue{&f.cfg.RetrievalToolDisabled}, spec{"ccr-inject-tool", EnvCCRInjectTool, "[=BOOL]", "true",
		"add the headroom_retrieve tool to compressed requests that carry retrieval markers (and to later turns of their session); " +
			"false never adds it, leaving markers to GET /v1/retrieve. " + EnvNoCCRInjectTool + "=true also means false"})
	f.add(&offValue{&f.cfg.RetrievalHandlingDisabled}, spec{"ccr-handle-responses", EnvCCRHandleResponses, "[=BOOL]", "true",
		"answer a model response that calls only headroom_retrieve from the CCR store and continue upstream, so the client sees the final answer; " +
			"false passes such responses to the client unchanged"})
	f.add(&disabledValue{&f.cfg.CacheControlAutoFrozenDisabled, "cache-control-auto-frozen"}, spec{"cache-control-auto-frozen", EnvCacheControlAutoFrozen, "MODE", "enabled",
		"enabled never compresses Anthropic messages up to the last one with a cache_control marker; disabled ignores the markers"})
	f.add(&disabledValue{&f.cfg.AuthModePolicyEnforcementDisabled, "auth-mode-policy-enforcement"}, spec{"auth-mode-policy-enforcement", EnvAuthModePolicy, "MODE", "enabled",
		"enabled derives each request's compression policy from its auth mode (payg, oauth, subscription); disabled uses the payg policy for all " +
			"(cache-stabilising rewrites still run for payg callers only)"})
	f.add(&prefixListValue{&f.cfg.RetrieveAllow, "retrieve-allow"}, spec{"retrieve-allow", EnvRetrieveAllow, "NETS", "loopback",
		"clients GET /v1/retrieve/{hash} answers: comma-separated CIDRs or IPs, \"loopback\" or \"any\"; others get 403"})
	f.add(&prefixListValue{&f.cfg.CompressAllow, "compress-allow"}, spec{"compress-allow", EnvCompressAllow, "NETS", "loopback",
		"clients POST /v1/compress (compression only, no model call) answers, as for --retrieve-allow; others get 403. " +
			EnvCompressAllowRemote + "=true also means any"})

	ccr, err := backend.Bind(fs, getenv)
	if err != nil {
		return nil, err
	}
	f.ccr = ccr

	fs.Usage = func() { f.PrintUsage(fs.Output()) }
	return f, nil
}

func (f *Flags) add(v flag.Value, s spec) {
	f.fs.Var(v, s.name, s.usage)
	f.specs = append(f.specs, s)
}

// Config returns the configuration after the FlagSet was parsed: flags
// given on the command line win, then non-empty environment variables, then
// defaults. A bad environment value is an error naming the variable; a
// missing upstream is an error wrapping proxy.ErrNoUpstream. The Store and
// Registry fields are left nil for the caller to fill.
func (f *Flags) Config() (proxy.Config, error) {
	getenv := f.getenv
	set := make(map[string]bool)
	f.fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	for _, s := range f.specs {
		if s.env == "" || set[s.name] {
			continue
		}
		v := getenv(s.env)
		if v == "" {
			continue
		}
		if err := f.fs.Lookup(s.name).Value.Set(v); err != nil {
			return proxy.Config{}, fmt.Errorf("%s=%q: %w", s.env, v, err)
		}
	}
	if v := getenv(EnvCompressAllowRemote); v != "" && !set["compress-allow"] && getenv(EnvCompressAllow) == "" {
		remote, err := ParseBool(v)
		if err != nil {
			return proxy.Config{}, fmt.Errorf("%s=%q: %w", EnvCompressAllowRemote, v, err)
		}
		if remote {
			if err := f.fs.Lookup("compress-allow").Value.Set("any"); err != nil {
				return proxy.Config{}, err
			}
		}
	}
	if v := getenv(EnvNoCCRInjectTool); v != "" && !set["ccr-inject-tool"] && getenv(EnvCCRInjectTool) == "" {
		off, err := ParseBool(v)
		if err != nil {
			return proxy.Config{}, fmt.Errorf("%s=%q: %w", EnvNoCCRInjectTool, v, err)
		}
		f.cfg.RetrievalToolDisabled = off
	}
	if f.cfg.Upstream == "" {
		return proxy.Config{}, fmt.Errorf("--upstream (or %s) is required: %w", EnvUpstream, proxy.ErrNoUpstream)
	}
	cfg := f.cfg
	cfg.PreserveHost = f.noRewriteHost || !f.rewriteHost
	return cfg, nil
}

// CCR returns the CCR store configuration after the FlagSet was parsed,
// validated (without opening anything).
func (f *Flags) CCR() (backend.Config, error) {
	if err := f.ccr.Validate(); err != nil {
		return backend.Config{}, err
	}
	return *f.ccr, nil
}

// PrintUsage writes the help text: every proxy flag with its argument,
// environment variable and default, then the FlagSet's other flags.
func (f *Flags) PrintUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s --upstream URL [flags]\n\n", f.fs.Name())
	fmt.Fprintf(w, "Flags (a flag given here beats its environment variable, which beats the default):\n")
	known := make(map[string]bool, len(f.specs))
	for _, s := range f.specs {
		known[s.name] = true
		head := "  --" + s.name
		switch {
		case strings.HasPrefix(s.arg, "["):
			head += s.arg // boolean: the value must be attached with =
		case s.arg != "":
			head += " " + s.arg
		}
		fmt.Fprintf(w, "%s\n        %s\n", head, s.usage)
		var meta []string
		if s.env != "" {
			meta = append(meta, "env "+s.env)
		}
		meta = append(meta, "default "+s.def)
		fmt.Fprintf(w, "        (%s)\n", strings.Join(meta, ", "))
	}
	fmt.Fprintf(w, "\nCCR store (where compressed originals are kept for retrieval; opened with --compression):\n")
	f.fs.VisitAll(func(fl *flag.Flag) {
		if !known[fl.Name] && strings.HasPrefix(fl.Name, "ccr-") {
			known[fl.Name] = true
			fmt.Fprintf(w, "  --%s\n        %s\n", fl.Name, fl.Usage)
		}
	})
	first := true
	f.fs.VisitAll(func(fl *flag.Flag) {
		if !known[fl.Name] {
			if first {
				fmt.Fprintf(w, "\nOther flags:\n")
				first = false
			}
			fmt.Fprintf(w, "  --%s\n        %s\n", fl.Name, fl.Usage)
		}
	})
	fmt.Fprintf(w, "\nSizes: 100MB (decimal), 512KiB, 1GiB (binary) or plain bytes. Durations: 600s, 10m, 1h30m or plain seconds.\n"+
		"Booleans: 1/0, true/false, yes/no, on/off.\n")
}

// flag.Value implementations. Each validates in Set so a bad value is
// rejected by name, whether it came from a flag or the environment.

type listenValue struct{ p *string }

func (v *listenValue) String() string { return deref(v.p) }
func (v *listenValue) Set(s string) error {
	if err := proxy.ValidateListen(s); err != nil {
		return err
	}
	*v.p = s
	return nil
}

type upstreamValue struct{ p *string }

func (v *upstreamValue) String() string { return deref(v.p) }
func (v *upstreamValue) Set(s string) error {
	if _, err := proxy.ParseUpstream(s); err != nil {
		return err
	}
	*v.p = s
	return nil
}

type durationValue struct{ p *time.Duration }

func (v *durationValue) String() string {
	if v.p == nil {
		return ""
	}
	return v.p.String()
}
func (v *durationValue) Set(s string) error {
	d, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*v.p = d
	return nil
}

type byteSizeValue struct{ p *int64 }

func (v *byteSizeValue) String() string {
	if v.p == nil {
		return ""
	}
	return fmt.Sprint(*v.p)
}
func (v *byteSizeValue) Set(s string) error {
	n, err := ParseByteSize(s)
	if err != nil {
		return err
	}
	*v.p = n
	return nil
}

type levelValue struct{ p *slog.Level }

func (v *levelValue) String() string {
	if v.p == nil {
		return ""
	}
	return strings.ToLower(v.p.String())
}
func (v *levelValue) Set(s string) error {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		*v.p = slog.LevelDebug
	case "info":
		*v.p = slog.LevelInfo
	case "warn", "warning":
		*v.p = slog.LevelWarn
	case "error":
		*v.p = slog.LevelError
	default:
		return fmt.Errorf("log level %q: want debug, info, warn or error", s)
	}
	return nil
}

// boolValue is a boolean flag: bare --flag means true, --flag=VALUE takes
// any spelling ParseBool accepts.
type boolValue struct{ p *bool }

func (v *boolValue) IsBoolFlag() bool { return true }
func (v *boolValue) String() string {
	if v.p == nil {
		return ""
	}
	return fmt.Sprint(*v.p)
}
func (v *boolValue) Set(s string) error {
	b, err := ParseBool(s)
	if err != nil {
		return err
	}
	*v.p = b
	return nil
}

// offValue is a boolean flag bound to a Config field that is true when
// the feature is off, so the zero Config keeps the feature on.
type offValue struct{ off *bool }

func (v *offValue) IsBoolFlag() bool { return true }
func (v *offValue) String() string   { return fmt.Sprint(v.off == nil || !*v.off) }
func (v *offValue) Set(s string) error {
	b, err := ParseBool(s)
	if err != nil {
		return err
	}
	*v.off = !b
	return nil
}

// disabledValue maps enabled|disabled onto a Config field that is true when
// the feature is off, so the zero Config keeps every feature enabled.
type disabledValue struct {
	disabled *bool
	name     string
}

func (v *disabledValue) String() string {
	if v.disabled != nil && *v.disabled {
		return "disabled"
	}
	return "enabled"
}
func (v *disabledValue) Set(s string) error {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "enabled":
		*v.disabled = false
	case "disabled":
		*v.disabled = true
	default:
		return fmt.Errorf("%s %q: want enabled or disabled", v.name, s)
	}
	return nil
}

// prefixListValue parses --retrieve-allow and --compress-allow (name):
// comma-separated CIDRs or bare IPs (a single host), plus the words
// loopback and any.
type prefixListValue struct {
	p    *[]netip.Prefix
	name string
}

func (v *prefixListValue) String() string {
	if v.p == nil || *v.p == nil {
		return "loopback"
	}
	parts := make([]string, len(*v.p))
	for i, p := range *v.p {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}

func (v *prefixListValue) Set(s string) error {
	var out []netip.Prefix
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		switch strings.ToLower(part) {
		case "":
			continue
		case "loopback":
			out = append(out, netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"))
			continue
		case "any":
			out = append(out, netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0"))
			continue
		}
		if strings.Contains(part, "/") {
			p, err := netip.ParsePrefix(part)
			if err != nil {
				return fmt.Errorf("%s %q: %w", v.name, part, err)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return fmt.Errorf("%s %q: want a CIDR, an IP, loopback or any", v.name, part)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	if len(out) == 0 {
		return fmt.Errorf("%s %q: no network given (use loopback for the default)", v.name, s)
	}
	*v.p = out
	return nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
