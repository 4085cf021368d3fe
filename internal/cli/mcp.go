package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/headroom-go/headroom"
	"github.com/headroom-go/headroom/ccr"
	"github.com/headroom-go/headroom/ccr/backend"
	"github.com/headroom-go/headroom/ccr/retrieve"
	"github.com/headroom-go/headroom/compress"
	"github.com/headroom-go/headroom/internal/version"
)

func init() {
	register(&command{
		name:    "mcp",
		summary: "serve headroom_compress, headroom_retrieve and headroom_stats to an MCP client over stdio",
		run:     runMCP,
	})
}

// Tool names, as agents configured for the reference's MCP server call them.
const (
	mcpCompressTool = "headroom_compress"
	mcpRetrieveTool = retrieve.ToolName
	mcpStatsTool    = "headroom_stats"
)

// envMCPModel names the default tokenizer model, as the reference's MCP
// server reads it.
const envMCPModel = "HEADROOM_MCP_MODEL"

const mcpHelp = `Usage:
  headroom mcp [flags] [serve]

Runs a Model Context Protocol server on standard input and output (one
JSON-RPC message per line) until the client closes the connection. Register
it with an agent as the command "headroom mcp", for example:

  claude mcp add headroom -- headroom mcp

Tools:
  headroom_compress  {content, query?, model?} → the compressed text and its
                     stats; the exact content is kept in the CCR store under
                     the returned hash.
  headroom_retrieve  {hash} → the original stored under a hash from
                     headroom_compress or from any compression marker; a
                     hash that is missing or expired is a tool error that
                     says so.
  headroom_stats     {} → this session's compressions, retrievals and tokens
                     saved, and the store's counters.

The store is the one the proxy and 'headroom ccr' use, chosen by the same
flags and environment variables, so markers the proxy wrote resolve here
and hashes this server returns resolve with 'headroom ccr get'. The memory
backend lives as long as this server.

Flags (a flag beats its environment variable, which beats the default):
`

// bindMCPFlags registers the store flags and --model, with defaults read
// through getenv.
func bindMCPFlags(getenv func(string) string) (*flag.FlagSet, *backend.Config, *string, error) {
	fs := newFlagSet("mcp")
	cfg, err := backend.Bind(fs, getenv)
	if err != nil {
		return nil, nil, nil, err
	}
	model := fs.String("model", getenv(envMCPModel),
		"the model whose tokenizer counts tokens when a call names none (default "+compress.DefaultModel+"); env "+envMCPModel)
	return fs, cfg, model, nil
}

func printMCPHelp(env *Env) error {
	fs, _, _, err := bindMCPFlags(withoutHeadroomEnv(env))
	if err != nil {
		return err
	}
	io.WriteString(env.Stdout, mcpHelp)
	printFlags(env.Stdout, fs, mergeArgNames(ccrArgNames, map[string]string{"model": "MODEL"}))
	return nil
}

func runMCP(ctx context.Context, env *Env, args []string) error {
	fs, cfg, model, err := bindMCPFlags(env.getenv)
	if err != nil {
		if asksForHelp(args) {
			return printMCPHelp(env)
		}
		return usagef("mcp", "mcp: %w", err)
	}
	pos, err := parseArgs(fs, args)
	if errors.Is(err, errHelp) {
		return printMCPHelp(env)
	}
	if err != nil {
		return err
	}
	if len(pos) > 1 || len(pos) == 1 && pos[0] != "serve" {
		return usagef("mcp", "mcp: unexpected argument %q (the only one accepted is serve)", pos[len(pos)-1])
	}
	if err := cfg.Validate(); err != nil {
		return usagef("mcp", "mcp: %w", err)
	}

	store, err := backend.Open(ctx, *cfg)
	if err != nil {
		return fmt.Errorf("mcp: %w", err)
	}
	defer store.Close()
	srv := newMCPServer(store, cfg.String(), cfg.TTL, *model)
	// A client that closes its end right after writing its requests still
	// gets every answer: see mcpDrain.
	err = srv.server.Run(ctx, newMCPDrain(ctx, env.Stdin, env.Stdout, mcpDrainTimeout).transport())
	// The client closing its end is how a session ends; so is the signal
	// that cancelled ctx.
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, mcp.ErrConnectionClosed) || ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("mcp: %w", err)
}

// mcpServer is one MCP server: the SDK server with the three tools, the
// store they share and the session's counters.
type mcpServer struct {
	server    *mcp.Server
	store     ccr.Store
	storeDesc string
	ttl       time.Duration
	model     string
	started   time.Time

	compressions, compressed    atomic.Int64
	tokensBefore, tokensAfter   atomic.Int64
	retrievals, retrievalMisses atomic.Int64
}

// newMCPServer builds the server around store. storeDesc describes the
// store in messages; ttl is its TTL (zero means ccr.DefaultTTL); model is
// the default tokenizer model ("" means compress.DefaultModel).
func newMCPServer(store ccr.Store, storeDesc string, ttl time.Duration, model string) *mcpServer {
	if ttl == 0 {
		ttl = ccr.DefaultTTL
	}
	if model == "" {
		model = compress.DefaultModel
	}
	s := &mcpServer{store: store, storeDesc: storeDesc, ttl: ttl, model: model, started: time.Now()}
	s.server = mcp.NewServer(&mcp.Implementation{Name: "headroom", Version: version.Version}, &mcp.ServerOptions{
		Instructions: "Call headroom_compress on large tool outputs, file contents, logs or search results before " +
			"reasoning over them; the result is shorter and the original stays retrievable with headroom_retrieve " +
			"and the returned hash, as does the original behind any compression marker you see.",
		// No logging capability: nothing is logged to the client.
		Capabilities: &mcp.ServerCapabilities{},
	})
	mcp.AddTool(s.server, &mcp.Tool{
		Name: mcpCompressTool,
		Description: "Compress content to save context window space: large tool outputs, file contents, " +
			"search results, logs, JSON. The content's type is detected and the matching compressor keeps what " +
			"matters (relevant to query, when given). The exact original is stored; pass the returned hash to " +
			mcpRetrieveTool + " to get it back.",
	}, s.compress)
	mcp.AddTool(s.server, &mcp.Tool{
		Name: mcpRetrieveTool,
		Description: "Retrieve original uncompressed content by hash. Use it when you need full details from " +
			"content compressed earlier. The hash comes from " + mcpCompressTool + " results or from compression " +
			"markers like [N items compressed... hash=abc123] or <<ccr:abc123>>.",
	}, s.retrieve)
	mcp.AddTool(s.server, &mcp.Tool{
		Name:        mcpStatsTool,
		Description: "Show this session's compression statistics: compressions, tokens saved, retrievals and the store's counters.",
	}, s.stats)
	return s
}

type compressIn struct {
	Content string `json:"content" jsonschema:"the content to compress: any text, e.g. a tool output, file contents, JSON, logs, search results, code"`
	Query   string `json:"query,omitempty" jsonschema:"optional: the question or task at hand; parts of the content that match it are kept"`
	Model   string `json:"model,omitempty" jsonschema:"optional: the model whose tokenizer counts tokens"`
}

type compressOut struct {
	Compressed       string   `json:"compressed"`
	Hash             string   `json:"hash,omitempty"`
	ContentType      string   `json:"content_type"`
	OriginalTokens   int      `json:"original_tokens"`
	CompressedTokens int      `json:"compressed_tokens"`
	TokensSaved      int      `json:"tokens_saved"`
	SavingsPercent   float64  `json:"savings_percent"`
	Transforms       []string `json:"transforms"`
	Markers          []string `json:"markers"`
	Note             string   `json:"note"`
}

func (s *mcpServer) compress(ctx context.Context, _ *mcp.CallToolRequest, in compressIn) (*mcp.CallToolResult, compressOut, error) {
	if in.Content == "" {
		return nil, compressOut{}, errors.New("content is empty: pass the text to compress in \"content\"")
	}
	model := in.Model
	if model == "" {
		model = s.model
	}
	res, err := headroom.CompressContent(ctx, in.Content, headroom.ContentOptions{Store: s.store, Model: model, Query: in.Query})
	if err != nil {
		return nil, compressOut{}, fmt.Errorf("compression failed, the content is unchanged: %w", err)
	}
	s.compressions.Add(1)
	s.tokensBefore.Add(int64(res.Stats.TokensBefore))
	s.tokensAfter.Add(int64(res.Stats.TokensAfter))
	out := compressOut{
		Compressed:       res.Text,
		Hash:             res.OriginalKey,
		ContentType:      res.ContentType.String(),
		OriginalTokens:   res.Stats.TokensBefore,
		CompressedTokens: res.Stats.TokensAfter,
		TokensSaved:      res.Stats.TokensSaved(),
		SavingsPercent:   percent(res.Stats.TokensSaved(), res.Stats.TokensBefore),
		Transforms:       nonNil(res.Stats.Transforms),
		Markers:          nonNil(res.Stats.Markers),
	}
	if res.Outcome == compress.Compressed {
		s.compressed.Add(1)
		out.Note = fmt.Sprintf("Original stored with hash=%s for %s after its last use. Call %s with it for the full content.",
			res.OriginalKey, s.ttl, mcpRetrieveTool)
	} else {
		out.Note = "Nothing to gain: the content is returned unchanged (" + unchangedReason(res.Outcome, res.Passed) + ")."
	}
	return nil, out, nil
}

type retrieveIn struct {
	Hash string `json:"hash" jsonschema:"hash key from headroom_compress or a compression marker (e.g. 'abc123' from hash=abc123)"`
}

type retrieveOut struct {
	Hash              string `json:"hash"`
	OriginalContent   string `json:"original_content"`
	OriginalItemCount int    `json:"original_item_count"`
}

func (s *mcpServer) retrieve(ctx context.Context, _ *mcp.CallToolRequest, in retrieveIn) (*mcp.CallToolResult, retrieveOut, error) {
	if !retrieve.ValidHash(in.Hash) {
		return nil, retrieveOut{}, fmt.Errorf("%q is not a hash: want the 12 or 24 hex digits of a compression marker", in.Hash)
	}
	hash := strings.ToLower(in.Hash)
	s.retrievals.Add(1)
	r := retrieve.Lookup(ctx, s.store, hash, s.ttl)
	switch r.Status {
	case retrieve.Available:
		return nil, retrieveOut{Hash: hash, OriginalContent: string(r.Original), OriginalItemCount: retrieve.ItemCount(r.Original)}, nil
	case retrieve.Expired:
		s.retrievalMisses.Add(1)
		return nil, retrieveOut{}, fmt.Errorf("%s has expired: originals are kept for %s after their last use (%s). "+
			"Re-run the command or re-read the file to get the content again", hash, s.ttl, s.storeDesc)
	case retrieve.Missing:
		s.retrievalMisses.Add(1)
		return nil, retrieveOut{}, fmt.Errorf("nothing is stored under %s: it was never stored in this store, or it expired "+
			"after %s unused (%s). Re-run the command or re-read the file to get the content again", hash, s.ttl, s.storeDesc)
	}
	return nil, retrieveOut{}, fmt.Errorf("retrieving %s failed (%s): %w", hash, s.storeDesc, r.Err)
}

type statsOut struct {
	SessionSeconds  int64         `json:"session_seconds"`
	Compressions    int64         `json:"compressions"`
	Compressed      int64         `json:"compressed"`
	TokensBefore    int64         `json:"tokens_before"`
	TokensAfter     int64         `json:"tokens_after"`
	TokensSaved     int64         `json:"tokens_saved"`
	SavingsPercent  float64       `json:"savings_percent"`
	Retrievals      int64         `json:"retrievals"`
	RetrievalMisses int64         `json:"retrieval_misses"`
	Store           storeStatsOut `json:"store"`
}

type storeStatsOut struct {
	Backend    string `json:"backend"`
	TTLSeconds int64  `json:"ttl_seconds"`
	// Entries is nil when the backend could not count them.
	Entries    *int   `json:"entries,omitempty"`
	EntriesErr string `json:"entries_error,omitempty"`
	Puts       uint64 `json:"puts"`
	Hits       uint64 `json:"hits"`
	Misses     uint64 `json:"misses"`
	Expired    uint64 `json:"expired"`
	Evictions  uint64 `json:"evictions"`
}

func (s *mcpServer) stats(ctx context.Context, _ *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, statsOut, error) {
	before, after := s.tokensBefore.Load(), s.tokensAfter.Load()
	out := statsOut{
		SessionSeconds:  int64(time.Since(s.started) / time.Second),
		Compressions:    s.compressions.Load(),
		Compressed:      s.compressed.Load(),
		TokensBefore:    before,
		TokensAfter:     after,
		TokensSaved:     before - after,
		SavingsPercent:  percent(int(before-after), int(before)),
		Retrievals:      s.retrievals.Load(),
		RetrievalMisses: s.retrievalMisses.Load(),
		Store:           storeStatsOut{Backend: s.storeDesc, TTLSeconds: int64(s.ttl / time.Second)},
	}
	if n, err := s.store.Len(ctx); err != nil {
		out.Store.EntriesErr = err.Error()
	} else {
		out.Store.Entries = &n
	}
	if r, ok := s.store.(ccr.StatsReporter); ok {
		st := r.Stats()
		out.Store.Puts, out.Store.Hits, out.Store.Misses = st.Puts, st.Hits, st.Misses
		out.Store.Expired, out.Store.Evictions = st.Expired, st.Evictions
	}
	return nil, out, nil
}

// percent is part/whole as a percentage with one decimal, 0 for an empty
// whole.
func percent(part, whole int) float64 {
	if whole <= 0 {
		return 0
	}
	return math.Round(1000*float64(part)/float64(whole)) / 10
}
