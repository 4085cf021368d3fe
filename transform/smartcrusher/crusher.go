// Package smartcrusher compresses JSON tool output: arrays of objects,
// strings and numbers are cut down to the items that matter (errors,
// anomalies, change points, query matches, a representative sample) and
// wide objects lose low-value keys, with the dropped rows retrievable
// through a CCR marker. It is a byte-exact port of the reference
// SmartCrusher (spec reference-core.md §7); the parity fixtures in
// smart_crusher/ pin its output with the lossless stage off
// (CompactionOff). By default an array of objects is first offered to the
// lossless compaction package, which replaces it by a table when that
// saves enough bytes and nothing has to be dropped.
package smartcrusher

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/internal/pycompat"
	"github.com/headroom-go/headroom/transform/smartcrusher/compaction"
)

// maxProcessDepth is the nesting below which values are left untouched.
const maxProcessDepth = 50

// Constraint names items that must survive crushing. strs[i] is the
// compact JSON of items[i]. MustKeep must be deterministic; out-of-range
// indices are ignored.
type Constraint interface {
	MustKeep(items []jsonx.Value, strs []string) []int
}

// KeepErrors keeps objects whose compact JSON contains an error keyword
// (error, exception, failed, failure, critical, fatal, crash, panic, abort,
// timeout, denied, rejected), ignoring ASCII case.
type KeepErrors struct{}

// MustKeep implements Constraint.
func (KeepErrors) MustKeep(items []jsonx.Value, strs []string) []int { return errorItems(items, strs) }

// KeepStructuralOutliers keeps objects with a rare key (in under 20% of
// items) or a rare value in a common low-cardinality column.
type KeepStructuralOutliers struct{}

// MustKeep implements Constraint.
func (KeepStructuralOutliers) MustKeep(items []jsonx.Value, _ []string) []int {
	return structuralOutliers(items)
}

// DefaultConstraints returns the reference's two constraints.
func DefaultConstraints() []Constraint {
	return []Constraint{KeepErrors{}, KeepStructuralOutliers{}}
}

// Observer records what the crusher did, for learning. It must only record:
// it runs on the request path, so it must be fast and must not retain the
// event's slices.
type Observer interface {
	// ObserveArray is called for every dict array that went through
	// analysis (kept whole or crushed).
	ObserveArray(ArrayEvent)
	// ObserveCrush is called once per Crush call.
	ObserveCrush(CrushEvent)
}

// ArrayEvent describes one crushed array of objects.
type ArrayEvent struct {
	// Signature identifies the array's shape across calls: the first 16
	// hex digits of SHA-256 over its sorted distinct field names joined by
	// "\n" (our definition; the reference keys its learner differently).
	Signature   string
	ItemsBefore int
	ItemsAfter  int // kept rows, excluding the CCR marker row
	Strategy    string
}

// CrushEvent describes one Crush call.
type CrushEvent struct {
	Strategy    string
	InputBytes  int
	OutputBytes int
	Elapsed     time.Duration
	WasModified bool
}

// Options configure a Crusher.
type Options struct {
	// Config holds the knobs; start from DefaultConfig().
	Config Config
	// Store receives the originals behind CCR markers. Nil means no marker
	// is written whatever Config.EnableCCRMarker says: a marker that no
	// store can resolve would promise the model an original that is gone.
	Store ccr.Store
	// Scorer rates items against the query. Nil disables relevance
	// scoring; exact query anchors (IDs, hosts, quoted text) still apply.
	Scorer Scorer
	// Constraints name items that must survive. Nil means
	// DefaultConstraints(); an empty non-nil slice means none.
	Constraints []Constraint
	// Observers are notified of every crush. Nil means none.
	Observers []Observer
	// Compaction selects the lossless stage tried on arrays of objects
	// before any row is dropped. The zero value is CompactionCSVSchema,
	// the reference default; CompactionOff reproduces the parity fixtures.
	Compaction CompactionFormat
}

// Crusher is a configured SmartCrusher. It is safe for concurrent use.
type Crusher struct {
	cfg         Config
	store       ccr.Store
	scorer      Scorer
	constraints []Constraint
	observers   []Observer
	compaction  *compactionStage // nil: no lossless stage
}

// New validates opts and returns a Crusher.
func New(opts Options) (*Crusher, error) {
	if err := opts.Config.Validate(); err != nil {
		return nil, err
	}
	stage, err := newCompactionStage(opts.Compaction, &opts.Config)
	if err != nil {
		return nil, err
	}
	cons := opts.Constraints
	if cons == nil {
		cons = DefaultConstraints()
	}
	if opts.Store == nil {
		opts.Config.EnableCCRMarker = false
	}
	return &Crusher{
		cfg:         opts.Config,
		store:       opts.Store,
		scorer:      opts.Scorer,
		constraints: cons,
		observers:   opts.Observers,
		compaction:  stage,
	}, nil
}

// Result is what Crush produced.
type Result struct {
	// Compressed is the output: compact JSON, or the input unchanged when
	// it is not JSON.
	Compressed string
	// Original is the input.
	Original string
	// WasModified reports Compressed != the input with surrounding
	// whitespace trimmed.
	WasModified bool
	// Strategy names what was done, e.g. "smart_sample(30->15)" or
	// "passthrough".
	Strategy string
}

// crushState is the request-scoped state of one Crush call.
type crushState struct {
	ctx   context.Context
	query string
	bias  float64
	err   error // first store failure
}

func (s *crushState) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

// Crush compresses content. query (may be empty) steers what is kept;
// bias scales the item budget (1 is neutral, >1 keeps more).
//
// Content that is not JSON is returned unchanged with strategy
// "passthrough". The only error is a failure to store an original behind
// a CCR marker (or ctx ending during that store); the caller should then
// forward the original content, because the output would promise data the
// store does not have.
func (c *Crusher) Crush(ctx context.Context, content, query string, bias float64) (Result, error) {
	start := time.Now()
	res := Result{Original: content}
	parsed, err := jsonx.ParseString(content)
	if err != nil {
		res.Compressed, res.Strategy = content, "passthrough"
	} else {
		st := &crushState{ctx: ctx, query: query, bias: bias}
		out, info := c.processValue(st, parsed, 0)
		if st.err != nil {
			return Result{}, st.err
		}
		res.Compressed = string(jsonx.AppendCompact(make([]byte, 0, len(content)), out))
		res.WasModified = res.Compressed != pycompat.Trim(content)
		res.Strategy = info
		if info == "" {
			res.Strategy = "passthrough"
		}
	}
	if len(c.observers) > 0 {
		ev := CrushEvent{
			Strategy: res.Strategy, InputBytes: len(content), OutputBytes: len(res.Compressed),
			Elapsed: time.Since(start), WasModified: res.WasModified,
		}
		for _, o := range c.observers {
			o.ObserveCrush(ev)
		}
	}
	return res, nil
}

func (c *Crusher) processValue(st *crushState, v jsonx.Value, depth int) (jsonx.Value, string) {
	if depth >= maxProcessDepth {
		return v, ""
	}
	switch v.Kind() {
	case jsonx.Array:
		return c.processArray(st, v, depth)
	case jsonx.Object:
		members := v.Members()
		out := make([]jsonx.Member, len(members))
		var infos []string
		for i, m := range members {
			pv, info := c.processValue(st, m.Value, depth+1)
			out[i] = jsonx.Member{Key: m.Key, Value: pv}
			if info != "" {
				infos = append(infos, info)
			}
		}
		if len(out) >= c.cfg.MinItemsToAnalyze {
			if kept, strat, ok := c.crushObject(out, st.bias); ok {
				infos = append(infos, strat)
				return jsonx.ObjectValue(kept), strings.Join(infos, ",")
			}
		}
		return jsonx.ObjectValue(out), strings.Join(infos, ",")
	case jsonx.String:
		s, _ := v.Str()
		return c.processString(st, v, s, depth)
	}
	return v, ""
}

func (c *Crusher) processArray(st *crushState, v jsonx.Value, depth int) (jsonx.Value, string) {
	items := v.Items()
	n := len(items)
	if n >= c.cfg.MinItemsToAnalyze {
		suffix := func(strategy string, kept int) string {
			return strategy + "(" + strconv.Itoa(n) + "->" + strconv.Itoa(kept) + ")"
		}
		switch classifyArray(items) {
		case arrayDicts:
			r := c.crushArray(st, items)
			if r.lossless {
				return jsonx.StringValue(r.rendered), losslessInfo(r.strategy, n, len(r.rendered))
			}
			out := r.kept
			if r.marker != "" {
				out = append(out, jsonx.ObjectValue([]jsonx.Member{{Key: "_ccr_dropped", Value: jsonx.StringValue(r.marker)}}))
			}
			return jsonx.ArrayValue(out), suffix(r.strategy, len(r.kept))
		case arrayStrings:
			strs := make([]string, n)
			for i, it := range items {
				strs[i], _ = it.Str()
			}
			kept, strat := c.crushStrings(strs, st.bias)
			return jsonx.ArrayValue(pick(items, kept)), suffix(strat, len(kept))
		case arrayNumbers:
			kept, strat := c.crushNumbers(items, st.bias)
			return jsonx.ArrayValue(pick(items, kept)), suffix(strat, len(kept))
		case arrayMixed:
			kept, strat := c.crushMixed(st, items)
			return jsonx.ArrayValue(pick(items, kept)), suffix(strat, len(kept))
		}
	}
	out := make([]jsonx.Value, n)
	var infos []string
	for i, it := range items {
		pv, info := c.processValue(st, it, depth+1)
		out[i] = pv
		if info != "" {
			infos = append(infos, info)
		}
	}
	return jsonx.ArrayValue(out), strings.Join(infos, ",")
}

func pick(items []jsonx.Value, idx []int) []jsonx.Value {
	out := make([]jsonx.Value, len(idx))
	for i, j := range idx {
		out[i] = items[j]
	}
	return out
}

// processString recurses into strings holding a JSON object or array and
// replaces long opaque strings by CCR markers.
func (c *Crusher) processString(st *crushState, v jsonx.Value, s string, depth int) (jsonx.Value, string) {
	if parsed, ok := compaction.ParseContainer(s); ok {
		pv, sub := c.processValue(st, parsed, depth+1)
		if !jsonx.Equal(pv, parsed) {
			var rendered string
			if rs, isStr := pv.Str(); isStr {
				rendered = rs
			} else {
				rendered = jsonx.Compact(pv)
			}
			info := "string_json"
			if sub != "" {
				info = "string_json[" + sub + "]"
			}
			return jsonx.StringValue(rendered), info
		}
	}
	if c.cfg.opaqueMarkers() {
		if kind, ok := opaqueKind(s); ok {
			return jsonx.StringValue(c.opaqueMarker(st, s, kind)), "string_ccr:" + kind
		}
	}
	return v, ""
}

// shortHash is the first 12 hex digits of SHA-256, the key of SmartCrusher's
// CCR markers.
func shortHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}

func (c *Crusher) put(st *crushState, key string, payload []byte) {
	if c.store == nil || st.err != nil {
		return
	}
	if err := c.store.Put(st.ctx, key, payload); err != nil {
		st.fail(fmt.Errorf("smartcrusher: store original under %s: %w", key, err))
	}
}

// opaqueMarker stores s and returns "<<ccr:HASH,KIND,SIZE>>".
func (c *Crusher) opaqueMarker(st *crushState, s, kind string) string {
	h := shortHash([]byte(s))
	c.put(st, h, []byte(s))
	return string(compaction.AppendMarker(nil, h, compaction.OpaqueKind(kind), len(s)))
}

// arrayResult is crushArray's outcome.
type arrayResult struct {
	kept     []jsonx.Value
	strategy string
	marker   string // "<<ccr:HASH N_rows_offloaded>>" when rows were dropped
	// lossless is set when the compaction stage won: rendered replaces
	// the whole array and kept is every item.
	lossless bool
	rendered string
}

// crushArray crushes an array of objects.
func (c *Crusher) crushArray(st *crushState, items []jsonx.Value) arrayResult {
	n := len(items)
	strs := make([]string, n)
	var buf []byte
	for i, it := range items {
		buf = jsonx.AppendCompact(buf[:0], it)
		strs[i] = string(buf)
	}
	k := optimalK(strs, st.bias, minAdaptiveK, c.cfg.MaxItemsAfterCrush)
	var r arrayResult
	won := false
	if n > k && c.compaction != nil {
		r, won = c.tryLossless(st, items, strs)
	}
	switch {
	case won:
	case n <= k:
		r = arrayResult{kept: items, strategy: "none:adaptive_at_limit"}
	case c.cfg.LosslessOnly:
		r = arrayResult{kept: items, strategy: "lossless_only:uncompacted"}
	default:
		a := c.analyze(items, strs)
		if a.strategy == strategySkip {
			r = arrayResult{kept: items, strategy: "skip:" + a.reason}
			break
		}
		actx := &arrayCtx{items: items, strs: strs, h: newHashes(items), a: a, query: st.query, max: k}
		kept := c.execute(c.plan(actx), items, a)
		r = arrayResult{kept: kept, strategy: a.strategy.String()}
		if dropped := n - len(kept); dropped > 0 && c.cfg.EnableCCRMarker {
			canonical := jsonx.AppendCompact(nil, jsonx.ArrayValue(items))
			h := shortHash(canonical)
			c.put(st, h, canonical)
			r.marker = "<<ccr:" + h + " " + strconv.Itoa(dropped) + "_rows_offloaded>>"
		}
	}
	if len(c.observers) > 0 {
		ev := ArrayEvent{Signature: shapeSignature(items), ItemsBefore: n, ItemsAfter: len(r.kept), Strategy: r.strategy}
		for _, o := range c.observers {
			o.ObserveArray(ev)
		}
	}
	return r
}

// execute returns the planned items in order, optionally factoring out
// constant fields into a leading {"_constant_fields": {...}} object.
func (c *Crusher) execute(idx []int, items []jsonx.Value, a *analysis) []jsonx.Value {
	kept := make([]jsonx.Value, 0, len(idx))
	for _, i := range idx {
		if i < len(items) {
			kept = append(kept, items[i])
		}
	}
	if !c.cfg.FactorOutConstants || len(a.constants) == 0 || len(kept) < 2 {
		return kept
	}
	stripped := false
	for i, it := range kept {
		if it.Kind() != jsonx.Object {
			continue
		}
		members := it.Members()
		var own []jsonx.Member // copied on first removal; items are shared
		for _, cf := range a.constants {
			cur := members
			if own != nil {
				cur = own
			}
			at := -1
			for j := range cur {
				if cur[j].Key == cf.Key {
					at = j
					break
				}
			}
			if at < 0 || !jsonx.Equal(cur[at].Value, cf.Value) {
				continue
			}
			if own == nil {
				own = append([]jsonx.Member(nil), members...)
			}
			// serde_json's Map::remove under preserve_order is swap_remove:
			// the last entry takes the removed one's place.
			last := len(own) - 1
			own[at] = own[last]
			own = own[:last]
			stripped = true
		}
		if own != nil {
			kept[i] = jsonx.ObjectValue(own)
		}
	}
	if !stripped {
		return kept
	}
	sentinel := jsonx.ObjectValue([]jsonx.Member{{Key: "_constant_fields", Value: jsonx.ObjectValue(a.constants)}})
	return append([]jsonx.Value{sentinel}, kept...)
}

// shapeSignature hashes the sorted distinct field names of a dict array.
func shapeSignature(items []jsonx.Value) string {
	seen := make(map[string]bool)
	var keys []string
	for _, it := range items {
		for _, m := range it.Members() {
			if !seen[m.Key] {
				seen[m.Key] = true
				keys = append(keys, m.Key)
			}
		}
	}
	slices.Sort(keys)
	sum := sha256.Sum256([]byte(strings.Join(keys, "\n")))
	return hex.EncodeToString(sum[:8])
}
