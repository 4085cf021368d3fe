package parity

import (
	"bytes"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadReadsFixturesSortedByName(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string]string{
		"echo/b.json": `{"transform":"echo","input":"x","config":{"k":1},"output":"x","recorded_at":"2026-04-23T00:00:00Z","input_sha256":"abc"}`,
		// Pretty-printed, no config, a label: the text_crusher shape.
		"echo/a.json":     "{\n  \"transform\": \"echo\",\n  \"label\": \"plain\",\n  \"input\": {\"z\": 1.50, \"a\": [1e-05]},\n  \"output\": 7\n}",
		"echo/notes.txt":  "not a fixture",
		"echo/sub/c.json": `{"transform":"other","input":1,"output":1}`,
		"other/d.json":    `{"transform":"other","input":1,"output":1}`,
	})
	got, err := Load(dir, "echo")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("loaded %d fixtures, want 2 (only *.json directly under echo/)", len(got))
	}
	a, b := got[0], got[1]
	if a.Name() != "a" || b.Name() != "b" {
		t.Errorf("order = %s, %s; want a, b", a.Name(), b.Name())
	}
	if a.Path != filepath.Join(dir, "echo", "a.json") {
		t.Errorf("Path = %q", a.Path)
	}
	// Members keep their exact bytes from the file.
	if string(a.Input) != `{"z": 1.50, "a": [1e-05]}` {
		t.Errorf("Input = %q", a.Input)
	}
	if string(a.Config) != "null" || a.Label != "plain" || a.RecordedAt != "" || a.InputSHA256 != "" {
		t.Errorf("a: Config=%q Label=%q RecordedAt=%q InputSHA256=%q", a.Config, a.Label, a.RecordedAt, a.InputSHA256)
	}
	if string(b.Config) != `{"k":1}` || b.RecordedAt != "2026-04-23T00:00:00Z" || b.InputSHA256 != "abc" || b.Transform != "echo" {
		t.Errorf("b: Config=%q RecordedAt=%q InputSHA256=%q Transform=%q", b.Config, b.RecordedAt, b.InputSHA256, b.Transform)
	}
	if string(a.Output) != "7" || string(b.Output) != `"x"` {
		t.Errorf("Output = %q, %q", a.Output, b.Output)
	}
}

func TestLoadInputCannotClobberNeighbours(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string]string{
		"echo/a.json": `{"transform":"echo","input":[1],"output":[1]}`,
	})
	fx, err := Load(dir, "echo")
	if err != nil {
		t.Fatal(err)
	}
	// A comparator appending to its input must not overwrite the bytes
	// that follow it in the file buffer.
	_ = append(fx[0].Input, "XXXXXXXX"...)
	if string(fx[0].Output) != "[1]" {
		t.Errorf("Output changed to %q after appending to Input", fx[0].Output)
	}
}

func TestLoadMissingDirectory(t *testing.T) {
	_, err := Load(t.TempDir(), "absent")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want fs.ErrNotExist", err)
	}
	if !strings.Contains(err.Error(), "absent") {
		t.Errorf("error %q does not name the transform", err)
	}
}

func TestLoadEmptyDirectory(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string]string{"echo/readme.md": "#"})
	got, err := Load(dir, "echo")
	if err != nil || len(got) != 0 {
		t.Fatalf("Load = %d fixtures, %v; want 0, nil", len(got), err)
	}
}

func TestLoadRejectsBadFixtures(t *testing.T) {
	tests := []struct {
		name, content, wantErr string
	}{
		{"transform mismatch", `{"transform":"other","input":1,"output":1}`, `declares transform "other" but is stored under "echo"`},
		{"malformed JSON", "{\"transform\":\"echo\",\n\"input\": [1,,2], \"output\": 1}", "invalid JSON at line 2, column 13 (byte 33): unexpected character ','"},
		{"truncated", `{"transform":"echo","input":"abc`, "invalid JSON at line 1, column 33 (byte 32): unterminated string"},
		{"not an object", `[1,2]`, "fixture is a JSON array, want an object"},
		{"missing transform", `{"input":1,"output":1}`, `missing "transform"`},
		{"missing input", `{"transform":"echo","output":1}`, `missing "input"`},
		{"missing output", `{"transform":"echo","input":1}`, `missing "output"`},
		{"transform not a string", `{"transform":7,"input":1,"output":1}`, `"transform" is a JSON number, want a string`},
		{"recorded_at not a string", `{"transform":"echo","input":1,"output":1,"recorded_at":null}`, `"recorded_at" is a JSON null, want a string`},
		{"duplicate key", `{"transform":"echo","input":1,"input":2,"output":1}`, `duplicate object key "input"`},
		{"invalid UTF-8", "{\"transform\":\"echo\",\"input\":\"\xff\",\"output\":1}", "invalid UTF-8 in string"},
		{"trailing data", `{"transform":"echo","input":1,"output":1} {}`, "unexpected data after the top-level value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, t.TempDir(), map[string]string{
				"echo/good.json": `{"transform":"echo","input":1,"output":1}`,
				"echo/bad.json":  tt.content,
			})
			_, err := Load(dir, "echo")
			if err == nil {
				t.Fatal("Load accepted a bad fixture")
			}
			file := filepath.Join(dir, "echo", "bad.json")
			if !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %q\nwant it to name %s and say %q", err, file, tt.wantErr)
			}
		})
	}
}

func TestLoadRealFixtureKeepsBytes(t *testing.T) {
	loc, err := resolveTestDir()
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := checkRoot(loc.Dir); !ok {
		t.Skipf("no fixtures at %s", loc)
	}
	fx, err := Load(loc.Dir, "text_crusher")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fx {
		// text_crusher fixtures carry a label but no config.
		if f.Label == "" || string(f.Config) != "null" {
			t.Errorf("%s: Label=%q Config=%q", f.Path, f.Label, f.Config)
		}
		// Whatever the pretty-printing, the output re-compares equal to itself.
		if d, err := Compare(f.Output, f.Output, "$"); err != nil || d != nil {
			t.Errorf("%s: output not equal to itself: %v %v", f.Path, d, err)
		}
		if !bytes.HasPrefix(f.Input, []byte("{")) {
			t.Errorf("%s: Input %q is not the raw object", f.Path, f.Input[:min(len(f.Input), 20)])
		}
	}
}
