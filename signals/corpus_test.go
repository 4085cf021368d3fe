package signals

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// corpusDir finds the shared corpus: $HEADROOM_CORPUS, else ../shared/corpus
// beside the repository root (the directory holding go.mod).
func corpusDir(tb testing.TB) string {
	if dir := os.Getenv("HEADROOM_CORPUS"); dir != "" {
		return dir
	}
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "corpus")
		}
		if filepath.Dir(dir) == dir {
			tb.Fatalf("no go.mod above %s", wd)
		}
	}
}

// corpusLines returns every line of every string value in the corpus JSON
// files (tool outputs, logs, prompts), skipping the test when the corpus is
// not there.
func corpusLines(tb testing.TB) []string {
	dir := corpusDir(tb)
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		tb.Skipf("no corpus in %s (set HEADROOM_CORPUS)", dir)
	}
	sort.Strings(files)
	var lines []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			lines = append(lines, strings.Split(v, "\n")...)
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(v[k])
			}
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		walk(v)
	}
	return lines
}
