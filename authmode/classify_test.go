package authmode

import (
	"net/http"
	"strings"
	"testing"
)

// hdr builds a real net/http header set: the type the proxy will pass.
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		h    http.Header
		want Mode
	}{
		{"no headers", hdr(), Payg},
		{"user agent only", hdr("User-Agent", "python-requests/2.31"), Payg},
		{"x-api-key", hdr("x-api-key", "sk-ant-api03-abc"), Payg},
		{"x-api-key empty value", hdr("X-Api-Key", ""), Payg},
		{"x-goog-api-key", hdr("x-goog-api-key", "AIza123"), Payg},
		{"bearer sk-ant-api", hdr("Authorization", "Bearer sk-ant-api03-xyz"), Payg},
		{"bearer openai sk-", hdr("Authorization", "Bearer sk-proj-abc"), Payg},
		{"bearer bare sk-", hdr("Authorization", "Bearer sk-"), Payg},
		{"bearer sk-ant-oat01", hdr("Authorization", "Bearer sk-ant-oat01-abc"), OAuth},
		{"bearer sk-ant-oat synthetic", hdr("Authorization", "Bearer sk-ant-oat-01-abc"), OAuth},
		{"bearer jwt", hdr("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"), OAuth},
		{"bearer two dots empty segments", hdr("Authorization", "Bearer .."), OAuth},
		{"bearer one dot falls through", hdr("Authorization", "Bearer abc.def"), Payg},
		{"bearer unknown token falls through to default", hdr("Authorization", "Bearer opaque-token"), Payg},
		{"bearer unknown then x-api-key", hdr("Authorization", "Bearer opaque", "X-Api-Key", "k"), Payg},
		{"bearer empty token", hdr("Authorization", "Bearer "), Payg},
		{"jwt beats x-api-key", hdr("Authorization", "Bearer a.b.c", "X-Api-Key", "k"), OAuth},
		{"lowercase bearer is another scheme", hdr("Authorization", "bearer sk-ant-api03"), OAuth},
		{"bearer without space", hdr("Authorization", "Bearersk-abc"), OAuth},
		{"bearer two spaces", hdr("Authorization", "Bearer  sk-abc"), Payg}, // token " sk-abc": no prefix, no dots
		{"sigv4", hdr("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/bedrock/aws4_request"), OAuth},
		{"basic", hdr("Authorization", "Basic dXNlcjpwYXNz"), OAuth},
		{"non-bearer beats x-api-key", hdr("Authorization", "Basic x", "X-Api-Key", "k"), OAuth},
		{"empty authorization", hdr("Authorization", ""), Payg},
		{"claude-cli", hdr("User-Agent", "claude-cli/1.0.0 (external, cli)"), Subscription},
		{"claude-code", hdr("User-Agent", "claude-code/1.0.0"), Subscription},
		{"codex-cli", hdr("User-Agent", "codex-cli/1.0.0"), Subscription},
		{"cursor", hdr("User-Agent", "Cursor/0.42"), Subscription},
		{"claude-vscode", hdr("User-Agent", "claude-vscode/2.1"), Subscription},
		{"github-copilot", hdr("User-Agent", "GitHub-Copilot/1.200"), Subscription},
		{"anthropic-cli", hdr("User-Agent", "anthropic-cli/0.1"), Subscription},
		{"antigravity", hdr("User-Agent", "antigravity/1.0"), Subscription},
		{"fragment in the middle", hdr("User-Agent", "node-fetch/1.0 CLAUDE-CODE/2.0 extra"), Subscription},
		{"fragment needs the slash", hdr("User-Agent", "claude-code 1.0"), Payg},
		{"subscription beats oauth token", hdr("User-Agent", "claude-code/1.0", "Authorization", "Bearer sk-ant-oat01-x"), Subscription},
		{"subscription beats api key", hdr("User-Agent", "codex-cli/1.0", "Authorization", "Bearer sk-abc"), Subscription},
		{"subscription beats sigv4", hdr("User-Agent", "cursor/1", "Authorization", "AWS4-HMAC-SHA256 x"), Subscription},
		{"only first user agent counts", hdr("User-Agent", "curl/8", "User-Agent", "claude-code/1"), Payg},
		{"only first authorization counts", hdr("Authorization", "Bearer sk-a", "Authorization", "Basic b"), Payg},
		{"non-ascii user agent is ignored", hdr("User-Agent", "claude-code/1.0 \u00e9"), Payg},
		{"non-ascii ua then oauth token", hdr("User-Agent", "claude-code/1.0 \u00e9", "Authorization", "Bearer sk-ant-oat01"), OAuth},
		{"non-ascii authorization is ignored", hdr("Authorization", "Basic \xff"), Payg},
		{"tab is readable", hdr("Authorization", "Basic\tx"), OAuth},
		{"control byte is not", hdr("Authorization", "Basic \x01"), Payg},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Classify(tc.h)
			if got.Mode != tc.want {
				t.Fatalf("Classify(%v) = %v, want %v", tc.h, got.Mode, tc.want)
			}
		})
	}
}

func TestClassifyReportsUnreadableHeaders(t *testing.T) {
	r := Classify(hdr("User-Agent", "ua \xfe", "Authorization", "Bearer \x7f"))
	if !r.BadUserAgent || !r.BadAuthorization || r.Mode != Payg {
		t.Fatalf("got %+v, want both flags and payg", r)
	}
	r = Classify(hdr("User-Agent", "curl/8", "Authorization", "Bearer sk-x"))
	if r.BadUserAgent || r.BadAuthorization {
		t.Fatalf("readable headers flagged: %+v", r)
	}
}

func TestClassifyHeaderFunc(t *testing.T) {
	var asked []string
	f := HeaderFunc(func(name string) []string {
		asked = append(asked, name)
		if name == HeaderAuthorization {
			return []string{"Bearer sk-ant-oat01-x"}
		}
		return nil
	})
	if got := Classify(f).Mode; got != OAuth {
		t.Fatalf("got %v", got)
	}
	if strings.Join(asked, ",") != "User-Agent,Authorization" {
		t.Fatalf("asked for %v", asked)
	}
}

func TestClassifyDoesNotAllocate(t *testing.T) {
	h := hdr("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) SomeAgent/1.2.3", "Authorization", "Bearer eyJ.eyJ.sig")
	if n := testing.AllocsPerRun(100, func() { Classify(h) }); n != 0 {
		t.Fatalf("Classify allocates %v times", n)
	}
}

func TestModeStrings(t *testing.T) {
	for _, m := range []Mode{Payg, OAuth, Subscription} {
		got, err := ParseMode(m.String())
		if err != nil || got != m {
			t.Fatalf("ParseMode(%q) = %v, %v", m.String(), got, err)
		}
	}
	if Payg.String() != "payg" || OAuth.String() != "oauth" || Subscription.String() != "subscription" {
		t.Fatal("wire strings changed")
	}
	if _, err := ParseMode("PAYG"); err == nil {
		t.Fatal("ParseMode accepted a non-wire form")
	}
	if Mode(9).String() != "Mode(9)" {
		t.Fatalf("got %q", Mode(9).String())
	}
}

// referenceClassify restates the rules with plain allocating string
// functions; FuzzClassify pins the allocation-free Classify to it.
// An API key header never changes the outcome: every rule after the
// Authorization ones yields Payg, so the key is not a parameter.
func referenceClassify(ua, auth string) Mode {
	if !VisibleASCII(ua) {
		ua = ""
	}
	if !VisibleASCII(auth) {
		auth = ""
	}
	low := strings.ToLower(ua)
	for _, f := range subscriptionAgents {
		if strings.Contains(low, f) {
			return Subscription
		}
	}
	if tok, ok := strings.CutPrefix(auth, "Bearer "); ok {
		switch {
		case strings.HasPrefix(tok, "sk-ant-oat"):
			return OAuth
		case strings.HasPrefix(tok, "sk-ant-api"), strings.HasPrefix(tok, "sk-"):
			return Payg
		case len(strings.Split(tok, ".")) >= 3:
			return OAuth
		}
	} else if auth != "" {
		return OAuth
	}
	return Payg
}

func FuzzClassify(f *testing.F) {
	f.Add("claude-code/1.0", "Bearer sk-ant-oat01-x", false)
	f.Add("CuRsOr/1", "", true)
	f.Add("curl/8", "Bearer a.b.c", false)
	f.Add("", "AWS4-HMAC-SHA256 x", false)
	f.Add("\xff", "Bearer sk-", true)
	f.Fuzz(func(t *testing.T, ua, auth string, apiKey bool) {
		h := http.Header{}
		h["User-Agent"] = []string{ua}
		h["Authorization"] = []string{auth}
		if apiKey {
			h["X-Api-Key"] = []string{"k"}
		}
		got := Classify(h)
		if want := referenceClassify(ua, auth); got.Mode != want {
			t.Fatalf("Classify(ua=%q, auth=%q) = %v, reference says %v", ua, auth, got.Mode, want)
		}
		if got.BadUserAgent == VisibleASCII(ua) {
			t.Fatalf("BadUserAgent=%v for %q", got.BadUserAgent, ua)
		}
	})
}
