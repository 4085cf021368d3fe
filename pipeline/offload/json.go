package offload

import (
	"context"
	"fmt"
	"strings"

	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/internal/pycompat"
	"github.com/headroom-go/headroom/relevance"
	"github.com/headroom-go/headroom/transform"
	"github.com/headroom-go/headroom/transform/smartcrusher"
)

// JSONName is the JSON offload's step name.
const JSONName = "json_offload"

// JSONConfig tunes the JSON offload's bloat estimate. The TOML keys are
// those of the [offload.json] section of the pipeline configuration.
type JSONConfig struct {
	// MinArrayRows is the fewest rows (counted by the separators between
	// them) for which the estimate is above zero.
	MinArrayRows int `toml:"min_array_rows"`
	// SaturationRows is the row count at which the estimate reaches 1.
	SaturationRows int `toml:"saturation_rows"`
}

// Validate reports the first field outside its documented range.
func (c JSONConfig) Validate() error {
	if c.MinArrayRows < 0 {
		return fmt.Errorf("min_array_rows must not be negative, got %d", c.MinArrayRows)
	}
	if c.SaturationRows < 0 {
		return fmt.Errorf("saturation_rows must not be negative, got %d", c.SaturationRows)
	}
	return nil
}

// JSON offloads JSON arrays through SmartCrusher. The crusher's own row-drop
// markers ("<<ccr:HASH N_rows_offloaded>>") resolve in the same store to
// the compact JSON of the array they cut, and the whole input resolves
// under the key of the closing "[json_offload CCR: hash=KEY]" line.
type JSON struct {
	cfg     JSONConfig
	store   ccr.Store
	crusher *smartcrusher.Crusher
}

var _ transform.Offloader = (*JSON)(nil)

// NewJSON returns a JSON offload storing into store, with the reference's
// default SmartCrusher: default configuration and constraints, and the
// hybrid relevance scorer for queries.
func NewJSON(cfg JSONConfig, store ccr.Store) (*JSON, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("offload: %s: %w", JSONName, err)
	}
	if store == nil {
		return nil, fmt.Errorf("offload: %s: %w", JSONName, errNoStore)
	}
	crusher, err := smartcrusher.New(smartcrusher.Options{
		Config: smartcrusher.DefaultConfig(),
		Store:  store,
		Scorer: smartcrusher.RelevanceScorer(relevance.DefaultHybrid()),
	})
	if err != nil {
		return nil, fmt.Errorf("offload: %s: %w", JSONName, err)
	}
	return &JSON{cfg: cfg, store: store, crusher: crusher}, nil
}

// Name implements transform.Offloader.
func (*JSON) Name() string { return JSONName }

// EstimateBloat scores a JSON array by its row count, without parsing it:
// the rows are counted by the "},{", "}, {" and "},\n" separators between
// them, which is exact for arrays of objects in the usual layouts and
// close enough for a gate.
func (j *JSON) EstimateBloat(content string) float32 {
	if !strings.HasPrefix(pycompat.TrimStart(content), "[") {
		return 0
	}
	sep := strings.Count(content, "},{") + strings.Count(content, "}, {") + strings.Count(content, "},\n")
	if sep < max(j.cfg.MinArrayRows-1, 0) {
		return 0
	}
	saturation := max(j.cfg.SaturationRows-1, 1)
	return clamp01(float32(sep) / float32(saturation))
}

// Offload crushes content and stores it under the MD5-24 key of the
// closing marker line. Content SmartCrusher leaves alone, or cannot make
// shorter, is Skipped.
func (j *JSON) Offload(ctx context.Context, content string, h transform.Hints) (transform.Result, error) {
	res, err := j.crusher.Crush(ctx, content, h.Query, h.Bias)
	if err != nil {
		return transform.Result{}, transform.Fail(JSONName, err)
	}
	if !res.WasModified {
		return transform.Result{}, transform.Skip(JSONName, "smart crusher left the content unchanged ("+res.Strategy+")")
	}
	if len(res.Compressed) >= len(content) {
		return transform.Result{}, transform.Skip(JSONName, "no savings after crush")
	}
	key := ccr.MD5Key([]byte(content))
	if err := put(ctx, j.store, JSONName, key, content); err != nil {
		return transform.Result{}, err
	}
	return transform.Result{Output: res.Compressed + "\n[json_offload CCR: hash=" + key + "]", Key: key}, nil
}
