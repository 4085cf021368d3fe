package observe

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/headroom-go/headroom/authmode"
	"github.com/headroom-go/headroom/cachestab"
	"github.com/headroom-go/headroom/internal/jsonx"
)

func sha(s string) [32]byte { return sha256.Sum256([]byte(s)) }

func hexPrefix(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:n])
}

// The fingerprint hashes hand-written compact JSON of each dimension.
func TestFingerprintOf(t *testing.T) {
	tests := []struct {
		name                 string
		ep                   cachestab.Endpoint
		body                 string
		system, tools, early string
	}{
		{
			name:   "anthropic",
			ep:     cachestab.Messages,
			body:   `{"system": [{"type":"text","text":"S"}], "tools":[{"name":"t"}], "messages":[{"role":"user","content":"1"},{"role":"assistant","content":"2"},{"role":"user","content":"3"},{"role":"user","content":"4"}]}`,
			system: `[{"type":"text","text":"S"}]`,
			tools:  `[{"name":"t"}]`,
			early:  `[{"role":"user","content":"1"},{"role":"assistant","content":"2"},{"role":"user","content":"3"}]`,
		},
		{
			name:   "anthropic absent fields",
			ep:     cachestab.Messages,
			body:   `{"model":"m"}`,
			system: `null`, tools: `null`, early: `null`,
		},
		{
			name:   "anthropic messages not an array",
			ep:     cachestab.Messages,
			body:   `{"messages":"x","system":"s"}`,
			system: `"s"`, tools: `null`, early: `null`,
		},
		{
			name:   "chat takes the whole system message and skips it in early messages",
			ep:     cachestab.ChatCompletions,
			body:   `{"messages":[{"role":"user","content":"u0"},{"role":"system","content":"S","name":"x"},{"content":"no role"},{"role":"system","content":"S2"},{"role":"assistant","content":"a"},{"role":"user","content":"late"}]}`,
			system: `{"role":"system","content":"S","name":"x"}`,
			tools:  `null`,
			early:  `[{"role":"user","content":"u0"},{"content":"no role"},{"role":"assistant","content":"a"}]`,
		},
		{
			name:   "responses",
			ep:     cachestab.Responses,
			body:   `{"instructions":"I","input":[{"role":"user","content":"x"}],"messages":[{"role":"user","content":"ignored"}],"tools":[]}`,
			system: `"I"`, tools: `[]`, early: `[{"role":"user","content":"x"}]`,
		},
		{
			name:   "responses string input",
			ep:     cachestab.Responses,
			body:   `{"input":"hello"}`,
			system: `null`, tools: `null`, early: `null`,
		},
		{
			name:   "numbers and escapes in compact form",
			ep:     cachestab.Messages,
			body:   `{"system":"a\/b \u00e9","tools":[{"x":1.0,"y":1E5}],"messages":[]}`,
			system: "\"a/b \u00e9\"", tools: `[{"x":1.0,"y":1e+5}]`, early: `[]`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := FingerprintOf(mustParse(t, tc.body), tc.ep)
			if got.System != sha(tc.system) {
				t.Errorf("system hash differs from sha256(%s)", tc.system)
			}
			if got.Tools != sha(tc.tools) {
				t.Errorf("tools hash differs from sha256(%s)", tc.tools)
			}
			if got.EarlyMessages != sha(tc.early) {
				t.Errorf("early hash differs from sha256(%s)", tc.early)
			}
		})
	}
}

func TestDimsString(t *testing.T) {
	for d, want := range map[Dims]string{
		0: "", DimSystem: "system", DimTools: "tools", DimEarlyMessages: "early_messages",
		DimSystem | DimTools: "system,tools", DimSystem | DimEarlyMessages: "system,early_messages",
		DimTools | DimEarlyMessages: "tools,early_messages", DimSystem | DimTools | DimEarlyMessages: "system,tools,early_messages",
	} {
		if d.String() != want {
			t.Errorf("%d: %q, want %q", d, d.String(), want)
		}
	}
}

func anthropicBody(system, tools string, msgs ...string) string {
	var ms []string
	for _, m := range msgs {
		ms = append(ms, `{"role":"user","content":"`+m+`"}`)
	}
	return `{"model":"claude","system":"` + system + `","tools":` + tools + `,"messages":[` + strings.Join(ms, ",") + `]}`
}

func newDetector(t *testing.T, n int) *DriftDetector {
	t.Helper()
	d, err := NewDriftDetector(n)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Acceptance (integration_cache_drift): same bearer, different system →
// first_request, then drift with drift_dims "system".
func TestDriftAcrossTwoRequests(t *testing.T) {
	d := newDetector(t, DefaultDriftCapacity)
	h := http.Header{"Authorization": {"Bearer sk-test-secret-123"}}
	key := SessionKey(h, "127.0.0.1")

	fp1 := FingerprintOf(mustParse(t, anthropicBody("sys-A", "[]", "m1")), cachestab.Messages)
	f := d.Observe(key, fp1)
	if f.Kind != FirstRequest || f.Event() != "cache_drift_first_request" || f.Current != fp1.Prefix() || f.Previous != "" {
		t.Fatalf("first: %+v", f)
	}
	if len(f.SessionKeyHash) != 32 || f.SessionKeyHash != hexPrefix(key, 16) || len(f.Current) != 24 {
		t.Fatalf("hash fields: %+v", f)
	}

	if f := d.Observe(key, fp1); f.Kind != Stable || f.Event() != "" {
		t.Fatalf("same body: %+v", f)
	}

	fp2 := FingerprintOf(mustParse(t, anthropicBody("sys-B", "[]", "m1", "m2 new turn")), cachestab.Messages)
	f = d.Observe(key, fp2)
	if f.Kind != Drift || f.Event() != "cache_drift_observed" || f.Dims.String() != "system,early_messages" {
		t.Fatalf("drift: %+v (%s)", f, f.Dims)
	}
	if f.Previous != fp1.Prefix() || f.Current != fp2.Prefix() {
		t.Fatalf("prefixes: %+v", f)
	}
	// Only the system changed once the early window is full.
	fp3 := FingerprintOf(mustParse(t, anthropicBody("sys-C", "[]", "m1", "m2 new turn")), cachestab.Messages)
	if f := d.Observe(key, fp3); f.Dims.String() != "system" {
		t.Fatalf("dims %q", f.Dims)
	}
	fp4 := FingerprintOf(mustParse(t, anthropicBody("sys-C", `[{"name":"t"}]`, "m1", "m2 new turn")), cachestab.Messages)
	if f := d.Observe(key, fp4); f.Dims.String() != "tools" {
		t.Fatalf("dims %q", f.Dims)
	}

	// The raw bearer token never appears in anything loggable.
	for _, s := range []string{key, f.SessionKeyHash, f.Previous, f.Current, fmt.Sprintf("%+v", f)} {
		if strings.Contains(s, "sk-test-secret-123") {
			t.Fatalf("secret leaked: %s", s)
		}
	}
}

// Later turns beyond the early window do not count as drift.
func TestDriftIgnoresLiveZone(t *testing.T) {
	d := newDetector(t, 4)
	a := FingerprintOf(mustParse(t, anthropicBody("s", "[]", "1", "2", "3", "4")), cachestab.Messages)
	b := FingerprintOf(mustParse(t, anthropicBody("s", "[]", "1", "2", "3", "4", "5", "6")), cachestab.Messages)
	d.Observe("k", a)
	if f := d.Observe("k", b); f.Kind != Stable {
		t.Fatalf("%+v", f)
	}
}

func TestDriftSessionsAreSeparate(t *testing.T) {
	d := newDetector(t, 4)
	a := FingerprintOf(mustParse(t, anthropicBody("a", "[]")), cachestab.Messages)
	b := FingerprintOf(mustParse(t, anthropicBody("b", "[]")), cachestab.Messages)
	d.Observe("one", a)
	if f := d.Observe("two", b); f.Kind != FirstRequest {
		t.Fatalf("%+v", f)
	}
	if f := d.Observe("one", a); f.Kind != Stable {
		t.Fatalf("%+v", f)
	}
}

func TestDriftLRUEviction(t *testing.T) {
	d := newDetector(t, 3)
	fp := FingerprintOf(mustParse(t, `{}`), cachestab.Messages)
	for _, k := range []string{"a", "b", "c"} {
		d.Observe(k, fp)
	}
	d.Observe("a", fp) // a is now the most recent; b the least
	d.Observe("d", fp) // evicts b
	if d.Len() != 3 {
		t.Fatalf("len %d", d.Len())
	}
	if f := d.Observe("b", fp); f.Kind != FirstRequest {
		t.Fatalf("b should have been evicted: %+v", f)
	}
	// Observing b evicted c (a and d were used more recently).
	for k, want := range map[string]DriftKind{"a": Stable, "d": Stable} {
		if f := d.Observe(k, fp); f.Kind != want {
			t.Fatalf("%s: %+v", k, f)
		}
	}
	if f := d.Observe("c", fp); f.Kind != FirstRequest {
		t.Fatalf("c should have been evicted: %+v", f)
	}
}

func TestDriftCapacityOne(t *testing.T) {
	d := newDetector(t, 1)
	fp := Fingerprint{}
	d.Observe("a", fp)
	d.Observe("b", fp)
	if f := d.Observe("a", fp); f.Kind != FirstRequest || d.Len() != 1 {
		t.Fatalf("%+v len %d", f, d.Len())
	}
}

func TestNewDriftDetectorRejectsBadCapacity(t *testing.T) {
	for _, n := range []int{0, -1} {
		if _, err := NewDriftDetector(n); err == nil {
			t.Fatalf("capacity %d accepted", n)
		}
	}
}

// Many goroutines on a small table: run with -race; the table must stay
// within capacity and every session's last write must be visible.
func TestDriftConcurrent(t *testing.T) {
	d := newDetector(t, 16)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				var fp Fingerprint
				fp.System[0] = byte(i)
				d.Observe(fmt.Sprintf("s%d-%d", g, i%24), fp)
			}
		}()
	}
	wg.Wait()
	if d.Len() != 16 {
		t.Fatalf("len %d", d.Len())
	}
}

func TestSessionKey(t *testing.T) {
	tests := []struct {
		name string
		h    http.Header
		ip   string
		want string
	}{
		{"authorization", http.Header{"Authorization": {"Bearer sk-x"}, "X-Api-Key": {"k"}}, "10.0.0.1", "auth:" + hexPrefix("Bearer sk-x", 16)},
		{"empty authorization still counts", http.Header{"Authorization": {""}}, "10.0.0.1", "auth:" + hexPrefix("", 16)},
		{"api key", http.Header{"X-Api-Key": {"sk-ant-api03-x"}, "User-Agent": {"ua"}}, "10.0.0.1", "apikey:" + hexPrefix("sk-ant-api03-x", 16)},
		{"unreadable authorization falls through", http.Header{"Authorization": {"Bearer \xff"}, "X-Api-Key": {"k"}}, "10.0.0.1", "apikey:" + hexPrefix("k", 16)},
		{"ip and user agent", http.Header{"User-Agent": {"curl/8"}}, "::1", "ipua:" + hexPrefix("::1\x00curl/8", 8)},
		{"ip only", http.Header{}, "192.0.2.7", "ip:192.0.2.7"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := SessionKey(tc.h, tc.ip); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	var _ authmode.Headers = http.Header{}
}

func TestFingerprintDoesNotMutate(t *testing.T) {
	in := `{"system":"s","tools":[{"name":"b"},{"name":"a"}],"messages":[{"role":"user","content":"x"}]}`
	v := mustParse(t, in)
	FingerprintOf(v, cachestab.Messages)
	if jsonx.Compact(v) != in {
		t.Fatal("body changed")
	}
}
