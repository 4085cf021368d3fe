package compaction

import (
	"fmt"
	"strings"
	"testing"

	"github.com/headroom-go/headroom/internal/jsonx"
)

func scalarRows(t *testing.T, n int) []jsonx.Value {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`{"id":%d,"level":"info","msg":"req %d, ok","ms":%d.5,"meta":{"host":"h%d","zone":"z"}}`, i, i, i, i%4)
	}
	return mustParse(t, "["+strings.Join(parts, ",")+"]").Items()
}

// A table's allocations do not grow with its row count: rows share one
// cell array, and scalar cells reuse the input's values.
func TestCompactAllocationsIndependentOfRows(t *testing.T) {
	cfg := DefaultConfig()
	small, large := scalarRows(t, 50), scalarRows(t, 500)
	a := testing.AllocsPerRun(20, func() { Compact(small, &cfg) })
	b := testing.AllocsPerRun(20, func() { Compact(large, &cfg) })
	if a != b || a > 20 {
		t.Fatalf("Compact allocates %v for 50 rows and %v for 500", a, b)
	}
}

// Rendering scalar tables into a buffer with room does not allocate.
func TestFormatDoesNotAllocate(t *testing.T) {
	cfg := DefaultConfig()
	c := Compact(scalarRows(t, 100), &cfg)
	for _, f := range []Formatter{CSVSchema{}, JSON{}, MarkdownKV{}} {
		buf := make([]byte, 0, 1<<16)
		if n := testing.AllocsPerRun(20, func() { buf = f.AppendFormat(buf[:0], c) }); n != 0 {
			t.Errorf("%s allocates %v per render", f.Name(), n)
		}
	}
}

func TestIsIntegerLiteralMatchesJSONX(t *testing.T) {
	lits := []string{"0", "-0", "7", "-7", "1.0", "1e+3", "1e-3", "-1.5", "01",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
		"18446744073709551615", "18446744073709551616", "99999999999999999999", "100000000000000000000",
		"-18446744073709551615", "123456789012345678901234567890"}
	for _, lit := range lits {
		v, ok := jsonx.NumberValue(lit)
		if !ok {
			continue
		}
		norm, _ := v.Literal()
		if got, want := isIntegerLiteral(norm), v.IsInteger(); got != want {
			t.Errorf("isIntegerLiteral(%q) = %v, jsonx says %v", norm, got, want)
		}
	}
}
