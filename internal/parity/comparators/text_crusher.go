package comparators

import (
	"fmt"
	"strconv"

	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/internal/parity"
	"github.com/headroom-go/headroom/internal/pycompat"
	"github.com/headroom-go/headroom/transform/textcrush"
)

func init() { register(parity.ComparatorFunc("text_crusher", runTextCrusher)) }

// textCrusherInput is the fixture input: the reference's
// compress(content, context, target_ratio) arguments, target_ratio null
// for "use the configured ratio".
type textCrusherInput struct {
	Content     *string  `json:"content"`
	Context     *string  `json:"context"`
	TargetRatio *float64 `json:"target_ratio"`
}

// runTextCrusher replays TextCrusher().compress(content, context,
// target_ratio) with the default configuration; the fixtures carry no
// config.
func runTextCrusher(input, config []byte) ([]byte, error) {
	var in textCrusherInput
	if err := decodeStrict(input, &in); err != nil {
		return nil, fmt.Errorf("text_crusher: input: %w", err)
	}
	if in.Content == nil || in.Context == nil {
		return nil, fmt.Errorf("text_crusher: input needs content and context strings")
	}
	var none struct{}
	if err := decodeStrict(config, &none); err != nil {
		return nil, fmt.Errorf("text_crusher: config: %w", err)
	}
	c, err := textcrush.New(textcrush.DefaultConfig())
	if err != nil {
		return nil, err
	}
	var r textcrush.Result
	if in.TargetRatio == nil {
		r = c.Compress(*in.Content, *in.Context)
	} else if r, err = c.CompressRatio(*in.Content, *in.Context, *in.TargetRatio); err != nil {
		return nil, err
	}
	out := []byte(`{"compressed":`)
	out = jsonx.AppendCompactString(out, r.Compressed)
	out = append(out, `,"original_tokens":`...)
	out = strconv.AppendInt(out, int64(r.OriginalTokens), 10)
	out = append(out, `,"compressed_tokens":`...)
	out = strconv.AppendInt(out, int64(r.CompressedTokens), 10)
	out = append(out, `,"compression_ratio":`...)
	out = pycompat.AppendPyRepr(out, r.CompressionRatio)
	out = append(out, `,"kept_segments":`...)
	out = strconv.AppendInt(out, int64(r.KeptSegments), 10)
	out = append(out, `,"total_segments":`...)
	out = strconv.AppendInt(out, int64(r.TotalSegments), 10)
	return append(out, '}'), nil
}
