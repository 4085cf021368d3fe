package comparators

import (
	"github.com/headroom-go/headroom/internal/parity"
	"github.com/headroom-go/headroom/transform/detect"
)

func init() { register(parity.ComparatorFunc("content_detector", runContentDetector)) }

// runContentDetector replays detect_content_type: input is the text as a
// JSON string, config is empty, output is
// {"content_type":TAG,"confidence":F,"metadata":{...}}.
func runContentDetector(input, config []byte) ([]byte, error) {
	if err := requireEmptyConfig("content_detector", config); err != nil {
		return nil, err
	}
	text, err := stringInput("content_detector", input)
	if err != nil {
		return nil, err
	}
	return detect.Detect(text).AppendJSON(nil), nil
}
