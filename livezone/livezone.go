// Package livezone compresses the part of an LLM request body that can change
// without breaking the provider's prompt cache: the "live zone".
//
// There is one entry point per wire format: Anthropic (/v1/messages),
// OpenAIChat (/v1/chat/completions) and OpenAIResponses (/v1/responses). Each
// finds the eligible JSON string values (the latest user turn's tool results
// and text for Anthropic, the latest tool and user messages for Chat, the
// tool-call outputs for Responses), sends each through content detection and
// the compressor for its type, keeps a result only when it has strictly
// fewer tokens with the model's tokenizer, and writes the new body by
// byte-range surgery:
//
//	out = body[:s1] + r1 + body[e1:s2] + r2 + … + body[eN:]
//
// where [sK, eK) is the exact byte range of a replaced string literal
// (quotes included) and rK is the candidate encoded as a compact JSON string
// (serde_json's escaping). Every byte outside those ranges — numbers as
// written, key order, \u escapes, whitespace — is copied from the input, so
// the cached prefix hashes identically. The body is never re-serialized.
//
// The body is scanned once by a validating index (livezone/internal/scan)
// that accepts exactly what the reference's serde_json accepts; a body it
// refuses is ErrBodyNotJSON and the caller forwards the original bytes. A
// per-block compressor failure reverts only that block and is reported in
// the Manifest.
//
// # Reversibility
//
// When Options.Store is set, every compressed block of every format ends
// with "\n<<ccr:KEY>>" on its own line (KEY = ccr.ComputeKey of the
// original slot text, the marker counted by the token gate) and the
// original is put under KEY once the gate accepts the block, so a client
// can fetch it back (the headroom_retrieve tool, GET /v1/retrieve/KEY).
// The reference marks only Anthropic blocks and leaves OpenAI Chat and
// Responses results lossy with nothing to retrieve; this package
// deliberately marks all three, because rows SmartCrusher drops must stay
// retrievable whichever API the client speaks. Without a store no format
// gets a marker, and the default compressors then do lossless work only. Responses outputs of headroom_retrieve calls are never
// compressed, marker or not, so a retrieval always reaches the model whole.
package livezone

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/compress"
	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/livezone/internal/scan"
	"github.com/headroom-go/headroom/tokenizer"
	"github.com/headroom-go/headroom/transform"
	"github.com/headroom-go/headroom/transform/detect"
)

// DefaultModel names the tokenizer when Options.Model is empty: the
// reference proxy's default for a body without a model.
const DefaultModel = compress.DefaultModel

// MinBlockBytes is the byte length below which a non-empty slot is not
// compressed (the same for every content type), and the Responses
// output-item floor.
const MinBlockBytes = 512

// Errors. The caller forwards the original bytes on any error.
var (
	// ErrBodyNotJSON: the body is empty or not one valid JSON document.
	ErrBodyNotJSON = errors.New("livezone: request body is not valid JSON")
	// ErrNoMessagesArray: the body has no array at "messages" (or, for
	// Responses, at "input" / "messages").
	ErrNoMessagesArray = errors.New("livezone: body has no messages array")
	// ErrInvalidOptions: an Options field is out of range.
	ErrInvalidOptions = errors.New("livezone: invalid options")
	// ErrCompressorPanic is wrapped by the CompressorError of a block whose
	// compressor panicked; the panic is contained to that block.
	ErrCompressorPanic = errors.New("livezone: compressor panicked")
)

// Candidate is a compressor's proposal for one slot.
type Candidate struct {
	// Text is the proposed replacement.
	Text string
	// Strategy names the compressor ("smart_crusher", "log_compressor",
	// "search_compressor", "diff_compressor"). "" means no compressor
	// applies to the content, or it returned the text unchanged: the block
	// is then NoCompressionApplied and Text is ignored.
	Strategy string
}

// BlockCompressor proposes a shorter text for one live-zone slot.
//
// CompressBlock receives the decoded slot text (never empty, at least
// MinBlockBytes long) and its detected content type. It must be
// deterministic — the same text must always give the same candidate, or a
// rewritten message would change the cached prefix of the next request —
// and safe for concurrent use. It need not check that the candidate is
// smaller: the caller applies the token gate. On error it returns the
// failing compressor's name in Candidate.Strategy; only that block keeps
// its original.
type BlockCompressor interface {
	CompressBlock(ctx context.Context, text string, ct transform.ContentType) (Candidate, error)
}

// Options configure one pass. The zero value is valid: DefaultModel's
// tokenizer, no frozen floor, no CCR markers, the Default compressors and
// compress.Route detection.
type Options struct {
	// Model names the tokenizer of the token gate. "" means DefaultModel.
	Model string
	// FrozenCount is the Anthropic cache floor: messages with a lower
	// index are never examined. 0 (what the proxy passes when
	// --cache-control-auto-frozen is disabled) leaves the whole
	// conversation eligible. Must not be negative. Ignored when
	// AutoFrozen is set, and by the OpenAI formats.
	FrozenCount int
	// AutoFrozen makes Anthropic derive the floor from the body's own
	// cache_control markers in the same scan, as ComputeFrozenCount does,
	// and report TTL-order warnings in the Manifest.
	AutoFrozen bool
	// Store makes every compressed block, in all three formats, end with
	// "\n<<ccr:KEY>>" (KEY = ccr.ComputeKey of the original) and puts the
	// original under KEY once the token gate, which counts the marker, has
	// accepted the block. Nil means no markers. The reference marks only
	// Anthropic blocks; marking the OpenAI formats too goes beyond it on
	// purpose, so that no original is ever lost (see the package doc).
	// Pair it with a Compressor from NewCompressors(Store) so the markers
	// SmartCrusher and DiffCompressor write inside a block resolve as well.
	Store ccr.Store
	// Compressor proposes candidates. Nil means Default(), which does only
	// lossless work; pass NewCompressors(Store) to let lossy compressors run.
	Compressor BlockCompressor
	// Detect names the content type of a slot's text. Nil means
	// compress.Route, the library's routing (RegexDetect is the older
	// reference behaviour).
	Detect func(text string) transform.ContentType
}

// RegexDetect is the regex content detector alone (detect.Detect), which
// the reference's live zone used before it routed through the file-type
// chain that compress.Route mirrors. It differs from compress.Route mainly
// in leaving JSON objects as plain text.
func RegexDetect(text string) transform.ContentType { return detect.Detect(text).Type }

// maxPooledNodes caps the index a pooled Doc keeps, so one huge body does
// not pin its index for the life of the process.
const maxPooledNodes = 1 << 16

var docPool = sync.Pool{New: func() any { return new(scan.Doc) }}

func putDoc(d *scan.Doc) {
	d.Reset()
	if d.Cap() <= maxPooledNodes {
		docPool.Put(d)
	}
}

// pass is the request-scoped state of one entry-point call.
type pass struct {
	ctx     context.Context
	body    []byte
	doc     *scan.Doc
	model   string
	counter tokenizer.Counter // nil until the first candidate
	comp    BlockCompressor
	detect  func(string) transform.ContentType
	store   ccr.Store // nil: no markers
	m       Manifest
	reps    []replacement
	lits    []byte // replacement literals, back to back
}

// replacement is one planned splice: body[start:end] becomes lits[lo:hi].
type replacement struct{ start, end, lo, hi int }

// begin validates opts and scans body into p, or returns the error the
// entry point must return.
func begin(ctx context.Context, body []byte, opts *Options, p *pass) error {
	if opts.FrozenCount < 0 {
		return fmt.Errorf("%w: FrozenCount %d is negative", ErrInvalidOptions, opts.FrozenCount)
	}
	d := docPool.Get().(*scan.Doc)
	if err := d.Parse(body); err != nil {
		putDoc(d)
		return fmt.Errorf("%w: %w", ErrBodyNotJSON, err)
	}
	*p = pass{
		ctx:    ctx,
		body:   body,
		doc:    d,
		model:  opts.Model,
		comp:   opts.Compressor,
		detect: opts.Detect,
		store:  opts.Store,
		m:      Manifest{LatestUserMessageIndex: -1, BytesIn: len(body), BytesOut: len(body)},
	}
	if p.model == "" {
		p.model = DefaultModel
	}
	if p.detect == nil {
		p.detect = compress.Route
	}
	return nil
}

// noPass is the Manifest returned with an error from begin.
func noPass(body []byte) Manifest {
	return Manifest{LatestUserMessageIndex: -1, BytesIn: len(body), BytesOut: len(body)}
}

// tokens counts with the model's tokenizer, resolved on first use so a
// pass without candidates never looks it up.
func (p *pass) tokens(s string) int {
	if p.counter == nil {
		p.counter = tokenizer.ForModel(p.model)
	}
	return p.counter.Count(s)
}

// compressor resolves the BlockCompressor lazily, so a pass that finds no
// eligible block never builds the defaults.
func (p *pass) compressor() (BlockCompressor, error) {
	if p.comp == nil {
		c, err := Default()
		if err != nil {
			return nil, err
		}
		p.comp = c
	}
	return p.comp, nil
}

// end releases the scan index and returns the entry point's results.
func (p *pass) end(err error) ([]byte, Manifest, error) {
	putDoc(p.doc)
	p.doc = nil
	if err != nil {
		return p.body, p.m, err
	}
	out, err := p.splice()
	if err != nil {
		return p.body, p.m, err
	}
	return out, p.m, nil
}

// each calls fn with the position and node of every child of array arr,
// until fn returns false.
func (p *pass) each(arr int, fn func(i, node int) bool) {
	i := 0
	for c := p.doc.FirstChild(arr); c >= 0; c = p.doc.NextSibling(c) {
		if !fn(i, c) {
			return
		}
		i++
	}
}

// text returns the decoded text of string node n.
func (p *pass) text(n int) string {
	s, _ := p.doc.Text(n)
	return s
}

// strField returns the last value of key in obj when it is a string node,
// else -1.
func (p *pass) strField(obj int, key string) int {
	v, _ := p.doc.Field(obj, key)
	if p.doc.Kind(v) != scan.String {
		return -1
	}
	return v
}

// block runs the shared per-block pipeline on the string literal at node
// (-1 for a slot without compressible text) and records the outcome.
// outputFloor applies the Responses output-item floor first. An error ends
// the pass (the context ended, or the default compressors could not be
// built) and records nothing.
func (p *pass) block(msg, blk int, blockType string, node int, outputFloor bool) error {
	if err := p.ctx.Err(); err != nil {
		return err
	}
	a, err := p.decide(node, outputFloor)
	if err != nil {
		return err
	}
	p.m.Blocks = append(p.m.Blocks, BlockOutcome{MessageIndex: msg, BlockIndex: blk, BlockType: blockType, Action: a})
	return nil
}

func (p *pass) decide(node int, outputFloor bool) (Action, error) {
	text := ""
	if node >= 0 {
		text = p.text(node)
	}
	if outputFloor && len(text) < MinBlockBytes {
		return Action{Kind: BelowByteThreshold, ContentType: OutputItemContentType,
			ByteCount: len(text), ThresholdBytes: MinBlockBytes}, nil
	}
	ct := transform.PlainText
	if text != "" {
		ct = p.detect(text)
	}
	if text == "" {
		return Action{Kind: NoCompressionApplied, ContentType: ct.String()}, nil
	}
	if len(text) < MinBlockBytes {
		return Action{Kind: BelowByteThreshold, ContentType: ct.String(),
			ByteCount: len(text), ThresholdBytes: MinBlockBytes}, nil
	}
	comp, err := p.compressor()
	if err != nil {
		return Action{}, err
	}
	cand, err := callCompressor(p.ctx, comp, text, ct)
	if err != nil {
		if cerr := p.ctx.Err(); cerr != nil {
			return Action{}, cerr
		}
		return Action{Kind: CompressorError, Strategy: cand.Strategy, Err: err}, nil
	}
	if cand.Strategy == "" {
		return Action{Kind: NoCompressionApplied, ContentType: ct.String()}, nil
	}
	candidate, key := cand.Text, ""
	if p.store != nil {
		key = ccr.ComputeKey([]byte(text))
		candidate = withMarker(candidate, key)
	}
	a := Action{Strategy: cand.Strategy,
		OriginalBytes: len(text), CompressedBytes: len(candidate),
		OriginalTokens: p.tokens(text), CompressedTokens: p.tokens(candidate)}
	if a.CompressedTokens >= a.OriginalTokens {
		a.Kind = RejectedNotSmaller
		return a, nil
	}
	if p.store != nil {
		// Only an accepted block's original is stored: a rejected one's
		// marker never reaches the wire.
		if err := p.store.Put(p.ctx, key, []byte(text)); err != nil {
			return Action{Kind: CompressorError, Strategy: cand.Strategy,
				Err: fmt.Errorf("livezone: store original under %s: %w", key, err)}, nil
		}
		a.Marker = key
	}
	a.Kind = Compressed
	n := p.doc.Node(node)
	lo := len(p.lits)
	p.lits = jsonx.AppendCompactString(p.lits, candidate)
	p.reps = append(p.reps, replacement{start: int(n.Start), end: int(n.End), lo: lo, hi: len(p.lits)})
	return a, nil
}

// withMarker appends the retrieval marker on its own line.
func withMarker(candidate, key string) string {
	if len(candidate) > 0 && candidate[len(candidate)-1] == '\n' {
		return candidate + ccr.Marker(key)
	}
	return candidate + "\n" + ccr.Marker(key)
}

// callCompressor contains a compressor panic to its block.
func callCompressor(ctx context.Context, c BlockCompressor, text string, ct transform.ContentType) (cand Candidate, err error) {
	defer func() {
		if r := recover(); r != nil {
			cand = Candidate{Strategy: cand.Strategy}
			err = fmt.Errorf("%w: %v", ErrCompressorPanic, r)
		}
	}()
	return c.CompressBlock(ctx, text, ct)
}

// splice builds the output from the planned replacements and fills the
// Manifest's outcome, splices and output length.
func (p *pass) splice() ([]byte, error) {
	if len(p.reps) == 0 {
		p.m.Outcome = NoChange
		return p.body, nil
	}
	// Slots are planned per message; the Chat tool message can follow the
	// user message in the body, so order by offset.
	reps := p.reps
	for i := 1; i < len(reps); i++ {
		for j := i; j > 0 && reps[j].start < reps[j-1].start; j-- {
			reps[j], reps[j-1] = reps[j-1], reps[j]
		}
	}
	size := len(p.body)
	for _, r := range reps {
		size += (r.hi - r.lo) - (r.end - r.start)
	}
	out := make([]byte, 0, size)
	splices := make([]Splice, 0, len(reps))
	cursor := 0
	for _, r := range reps {
		if r.start < cursor || r.end > len(p.body) || r.start >= r.end {
			return nil, fmt.Errorf("livezone: internal error: replacement [%d,%d) overlaps or leaves the body", r.start, r.end)
		}
		out = append(out, p.body[cursor:r.start]...)
		o := len(out)
		out = append(out, p.lits[r.lo:r.hi]...)
		splices = append(splices, Splice{In: Span{r.start, r.end}, Out: Span{o, len(out)}})
		cursor = r.end
	}
	out = append(out, p.body[cursor:]...)
	p.m.Outcome = Modified
	p.m.Splices = splices
	p.m.BytesOut = len(out)
	return out, nil
}
