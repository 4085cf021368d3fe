package proxyflags

import (
	"bytes"
	"flag"
	"io"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// TestCompressAllow: --compress-allow takes what --retrieve-allow takes,
// from the flag or HEADROOM_PROXY_COMPRESS_ALLOW; the reference's
// HEADROOM_COMPRESS_ALLOW_REMOTE=true means any unless either is given;
// unset, the proxy's loopback default applies.
func TestCompressAllow(t *testing.T) {
	anyNet := []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}
	lan := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	up := []string{"--upstream", "http://h"}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want []netip.Prefix
	}{
		{"unset", nil, nil, nil},
		{"flag", []string{"--compress-allow", "10.1.2.3/8"}, nil, lan},
		{"env", nil, map[string]string{EnvCompressAllow: "10.0.0.0/8"}, lan},
		{"remote true", nil, map[string]string{EnvCompressAllowRemote: "true"}, anyNet},
		{"remote 1", nil, map[string]string{EnvCompressAllowRemote: "1"}, anyNet},
		{"remote false", nil, map[string]string{EnvCompressAllowRemote: "false"}, nil},
		{"flag beats remote", []string{"--compress-allow", "10.0.0.0/8"}, map[string]string{EnvCompressAllowRemote: "true"}, lan},
		{"env beats remote", nil, map[string]string{EnvCompressAllow: "10.0.0.0/8", EnvCompressAllowRemote: "true"}, lan},
	} {
		cfg, err := parse(t, append(append([]string(nil), up...), tc.args...), tc.env)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(cfg.CompressAllow, tc.want) {
			t.Errorf("%s: CompressAllow %v, want %v", tc.name, cfg.CompressAllow, tc.want)
		}
		if cfg.RetrieveAllow != nil {
			t.Errorf("%s: RetrieveAllow changed to %v", tc.name, cfg.RetrieveAllow)
		}
	}
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--compress-allow", "example.com"}, nil, `compress-allow "example.com": want a CIDR`},
		{[]string{"--compress-allow", ","}, nil, "compress-allow"},
		{nil, map[string]string{EnvCompressAllow: "300.1.1.1"}, EnvCompressAllow},
		{nil, map[string]string{EnvCompressAllowRemote: "perhaps"}, EnvCompressAllowRemote + `="perhaps"`},
	} {
		_, err := parse(t, append(append([]string(nil), up...), tc.args...), tc.env)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: error %v, want it to mention %q", tc.args, tc.env, err, tc.want)
		}
	}
}

func TestUsageDescribesCompressAllow(t *testing.T) {
	fs := flag.NewFlagSet("headroom-proxy", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f, err := Bind(fs, nil)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	f.PrintUsage(&b)
	for _, want := range []string{"--compress-allow NETS", "POST /v1/compress", EnvCompressAllow, EnvCompressAllowRemote + "=true"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}
