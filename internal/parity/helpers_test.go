package parity

import (
	"os"
	"path/filepath"
	"testing"
)

// writeFiles creates root/<rel> for every entry of files and returns root.
func writeFiles(t *testing.T, root string, files map[string]string) string {
	t.Helper()
	for rel, content := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// echoComparator returns the fixture input unchanged, so a fixture whose
// output equals its input matches and any other diffs.
func echoComparator(name string) Comparator {
	return ComparatorFunc(name, func(input, _ []byte) ([]byte, error) { return input, nil })
}
