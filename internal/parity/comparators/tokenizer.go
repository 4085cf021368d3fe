package comparators

import (
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
	if err := requireEmptyConfig("tokenizer", config); err != nil {
		return nil, err
	}
	text, err := stringInput("tokenizer", input)
	if err != nil {
		return nil, err
	}
	return strconv.AppendInt(nil, int64(tokenizer.ForModel(fixtureTokenizerModel).Count(text)), 10), nil
}
