package comparators

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/headroom-go/headroom/internal/jsonx"
)

// The helpers below read the fixture halves that several comparators share
// in shape: a config that must be empty, an input that is one JSON string,
// and a config object whose absent fields keep the reference defaults.

// requireEmptyConfig rejects a fixture config that holds anything: the
// transform takes no configuration, so a non-empty one would be silently
// ignored.
func requireEmptyConfig(transform string, config []byte) error {
	var cfg map[string]json.RawMessage
	if err := json.Unmarshal(config, &cfg); err != nil {
		return fmt.Errorf("%s: config: %w", transform, err)
	}
	if len(cfg) != 0 {
		return fmt.Errorf("%s: config must be empty, got %s", transform, config)
	}
	return nil
}

// stringInput decodes a fixture input that is the text as a JSON string.
func stringInput(transform string, input []byte) (string, error) {
	var text string
	if err := json.Unmarshal(input, &text); err != nil {
		return "", fmt.Errorf("%s: input must be a JSON string: %w", transform, err)
	}
	return text, nil
}

// decodeStrict decodes a fixture config object into dst, rejecting unknown
// fields; null or empty leaves dst untouched.
func decodeStrict(config []byte, dst any) error {
	config = bytes.TrimSpace(config)
	if len(config) == 0 || bytes.Equal(config, []byte("null")) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(config))
	dec.DisallowUnknownFields()
	return dec.Decode(dst)
}

// setIfGiven copies a decoded optional config field over its default; nil
// (the fixture left the field out) keeps the default.
func setIfGiven[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// appendKeyOrNull writes a CCR key, or null when there is none.
func appendKeyOrNull(dst []byte, key string) []byte {
	if key == "" {
		return append(dst, "null"...)
	}
	return jsonx.AppendCompactString(dst, key)
}
