package tokenizer

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strconv"

	"github.com/pkoukk/tiktoken-go-loader/assets"
)

// loadRanks parses the embedded rank file of enc: one line per token, the
// token's bytes in standard base64, a space, and its rank.
func loadRanks(enc Encoding) (map[string]uint32, error) {
	data, err := assets.Assets.ReadFile(string(enc) + ".tiktoken")
	if err != nil {
		return nil, fmt.Errorf("tokenizer: rank file for %s: %w", enc, err)
	}
	return parseRanks(data)
}

func parseRanks(data []byte) (map[string]uint32, error) {
	lines := bytes.Count(data, []byte{'\n'}) + 1
	ranks := make(map[string]uint32, lines)
	// Decode every token into one buffer and key the map with substrings of
	// a single string, so the table costs two allocations plus the map.
	raw := make([]byte, 0, base64.StdEncoding.DecodedLen(len(data)))
	type span struct {
		start, end int
		rank       uint32
	}
	spans := make([]span, 0, lines)
	for lineNo := 1; len(data) > 0; lineNo++ {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if len(line) == 0 {
			continue
		}
		tok, num, ok := bytes.Cut(line, []byte{' '})
		if !ok {
			return nil, fmt.Errorf("tokenizer: rank file line %d: no space", lineNo)
		}
		rank, err := strconv.ParseUint(string(num), 10, 32)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: rank file line %d: %w", lineNo, err)
		}
		start := len(raw)
		raw, err = base64.StdEncoding.AppendDecode(raw, tok)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: rank file line %d: %w", lineNo, err)
		}
		if len(raw) == start {
			return nil, fmt.Errorf("tokenizer: rank file line %d: empty token", lineNo)
		}
		spans = append(spans, span{start, len(raw), uint32(rank)})
	}
	all := string(raw)
	for _, s := range spans {
		tok := all[s.start:s.end]
		if _, dup := ranks[tok]; dup {
			return nil, fmt.Errorf("tokenizer: rank file: token %q listed twice", tok)
		}
		ranks[tok] = s.rank
	}
	return ranks, nil
}
