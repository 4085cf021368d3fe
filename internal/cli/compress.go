package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/headroom-go/headroom"
	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/backend"
	"github.com/headroom-go/headroom/compress"
	"github.com/headroom-go/headroom/pipeline"
)

func init() {
	register(&command{
		name:    "compress",
		summary: "compress a tool output (or a whole API request) and print the result",
		run:     runCompress,
	})
}

// compressHelp is the help of the compress command; its flags follow.
const compressHelp = `Usage:
  headroom compress [flags] [FILE|-]

Reads FILE (standard input when FILE is - or absent), detects what it is
(a JSON array or document, build or log output, a diff, search results,
source code, HTML, text), compresses it the way the library does, and
writes the result to standard output byte for byte, with no newline
added. Content that nothing makes smaller comes back unchanged. A one-line
summary goes to standard error:

  headroom: compress: json_array, json_minifier+json_offload: 4814 → 2513 tokens (-47.8%) in 3.1ms; original 9c2d…

Lossy steps keep what they drop in the CCR store and leave a marker in the
text; the summary's "original" is the key of the exact input. Either
prints back with 'headroom ccr get HASH' and the same store flags. The
memory backend forgets everything when this process exits, so it is
refused; --lossless runs only the lossless reformats and opens no store.

With --request, FILE is a whole Anthropic or OpenAI request body and only
its live zone is compressed, exactly as the proxy would before forwarding
it; every byte outside the rewritten string values is kept.

On a terminal, inputs over 1 MiB show a progress line on standard error
while they compress.

Flags (a flag beats its environment variable, which beats the default):
`

// progressMinBytes is the input size from which a terminal gets a progress
// line: below it compression takes well under a second.
const progressMinBytes = 1 << 20

// compressArgNames names the arguments of compress's own flags in the help.
var compressArgNames = map[string]string{
	"model":    "MODEL",
	"query":    "TEXT",
	"bias":     "N",
	"provider": "anthropic|openai_chat|openai_responses",
	"path":     "PATH",
}

// compressFlags are the compress command's settings.
type compressFlags struct {
	store    *backend.Config
	json     bool
	model    string
	query    string
	bias     float64
	lossless bool
	request  bool
	provider string
	path     string
}

// bindCompressFlags registers compress's flags, the store's included, with
// defaults read through getenv.
func bindCompressFlags(getenv func(string) string) (*flag.FlagSet, *compressFlags, error) {
	fs := newFlagSet("compress")
	cf := &compressFlags{}
	var err error
	if cf.store, err = backend.Bind(fs, getenv); err != nil {
		return nil, nil, err
	}
	fs.BoolVar(&cf.json, "json", false, "print one JSON object with the text and its stats instead of the text and a summary")
	fs.StringVar(&cf.model, "model", "", "the model whose tokenizer counts tokens (default "+compress.DefaultModel+"; with --request, the body's model)")
	fs.StringVar(&cf.query, "query", "", "the user's question or task; relevance-aware steps keep what matches it")
	fs.Float64Var(&cf.bias, "bias", 0, "how much adaptive steps keep: 0 the minimum, 1 what the content's diversity suggests, more keeps more")
	fs.BoolVar(&cf.lossless, "lossless", false, "run only the lossless reformats; no store is opened and no marker written")
	fs.BoolVar(&cf.request, "request", false, "FILE is a whole API request body: compress its live zone as the proxy does")
	fs.StringVar(&cf.provider, "provider", "", "with --request, the body's format (default: from --path, else from the body)")
	fs.StringVar(&cf.path, "path", "", "with --request, the path the body is sent to, e.g. /v1/messages, which names its format")
	return fs, cf, nil
}

func printCompressHelp(env *Env) error {
	// As for ccr: the listing is bound without the HEADROOM_CCR_* values
	// so a malformed one cannot hide the help.
	fs, _, err := bindCompressFlags(withoutHeadroomEnv(env))
	if err != nil {
		return err
	}
	io.WriteString(env.Stdout, compressHelp)
	printFlags(env.Stdout, fs, mergeArgNames(ccrArgNames, compressArgNames))
	return nil
}

// withoutHeadroomEnv reads env's variables except the HEADROOM_* ones, so
// help can list flags even when one of those is malformed.
func withoutHeadroomEnv(env *Env) func(string) string {
	return func(name string) string {
		if strings.HasPrefix(name, "HEADROOM_") {
			return ""
		}
		return env.getenv(name)
	}
}

// asksForHelp reports whether args hold a help flag before any "--", for
// commands whose flags cannot be bound (a malformed environment variable)
// but whose help must still print.
func asksForHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if isHelpFlag(a) {
			return true
		}
	}
	return false
}

func mergeArgNames(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func runCompress(ctx context.Context, env *Env, args []string) error {
	fs, cf, err := bindCompressFlags(env.getenv)
	if err != nil {
		if asksForHelp(args) {
			return printCompressHelp(env)
		}
		return usagef("compress", "compress: %w", err)
	}
	pos, err := parseArgs(fs, args)
	if errors.Is(err, errHelp) {
		return printCompressHelp(env)
	}
	if err != nil {
		return err
	}
	if err := cf.validate(pos); err != nil {
		return err
	}

	input, err := readInput(env, pos)
	if err != nil {
		return fmt.Errorf("compress: %w", err)
	}

	var store ccr.Store
	if !cf.lossless {
		s, err := backend.Open(ctx, *cf.store)
		if err != nil {
			return fmt.Errorf("compress: %w", err)
		}
		defer s.Close()
		store = s
	}

	var prog *progress
	if len(input) > progressMinBytes && isTerminal(env.Stderr) {
		prog = startProgress(env.Stderr, "compressing "+formatBytes(len(input)))
	}
	if cf.request {
		err = compressRequest(ctx, env, cf, store, input, prog)
	} else {
		err = compressContent(ctx, env, cf, store, input, prog)
	}
	prog.stop()
	return err
}

// validate checks the flag combination before anything is read or opened.
func (cf *compressFlags) validate(pos []string) error {
	switch {
	case len(pos) > 1:
		return usagef("compress", "compress: want at most one FILE, got %d arguments", len(pos))
	case math.IsNaN(cf.bias) || math.IsInf(cf.bias, 0) || cf.bias < 0:
		return usagef("compress", "compress: --bias must be a finite number ≥ 0, got %v", cf.bias)
	case cf.request && (cf.query != "" || cf.bias != 0):
		return usagef("compress", "compress: --query and --bias do not apply to --request: the live zone compresses each block the same way every turn so the prompt cache stays valid")
	case !cf.request && (cf.provider != "" || cf.path != ""):
		return usagef("compress", "compress: --provider and --path need --request")
	}
	if cf.provider != "" {
		if _, err := headroom.ParseProvider(cf.provider); err != nil {
			return usagef("compress", "compress: --provider: %w", err)
		}
	}
	if err := cf.store.Validate(); err != nil {
		return usagef("compress", "compress: %w", err)
	}
	if !cf.lossless && cf.store.Backend == backend.Memory {
		return usagef("compress", "compress: the memory backend forgets every original when this process exits, so markers would name nothing; use sqlite or redis, or --lossless")
	}
	return nil
}

// readInput reads FILE, or standard input for "-" or no argument.
func readInput(env *Env, pos []string) ([]byte, error) {
	if len(pos) == 0 || pos[0] == "-" {
		b, err := io.ReadAll(env.Stdin)
		if err != nil {
			return nil, fmt.Errorf("read standard input: %w", err)
		}
		return b, nil
	}
	return os.ReadFile(pos[0])
}

func compressContent(ctx context.Context, env *Env, cf *compressFlags, store ccr.Store, input []byte, prog *progress) error {
	model := cf.model
	if model == "" {
		model = compress.DefaultModel
	}
	res, err := headroom.CompressContent(ctx, string(input), headroom.ContentOptions{
		Store: store, Model: model, Query: cf.query, Bias: cf.bias,
	})
	prog.stop()
	if err != nil {
		return fmt.Errorf("compress: %w", err)
	}
	if cf.json {
		return writeJSON(env.Stdout, contentJSON(res, model))
	}
	if _, err := io.WriteString(env.Stdout, res.Text); err != nil {
		return fmt.Errorf("compress: write standard output: %w", err)
	}
	strategy := strings.Join(res.Stats.Transforms, "+")
	if res.Outcome != compress.Compressed {
		strategy = unchangedReason(res.Outcome, res.Passed)
	}
	line := fmt.Sprintf("headroom: compress: %s, %s: %s", res.ContentType, strategy, formatTokens(&res.Stats))
	if res.OriginalKey != "" {
		line += "; original " + res.OriginalKey
	}
	fmt.Fprintln(env.Stderr, line)
	return nil
}

func compressRequest(ctx context.Context, env *Env, cf *compressFlags, store ccr.Store, input []byte, prog *progress) error {
	res, err := headroom.CompressRequest(ctx, input, headroom.RequestOptions{
		Provider: headroom.Provider(cf.provider), Path: cf.path, Model: cf.model, Store: store,
	})
	prog.stop()
	if errors.Is(err, headroom.ErrUnknownProvider) {
		return fmt.Errorf("compress: %w (use --provider or --path)", err)
	}
	if err != nil {
		return fmt.Errorf("compress: %w", err)
	}
	if cf.json {
		return writeJSON(env.Stdout, requestJSON(res))
	}
	if _, err := env.Stdout.Write(res.Body); err != nil {
		return fmt.Errorf("compress: write standard output: %w", err)
	}
	strategy := strings.Join(res.Stats.Transforms, "+")
	if !res.Modified {
		strategy = "unchanged"
		if r := res.Manifest.NoChangeReason(); r != "" {
			strategy += " (" + r + ")"
		}
	}
	fmt.Fprintf(env.Stderr, "headroom: compress: %s request, %s: %s\n", res.Provider, strategy, formatTokens(&res.Stats))
	return nil
}

// unchangedReason says why content was kept, for the summary line.
func unchangedReason(o compress.Outcome, passed []pipeline.Pass) string {
	if o == compress.NotSmaller {
		return "unchanged (not smaller)"
	}
	if len(passed) == 0 {
		return "unchanged (no step for this type)"
	}
	return "unchanged (" + passed[0].Name + ": " + passed[0].Reason + ")"
}

// formatTokens renders "4814 → 2513 tokens (-47.8%) in 3.1ms".
func formatTokens(st *headroom.Stats) string {
	s := fmt.Sprintf("%d → %d tokens", st.TokensBefore, st.TokensAfter)
	if st.TokensBefore > 0 && st.TokensAfter != st.TokensBefore {
		s += fmt.Sprintf(" (%+.1f%%)", 100*float64(st.TokensAfter-st.TokensBefore)/float64(st.TokensBefore))
	}
	return s + " in " + formatDuration(st.Duration)
}

// formatDuration rounds d to three significant digits.
func formatDuration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

func formatBytes(n int) string {
	const mib = 1 << 20
	if n >= mib {
		return strconv.FormatFloat(float64(n)/mib, 'f', 1, 64) + " MiB"
	}
	return strconv.FormatFloat(float64(n)/1024, 'f', 1, 64) + " KiB"
}

// contentStatsJSON is the "stats" member of compress --json.
type contentStatsJSON struct {
	ContentType  string       `json:"content_type"`
	Outcome      string       `json:"outcome"`
	Model        string       `json:"model"`
	Transforms   []string     `json:"transforms"`
	Markers      []string     `json:"markers"`
	OriginalKey  string       `json:"original_key,omitempty"`
	TokensBefore int          `json:"tokens_before"`
	TokensAfter  int          `json:"tokens_after"`
	TokensSaved  int          `json:"tokens_saved"`
	BytesBefore  int          `json:"bytes_before"`
	BytesAfter   int          `json:"bytes_after"`
	DurationMS   float64      `json:"duration_ms"`
	Passed       []passedJSON `json:"passed"`
}

type passedJSON struct {
	Step   string `json:"step"`
	Reason string `json:"reason"`
}

// requestStatsJSON is the "stats" member of compress --request --json.
type requestStatsJSON struct {
	Provider     string   `json:"provider"`
	Modified     bool     `json:"modified"`
	Model        string   `json:"model"`
	Transforms   []string `json:"transforms"`
	Markers      []string `json:"markers"`
	TokensBefore int      `json:"tokens_before"`
	TokensAfter  int      `json:"tokens_after"`
	TokensSaved  int      `json:"tokens_saved"`
	BytesBefore  int      `json:"bytes_before"`
	BytesAfter   int      `json:"bytes_after"`
	DurationMS   float64  `json:"duration_ms"`
}

type outputJSON struct {
	Text  string `json:"text"`
	Stats any    `json:"stats"`
}

func contentJSON(res headroom.ContentResult, model string) outputJSON {
	st := contentStatsJSON{
		ContentType:  res.ContentType.String(),
		Outcome:      string(res.Outcome),
		Model:        model,
		Transforms:   nonNil(res.Stats.Transforms),
		Markers:      nonNil(res.Stats.Markers),
		OriginalKey:  res.OriginalKey,
		TokensBefore: res.Stats.TokensBefore,
		TokensAfter:  res.Stats.TokensAfter,
		TokensSaved:  res.Stats.TokensSaved(),
		BytesBefore:  res.Stats.BytesBefore,
		BytesAfter:   res.Stats.BytesAfter,
		DurationMS:   durationMS(res.Stats.Duration),
		Passed:       []passedJSON{},
	}
	for _, p := range res.Passed {
		st.Passed = append(st.Passed, passedJSON{Step: p.Name, Reason: p.Reason})
	}
	return outputJSON{Text: res.Text, Stats: st}
}

func requestJSON(res headroom.RequestResult) outputJSON {
	return outputJSON{Text: string(res.Body), Stats: requestStatsJSON{
		Provider:     string(res.Provider),
		Modified:     res.Modified,
		Model:        res.Model,
		Transforms:   nonNil(res.Stats.Transforms),
		Markers:      nonNil(res.Stats.Markers),
		TokensBefore: res.Stats.TokensBefore,
		TokensAfter:  res.Stats.TokensAfter,
		TokensSaved:  res.Stats.TokensSaved(),
		BytesBefore:  res.Stats.BytesBefore,
		BytesAfter:   res.Stats.BytesAfter,
		DurationMS:   durationMS(res.Stats.Duration),
	}}
}

// writeJSON prints v as one line of JSON. A text that is not UTF-8 is
// refused: a JSON string cannot carry its bytes, and encoding/json would
// silently replace them.
func writeJSON(w io.Writer, v outputJSON) error {
	if !utf8.ValidString(v.Text) {
		return errors.New("compress: the output is not valid UTF-8, which a JSON string cannot carry byte for byte; run without --json")
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("compress: write standard output: %w", err)
	}
	return nil
}

func durationMS(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
