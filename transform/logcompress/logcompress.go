// Package logcompress shrinks build, test and service logs for a model's
// context. It classifies every line (level, stack-trace membership, summary
// line), keeps the errors, failures, de-duplicated warnings, the first stack
// traces, the summaries and a few lines of context around them, caps the
// total with the adaptive sizer, and says how many lines of each level were
// left out. When a CCR store is attached and the output is small enough, the
// original is stored under the MD5-24 key named by a "Retrieve more" marker.
//
// The output matches the reference LogCompressor byte for byte (parity
// fixtures in the log_compressor directory).
package logcompress

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
// New rejects negative counts and a ratio outside (0, 1].
type Config struct {
	// MaxErrors caps the ERROR lines kept and, separately, the FAIL lines
	// kept. The first and last are kept when KeepFirstError and
	// KeepLastError say so, even beyond the cap; the highest-scoring others
	// fill the rest.
	MaxErrors int
	// ErrorContextLines is how many neighbouring lines on each side of
	// every kept line are kept too. Zero keeps none.
	ErrorContextLines int
	// KeepFirstError and KeepLastError pin the first and last ERROR (and
	// FAIL) line when there are more than MaxErrors.
	KeepFirstError bool
	KeepLastError  bool
	// MaxStackTraces is how many stack traces (runs of trace lines) are
	// kept, in order of appearance. Zero keeps none.
	MaxStackTraces int
	// StackTraceMaxLines ends a trace after this many lines and caps the
	// lines kept per trace. Zero ends every trace at its first line.
	StackTraceMaxLines int
	// MaxWarnings caps the WARN lines kept, after de-duplication.
	MaxWarnings int
	// DedupeWarnings keeps only the first of warnings that differ only in
	// numbers and paths after their first ':' or '='.
	DedupeWarnings bool
	// KeepSummaryLines keeps every summary line ("=== 3 passed …",
	// "Tests: 4 failed", "Build succeeded", …).
	KeepSummaryLines bool
	// MaxTotalLines is the most lines the adaptive sizer may keep; the
	// sizer usually keeps fewer for repetitive logs.
	MaxTotalLines int
	// MinLines is the line count below which the input is returned
	// unchanged without analysis (the reference's min_lines_for_ccr). Zero
	// analyses every input.
	MinLines int
	// EnableCCR allows the retrieval marker. False never emits one.
	EnableCCR bool
	// CCRRatio is the byte ratio output/input below which the marker is
	// emitted. It must be in (0, 1].
	CCRRatio float64
	// Store receives the original under the marker's key. Nil means no
	// store and no marker: the output is still compressed.
	Store ccr.Store
}

// Reference defaults (the values the parity fixtures were recorded with).
const (
	DefaultMaxErrors          = 10
	DefaultErrorContextLines  = 3
	DefaultMaxStackTraces     = 3
	DefaultStackTraceMaxLines = 20
	DefaultMaxWarnings        = 5
	DefaultMaxTotalLines      = 100
	DefaultMinLines           = 50
	DefaultCCRRatio           = 0.5
)

// DefaultConfig returns the reference configuration with CCR enabled and no
// store attached.
func DefaultConfig() Config {
	return Config{
		MaxErrors:          DefaultMaxErrors,
		ErrorContextLines:  DefaultErrorContextLines,
		KeepFirstError:     true,
		KeepLastError:      true,
		MaxStackTraces:     DefaultMaxStackTraces,
		StackTraceMaxLines: DefaultStackTraceMaxLines,
		MaxWarnings:        DefaultMaxWarnings,
		DedupeWarnings:     true,
		KeepSummaryLines:   true,
		MaxTotalLines:      DefaultMaxTotalLines,
		MinLines:           DefaultMinLines,
		EnableCCR:          true,
		CCRRatio:           DefaultCCRRatio,
	}
}

// ErrInvalidConfig is wrapped by every error New returns.
var ErrInvalidConfig = errors.New("logcompress: invalid config")

// ErrInvalidBias is wrapped by the error Compress returns for a negative,
// NaN or infinite bias.
var ErrInvalidBias = errors.New("logcompress: invalid bias")

// Format is the kind of log the compressor recognised. It is informational:
// selection does not depend on it.
type Format uint8

// Formats, in the order detection tries them.
const (
	FormatGeneric Format = iota
	FormatPytest
	FormatNpm
	FormatCargo
	FormatJest
	FormatMake
)

var formatNames = [...]string{"generic", "pytest", "npm", "cargo", "jest", "make"}

// String returns the reference's name for f ("pytest", …, "generic").
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// Stats counts the levels of all input lines and the lines selected.
type Stats struct {
	Errors   int
	Fails    int
	Warnings int
	Info     int
	Total    int
	Selected int
}

// Result describes one compression.
type Result struct {
	// Compressed is the output: the selected lines, an "[N lines omitted:
	// …]" line when lines were dropped, and the marker when CacheKey is set.
	Compressed string
	// Original is the input.
	Original string
	// OriginalLineCount is the number of newline-separated pieces of the
	// input; CompressedLineCount the number of input lines kept (summary
	// and marker lines are not counted).
	OriginalLineCount   int
	CompressedLineCount int
	// Format is the detected log format (FormatGeneric when not analysed).
	Format Format
	// CompressionRatio is len(output)/len(input) in bytes, measured before
	// the marker was appended; 1 when the input was returned unchanged.
	CompressionRatio float64
	// CacheKey is the MD5-24 key the marker names, or "" when none was
	// emitted. When set, the original is in Config.Store under it.
	CacheKey string
	// Stats is nil when the input had fewer than MinLines lines and was
	// returned without analysis.
	Stats *Stats
}

// Compressor compresses logs. It is safe for concurrent use.
type Compressor struct {
	cfg    Config
	levels *levelClassifier
}

// New validates cfg and returns a Compressor.
func New(cfg Config) (*Compressor, error) {
	for _, f := range []struct {
		name string
		v    int
	}{
		{"MaxErrors", cfg.MaxErrors},
		{"ErrorContextLines", cfg.ErrorContextLines},
		{"MaxStackTraces", cfg.MaxStackTraces},
		{"StackTraceMaxLines", cfg.StackTraceMaxLines},
		{"MaxWarnings", cfg.MaxWarnings},
		{"MaxTotalLines", cfg.MaxTotalLines},
		{"MinLines", cfg.MinLines},
	} {
		if f.v < 0 {
			return nil, fmt.Errorf("%w: %s %d is negative", ErrInvalidConfig, f.name, f.v)
		}
	}
	if math.IsNaN(cfg.CCRRatio) || cfg.CCRRatio <= 0 || cfg.CCRRatio > 1 {
		return nil, fmt.Errorf("%w: CCRRatio %v is outside (0, 1]", ErrInvalidConfig, cfg.CCRRatio)
	}
	return &Compressor{cfg: cfg, levels: defaultLevelClassifier()}, nil
}

// Config returns the configuration the Compressor was built with.
func (c *Compressor) Config() Config { return c.cfg }

// Compress compresses content. bias scales how many lines the adaptive
// sizer keeps: 1 keeps what the content's diversity suggests, 0 keeps the
// minimum; the live zone and the offload stage use 0. It must be finite and
// not negative.
//
// The result is deterministic for a given input and configuration. Apart
// from a bad bias, the error is non-nil only when the Store rejects the
// original; the Result returned with it is then the unchanged input, so a
// caller that fails open can forward it and no marker points at a missing
// entry.
func (c *Compressor) Compress(ctx context.Context, content string, bias float64) (Result, error) {
	if math.IsNaN(bias) || math.IsInf(bias, 0) || bias < 0 {
		return Result{}, fmt.Errorf("%w: %v (want a finite value >= 0)", ErrInvalidBias, bias)
	}
	lines := strings.Split(content, "\n")
	n := len(lines)
	if n < c.cfg.MinLines {
		return passThrough(content, n, FormatGeneric, nil), nil
	}

	format := detectFormat(lines)
	info := c.classify(content, lines)
	keep := c.selectLines(lines, info, bias)
	stats := countLevels(info)
	stats.Selected = len(keep)
	body := render(lines, keep, stats)
	if len(body) >= len(content) {
		// Nothing worth dropping (the omission line can even make the
		// output longer than a short input): keep the input.
		stats.Selected = n
		return passThrough(content, n, format, &stats), nil
	}

	res := Result{
		Compressed:          body,
		Original:            content,
		OriginalLineCount:   n,
		CompressedLineCount: len(keep),
		Format:              format,
		CompressionRatio:    float64(len(body)) / float64(max(len(content), 1)),
		Stats:               &stats,
	}
	if c.cfg.EnableCCR && c.cfg.Store != nil && res.CompressionRatio < c.cfg.CCRRatio {
		payload := []byte(content)
		key := ccr.MD5Key(payload)
		if err := c.cfg.Store.Put(ctx, key, payload); err != nil {
			stats.Selected = n
			return passThrough(content, n, format, &stats), fmt.Errorf("logcompress: store original under %s: %w", key, err)
		}
		res.Compressed += "\n[" + strconv.Itoa(n) + " lines compressed to " + strconv.Itoa(len(keep)) +
			". Retrieve more: hash=" + key + "]"
		res.CacheKey = key
	}
	return res, nil
}

func passThrough(content string, n int, f Format, s *Stats) Result {
	return Result{
		Compressed:          content,
		Original:            content,
		OriginalLineCount:   n,
		CompressedLineCount: n,
		Format:              f,
		CompressionRatio:    1,
		Stats:               s,
	}
}
