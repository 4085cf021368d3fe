package coreapi

import (
	"fmt"
	"testing"

	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/internal/parity"
)

// The parity tests replay the reference's fixtures through Call, so they
// check what the comparators do not: that each method maps its keyword
// arguments onto the transform the way the reference's headroom._core
// does, and writes its result fields with the reference's names and types.

// callJSON builds a request object from members and runs method.
func callJSON(method string, members ...jsonx.Member) ([]byte, error) {
	return Call(method, jsonx.AppendCompact(nil, jsonx.ObjectValue(members)))
}

func parseFixture(name string, b []byte) (jsonx.Value, error) {
	v, err := jsonx.Parse(b)
	if err != nil {
		return v, fmt.Errorf("%s: %w", name, err)
	}
	return v, nil
}

// parseInputConfig parses both halves of a fixture that carries a config.
func parseInputConfig(input, config []byte) (in, cfg jsonx.Value, err error) {
	if in, err = parseFixture("input", input); err != nil {
		return in, cfg, err
	}
	cfg, err = parseFixture("config", config)
	return in, cfg, err
}

// withConfig replays a fixture whose input is the content string and whose
// config holds the transform's config keywords.
func withConfig(method string) func(input, config []byte) ([]byte, error) {
	return func(input, config []byte) ([]byte, error) {
		content, cfg, err := parseInputConfig(input, config)
		if err != nil {
			return nil, err
		}
		return callJSON(method, jsonx.Member{Key: "config", Value: cfg}, jsonx.Member{Key: "content", Value: content})
	}
}

func TestParitySmartCrusher(t *testing.T) {
	parity.Run(t, parity.ComparatorFunc("smart_crusher", func(input, config []byte) ([]byte, error) {
		in, cfg, err := parseInputConfig(input, config)
		if err != nil {
			return nil, err
		}
		// The fixtures were recorded with SmartCrusher.without_compaction.
		members := append([]jsonx.Member{
			{Key: "config", Value: cfg},
			{Key: "compaction", Value: jsonx.StringValue("off")},
		}, in.Members()...)
		return callJSON("smart_crusher.crush", members...)
	}))
}

func TestParityDiffCompressor(t *testing.T) {
	parity.Run(t, parity.ComparatorFunc("diff_compressor", withConfig("diff_compressor.compress")))
}

func TestParityLogCompressor(t *testing.T) {
	parity.Run(t, parity.ComparatorFunc("log_compressor", withConfig("log_compressor.compress")))
}

func TestParityTextCrusher(t *testing.T) {
	parity.Run(t, parity.ComparatorFunc("text_crusher", func(input, _ []byte) ([]byte, error) {
		in, err := parseFixture("input", input)
		if err != nil {
			return nil, err
		}
		return callJSON("text_crusher.compress", in.Members()...)
	}))
}

func TestParityContentDetector(t *testing.T) {
	parity.Run(t, parity.ComparatorFunc("content_detector", func(input, _ []byte) ([]byte, error) {
		content, err := parseFixture("input", input)
		if err != nil {
			return nil, err
		}
		return callJSON("detect_content_type", jsonx.Member{Key: "content", Value: content})
	}))
}

func TestParityTokenizer(t *testing.T) {
	parity.Run(t, parity.ComparatorFunc("tokenizer", func(input, _ []byte) ([]byte, error) {
		text, err := parseFixture("input", input)
		if err != nil {
			return nil, err
		}
		// The recorder counted with the OpenAI counter built for gpt-4o-mini.
		return callJSON("count_tokens", jsonx.Member{Key: "text", Value: text}, jsonx.Member{Key: "model", Value: jsonx.StringValue("gpt-4o-mini")})
	}))
}
