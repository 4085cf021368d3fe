// Package retrieve is the model-facing half of CCR: the headroom_retrieve
// tool definition for each provider, finding the markers that make a turn
// need the tool, adding the tool to a request's tool list (once, and sticky
// for the rest of a session), reading the model's call, and writing the tool
// result. It works on raw JSON bytes and never re-serialises what it does not
// change, so prompt-cache prefixes stay byte-identical.
package retrieve

import (
	"fmt"

	"github.com/headroom-go/headroom/internal/jsonx"
)

// ToolName is the name of the retrieval tool the model calls.
const ToolName = "headroom_retrieve"

// Provider selects a wire format.
type Provider string

// Providers with their own tool shapes.
const (
	Anthropic Provider = "anthropic"
	OpenAI    Provider = "openai"
	Google    Provider = "google"
)

// Schema selects the parameter schema of the tool definition.
type Schema int

const (
	// HashOnly is the current schema: one required "hash" string. The
	// reference dropped its optional query parameter because per-original
	// search rarely found anything; retrieval always returns the original.
	HashOnly Schema = iota
	// WithQuery adds the optional "query" string after "hash", the schema
	// the reference's recorded parity fixtures pin. Use it only to match
	// those recordings or clients that still send it.
	WithQuery
)

// The tool's wording is fixed by the reference: models and cached prefixes
// have seen exactly these strings.
const (
	descLong = "Retrieve original uncompressed content that was compressed to save tokens. " +
		"Use this when you need more data than what's shown in compressed tool results. " +
		"The hash is provided in compression markers like [N items compressed... hash=abc123]."
	descShort = "Retrieve original uncompressed content that was compressed to save tokens. " +
		"Use this when you need more data than what's shown in compressed tool results."
	hashDescLong  = "Hash key from the compression marker (e.g., 'abc123' from hash=abc123)"
	hashDescShort = "Hash key from the compression marker"
	queryDesc     = "Optional search query to filter results. If provided, only returns items matching the query. " +
		"If omitted, returns all original items."
	queryDescShort = "Optional search query to filter results"
)

// Definition returns the tool definition for p as compact JSON with raw
// UTF-8, keys in the reference's order: the bytes the reference pins as a
// session's "golden" definition. An unknown provider gets the OpenAI shape,
// as in the reference.
func Definition(p Provider, s Schema) []byte {
	return jsonx.AppendCompact(nil, definitionValue(p, s))
}

// DefinitionValue is Definition as an ordered JSON value, for callers that
// assemble a larger document with jsonx.
func DefinitionValue(p Provider, s Schema) jsonx.Value { return definitionValue(p, s) }

func definitionValue(p Provider, s Schema) jsonx.Value {
	str := jsonx.StringValue
	obj := func(m ...jsonx.Member) jsonx.Value { return jsonx.ObjectValue(m) }
	desc, hashDesc, qDesc := descLong, hashDescLong, queryDesc
	if p == Google {
		desc, hashDesc, qDesc = descShort, hashDescShort, queryDescShort
	}
	props := []jsonx.Member{{Key: "hash", Value: obj(
		jsonx.Member{Key: "type", Value: str("string")},
		jsonx.Member{Key: "description", Value: str(hashDesc)},
	)}}
	if s == WithQuery {
		props = append(props, jsonx.Member{Key: "query", Value: obj(
			jsonx.Member{Key: "type", Value: str("string")},
			jsonx.Member{Key: "description", Value: str(qDesc)},
		)})
	}
	params := obj(
		jsonx.Member{Key: "type", Value: str("object")},
		jsonx.Member{Key: "properties", Value: jsonx.ObjectValue(props)},
		jsonx.Member{Key: "required", Value: jsonx.ArrayValue([]jsonx.Value{str("hash")})},
	)
	switch p {
	case Anthropic:
		return obj(
			jsonx.Member{Key: "name", Value: str(ToolName)},
			jsonx.Member{Key: "description", Value: str(desc)},
			jsonx.Member{Key: "input_schema", Value: params},
		)
	case Google:
		return obj(
			jsonx.Member{Key: "name", Value: str(ToolName)},
			jsonx.Member{Key: "description", Value: str(desc)},
			jsonx.Member{Key: "parameters", Value: params},
		)
	default:
		return obj(
			jsonx.Member{Key: "type", Value: str("function")},
			jsonx.Member{Key: "function", Value: obj(
				jsonx.Member{Key: "name", Value: str(ToolName)},
				jsonx.Member{Key: "description", Value: str(desc)},
				jsonx.Member{Key: "parameters", Value: params},
			)},
		)
	}
}

// ParseProvider accepts the provider names the proxy routes by.
func ParseProvider(s string) (Provider, error) {
	switch p := Provider(s); p {
	case Anthropic, OpenAI, Google:
		return p, nil
	}
	return "", fmt.Errorf("retrieve: unknown provider %q (want anthropic, openai or google)", s)
}
