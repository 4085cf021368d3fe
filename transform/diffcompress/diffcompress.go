// Package diffcompress shrinks unified diffs (git diff, git show, git log -p)
// for a model's context: it keeps every added and removed line, trims the
// unchanged context around them, caps how many hunks per file and how many
// files survive, and ends with a one-line summary. When a CCR store is
// attached and enough lines were dropped, the original is stored under the
// MD5-24 key named by a "Retrieve full diff" marker.
//
// The output matches the reference DiffCompressor byte for byte (parity
// fixtures in the diff_compressor directory).
package diffcompress

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/headroom-go/headroom/ccr"
)

// Config tunes a Compressor. Build one with DefaultConfig and change fields;
// the zero Config is not useful (it keeps at most zero files) and New
// rejects it.
type Config struct {
	// MaxContextLines is how many unchanged lines survive on each side of
	// an added or removed line. Zero keeps none.
	MaxContextLines int

	// MaxHunksPerFile caps the hunks kept per file. When a file has more,
	// the first and the last hunk are kept and the best-scoring middle
	// hunks fill the rest. It must be at least 2 because the first and
	// last hunk are always kept.
	MaxHunksPerFile int

	// MaxFiles caps the files kept. When a diff touches more, the files
	// with the most added plus removed lines win. It must be at least 1.
	MaxFiles int

	// MinLines is the line count (newline-separated pieces) below which the
	// input is returned unchanged without parsing. The reference calls it
	// min_lines_for_ccr although it gates the whole transform. Zero
	// compresses every input.
	MinLines int

	// EnableCCR allows the retrieval marker. False never emits one, even
	// with a Store.
	EnableCCR bool

	// CCRLineRatio is the compression the marker requires: it is emitted
	// only when compressed lines < original lines × CCRLineRatio. It must
	// be in (0, 1].
	CCRLineRatio float64

	// Store receives the original under the marker's key. Nil means no
	// store: the output is still compressed but carries no marker and
	// Result.CacheKey is empty, because a marker that resolves nowhere
	// would promise the model something it cannot get.
	Store ccr.Store
}

// Reference defaults (the values the parity fixtures were recorded with).
const (
	DefaultMaxContextLines = 2
	DefaultMaxHunksPerFile = 10
	DefaultMaxFiles        = 20
	DefaultMinLines        = 50
	DefaultCCRLineRatio    = 0.8
)

// DefaultConfig returns the reference configuration with CCR enabled and no
// store attached.
func DefaultConfig() Config {
	return Config{
		MaxContextLines: DefaultMaxContextLines,
		MaxHunksPerFile: DefaultMaxHunksPerFile,
		MaxFiles:        DefaultMaxFiles,
		MinLines:        DefaultMinLines,
		EnableCCR:       true,
		CCRLineRatio:    DefaultCCRLineRatio,
	}
}

// ErrInvalidConfig is wrapped by every error New returns.
var ErrInvalidConfig = errors.New("diffcompress: invalid config")

// Result describes one compression. When the input was returned unchanged
// (too short, not a diff, or compression would not have made it smaller),
// Compressed is the input, both line counts are equal and every other
// count is zero.
type Result struct {
	// Compressed is the output text, including the summary footer and, if
	// CacheKey is set, the retrieval marker as its last line.
	Compressed string
	// OriginalLineCount is the number of newline-separated pieces of the
	// input (a trailing newline yields a final empty piece).
	OriginalLineCount int
	// CompressedLineCount counts the pieces of Compressed before the
	// marker line was appended.
	CompressedLineCount int
	// FilesAffected is the number of files kept in the output.
	FilesAffected int
	// Additions and Deletions count the added and removed lines of the kept
	// files before context trimming.
	Additions int
	Deletions int
	// HunksKept and HunksRemoved count hunks of the kept files.
	HunksKept    int
	HunksRemoved int
	// CacheKey is the MD5-24 key the marker names, or "" when no marker
	// was emitted. When set, the original is in Config.Store under it.
	CacheKey string
}

// Compressor compresses diffs. It holds only its configuration and is safe
// for concurrent use.
type Compressor struct {
	cfg Config
}

// New validates cfg and returns a Compressor.
func New(cfg Config) (*Compressor, error) {
	switch {
	case cfg.MaxContextLines < 0:
		return nil, fmt.Errorf("%w: MaxContextLines %d is negative", ErrInvalidConfig, cfg.MaxContextLines)
	case cfg.MaxHunksPerFile < 2:
		return nil, fmt.Errorf("%w: MaxHunksPerFile %d is below 2 (the first and last hunk are always kept)", ErrInvalidConfig, cfg.MaxHunksPerFile)
	case cfg.MaxFiles < 1:
		return nil, fmt.Errorf("%w: MaxFiles %d is below 1", ErrInvalidConfig, cfg.MaxFiles)
	case cfg.MinLines < 0:
		return nil, fmt.Errorf("%w: MinLines %d is negative", ErrInvalidConfig, cfg.MinLines)
	case math.IsNaN(cfg.CCRLineRatio) || cfg.CCRLineRatio <= 0 || cfg.CCRLineRatio > 1:
		return nil, fmt.Errorf("%w: CCRLineRatio %v is outside (0, 1]", ErrInvalidConfig, cfg.CCRLineRatio)
	}
	return &Compressor{cfg: cfg}, nil
}

// Config returns the configuration the Compressor was built with.
func (c *Compressor) Config() Config { return c.cfg }

// Compress compresses content. query is the user's question or task; its
// words (longer than two bytes) raise the score of hunks that contain them
// when a file has more than MaxHunksPerFile hunks. Pass "" when there is
// none.
//
// The result is deterministic for a given input and configuration. The
// error is non-nil only when the Store rejects the original; the Result
// returned with it is then the unchanged input, so a caller that fails
// open can forward it as is and no marker points at a missing entry.
func (c *Compressor) Compress(ctx context.Context, content, query string) (Result, error) {
	lines := strings.Split(content, "\n")
	n := len(lines)
	if n < c.cfg.MinLines {
		return passThrough(content, n), nil
	}
	d := parse(lines)
	if len(d.files) == 0 {
		return passThrough(content, n), nil
	}
	files := d.files
	if len(files) > c.cfg.MaxFiles {
		files = keepHeaviestFiles(files, c.cfg.MaxFiles)
	}

	res := Result{OriginalLineCount: n, FilesAffected: len(files)}
	var scratch []bool
	for i := range files {
		f := &files[i]
		for _, h := range f.hunks {
			res.Additions += h.additions
			res.Deletions += h.deletions
		}
		// Scores only order middle hunks when the cap fires; computing
		// them for every hunk would lowercase the whole diff for nothing.
		if len(f.hunks) > c.cfg.MaxHunksPerFile {
			scoreHunks(f.hunks, query)
		}
		kept := selectHunks(f.hunks, c.cfg.MaxHunksPerFile)
		for j := range kept {
			kept[j].lines, scratch = reduceContext(kept[j].lines, c.cfg.MaxContextLines, scratch)
		}
		res.HunksKept += len(kept)
		res.HunksRemoved += len(f.hunks) - len(kept)
		f.hunks = kept
	}

	out := render(d.preDiff, files, &res)
	res.CompressedLineCount = strings.Count(out, "\n") + 1
	// The reference can emit more than it was given (the footer is an extra
	// line, and nothing may have been trimmed); such output helps nobody,
	// so the input is returned instead.
	if len(out) >= len(content) || res.CompressedLineCount > n {
		return passThrough(content, n), nil
	}

	if c.cfg.EnableCCR && c.cfg.Store != nil &&
		float64(res.CompressedLineCount) < float64(n)*c.cfg.CCRLineRatio {
		payload := []byte(content)
		key := ccr.MD5Key(payload)
		if err := c.cfg.Store.Put(ctx, key, payload); err != nil {
			return passThrough(content, n), fmt.Errorf("diffcompress: store original under %s: %w", key, err)
		}
		out += "\n[" + strconv.Itoa(n) + " lines compressed to " + strconv.Itoa(res.CompressedLineCount) +
			". Retrieve full diff: hash=" + key + "]"
		res.CacheKey = key
	}
	res.Compressed = out
	return res, nil
}

func passThrough(content string, n int) Result {
	return Result{Compressed: content, OriginalLineCount: n, CompressedLineCount: n}
}
