package proxy

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNewRejectsInvalidConfig(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"missing upstream", Config{}, "upstream URL is required"},
		{"bad scheme", Config{Upstream: "ftp://host"}, `scheme "ftp" not supported`},
		{"relative", Config{Upstream: "/v1"}, "not an absolute URL"},
		{"host only", Config{Upstream: "localhost:8080"}, "not an absolute URL"},
		{"no host", Config{Upstream: "http://"}, "missing host"},
		{"query", Config{Upstream: "http://h/api?x=1"}, "must not contain a query"},
		{"user info", Config{Upstream: "http://u:p@h"}, "user info"},
		{"bad port", Config{Upstream: "http://h:99999"}, "invalid port"},
		{"listen host name", Config{Upstream: "http://h", Listen: "localhost:8787"}, "host must be an IP address"},
		{"listen no port", Config{Upstream: "http://h", Listen: "127.0.0.1"}, "listen address"},
		{"negative timeout", Config{Upstream: "http://h", UpstreamTimeout: -time.Second}, "upstream timeout -1s: must not be negative"},
		{"negative body", Config{Upstream: "http://h", MaxBodyBytes: -1}, "max body bytes -1"},
	} {
		_, err := New(tc.cfg, nil)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.wantErr)
		}
	}
	for _, raw := range []string{"http://u:s3cret@h", "ftp://u:s3cret@h", "http://u:s3cret@h:99999", "http://u:s3cret@h:x/", "http://u:s3cret@h/?q"} {
		if _, err := New(Config{Upstream: raw}, nil); err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: error %v, want one without the password", raw, err)
		}
	}
	if _, err := New(Config{}, nil); !errors.Is(err, ErrNoUpstream) {
		t.Errorf("missing upstream: %v does not wrap ErrNoUpstream", err)
	}
}

func TestNewAppliesDefaultsAndAcceptsWebSocketSchemes(t *testing.T) {
	for raw, want := range map[string]string{
		"http://127.0.0.1:8788":      "http://127.0.0.1:8788",
		"https://api.example.com/v1": "https://api.example.com/v1",
		"ws://127.0.0.1:9":           "http://127.0.0.1:9",
		"wss://h.example":            "https://h.example",
		"HTTP://h.example":           "http://h.example",
	} {
		s, err := New(Config{Upstream: raw}, nil)
		if err != nil {
			t.Errorf("%s: %v", raw, err)
			continue
		}
		if s.upstream.String() != want {
			t.Errorf("%s: forwards to %s, want %s", raw, s.upstream, want)
		}
		c := s.Config()
		if c.UpstreamTimeout != DefaultUpstreamTimeout || c.MaxBodyBytes != DefaultMaxBodyBytes ||
			c.Listen != DefaultListen || c.GracefulShutdownTimeout != DefaultGracefulShutdownTimeout ||
			c.HealthProbeTimeout != DefaultHealthProbeTimeout {
			t.Errorf("%s: defaults not applied: %+v", raw, c)
		}
		if s.transport.ResponseHeaderTimeout != DefaultUpstreamTimeout || !s.transport.DisableCompression {
			t.Errorf("%s: transport not configured from the config", raw)
		}
	}
}
