package comparators

import (
	"encoding/json"
	"fmt"

	"github.com/headroom-go/headroom/internal/parity"
	"github.com/headroom-go/headroom/transform/detect"
)

func init() { register(parity.ComparatorFunc("content_detector", runContentDetector)) }

// runContentDetector replays detect_content_type: input is the text as a
// JSON string, config is empty, output is
// {"content_type":TAG,"confidence":F,"metadata":{...}}.
func runContentDetector(input, config []byte) ([]byte, error) {
	var cfg map[string]json.RawMessage
	if err := json.Unmarshal(config, &cfg); err != nil {
		return nil, fmt.Errorf("content_detector: config: %w", err)
	}
	if len(cfg) != 0 {
		return nil, fmt.Errorf("content_detector: config must be empty, got %s", config)
	}
	var text string
	if err := json.Unmarshal(input, &text); err != nil {
		return nil, fmt.Errorf("content_detector: input must be a JSON string: %w", err)
	}
	return detect.Detect(text).AppendJSON(nil), nil
}
