package comparators

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"

	"github.com/headroom-go/headroom/ccr/retrieve"
	"github.com/headroom-go/headroom/internal/parity"
)

func init() { register(parity.ComparatorFunc("ccr", runCCR)) }

// recordedToolName is the tool the recorder put in each request:
// other_tool_{i}, with provider anthropic for even i and openai for odd i
// (the provider itself was not recorded).
var recordedToolName = regexp.MustCompile(`^other_tool_(\d+)$`)

// runCCR replays CCRToolInjector.inject_tool_definition(tools): input is the
// tools list, config is empty, output is [updated_tools, was_injected]. The
// recorder planted a detected hash, so injection is forced; the fixtures
// pin the schema of that era, which still had the optional query parameter.
func runCCR(input, config []byte) ([]byte, error) {
	if err := requireEmptyConfig("ccr", config); err != nil {
		return nil, err
	}
	var tools []struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(input, &tools); err != nil {
		return nil, fmt.Errorf("ccr: input must be a tools array: %w", err)
	}
	if len(tools) != 1 {
		return nil, fmt.Errorf("ccr: want the recorder's one input tool, got %d", len(tools))
	}
	m := recordedToolName.FindStringSubmatch(tools[0].Name)
	if m == nil {
		return nil, fmt.Errorf("ccr: cannot derive the provider from tool name %q", tools[0].Name)
	}
	i, err := strconv.Atoi(m[1])
	if err != nil {
		return nil, fmt.Errorf("ccr: tool index %q: %w", m[1], err)
	}
	provider := retrieve.Anthropic
	if i%2 == 1 {
		provider = retrieve.OpenAI
	}
	// One fresh tracker per fixture, as the recorder used a fresh injector;
	// the planted hash is "markers this turn", and there is no session.
	out, decision, err := retrieve.NewTracker(retrieve.WithQuery, 1).Apply(provider, "", input, true)
	if err != nil {
		return nil, fmt.Errorf("ccr: %w", err)
	}
	res := append([]byte{'['}, out...)
	res = append(res, ',')
	res = strconv.AppendBool(res, decision.Injected())
	return append(res, ']'), nil
}
