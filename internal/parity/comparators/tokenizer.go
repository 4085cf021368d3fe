package comparators

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/headroom-go/headroom/internal/parity"
	"github.com/headroom-go/headroom/tokenizer"
)

func init() { register(parity.ComparatorFunc("tokenizer", runTokenizer)) }

// fixtureTokenizerModel is the model the recorder's OpenAI token counter was
// built for; the registry maps it to o200k_base.
const fixtureTokenizerModel = "gpt-4o-mini"

// runTokenizer replays Tokenizer.count_text: input is the text as a JSON
// string, config is empty, output is the token count as a JSON integer.
func runTokenizer(input, config []byte) ([]byte, error) {
	var cfg map[string]json.RawMessage
	if err := json.Unmarshal(config, &cfg); err != nil {
		return nil, fmt.Errorf("tokenizer: config: %w", err)
	}
	if len(cfg) != 0 {
		return nil, fmt.Errorf("tokenizer: config must be empty, got %s", config)
	}
	var text string
	if err := json.Unmarshal(input, &text); err != nil {
		return nil, fmt.Errorf("tokenizer: input must be a JSON string: %w", err)
	}
	return strconv.AppendInt(nil, int64(tokenizer.ForModel(fixtureTokenizerModel).Count(text)), 10), nil
}
