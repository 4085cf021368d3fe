package detect

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestIsDiff(t *testing.T) {
	for _, c := range []struct {
		name string
		in   string
		want bool
	}{
		{"git diff", "diff --git a/f.py b/f.py\nindex 1..2 100644\n--- a/f.py\n+++ b/f.py\n@@ -1,3 +1,4 @@\n def f():\n+    x = 1\n     return x\n-    # gone\n", true},
		{"plain unified diff", "--- old.txt\t2024-01-01\n+++ new.txt\t2024-01-02\n@@ -1 +1 @@\n-a\n+b\n", true},
		{"new file", "--- /dev/null\n+++ b/new.py\n@@ -0,0 +1,2 @@\n+one\n+two\n", true},
		{"two files", "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n--- a/y\n+++ b/y\n@@ -1 +1 @@\n-c\n+d\n", true},
		{"crlf line endings", "--- a/x\r\n+++ b/x\r\n@@ -1 +1 @@\r\n-a\r\n+b\r\n", true},
		{"prose before the diff", "Here is the change:\n\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@ func f\n-a\n+b\n c\n", true},
		{"truncated hunk still counts", "--- a/x\n+++ b/x\n@@ -1,9 +1,9 @@", true},
		{"empty", "", false},
		{"prose", "The quick brown fox.\nNothing --- to see @@ here.\n", false},
		{"headers but no hunk", "--- a/x\n+++ b/x\n", false},
		{"hunk without a file", "@@ -1 +1 @@\n-a\n+b\n", false},
		{"target without any source", "+++ b/x\n@@ -1 +1 @@\n", false},
		{"target while a file is open", "--- a/x\n+++ b/x\n+++ b/y\n@@ -1 +1 @@\n", false},
		{"added line looking like a target header", "--- a/x\n+++ b/x\n@@ -1 +1,2 @@\n a\n+++ b\n", false},
		{"removed line closes the file", "--- a/x\n+++ b/x\n@@ -1,2 +1 @@\n--- c\n d\n", true},
		{"combined hunks are not recognised", "--- a/x\n+++ b/x\n@@@ -1,2 -1,2 +1,3 @@@\n", false},
		{"unicode digits panic upstream", "--- a/x\n+++ b/x\n@@ -١ +1 @@\n-a\n+b\n", false},
		{"number too large for usize", "--- a/x\n+++ b/x\n@@ -18446744073709551616 +1 @@\n", false},
		{"largest usize is fine", "--- a/x\n+++ b/x\n@@ -18446744073709551615 +1 @@\n", true},
		{"empty file name", "--- \n+++ \n@@ -1 +1 @@\n", false},
		{"tab right after the marker", "---\tx\n+++\tx\n@@ -1 +1 @@\n", false},
		{"comma without length", "--- a\n+++ b\n@@ -1, +1 @@\n", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := IsDiff(c.in); got != c.want {
				t.Errorf("IsDiff = %v, want %v", got, c.want)
			}
			if got := oracleIsDiff(c.in); got != c.want {
				t.Errorf("oracle = %v, want %v (the oracle disagrees with the table)", got, c.want)
			}
		})
	}
}

func TestIsDiffDoesNotAllocate(t *testing.T) {
	in := strings.Repeat("--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n+b\n c\n", 20)
	if n := testing.AllocsPerRun(20, func() { IsDiff(in) }); n != 0 {
		t.Errorf("IsDiff allocates %v times", n)
	}
}

// The oracle transcribes the upstream parser literally, with its three
// regular expressions (Unicode \d) and its hunk-body loop, to check the
// hand-written IsDiff. It is slow and allocates; that is fine here.
var (
	oracleSource = regexp.MustCompile(`^--- ([^\t\n]+)(?:\t([^\n]+))?`)
	oracleTarget = regexp.MustCompile(`^\+\+\+ ([^\t\n]+)(?:\t([^\n]+))?`)
	oracleHunk   = regexp.MustCompile(`^@@ -(\p{Nd}+)(?:,(\p{Nd}+))? \+(\p{Nd}+)(?:,(\p{Nd}+))? @@[ ]?(.*)`)
)

type oracleFile struct{ hunks int }

// errOracle stands for both upstream errors and upstream panics.
type errOracle struct{}

func oracleIsDiff(text string) (ok bool) {
	if text == "" {
		return false
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	// str::lines: split at '\n', drop a "\r" before it, no final empty line.
	var ls []string
	if text != "" {
		ls = strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		for k, l := range ls {
			if k < len(ls)-1 || strings.HasSuffix(text, "\n") {
				ls[k] = strings.TrimSuffix(l, "\r")
			}
		}
	}
	var files []oracleFile
	var current *oracleFile
	sawSource := false
	for n, line := range ls {
		if oracleSource.MatchString(line) {
			sawSource = true
			if current != nil {
				files = append(files, *current)
				current = nil
			}
			continue
		}
		if oracleTarget.MatchString(line) {
			if current != nil {
				panic(errOracle{})
			}
			if !sawSource {
				panic(errOracle{}) // upstream unwraps a None here
			}
			current = &oracleFile{}
			continue
		}
		if m := oracleHunk.FindStringSubmatch(line); m != nil {
			if current == nil {
				panic(errOracle{})
			}
			num := func(s, def string) uint64 {
				if s == "" {
					s = def
				}
				v, err := strconv.ParseUint(s, 10, 64)
				if err != nil {
					panic(errOracle{}) // upstream unwraps the usize parse
				}
				return v
			}
			srcStart, srcLen := num(m[1], "0"), num(m[2], "1")
			tgtStart, tgtLen := num(m[3], "0"), num(m[4], "1")
			src, tgt := srcStart, tgtStart
			for _, body := range ls[n+1:] {
				switch {
				case strings.HasPrefix(body, "+"):
					tgt++
				case strings.HasPrefix(body, "-"):
					src++
				case strings.HasPrefix(body, `\`):
				default:
					src++
					tgt++
				}
				if src >= srcStart+srcLen && tgt >= tgtStart+tgtLen {
					break
				}
			}
			current.hunks++
		}
	}
	if current != nil {
		files = append(files, *current)
	}
	for _, f := range files {
		if f.hunks > 0 {
			return true
		}
	}
	return false
}
