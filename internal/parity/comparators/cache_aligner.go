package comparators

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/headroom-go/headroom/internal/jsonx"
	"github.com/headroom-go/headroom/internal/parity"
	"github.com/headroom-go/headroom/tokenizer"
	"github.com/headroom-go/headroom/transform/cachealign"
)

func init() { register(parity.ComparatorFunc("cache_aligner", runCacheAligner)) }

// The recorder drove one aligner through requests i = 0..19 in order, each
//
//	system: "You are a helpful assistant. The date is <day>. Request id <i>."
//	user:   "Question number <i>: what is 2+2?"
//
// so every fixture's previous_hash is the stable prefix hash of request
// i-1. Fixtures are replayed one at a time in file-name order, so the
// comparator rebuilds request i-1 from request i and runs both through a
// fresh aligner; request 0 runs alone.
var (
	recordedRequestID = regexp.MustCompile(`Request id (\d+)\.`)
	recordedQuestion  = regexp.MustCompile(`^Question number (\d+):`)
)

// runCacheAligner replays CacheAligner.apply(messages, tokenizer): input is
// the messages array, config the CacheAlignerConfig, output the
// TransformResult. The recorder's tokenizer was OpenAI's gpt-4o-mini
// counter.
func runCacheAligner(input, config []byte) ([]byte, error) {
	cfg, err := cachealign.ParseConfig(config)
	if err != nil {
		return nil, err
	}
	messages, err := jsonx.Parse(input)
	if err != nil {
		return nil, fmt.Errorf("cache_aligner: input: %w", err)
	}
	counter := cachealign.ChatCounter{Text: tokenizer.ForModel(fixtureTokenizerModel)}
	aligner, err := cachealign.New(cfg, counter)
	if err != nil {
		return nil, err
	}
	prev, err := previousRecordedRequest(messages)
	if err != nil {
		return nil, err
	}
	if prev.Kind() == jsonx.Array {
		if _, err := aligner.Apply(prev, 0); err != nil {
			return nil, fmt.Errorf("cache_aligner: previous request: %w", err)
		}
	}
	res, err := aligner.Apply(messages, 0)
	if err != nil {
		return nil, err
	}
	return res.AppendJSON(nil), nil
}

// previousRecordedRequest rebuilds request i-1 of the recorder's workload
// from request i, or returns null for request 0.
func previousRecordedRequest(messages jsonx.Value) (jsonx.Value, error) {
	items := messages.Items()
	if len(items) != 2 {
		return jsonx.Value{}, fmt.Errorf("cache_aligner: want the recorder's [system, user] pair, got %d messages", len(items))
	}
	sys, _ := items[0].Get("content")
	user, _ := items[1].Get("content")
	sysText, ok1 := sys.Str()
	userText, ok2 := user.Str()
	sm := recordedRequestID.FindStringSubmatchIndex(sysText)
	um := recordedQuestion.FindStringSubmatchIndex(userText)
	if !ok1 || !ok2 || sm == nil || um == nil {
		return jsonx.Value{}, fmt.Errorf("cache_aligner: cannot find the recorder's request id in the input")
	}
	id, err := strconv.Atoi(sysText[sm[2]:sm[3]])
	if err != nil || userText[um[2]:um[3]] != sysText[sm[2]:sm[3]] {
		return jsonx.Value{}, fmt.Errorf("cache_aligner: inconsistent request ids in the input")
	}
	if id == 0 {
		return jsonx.NullValue(), nil
	}
	prevID := strconv.Itoa(id - 1)
	prevSys := sysText[:sm[2]] + prevID + sysText[sm[3]:]
	prevUser := userText[:um[2]] + prevID + userText[um[3]:]
	return jsonx.ArrayValue([]jsonx.Value{
		withContent(items[0], prevSys),
		withContent(items[1], prevUser),
	}), nil
}

func withContent(m jsonx.Value, content string) jsonx.Value {
	var ob jsonx.ObjectBuilder
	for _, mem := range m.Members() {
		ob.Set(mem.Key, mem.Value)
	}
	ob.Set("content", jsonx.StringValue(content))
	return ob.Value()
}
