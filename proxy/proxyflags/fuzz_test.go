package proxyflags

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzParseByteSize checks that any input yields either an error or a
// positive size, never a panic, and that plain digits mean bytes.
func FuzzParseByteSize(f *testing.F) {
	for _, s := range []string{"100MB", "1GiB", "512KiB", "1", "0", "-1", "1.5GB", "9223372036854775807", "9223372036854775807KiB", " 7 b "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseByteSize(s)
		if err != nil {
			return
		}
		if n <= 0 {
			t.Fatalf("ParseByteSize(%q) = %d, want positive", s, n)
		}
		if d, perr := strconv.ParseInt(strings.TrimSpace(s), 10, 64); perr == nil && d != n {
			t.Fatalf("ParseByteSize(%q) = %d, plain digits mean %d bytes", s, n, d)
		}
	})
}
