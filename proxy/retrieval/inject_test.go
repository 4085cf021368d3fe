package retrieval

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/ccr/retrieve"
)

func newInjector(t *testing.T, mod func(*Config)) *Retrieval {
	t.Helper()
	cfg := Config{Store: newStore(t), Base: http.DefaultTransport}
	if mod != nil {
		mod(&cfg)
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

const hashA = "0123456789abcdef01234567"

func TestInjectAppendsTheToolAndKeepsEveryOtherByte(t *testing.T) {
	r := newInjector(t, nil)
	body := anthropicRequest(hashA, false)
	in, err := r.Inject(context.Background(), Request{Path: "/v1/messages", Body: []byte(body)})
	if err != nil {
		t.Fatal(err)
	}
	def := string(retrieve.Definition(retrieve.Anthropic, retrieve.HashOnly))
	// Only the tools array's closing bracket moves.
	i := strings.Index(body, `}}}}],"messages"`) + len(`}}}}`)
	want := body[:i] + "," + def + body[i:]
	if string(in.Body) != want {
		t.Fatalf("got\n%s\nwant\n%s", in.Body, want)
	}
	if in.Decision != retrieve.InjectFirstTime || len(in.Hashes) != 1 || in.Hashes[0] != hashA || !in.Injected() {
		t.Fatalf("injection %+v", in)
	}
}

func TestInjectIsStickyForTheSession(t *testing.T) {
	r := newInjector(t, nil)
	ctx := context.Background()
	noMarker := strings.Replace(chatRequest(hashA, false), "hash="+hashA, "no marker here", 1)
	first, err := r.Inject(ctx, Request{Path: "/v1/chat/completions", Body: []byte(chatRequest(hashA, false))})
	if err != nil || !first.Injected() {
		t.Fatalf("first turn: %+v %v", first.Decision, err)
	}
	// A later turn of the same session (same model and system prompt)
	// without markers keeps the tool with the same bytes.
	later, err := r.Inject(ctx, Request{Path: "/v1/chat/completions", Body: []byte(noMarker)})
	if err != nil || later.Decision != retrieve.InjectStickyReplay {
		t.Fatalf("later turn: %v %v", later.Decision, err)
	}
	def := string(retrieve.Definition(retrieve.OpenAI, retrieve.HashOnly))
	if !strings.Contains(string(later.Body), `"parameters":{"type":"object"}}},`+def+`],`) {
		t.Fatalf("sticky turn lacks the tool: %s", later.Body)
	}
	// Another session (another system prompt) without markers does not.
	other := strings.Replace(noMarker, "You are terse.", "You are verbose.", 1)
	o, err := r.Inject(ctx, Request{Path: "/v1/chat/completions", Body: []byte(other)})
	if err != nil || o.Decision != retrieve.Skip || string(o.Body) != other {
		t.Fatalf("other session: %v %v", o.Decision, err)
	}
	// A client-named session is its own session.
	h, err := r.Inject(ctx, Request{Path: "/v1/chat/completions", Session: "s-2", Body: []byte(noMarker)})
	if err != nil || h.Decision != retrieve.Skip {
		t.Fatalf("header session: %v %v", h.Decision, err)
	}
	if st := r.Stats(); st.Injections != 2 || st.Sticky != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestInjectWithInjectionDisabledNeedsFreshMarkers(t *testing.T) {
	r := newInjector(t, func(c *Config) { c.InjectionDisabled = true })
	ctx := context.Background()
	if in, _ := r.Inject(ctx, Request{Path: "/v1/chat/completions", Body: []byte(chatRequest(hashA, false))}); !in.Injected() {
		t.Fatal("markers did not inject")
	}
	noMarker := strings.Replace(chatRequest(hashA, false), "hash="+hashA, "plain", 1)
	if in, _ := r.Inject(ctx, Request{Path: "/v1/chat/completions", Body: []byte(noMarker)}); in.Injected() {
		t.Fatal("injected without markers although disabled")
	}
}

func TestInjectAddsAToolsMemberWhenAbsent(t *testing.T) {
	r := newInjector(t, nil)
	body := `{"model":"m","input":"see <<ccr:abcdef012345>> please" }`
	in, err := r.Inject(context.Background(), Request{Path: "/v1/responses", Body: []byte(body)})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"model":"m","input":"see <<ccr:abcdef012345>> please","tools":[` + string(r.respDef) + `] }`
	if string(in.Body) != want {
		t.Fatalf("got\n%s\nwant\n%s", in.Body, want)
	}
	if !strings.HasPrefix(string(r.respDef), `{"type":"function","name":"headroom_retrieve","description":"Retrieve original`) {
		t.Fatalf("responses definition %s", r.respDef)
	}
}

func TestInjectRefusesWhatItCannotRead(t *testing.T) {
	r := newInjector(t, nil)
	ctx := context.Background()
	bad := []byte(`{"messages":[`)
	if in, err := r.Inject(ctx, Request{Path: "/v1/messages", Body: bad}); err == nil || string(in.Body) != string(bad) {
		t.Fatalf("invalid JSON: %v", err)
	}
	if _, err := r.Inject(ctx, Request{Path: "/v1/other", Body: []byte(`{}`)}); !errors.Is(err, ErrUnsupportedPath) {
		t.Fatalf("unsupported path: %v", err)
	}
	notArray := []byte(`{"model":"m","messages":{"role":"user"}}`)
	if _, err := r.Inject(ctx, Request{Path: "/v1/messages", Body: notArray}); err == nil {
		t.Fatal("messages object accepted")
	}
}

func TestNewValidatesConfig(t *testing.T) {
	store := newStore(t)
	for name, cfg := range map[string]Config{
		"no store":         {Base: http.DefaultTransport},
		"no base":          {Store: store},
		"negative rounds":  {Store: store, Base: http.DefaultTransport, MaxRounds: -1},
		"negative max":     {Store: store, Base: http.DefaultTransport, MaxResponseBytes: -1},
		"negative events":  {Store: store, Base: http.DefaultTransport, MaxEventBytes: -1},
		"negative session": {Store: store, Base: http.DefaultTransport, MaxSessions: -1},
		"unknown schema":   {Store: store, Base: http.DefaultTransport, Schema: 7},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
