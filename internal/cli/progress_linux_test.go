package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair: what is written to the returned
// terminal can be read from master, and isatty reports true for it, as for
// the stderr of a command run in a shell.
func openPTY(t *testing.T) (master, term *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		t.Skipf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		t.Skipf("pty number: %v", err)
	}
	term, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		t.Skipf("open pty: %v", err)
	}
	return master, term
}

func TestCompressShowsProgressOnATerminalForLargeInput(t *testing.T) {
	master, term := openPTY(t)
	if !isTerminal(term) {
		t.Fatal("a pseudo-terminal is not recognised as a terminal")
	}
	var screen bytes.Buffer
	read := make(chan struct{})
	go func() {
		defer close(read)
		io.Copy(&screen, master) // ends with EIO once the terminal side is closed
	}()

	env, _ := sqliteEnv(t)
	run := func(input []byte) (int, string) {
		var out bytes.Buffer
		code := Main(context.Background(), []string{"compress"}, Env{
			Stdin: bytes.NewReader(input), Stdout: &out, Stderr: term,
			Getenv: func(k string) string { return env[k] },
		})
		return code, out.String()
	}
	small := generatedRows(300)
	if code, _ := run(small); code != 0 {
		t.Fatalf("small input: exit %d", code)
	}
	big := generatedRows(12000)
	code, stdout := run(big)
	term.Close()
	<-read
	master.Close()
	if code != 0 || len(stdout) == 0 {
		t.Fatalf("exit %d, %d bytes out", code, len(stdout))
	}

	// The terminal shows the small input's summary with no progress line,
	// then the large input's progress line, erased before its summary.
	got := screen.String()
	lines := strings.Split(got, "\r\n")
	if len(lines) != 3 || lines[2] != "" {
		t.Fatalf("terminal output is not two lines: %q", got)
	}
	if strings.ContainsAny(lines[0], "\r\x1b") || !strings.HasPrefix(lines[0], "headroom: compress: json_array, ") {
		t.Errorf("small input drew more than its summary: %q", lines[0])
	}
	want := "\rheadroom: compressing " + formatBytes(len(big)) + " | 0.0s\x1b[K"
	if !strings.HasPrefix(lines[1], want) {
		t.Errorf("large input's line does not start with the progress line %q: %q", want, lines[1])
	}
	erase := strings.LastIndex(lines[1], "\r\x1b[K")
	if erase < 0 || !strings.HasPrefix(lines[1][erase+len("\r\x1b[K"):], "headroom: compress: json_array, ") {
		t.Errorf("the progress line is not erased before the summary: %q", lines[1])
	}
}
