package offload

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/pipeline/internal/linescan"
	"github.com/headroom-go/headroom/transform"
)

// DiffNoiseName is the diff-noise offload's step name.
const DiffNoiseName = "diff_noise"

// DiffNoiseConfig tunes DiffNoise. The TOML keys are those of the
// [offload.diff_noise] section of the pipeline configuration.
type DiffNoiseConfig struct {
	// MinLines is the line count below which the estimate is zero.
	MinLines int `toml:"min_lines"`
	// LockfileSuffixes name generated files whose hunks are dropped. A
	// file matches when its path ends with a suffix that is the whole
	// path or follows a '/' or '\' (so "Cargo.lock" matches
	// "crates/x/Cargo.lock" but not "MyCargo.lock"). Case-sensitive.
	LockfileSuffixes []string `toml:"lockfile_suffixes"`
	// DropWhitespaceOnlyHunks drops a file's hunks when its added lines
	// equal its removed lines once ASCII white space is removed.
	DropWhitespaceOnlyHunks bool `toml:"drop_whitespace_only_hunks"`
}

// Validate reports the first field outside its documented range.
func (c DiffNoiseConfig) Validate() error {
	if c.MinLines < 0 {
		return fmt.Errorf("min_lines must not be negative, got %d", c.MinLines)
	}
	for i, s := range c.LockfileSuffixes {
		if s == "" {
			// An empty suffix would match every path.
			return fmt.Errorf("lockfile_suffixes[%d] must not be empty", i)
		}
	}
	return nil
}

// DiffNoise drops the hunks of lockfiles and of whitespace-only changes from
// a git diff, keeping every file's header lines so the model still sees
// that the file changed, and replaces each dropped body with
//
//	[diff_noise: lockfile hunks dropped (N lines)]
//
// The whole diff resolves under the key of the closing
// "[diff_noise CCR: hash=KEY]" line.
type DiffNoise struct {
	cfg   DiffNoiseConfig
	store ccr.Store
}

var _ transform.Offloader = (*DiffNoise)(nil)

// NewDiffNoise returns a DiffNoise storing into store.
func NewDiffNoise(cfg DiffNoiseConfig, store ccr.Store) (*DiffNoise, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("offload: %s: %w", DiffNoiseName, err)
	}
	if store == nil {
		return nil, fmt.Errorf("offload: %s: %w", DiffNoiseName, errNoStore)
	}
	cfg.LockfileSuffixes = append([]string(nil), cfg.LockfileSuffixes...)
	return &DiffNoise{cfg: cfg, store: store}, nil
}

// Name implements transform.Offloader.
func (*DiffNoise) Name() string { return DiffNoiseName }

// EstimateBloat returns the share of hunk-body bytes (each line plus its
// newline) that belong to droppable files.
func (d *DiffNoise) EstimateBloat(content string) float32 {
	if content == "" || linescan.Count(content) < d.cfg.MinLines {
		return 0
	}
	var droppable, total int
	found := false
	d.segments(content, func(s *segment) {
		found = true
		total += s.bodyBytes
		if d.droppable(s) != "" {
			droppable += s.bodyBytes
		}
	})
	if !found || total == 0 {
		return 0
	}
	return clamp01(float32(droppable) / float32(total))
}

// Offload rewrites content without the droppable hunk bodies. A diff with
// no "diff --git" section, or nothing to drop, is Skipped.
func (d *DiffNoise) Offload(ctx context.Context, content string, _ transform.Hints) (transform.Result, error) {
	var out strings.Builder
	out.Grow(len(content))
	sc := linescan.New(content)
	for line, ok := sc.Next(); ok && !strings.HasPrefix(line, "diff --git"); line, ok = sc.Next() {
		out.WriteString(line)
		out.WriteByte('\n')
	}
	found, dropped := false, false
	d.segments(content, func(s *segment) {
		found = true
		for _, l := range s.header {
			out.WriteString(l)
			out.WriteByte('\n')
		}
		if reason := d.droppable(s); reason != "" {
			out.WriteString("[diff_noise: ")
			out.WriteString(reason)
			out.WriteString(" hunks dropped (")
			out.WriteString(strconv.Itoa(len(s.body)))
			out.WriteString(" lines)]\n")
			dropped = true
			return
		}
		for _, l := range s.body {
			out.WriteString(l)
			out.WriteByte('\n')
		}
	})
	if !found {
		return transform.Result{}, transform.Skip(DiffNoiseName, "no diff sections")
	}
	if !dropped || out.Len() >= len(content) {
		return transform.Result{}, transform.Skip(DiffNoiseName, "no droppable hunks")
	}
	key := ccr.MD5Key([]byte(content))
	if err := put(ctx, d.store, DiffNoiseName, key, content); err != nil {
		return transform.Result{}, err
	}
	out.WriteString("\n[diff_noise CCR: hash=")
	out.WriteString(key)
	out.WriteByte(']')
	return transform.Result{Output: out.String(), Key: key}, nil
}

// segment is one file's part of a git diff: the "diff --git" line and the
// header lines after it, then the body from the first "@@" line to the
// next "diff --git".
type segment struct {
	path      string // the path after the header's last " b/", or ""
	header    []string
	body      []string
	bodyBytes int // Σ len(line)+1 over body
}

// segments calls fn for each "diff --git" section of content, in order.
// Lines before the first section belong to no segment. The segment passed
// to fn is reused for the next call.
func (d *DiffNoise) segments(content string, fn func(*segment)) {
	var s segment
	open, inBody := false, false
	sc := linescan.New(content)
	for line, ok := sc.Next(); ok; line, ok = sc.Next() {
		if strings.HasPrefix(line, "diff --git") {
			if open {
				fn(&s)
			}
			open, inBody = true, false
			s.path = ""
			if i := strings.LastIndex(line, " b/"); i >= 0 {
				s.path = line[i+3:]
			}
			s.header = append(s.header[:0], line)
			s.body = s.body[:0]
			s.bodyBytes = 0
			continue
		}
		if !open {
			continue
		}
		if !inBody && strings.HasPrefix(line, "@@") {
			inBody = true
		}
		if inBody {
			s.body = append(s.body, line)
			s.bodyBytes += len(line) + 1
		} else {
			s.header = append(s.header, line)
		}
	}
	if open {
		fn(&s)
	}
}

// droppable returns why s's body can be dropped ("lockfile" wins over
// "whitespace-only"), or "" when it must be kept.
func (d *DiffNoise) droppable(s *segment) string {
	if d.isLockfile(s.path) {
		return "lockfile"
	}
	if d.cfg.DropWhitespaceOnlyHunks && whitespaceOnly(s.body) {
		return "whitespace-only"
	}
	return ""
}

func (d *DiffNoise) isLockfile(path string) bool {
	if path == "" {
		return false
	}
	for _, suffix := range d.cfg.LockfileSuffixes {
		if !strings.HasSuffix(path, suffix) {
			continue
		}
		rest := len(path) - len(suffix)
		if rest == 0 || path[rest-1] == '/' || path[rest-1] == '\\' {
			return true
		}
	}
	return false
}

// whitespaceOnly reports whether body changes something and its added
// lines, with ASCII white space removed, equal its removed lines likewise
// stripped, in order. "+++" and "---" lines are not changes.
func whitespaceOnly(body []string) bool {
	var adds, subs []string
	for _, l := range body {
		switch {
		case strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "+++"):
			adds = append(adds, l[1:])
		case strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "---"):
			subs = append(subs, l[1:])
		}
	}
	if len(adds)+len(subs) == 0 || len(adds) != len(subs) {
		return false
	}
	for i := range adds {
		if !equalIgnoringASCIISpace(adds[i], subs[i]) {
			return false
		}
	}
	return true
}

// isASCIISpace is Rust's u8::is_ascii_whitespace: space, \t, \n, \f, \r
// (not \v).
func isASCIISpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\f' || b == '\r'
}

// equalIgnoringASCIISpace compares a and b with ASCII white space removed,
// without building the stripped strings.
func equalIgnoringASCIISpace(a, b string) bool {
	i, j := 0, 0
	for {
		for i < len(a) && isASCIISpace(a[i]) {
			i++
		}
		for j < len(b) && isASCIISpace(b[j]) {
			j++
		}
		if i == len(a) || j == len(b) {
			return i == len(a) && j == len(b)
		}
		if a[i] != b[j] {
			return false
		}
		i++
		j++
	}
}
