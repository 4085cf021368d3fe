package offload

import (
	"context"
	"fmt"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/pipeline/internal/linescan"
	"github.com/headroom-go/headroom/transform"
	"github.com/headroom-go/headroom/transform/searchcompress"
)

// SearchName is the search offload's step name.
const SearchName = "search_offload"

// Search offloads grep/ripgrep output through SearchCompressor, whose
// "Retrieve more: hash=KEY" marker resolves in the store to the full
// output. The reference does not register it by default: agents acted on
// lossy grep results (upstream issue #1307), so callers opt in.
type Search struct {
	cfg  SearchBloatConfig
	comp *searchcompress.Compressor
}

var _ transform.Offloader = (*Search)(nil)

// NewSearch returns a search offload storing into store, with the default
// SearchCompressor.
func NewSearch(cfg SearchBloatConfig, store ccr.Store) (*Search, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("offload: %s: %w", SearchName, err)
	}
	if store == nil {
		return nil, fmt.Errorf("offload: %s: %w", SearchName, errNoStore)
	}
	sc := searchcompress.DefaultConfig()
	sc.Store = store
	comp, err := searchcompress.New(sc)
	if err != nil {
		return nil, fmt.Errorf("offload: %s: %w", SearchName, err)
	}
	return &Search{cfg: cfg, comp: comp}, nil
}

// Name implements transform.Offloader.
func (*Search) Name() string { return SearchName }

// EstimateBloat scores how much the matches cluster in few files. It
// allocates one map entry per distinct file.
func (s *Search) EstimateBloat(content string) float32 {
	total := 0
	files := map[string]struct{}{}
	sc := linescan.New(content)
	for line, ok := sc.Next(); ok; line, ok = sc.Next() {
		if file, ok := matchFile(line); ok {
			total++
			files[file] = struct{}{}
		}
	}
	if total < s.cfg.MinMatches || len(files) == 0 {
		return 0
	}
	avg := float32(total) / float32(len(files))
	if avg <= 1 {
		return 0
	}
	return clamp01((avg - 1) / s.cfg.ClusterThreshold)
}

// matchFile returns the file part of a grep-style line: the text before
// the first ':' or '-' that is followed by digits and the same separator
// again ("path:12:", ripgrep context "path-12-"). A leading drive letter
// ("C:") is skipped. The file part may be empty.
func matchFile(line string) (string, bool) {
	start := 0
	if len(line) >= 2 && line[1] == ':' && isASCIILetter(line[0]) {
		start = 2
	}
	for i := start; i < len(line); i++ {
		sep := line[i]
		if sep != ':' && sep != '-' {
			continue
		}
		j := i + 1
		for j < len(line) && line[j] >= '0' && line[j] <= '9' {
			j++
		}
		if j > i+1 && j < len(line) && line[j] == sep {
			return line[:i], true
		}
	}
	return "", false
}

func isASCIILetter(b byte) bool { return b|0x20 >= 'a' && b|0x20 <= 'z' }

// Offload compresses content with SearchCompressor; h.Query raises the
// matches that contain its words. When the compressor emits no marker the
// offload is Skipped.
func (s *Search) Offload(ctx context.Context, content string, h transform.Hints) (transform.Result, error) {
	res, err := s.comp.Compress(ctx, content, h.Query, h.Bias)
	if err != nil {
		return transform.Result{}, transform.Fail(SearchName, err)
	}
	if res.CacheKey == "" {
		return transform.Result{}, transform.Skip(SearchName, fmt.Sprintf(
			"search compressor emitted no marker (%d of %d matches kept)", res.CompressedMatches, res.OriginalMatches))
	}
	return transform.Result{Output: res.Compressed, Key: res.CacheKey}, nil
}
