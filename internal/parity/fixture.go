package parity

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Fixture is one recorded call of a reference transform.
type Fixture struct {
	// Path is the file the fixture was read from.
	Path string
	// Transform names the recorded transform; it equals its directory name.
	Transform string
	// Input, Config and Output are the exact bytes of those members in the
	// file. Config is "null" when the file has none (text_crusher fixtures).
	Input, Config, Output []byte
	// RecordedAt, InputSHA256 and Label are empty when the file omits them.
	RecordedAt  string
	InputSHA256 string
	Label       string

	// output caches Output parsed, when parsedOutput is set; Load sets
	// it, and expected fills it for fixtures built by hand.
	output       value
	parsedOutput bool
}

// expected returns the parsed recorded output.
func (f *Fixture) expected() (*value, error) {
	if !f.parsedOutput {
		v, err := parseJSON(f.Output)
		if err != nil {
			return nil, err
		}
		f.output, f.parsedOutput = v, true
	}
	return &f.output, nil
}

// Name is the fixture's file name without the .json extension.
func (f *Fixture) Name() string {
	return strings.TrimSuffix(filepath.Base(f.Path), ".json")
}

// Load reads every *.json file directly under dir/transform, sorted by file
// name. A missing directory is an error that matches fs.ErrNotExist; a file
// that is not valid JSON, lacks a required member, or declares a different
// transform is an error naming the file.
func Load(dir, transform string) ([]Fixture, error) {
	sub := filepath.Join(dir, transform)
	entries, err := os.ReadDir(sub)
	if err != nil {
		return nil, fmt.Errorf("parity: fixtures for %s: %w", transform, err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".json") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	fixtures := make([]Fixture, 0, len(names))
	for _, name := range names {
		f, err := LoadFile(filepath.Join(sub, name))
		if err != nil {
			return nil, err
		}
		if f.Transform != transform {
			return nil, fmt.Errorf("parity: %s: declares transform %q but is stored under %q", f.Path, f.Transform, transform)
		}
		fixtures = append(fixtures, f)
	}
	return fixtures, nil
}

// LoadFile reads one fixture file.
func LoadFile(path string) (Fixture, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Fixture{}, fmt.Errorf("parity: %w", err)
	}
	f, err := parseFixture(data)
	if err != nil {
		return Fixture{}, fmt.Errorf("parity: %s: %w", path, err)
	}
	f.Path = path
	return f, nil
}

func parseFixture(data []byte) (Fixture, error) {
	doc, err := parseJSON(data)
	if err != nil {
		return Fixture{}, err
	}
	if doc.kind != kindObject {
		return Fixture{}, fmt.Errorf("fixture is a JSON %s, want an object", doc.kind)
	}
	var f Fixture
	raw := func(v *value) []byte { return data[v.start:v.end:v.end] }
	str := func(key string, required bool) (string, error) {
		v, ok := doc.lookup(key)
		switch {
		case !ok && required:
			return "", fmt.Errorf("missing %q", key)
		case !ok:
			return "", nil
		case v.kind != kindString:
			return "", fmt.Errorf("%q is a JSON %s, want a string", key, v.kind)
		}
		return v.text, nil
	}
	if f.Transform, err = str("transform", true); err != nil {
		return Fixture{}, err
	}
	if f.RecordedAt, err = str("recorded_at", false); err != nil {
		return Fixture{}, err
	}
	if f.InputSHA256, err = str("input_sha256", false); err != nil {
		return Fixture{}, err
	}
	if f.Label, err = str("label", false); err != nil {
		return Fixture{}, err
	}
	in, ok := doc.lookup("input")
	if !ok {
		return Fixture{}, errors.New(`missing "input"`)
	}
	f.Input = raw(in)
	out, ok := doc.lookup("output")
	if !ok {
		return Fixture{}, errors.New(`missing "output"`)
	}
	f.Output, f.output, f.parsedOutput = raw(out), *out, true
	f.Config = []byte("null")
	if cfg, ok := doc.lookup("config"); ok {
		f.Config = raw(cfg)
	}
	return f, nil
}
