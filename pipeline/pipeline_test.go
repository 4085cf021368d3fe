package pipeline

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/ccr/memstore"
	"github.com/headroom-go/headroom/transform"
)

// The steps below are small but honest implementations of the step
// contracts, sized so that each test controls the ratios the gates read.

// trimReformat removes a fixed share of the text's trailing bytes.
type trimReformat struct {
	name  string
	keep  float64 // share of bytes kept
	calls *int
}

func (r trimReformat) Name() string { return r.name }
func (r trimReformat) Reformat(s string) (string, error) {
	if r.calls != nil {
		*r.calls++
	}
	return s[:int(float64(len(s))*r.keep)], nil
}

// errReformat fails or panics.
type errReformat struct {
	err   error
	panic bool
}

func (errReformat) Name() string { return "broken_reformat" }
func (r errReformat) Reformat(string) (string, error) {
	if r.panic {
		panic("reformat bug")
	}
	return "", r.err
}

// halfOffload keeps the first half of its input, stores the input and
// appends a marker. It records what it was shown.
type halfOffload struct {
	name      string
	score     float32
	store     *memstore.Store
	estimated *[]string
	applied   *[]string
	err       error
	noKey     bool
	panicOn   string // "estimate" or "offload"
}

func (o halfOffload) Name() string { return o.name }
func (o halfOffload) EstimateBloat(s string) float32 {
	if o.panicOn == "estimate" {
		panic("estimator bug")
	}
	if o.estimated != nil {
		*o.estimated = append(*o.estimated, s)
	}
	return o.score
}
func (o halfOffload) Offload(ctx context.Context, s string, _ transform.Hints) (transform.Result, error) {
	if o.panicOn == "offload" {
		panic("offload bug")
	}
	if o.applied != nil {
		*o.applied = append(*o.applied, s)
	}
	if o.err != nil {
		return transform.Result{}, o.err
	}
	key := o.name + "-" + string(rune('a'+len(s)%26))
	if o.noKey {
		key = ""
	} else if err := o.store.Put(ctx, key, []byte(s)); err != nil {
		return transform.Result{}, transform.Fail(o.name, err)
	}
	return transform.Result{Output: s[:len(s)/2] + "[" + key + "]", Key: key}, nil
}

var refOrchestrator = Orchestrator{ReformatTargetRatio: 0.5, BloatThreshold: 0.5, OffloadFallbackRatio: 0.85}

func mustNew(t *testing.T, regs ...Registration) *Pipeline {
	t.Helper()
	p, err := New(refOrchestrator, regs...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func stepNames(r Result) string {
	var names []string
	for _, s := range r.Steps {
		names = append(names, s.Name)
	}
	return strings.Join(names, ",")
}

const T = transform.BuildOutput

var content = strings.Repeat("0123456789", 100)

func TestOffloadGate(t *testing.T) {
	store := memstore.New(0, 0)
	for _, tc := range []struct {
		name  string
		keep  float64 // reformat output share; 1 means no reformat registered
		score float32
		runs  bool
	}{
		{"at threshold", 0.8, 0.5, true},
		{"just below threshold, reformat sufficed", 0.8, 0.49, false},
		{"reformat underwhelmed, positive score", 0.9, 0.01, true},
		{"reformat underwhelmed, zero score", 0.9, 0, false},
		{"no reformat, positive score", 1, 0.01, true},
		{"reformat ratio exactly at fallback", 0.85, 0.3, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			regs := []Registration{Offload(halfOffload{name: "half", score: tc.score, store: store}, T)}
			if tc.keep < 1 {
				regs = append([]Registration{Reformat(trimReformat{name: "trim", keep: tc.keep}, T)}, regs...)
			}
			res, err := mustNew(t, regs...).Run(context.Background(), content, T, transform.Hints{})
			if err != nil {
				t.Fatal(err)
			}
			ran := strings.HasSuffix(stepNames(res), "half")
			if ran != tc.runs {
				t.Fatalf("offload ran = %v, want %v (steps %q, passed %+v)", ran, tc.runs, stepNames(res), res.Passed)
			}
		})
	}
}

func TestReformatsStopAtTargetRatio(t *testing.T) {
	var second int
	p := mustNew(t,
		Reformat(trimReformat{name: "first", keep: 0.5}, T),
		Reformat(trimReformat{name: "second", keep: 0.9, calls: &second}, T))
	res, err := p.Run(context.Background(), content, T, transform.Hints{})
	if err != nil {
		t.Fatal(err)
	}
	if stepNames(res) != "first" || second != 0 || len(res.Passed) != 1 || res.Passed[0].Reason != "reformat target reached" {
		t.Fatalf("steps %q, second called %d times, passed %+v", stepNames(res), second, res.Passed)
	}

	p = mustNew(t,
		Reformat(trimReformat{name: "first", keep: 0.6}, T),
		Reformat(trimReformat{name: "second", keep: 0.9}, T))
	res, _ = p.Run(context.Background(), content, T, transform.Hints{})
	if stepNames(res) != "first,second" || len(res.Output) != int(float64(int(float64(len(content))*0.6))*0.9) {
		t.Fatalf("steps %q, output %d bytes", stepNames(res), len(res.Output))
	}
}

func TestStepsThatSaveNothingAreDiscarded(t *testing.T) {
	store := memstore.New(0, 0)
	p := mustNew(t,
		Reformat(trimReformat{name: "noop", keep: 1}, T),
		Offload(halfOffload{name: "half", score: 1, store: store}, T))
	res, err := p.Run(context.Background(), "ab", T, transform.Hints{})
	if err != nil {
		t.Fatal(err)
	}
	// "ab" → "a[half-c]" is longer than "ab": discarded too.
	if len(res.Steps) != 0 || res.Output != "ab" || len(res.Passed) != 2 {
		t.Fatalf("steps %q, output %q, passed %+v", stepNames(res), res.Output, res.Passed)
	}
}

func TestOffloadsChainAndEstimateTheOriginal(t *testing.T) {
	store := memstore.New(0, 0)
	var est, applied []string
	p := mustNew(t,
		Reformat(trimReformat{name: "trim", keep: 0.9}, T),
		Offload(halfOffload{name: "one", score: 1, store: store, estimated: &est, applied: &applied}, T),
		Offload(halfOffload{name: "two", score: 1, store: store, estimated: &est, applied: &applied}, T))
	res, err := p.Run(context.Background(), content, T, transform.Hints{})
	if err != nil {
		t.Fatal(err)
	}
	if stepNames(res) != "trim,one,two" {
		t.Fatalf("steps %q", stepNames(res))
	}
	if len(est) != 2 || est[0] != content || est[1] != content {
		t.Fatal("bloat was not estimated on the original content")
	}
	// Each offload works on the text before it, and its key resolves to
	// exactly that text.
	if applied[0] != content[:900] || applied[1] != res.Steps[1].keyedOutput(applied[0]) {
		t.Fatalf("offload inputs wrong: %d, %d bytes", len(applied[0]), len(applied[1]))
	}
	for i, s := range res.Steps[1:] {
		got, err := store.Get(context.Background(), s.Key)
		if err != nil || string(got) != applied[i] {
			t.Fatalf("key %q does not resolve to the step's input: %v", s.Key, err)
		}
	}
	if keys := res.Keys(); len(keys) != 2 || keys[0] != res.Steps[1].Key || keys[1] != res.Steps[2].Key {
		t.Fatalf("Keys() = %v", keys)
	}
}

// keyedOutput is what halfOffload makes of in.
func (s Step) keyedOutput(in string) string { return in[:len(in)/2] + "[" + s.Key + "]" }

func TestFailuresKeepTheTextAndAreClassified(t *testing.T) {
	store := memstore.New(0, 0)
	storeDown := transform.Fail("bad", errors.New("store down"))
	p := mustNew(t,
		Reformat(errReformat{err: transform.Skip("broken_reformat", "nothing to do")}, T),
		Reformat(errReformat{panic: true}, T),
		Offload(halfOffload{name: "skipper", score: 1, store: store, err: transform.Skip("skipper", "not worth it")}, T),
		Offload(halfOffload{name: "bad", score: 1, store: store, err: storeDown}, T),
		Offload(halfOffload{name: "nokey", score: 1, store: store, noKey: true}, T),
		Offload(halfOffload{name: "panicky", score: 1, store: store, panicOn: "offload"}, T),
		Offload(halfOffload{name: "badest", store: store, panicOn: "estimate"}, T),
		Offload(halfOffload{name: "good", score: 1, store: store}, T))
	res, err := p.Run(context.Background(), content, T, transform.Hints{})
	if stepNames(res) != "good" || res.Output != content[:500]+"[good-m]" {
		t.Fatalf("steps %q, output %q", stepNames(res), res.Output)
	}
	if !errors.Is(err, ErrPanic) || !errors.Is(err, storeDown) {
		t.Fatalf("error %v should report the panics and the store failure", err)
	}
	var te *transform.Error
	if !errors.As(err, &te) || te.Kind != transform.Internal {
		t.Fatalf("error %v is not classified Internal", err)
	}
	if strings.Contains(err.Error(), "not worth it") || strings.Contains(err.Error(), "nothing to do") {
		t.Fatalf("skips must not be reported as failures: %v", err)
	}
	reasons := map[string]string{}
	for _, ps := range res.Passed {
		reasons[ps.Name] += ps.Reason
	}
	for _, name := range []string{"broken_reformat", "skipper", "bad", "nokey", "panicky", "badest"} {
		if reasons[name] == "" {
			t.Errorf("%s not recorded as passed: %v", name, reasons)
		}
	}
	if !strings.Contains(reasons["nokey"], "no CCR key") {
		t.Errorf("nokey reason %q", reasons["nokey"])
	}
}

type outOfRange struct{ halfOffload }

func (outOfRange) EstimateBloat(string) float32 { return 1.5 }

func TestEstimateOutsideContractClosesTheGate(t *testing.T) {
	store := memstore.New(0, 0)
	p := mustNew(t, Offload(outOfRange{halfOffload{name: "wild", store: store}}, T))
	res, err := p.Run(context.Background(), content, T, transform.Hints{})
	if err == nil || len(res.Steps) != 0 || res.Output != content {
		t.Fatalf("err %v, steps %q", err, stepNames(res))
	}
}

func TestRunStopsWhenTheContextEnds(t *testing.T) {
	store := memstore.New(0, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := mustNew(t,
		Reformat(trimReformat{name: "trim", keep: 0.9}, T),
		Offload(halfOffload{name: "half", score: 1, store: store}, T))
	res, err := p.Run(ctx, content, T, transform.Hints{})
	if !errors.Is(err, context.Canceled) || res.Output != content {
		t.Fatalf("err %v, output %d bytes", err, len(res.Output))
	}
}

func TestRunRoutesByContentType(t *testing.T) {
	store := memstore.New(0, 0)
	p := mustNew(t,
		Offload(halfOffload{name: "both", score: 1, store: store}, transform.BuildOutput, transform.GitDiff),
		Offload(halfOffload{name: "diffonly", score: 1, store: store}, transform.GitDiff))
	for ct, want := range map[transform.ContentType]string{
		transform.BuildOutput: "both",
		transform.GitDiff:     "both,diffonly",
		transform.PlainText:   "",
	} {
		res, err := p.Run(context.Background(), content, ct, transform.Hints{})
		if err != nil || stepNames(res) != want {
			t.Errorf("%s: steps %q, want %q (%v)", ct, stepNames(res), want, err)
		}
		if p.Handles(ct) != (want != "") {
			t.Errorf("Handles(%s) = %v", ct, p.Handles(ct))
		}
	}
	if res, err := p.Run(context.Background(), "", transform.GitDiff, transform.Hints{}); err != nil || res.Output != "" || len(res.Steps) != 0 {
		t.Errorf("empty content: %+v, %v", res, err)
	}
}

func TestNewRejectsBadRegistrations(t *testing.T) {
	if _, err := New(refOrchestrator, Reformat(trimReformat{name: "x"})); err == nil {
		t.Error("registration without content types accepted")
	}
	if _, err := New(refOrchestrator, Registration{types: []transform.ContentType{T}}); err == nil {
		t.Error("registration without a step accepted")
	}
	if _, err := New(Orchestrator{ReformatTargetRatio: -1}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("negative ratio: %v", err)
	}
}
