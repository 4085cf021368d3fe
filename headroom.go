// Package headroom is the embedding API of headroom-go: compress a whole
// LLM request body the way the proxy does, or one piece of content (a tool
// output) the way the library pipeline does, and get back the result with
// what it cost and saved.
//
//	res, err := headroom.CompressRequest(ctx, body, headroom.RequestOptions{
//		Path:  r.URL.Path, // "/v1/messages", "/v1/chat/completions", "/v1/responses"
//		Store: store,      // keeps the originals behind the markers
//	})
//	// forward res.Body: the input itself unless res.Modified
//
//	out, err := headroom.CompressContent(ctx, toolOutput, headroom.ContentOptions{
//		Query: userQuestion,
//		Store: store,
//	})
//	// use out.Text
//
// Both functions compose the packages that do the work and add nothing to
// what they decide: CompressRequest is a livezone pass (the proxy's
// cache-safe rewrite of the latest turn's tool results, spliced into the
// body byte for byte) and CompressContent is a compress.Compressor call.
// Callers that need their knobs (a pipeline configuration, extra steps, a
// custom block compressor, a fixed frozen floor) use those packages
// directly; a Go service compressing many pieces of content builds one
// compress.Compressor and reuses it, as CompressContent builds one per call.
//
// A result's text or body is either strictly fewer tokens than the input,
// counted with the model's tokenizer, or the input unchanged, and every
// marker in it resolves in the Store to the original it stands for. Give a
// Store whenever lossy compression is acceptable: without one, both
// CompressContent and CompressRequest only do lossless work (reformatting,
// SmartCrusher's compaction), since nothing dropped could be given back.
package headroom

import (
	"context"
	"fmt"
	"time"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/retrieve"
	"github.com/headroom-go/headroom/compress"
	"github.com/headroom-go/headroom/pipeline"
	"github.com/headroom-go/headroom/transform"
)

// Stats describes one compression, of a request or of content.
type Stats struct {
	// TokensBefore and TokensAfter count the input and the result with the
	// model's tokenizer. For content that is the text itself; for a
	// request it is the text of every string value in the body (what the
	// provider tokenizes; keys, numbers and JSON syntax excluded).
	TokensBefore, TokensAfter int
	// BytesBefore and BytesAfter are the lengths of the input and result.
	BytesBefore, BytesAfter int
	// Transforms names what was applied, in order, each once: pipeline
	// steps for content ("json_minifier", "json_offload"), live-zone
	// strategies for a request ("smart_crusher", "log_compressor").
	// Empty when nothing was.
	Transforms []string
	// Markers are the CCR keys of the retrieval markers the compression
	// added, in order of appearance, without repeats. Each resolves in the
	// Store given in the options (markers are only written when there is
	// one).
	Markers []string
	// Duration is the wall time of the call, token counting included.
	Duration time.Duration
}

// TokensSaved returns TokensBefore − TokensAfter.
func (s *Stats) TokensSaved() int { return s.TokensBefore - s.TokensAfter }

// ContentOptions configure CompressContent. The zero value is valid:
// lossless reformats only, compress.DefaultModel's tokenizer, no query.
type ContentOptions struct {
	// Store receives the original of every offloaded text under the key
	// its marker names. Nil means no store and so no lossy step: only the
	// lossless reformats (JSON minification and the like) run, because a
	// marker must never name an entry that does not exist.
	Store ccr.Store
	// Model names the tokenizer that counts tokens and gates the result.
	// "" means compress.DefaultModel.
	Model string
	// Query is the user's question or task; relevance-aware steps keep
	// what matches it. "" means none.
	Query string
	// Bias scales how much adaptive steps keep: 0 keeps the minimum, 1
	// what the content's diversity suggests, more keeps more. Must be
	// finite and ≥ 0.
	Bias float64
}

// ContentResult is the outcome of CompressContent.
type ContentResult struct {
	// Text is the compressed text when Outcome is compress.Compressed and
	// the input, byte for byte, otherwise.
	Text string
	// ContentType is the type the content was detected as and routed by.
	ContentType transform.ContentType
	// Outcome says whether Text is compressed, and if not, why not.
	Outcome compress.Outcome
	// Passed lists the registered steps that did not apply, and why.
	Passed []pipeline.Pass
	// OriginalKey is the CCR key the exact input is stored under, when
	// Outcome is compress.Compressed and a Store was given ("" otherwise).
	// The markers in Text may name an intermediate form instead (a lossy
	// step that follows JSON minification stores the minified document),
	// so this is the key to hand out when the caller needs the input back
	// byte for byte.
	OriginalKey string
	Stats       Stats
}

// CompressContent detects what content is (JSON, logs, a diff, search
// results, source code, text), runs the compression pipeline for that type
// and returns the shorter text, or the content unchanged with the reason.
//
// The returned result is always usable: on error its Text is content
// unchanged and Outcome is compress.Failed. Errors are those of
// compress.Compressor.Compress: a failed step (a *transform.Error),
// the context's error, or one wrapping compress.ErrInvalidRequest for a
// bad Bias; or the Store's error when the original could not be kept
// under OriginalKey.
func CompressContent(ctx context.Context, content string, opts ContentOptions) (ContentResult, error) {
	start := time.Now()
	c, err := compress.New(compress.Options{Store: opts.Store, Model: opts.Model})
	if err != nil {
		return unchanged(content, compress.Stats{}, start), fmt.Errorf("headroom: %w", err)
	}
	r, err := c.Compress(ctx, content, compress.Request{Query: opts.Query, Bias: opts.Bias})
	if err != nil || r.Stats.Outcome != compress.Compressed {
		res := unchanged(content, r.Stats, start)
		res.Outcome = r.Stats.Outcome
		return res, err
	}
	res := ContentResult{
		Text:        r.Text,
		ContentType: r.Stats.DetectedType,
		Outcome:     r.Stats.Outcome,
		Passed:      r.Stats.Passed,
		Stats: Stats{
			TokensBefore: r.Stats.TokensBefore,
			TokensAfter:  r.Stats.TokensAfter,
			BytesBefore:  r.Stats.BytesBefore,
			BytesAfter:   r.Stats.BytesAfter,
			Transforms:   r.Stats.Steps,
			// The offload keys come from the pipeline; SmartCrusher's
			// own row-drop markers sit inside the text and are found by
			// scanning it.
			Markers: addedMarkers(append([]string(nil), r.Stats.Markers...), content, r.Text),
		},
	}
	if opts.Store != nil {
		if res.OriginalKey, err = storeOriginal(ctx, opts.Store, content, res.Stats.Markers); err != nil {
			// The text's own markers resolve, but a caller that asked for
			// a store would hand out a key that does not: fail open.
			return unchanged(content, r.Stats, start), err
		}
	}
	res.Stats.Duration = time.Since(start)
	return res, nil
}

// unchanged is the result that hands content back as it came, with what
// the compress call learnt about it.
func unchanged(content string, st compress.Stats, start time.Time) ContentResult {
	return ContentResult{
		Text:        content,
		ContentType: st.DetectedType,
		Outcome:     compress.Failed,
		Passed:      st.Passed,
		Stats: Stats{
			TokensBefore: st.TokensBefore,
			TokensAfter:  st.TokensBefore,
			BytesBefore:  len(content),
			BytesAfter:   len(content),
			Duration:     time.Since(start),
		},
	}
}

// storeOriginal puts content under its content key unless one of the
// markers already names it (the first step's marker does when that step
// was given the input itself).
func storeOriginal(ctx context.Context, store ccr.Store, content string, markers []string) (string, error) {
	key := ccr.ComputeKey([]byte(content))
	for _, m := range markers {
		if m == key {
			return key, nil
		}
	}
	if err := store.Put(ctx, key, []byte(content)); err != nil {
		return "", fmt.Errorf("headroom: store the original under %s: %w", key, err)
	}
	return key, nil
}

// addedMarkers appends to dst the marker hashes in after that are not
// already in dst and were not in before: a marker the input already
// carried was not written by this compression, and this store may not
// hold it.
func addedMarkers(dst []string, before, after string) []string {
	found := retrieve.ScanText(nil, after)
	if len(found) == 0 {
		return dst
	}
	seen := make(map[string]bool, len(dst))
	for _, d := range dst {
		seen[d] = true
	}
	for _, o := range retrieve.ScanText(nil, before) {
		seen[o] = true
	}
	for _, h := range found {
		if !seen[h] {
			seen[h] = true
			dst = append(dst, h)
		}
	}
	return dst
}
