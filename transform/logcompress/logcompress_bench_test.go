package logcompress

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/headroom-go/headroom/ccr/memstore"
)

// sharedDir returns dir under the shared tree next to the repository
// ($HEADROOM_PARITY_FIXTURES names the fixture root directly).
func sharedDir(parts ...string) string {
	return filepath.Join(append([]string{"..", "..", "..", "shared"}, parts...)...)
}

func fixtureInputs(b *testing.B) []string {
	b.Helper()
	root := os.Getenv("HEADROOM_PARITY_FIXTURES")
	if root == "" {
		root = sharedDir("parity", "fixtures")
	}
	paths, _ := filepath.Glob(filepath.Join(root, "log_compressor", "*.json"))
	if len(paths) == 0 {
		b.Skipf("no log_compressor fixtures under %s", root)
	}
	var out []string
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		var fx struct{ Input string }
		if err := json.Unmarshal(data, &fx); err != nil {
			b.Fatalf("%s: %v", p, err)
		}
		out = append(out, fx.Input)
	}
	return out
}

// corpusLog renders the corpus's structured log entries as the text lines
// a tool would print, repeated to the wanted number of lines.
func corpusLog(b *testing.B, lines int) string {
	b.Helper()
	p := sharedDir("corpus", "tool_log_entries_200.json")
	data, err := os.ReadFile(p)
	if err != nil {
		b.Skipf("corpus not available: %v", err)
	}
	var entries []struct {
		Timestamp, Level, Logger, Message, Service, Hostname string
	}
	if err := json.Unmarshal(data, &entries); err != nil {
		b.Fatalf("%s: %v", p, err)
	}
	out := make([]string, 0, lines)
	for len(out) < lines {
		for _, e := range entries {
			if len(out) == lines {
				break
			}
			out = append(out, fmt.Sprintf("%s %s [%s] %s host=%s", e.Timestamp, e.Level, e.Logger, e.Message, e.Hostname))
		}
	}
	return strings.Join(out, "\n")
}

// buildLog is a synthetic CI log: compile lines, warnings, a test run with
// failures, tracebacks and a summary.
func buildLog(lines int) string {
	out := make([]string, 0, lines)
	for i := 0; len(out) < lines; i++ {
		switch {
		case i%97 == 13:
			out = append(out, fmt.Sprintf("ERROR test_case_%d failed: assertion error", i),
				"Traceback (most recent call last):",
				fmt.Sprintf(`  File "tests/test_%d.py", line %d, in test_case`, i%11, i%300),
				"    assert result == expected",
				"AssertionError: values differ")
		case i%31 == 7:
			out = append(out, fmt.Sprintf("warning: unused import in module_%d.py:%d", i%13, i))
		case i%500 == 499:
			out = append(out, fmt.Sprintf("===== %d passed, %d failed in %d.2s =====", i, i/97, i/50))
		default:
			out = append(out, fmt.Sprintf("[%05d] INFO compiling src/module_%d/file_%d.py (%d bytes)", i, i%17, i, 1000+i*37%9000))
		}
	}
	return strings.Join(out[:lines], "\n")
}

func benchCompress(b *testing.B, inputs []string, bias float64) {
	plain, err := New(DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Store = memstore.New(1024, time.Hour)
	withStore, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	total := 0
	for _, in := range inputs {
		total += len(in)
	}
	for _, bc := range []struct {
		name string
		c    *Compressor
	}{{"nostore", plain}, {"memstore", withStore}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(total))
			b.ReportAllocs()
			ctx := context.Background()
			for b.Loop() {
				for _, in := range inputs {
					if _, err := bc.c.Compress(ctx, in, bias); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

func BenchmarkCompressFixtures(b *testing.B) { benchCompress(b, fixtureInputs(b), 1) }

func BenchmarkCompressCorpus(b *testing.B) {
	for _, n := range []int{200, 5000} {
		b.Run(fmt.Sprintf("lines=%d", n), func(b *testing.B) { benchCompress(b, []string{corpusLog(b, n)}, 1) })
	}
}

func BenchmarkCompressBuildLog(b *testing.B) {
	for _, n := range []int{1000, 20000} {
		for _, bias := range []float64{0, 1} {
			b.Run(fmt.Sprintf("lines=%d/bias=%g", n, bias), func(b *testing.B) { benchCompress(b, []string{buildLog(n)}, bias) })
		}
	}
}
