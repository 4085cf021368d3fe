package proxy

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestObserversLogButNeverChangeBytes: the volatile-content detector, the
// drift detector and the CacheAligner check only log and count.
func TestObserversLogButNeverChangeBytes(t *testing.T) {
	up := startRecorder(t, nil)
	p := startProxy(t, Config{Upstream: up.URL, Compression: true})
	const token = "Bearer sk-ant-oat01-SECRETSECRET"
	auth := http.Header{"Authorization": {token}}
	first := []byte(`{"model":"claude-sonnet-4-5","max_tokens":8,"system":"Now: 2026-05-04T14:30:00Z. Session 3f2b8c1e-9d4a-4b6e-8f1a-2c3d4e5f6a7b.","messages":[{"role":"user","content":"hi"}]}`)
	second := bytes.Replace(first, []byte("Now:"), []byte("Time:"), 1)
	for _, body := range [][]byte{first, second} {
		postJSON(t, p, pathAnthropicMessages, body, auth)
		if got, _ := up.last(t); !bytes.Equal(got, body) {
			t.Fatalf("observed body changed:\n%s\n%s", body, got)
		}
	}
	var kinds []string
	for _, r := range p.logs.records(t, "volatile content in cached prefix") {
		if r["event"] != "volatile_content_detected" || r["location"] != "system" || r["level"] != "WARN" {
			t.Errorf("volatile line %v", r)
		}
		kinds = append(kinds, r["kind"].(string))
	}
	if !strings.Contains(strings.Join(kinds, ","), "iso8601_timestamp") || !strings.Contains(strings.Join(kinds, ","), "uuid_v4") {
		t.Errorf("volatile kinds %v, want a timestamp and a UUID", kinds)
	}
	if r := p.logs.records(t, "cache drift: first request"); len(r) != 1 || r[0]["event"] != "cache_drift_first_request" {
		t.Errorf("first-request lines %v", r)
	}
	drift := p.logs.records(t, "cache drift observed")
	if len(drift) != 1 || drift[0]["event"] != "cache_drift_observed" || drift[0]["drift_dims"] != "system" {
		t.Errorf("drift lines %v", drift)
	}
	aligner := 0
	for _, line := range strings.Split(p.logs.String(), "\n") {
		if strings.Contains(line, `"event":"cache_aligner_volatile_content"`) {
			aligner++
		}
	}
	if aligner != 2 {
		t.Errorf("%d CacheAligner warnings, want one per request", aligner)
	}
	if strings.Contains(p.logs.String(), "SECRETSECRET") {
		t.Error("a credential reached the log")
	}
	samples, _ := scrape(t, p)
	if samples["proxy_cache_drift_observed_total"] != 1 || samples[`proxy_volatile_content_findings_total{kind="uuid_v4"}`] != 2 ||
		samples["proxy_cache_aligner_findings_total"] == 0 {
		t.Errorf("observer metrics: drift %v, uuid %v, aligner %v", samples["proxy_cache_drift_observed_total"],
			samples[`proxy_volatile_content_findings_total{kind="uuid_v4"}`], samples["proxy_cache_aligner_findings_total"])
	}
}

// TestCacheStabilisationOnlyForPayg: E1 (tool sort) and E3 (cache_control
// on the last tool) rewrite payg requests only; OAuth and subscription
// clients' bytes are forwarded as sent.
func TestCacheStabilisationOnlyForPayg(t *testing.T) {
	up := startRecorder(t, nil)
	p := startProxy(t, Config{Upstream: up.URL, Compression: true})
	body := []byte(`{"model":"claude-sonnet-4-5","max_tokens":8,"tools":[` +
		`{"name":"zebra","input_schema":{"type":"object"}},{"name":"apple","input_schema":{"type":"object"}},{"name":"mango","input_schema":{"type":"object"}}],` +
		`"messages":[{"role":"user","content":"hi"}]}`)
	postJSON(t, p, pathAnthropicMessages, body, paygAnthropic)
	got, _ := up.last(t)
	var sent struct {
		Tools []struct {
			Name         string          `json:"name"`
			CacheControl json.RawMessage `json:"cache_control"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(got, &sent); err != nil {
		t.Fatal(err)
	}
	if len(sent.Tools) != 3 || sent.Tools[0].Name != "apple" || sent.Tools[1].Name != "mango" || sent.Tools[2].Name != "zebra" ||
		string(sent.Tools[2].CacheControl) != `{"type":"ephemeral"}` || sent.Tools[0].CacheControl != nil {
		t.Errorf("payg tools as sent upstream: %s", got)
	}
	if r := p.logs.records(t, "cache stabilization"); len(r) < 2 {
		t.Errorf("no e1/e3 log lines: %v", r)
	}
	for name, h := range map[string]http.Header{
		"oauth":        oauthAnthropic,
		"subscription": {"User-Agent": {"claude-code/1.0.0"}, "X-Api-Key": {"sk-ant-api03-x"}},
	} {
		postJSON(t, p, pathAnthropicMessages, body, h)
		if got, _ := up.last(t); !bytes.Equal(got, body) {
			t.Errorf("%s request was rewritten: %s", name, got)
		}
	}
}

func TestPromptCacheKeyForPaygOpenAIOnly(t *testing.T) {
	up := startRecorder(t, nil)
	p := startProxy(t, Config{Upstream: up.URL, Compression: true})
	hex32 := regexp.MustCompile(`"prompt_cache_key":"[0-9a-f]{32}"}$`)
	for _, tc := range []struct{ path, body string }{
		{pathChatCompletions, `{"model":"gpt-4o","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]}`},
		{pathResponses, `{"model":"gpt-4o","instructions":"be brief","input":[{"role":"user","content":"hi"}]}`},
	} {
		postJSON(t, p, tc.path, []byte(tc.body), paygOpenAI)
		got, _ := up.last(t)
		if !hex32.Match(got) || !bytes.HasPrefix(got, []byte(tc.body[:len(tc.body)-1])) {
			t.Errorf("%s payg: %s", tc.path, got)
		}
		key := hex32.Find(got)
		postJSON(t, p, tc.path, []byte(tc.body), paygOpenAI)
		if again, _ := up.last(t); !bytes.Equal(hex32.Find(again), key) {
			t.Errorf("%s: key not stable across identical requests", tc.path)
		}
		withKey := tc.body[:len(tc.body)-1] + `,"prompt_cache_key":"mine"}`
		postJSON(t, p, tc.path, []byte(withKey), paygOpenAI)
		if got, _ := up.last(t); string(got) != withKey {
			t.Errorf("%s: the client's key was replaced: %s", tc.path, got)
		}
		for _, h := range []http.Header{oauthOpenAI, {"User-Agent": {"codex-cli/1.0.0"}, "Authorization": {"Bearer sk-x"}}} {
			postJSON(t, p, tc.path, []byte(tc.body), h)
			if got, _ := up.last(t); string(got) != tc.body {
				t.Errorf("%s non-payg: %s", tc.path, got)
			}
		}
	}
}

// TestPolicyEnforcementSwitchKeepsAuthGating: disabling the policy
// enforcement changes the resolved policy, never who gets rewritten.
func TestPolicyEnforcementSwitchKeepsAuthGating(t *testing.T) {
	up := startRecorder(t, nil)
	p := startProxy(t, Config{Upstream: up.URL, Compression: true, AuthModePolicyEnforcementDisabled: true})
	body := `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}`
	postJSON(t, p, pathChatCompletions, []byte(body), oauthOpenAI)
	if got, _ := up.last(t); string(got) != body {
		t.Errorf("oauth request rewritten with enforcement disabled: %s", got)
	}
	pol := p.logs.records(t, "compression policy")
	if len(pol) != 1 || pol[0]["auth_mode"] != "oauth" || pol[0]["enforcement"] != false || pol[0]["cache_aligner_enabled"] != true {
		t.Errorf("policy line %v", pol)
	}
}

// TestAutoFrozenDisabledCompressesBelowMarkers: with the floor off, a
// latest user message that carries a cache_control marker is compressed.
func TestAutoFrozenDisabledCompressesBelowMarkers(t *testing.T) {
	body := []byte(`{"model":"claude-sonnet-4-5","max_tokens":8,"messages":[{"role":"user","content":[` +
		`{"type":"text","text":"look","cache_control":{"type":"ephemeral"}},` + bigToolResult("t") + `]}]}`)
	for _, disabled := range []bool{false, true} {
		up := startRecorder(t, nil)
		p := startProxy(t, Config{Upstream: up.URL, Compression: true, CacheControlAutoFrozenDisabled: disabled})
		postJSON(t, p, pathAnthropicMessages, body, oauthAnthropic)
		got, _ := up.last(t)
		if compressed := len(got) < len(body); compressed != disabled {
			t.Errorf("auto-frozen disabled=%v: compressed=%v", disabled, compressed)
		}
	}
}
