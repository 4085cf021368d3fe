package proxyflags

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/headroom-go/headroom/proxy"
)

// parse binds a fresh FlagSet, parses args and resolves with env.
func parse(t *testing.T, args []string, env map[string]string) (proxy.Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("headroom-proxy", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f, err := Bind(fs, func(k string) string { return env[k] })
	if err != nil {
		return proxy.Config{}, err
	}
	if err := fs.Parse(args); err != nil {
		return proxy.Config{}, err
	}
	return f.Config()
}

func TestDefaults(t *testing.T) {
	cfg, err := parse(t, []string{"--upstream", "http://127.0.0.1:8788"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := proxy.Config{
		Upstream:                "http://127.0.0.1:8788",
		Listen:                  "0.0.0.0:8787",
		UpstreamTimeout:         600 * time.Second,
		UpstreamConnectTimeout:  10 * time.Second,
		MaxBodyBytes:            100_000_000,
		LogLevel:                slog.LevelInfo,
		GracefulShutdownTimeout: 30 * time.Second,
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("defaults\n got %+v\nwant %+v", cfg, want)
	}
}

func TestFlagBeatsEnvBeatsDefault(t *testing.T) {
	env := map[string]string{
		EnvUpstream:                "http://env-upstream:1",
		EnvListen:                  "127.0.0.1:9000",
		EnvUpstreamTimeout:         "90",
		EnvUpstreamConnectTimeout:  "2s",
		EnvMaxBodyBytes:            "1GiB",
		EnvLogLevel:                "DEBUG",
		EnvRewriteHost:             "no",
		EnvGracefulShutdownTimeout: "1m 30s",
		EnvStripInternalHeaders:    "disabled",
		EnvCompression:             "on",
	}
	cfg, err := parse(t, nil, env)
	if err != nil {
		t.Fatal(err)
	}
	want := proxy.Config{
		Upstream: "http://env-upstream:1", Listen: "127.0.0.1:9000",
		UpstreamTimeout: 90 * time.Second, UpstreamConnectTimeout: 2 * time.Second,
		MaxBodyBytes: 1 << 30, LogLevel: slog.LevelDebug, PreserveHost: true,
		GracefulShutdownTimeout: 90 * time.Second, ForwardInternalHeaders: true, Compression: true,
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("from env\n got %+v\nwant %+v", cfg, want)
	}

	cfg, err = parse(t, []string{
		"--upstream=https://flag-upstream", "--listen", ":8080", "--upstream-timeout", "5m",
		"--max-body-bytes", "512KiB", "--log-level", "warn", "--rewrite-host=true",
		"--strip-internal-headers", "enabled", "--compression=false",
	}, env)
	if err != nil {
		t.Fatal(err)
	}
	want = proxy.Config{
		Upstream: "https://flag-upstream", Listen: ":8080",
		UpstreamTimeout: 5 * time.Minute, UpstreamConnectTimeout: 2 * time.Second,
		MaxBodyBytes: 512 << 10, LogLevel: slog.LevelWarn,
		GracefulShutdownTimeout: 90 * time.Second,
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("flags over env\n got %+v\nwant %+v", cfg, want)
	}
}

func TestNoRewriteHostWins(t *testing.T) {
	cfg, err := parse(t, []string{"--upstream", "http://h", "--rewrite-host=true", "--no-rewrite-host"}, nil)
	if err != nil || !cfg.PreserveHost {
		t.Errorf("--no-rewrite-host: PreserveHost %v, err %v", cfg.PreserveHost, err)
	}
}

func TestConfigErrorsNameTheirSource(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{"missing upstream", nil, nil, "--upstream (or HEADROOM_PROXY_UPSTREAM) is required"},
		{"bad scheme flag", []string{"--upstream", "ftp://x"}, nil, `scheme "ftp" not supported`},
		{"bad scheme env", nil, map[string]string{EnvUpstream: "file:///etc"}, `HEADROOM_PROXY_UPSTREAM="file:///etc"`},
		{"bad size", []string{"--upstream", "http://h", "--max-body-bytes", "10XB"}, nil, `unknown unit "XB"`},
		{"bad size env", []string{"--upstream", "http://h"}, map[string]string{EnvMaxBodyBytes: "-5"}, "HEADROOM_PROXY_MAX_BODY_BYTES"},
		{"bad duration", []string{"--upstream", "http://h", "--upstream-timeout", "soon"}, nil, `duration "soon"`},
		{"zero duration", []string{"--upstream", "http://h", "--upstream-timeout", "0"}, nil, "must be positive"},
		{"bad bool env", []string{"--upstream", "http://h"}, map[string]string{EnvCompression: "maybe"}, `HEADROOM_PROXY_COMPRESSION="maybe"`},
		{"bad strip", []string{"--upstream", "http://h", "--strip-internal-headers", "off"}, nil, "want enabled or disabled"},
		{"bad level", []string{"--upstream", "http://h", "--log-level", "verbose"}, nil, `log level "verbose"`},
		{"bad listen", []string{"--upstream", "http://h", "--listen", "example.com:80"}, nil, "host must be an IP address"},
	} {
		_, err := parse(t, tc.args, tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.wantErr)
		}
	}
	if _, err := parse(t, nil, nil); !errors.Is(err, proxy.ErrNoUpstream) {
		t.Errorf("missing upstream does not wrap proxy.ErrNoUpstream: %v", err)
	}
}

func TestBoolSpellings(t *testing.T) {
	for in, want := range map[string]bool{
		"1": true, "true": true, "TRUE": true, "yes": true, "On": true,
		"0": false, "false": false, "no": false, "OFF": false,
	} {
		cfg, err := parse(t, []string{"--upstream", "http://h"}, map[string]string{EnvCompression: in})
		if err != nil || cfg.Compression != want {
			t.Errorf("%s=%q: Compression %v, err %v; want %v", EnvCompression, in, cfg.Compression, err, want)
		}
	}
}

func TestParseByteSize(t *testing.T) {
	for in, want := range map[string]int64{
		"1":       1,
		"100MB":   100_000_000,
		"100mb":   100_000_000,
		"100 MB":  100_000_000,
		"1GiB":    1 << 30,
		"512KiB":  512 << 10,
		"2KB":     2000,
		"7B":      7,
		"1TiB":    1 << 40,
		" 42 ":    42,
		"8388608": 8 << 20,
	} {
		got, err := ParseByteSize(in)
		if err != nil || got != want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MB", "-1", "0", "0MB", "1.5GB", "10XB", "1 G", "99999999999999999999", "9223372036854775807KiB"} {
		if got, err := ParseByteSize(in); err == nil {
			t.Errorf("ParseByteSize(%q) = %d, want an error", in, got)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"600":    600 * time.Second,
		"600s":   600 * time.Second,
		"10m":    10 * time.Minute,
		"1h30m":  90 * time.Minute,
		"1h 30m": 90 * time.Minute,
		"500ms":  500 * time.Millisecond,
	} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-5s", "ten", "5 parsecs", "99999999999999999"} {
		if got, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, got)
		}
	}
}

func TestUsageListsEveryFlagWithEnvAndDefault(t *testing.T) {
	fs := flag.NewFlagSet("headroom-proxy", flag.ContinueOnError)
	f, err := Bind(fs, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	f.PrintUsage(&buf)
	help := buf.String()
	fs.VisitAll(func(fl *flag.Flag) {
		if !strings.Contains(help, "--"+fl.Name) {
			t.Errorf("help does not list --%s", fl.Name)
		}
	})
	for _, s := range f.specs {
		if s.env != "" && !strings.Contains(help, "env "+s.env+", default "+s.def) {
			t.Errorf("help does not give env and default for --%s", s.name)
		}
	}
}

func TestCompressionFlags(t *testing.T) {
	env := map[string]string{
		EnvCompressionMaxBodyBytes: "2MB",
		EnvCacheControlAutoFrozen:  "disabled",
		EnvAuthModePolicy:          "DISABLED",
		EnvRetrieveAllow:           "10.0.0.0/8, 192.168.1.7",
	}
	cfg, err := parse(t, []string{"--upstream", "http://h"}, env)
	if err != nil {
		t.Fatal(err)
	}
	wantAllow := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32")}
	if cfg.CompressionMaxBodyBytes != 2_000_000 || !cfg.CacheControlAutoFrozenDisabled ||
		!cfg.AuthModePolicyEnforcementDisabled || !reflect.DeepEqual(cfg.RetrieveAllow, wantAllow) {
		t.Errorf("from env: %+v", cfg)
	}

	cfg, err = parse(t, []string{"--upstream", "http://h", "--compression-max-body-bytes", "1KiB",
		"--cache-control-auto-frozen", "enabled", "--auth-mode-policy-enforcement=enabled",
		"--retrieve-allow", "loopback,::ffff:10.1.2.3"}, env)
	if err != nil {
		t.Fatal(err)
	}
	wantAllow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("10.1.2.3/32")}
	if cfg.CompressionMaxBodyBytes != 1024 || cfg.CacheControlAutoFrozenDisabled ||
		cfg.AuthModePolicyEnforcementDisabled || !reflect.DeepEqual(cfg.RetrieveAllow, wantAllow) {
		t.Errorf("flags over env: %+v", cfg)
	}

	cfg, err = parse(t, []string{"--upstream", "http://h", "--retrieve-allow", "any"}, nil)
	if err != nil || len(cfg.RetrieveAllow) != 2 || cfg.RetrieveAllow[0].Bits() != 0 || cfg.RetrieveAllow[1].Bits() != 0 {
		t.Errorf("--retrieve-allow any: %v, %v", cfg.RetrieveAllow, err)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--cache-control-auto-frozen", "off"}, "cache-control-auto-frozen \"off\": want enabled or disabled"},
		{[]string{"--auth-mode-policy-enforcement", "yes"}, "auth-mode-policy-enforcement \"yes\""},
		{[]string{"--retrieve-allow", "10.0.0.0/33"}, "retrieve-allow"},
		{[]string{"--retrieve-allow", "example.com"}, "want a CIDR, an IP, loopback or any"},
		{[]string{"--retrieve-allow", " , "}, "no network given"},
		{[]string{"--compression-max-body-bytes", "0"}, "byte size"},
	} {
		if _, err := parse(t, append([]string{"--upstream", "http://h"}, tc.args...), nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want it to contain %q", tc.args, err, tc.want)
		}
	}
}

func TestCCRFlagsAreBoundWithTheirEnvironment(t *testing.T) {
	fs := flag.NewFlagSet("headroom-proxy", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f, err := Bind(fs, func(k string) string {
		return map[string]string{"HEADROOM_CCR_BACKEND": "memory", "HEADROOM_CCR_TTL_SECONDS": "60"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.Parse([]string{"--upstream", "http://h", "--ccr-ttl", "2m"}); err != nil {
		t.Fatal(err)
	}
	c, err := f.CCR()
	if err != nil || c.Backend != "memory" || c.TTL != 2*time.Minute {
		t.Errorf("CCR() = %+v, %v; want memory backend from env, TTL 2m from the flag", c, err)
	}
	if _, err := Bind(flag.NewFlagSet("x", flag.ContinueOnError), func(k string) string {
		if k == "HEADROOM_CCR_BACKEND" {
			return "floppy"
		}
		return ""
	}); err == nil || !strings.Contains(err.Error(), "floppy") {
		t.Errorf("bad HEADROOM_CCR_BACKEND: error %v", err)
	}
}
