package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The compress and mcp tests also run the real headroom binary, built once
// per test run from cmd/headroom.
var (
	binOnce sync.Once
	binDir  string
	binErr  error
)

// headroomBinary returns the path of a freshly built headroom binary.
func headroomBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "headroom-cli-bin")
		if binErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", filepath.Join(binDir, "headroom"),
			"github.com/headroom-go/headroom/cmd/headroom").CombinedOutput()
		if err != nil {
			binErr = errors.New(string(out))
		}
	})
	if binErr != nil {
		t.Fatalf("build headroom: %v", binErr)
	}
	return filepath.Join(binDir, "headroom")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binEnv is the test process's environment without HEADROOM_* values, with
// HOME and XDG_DATA_HOME in a temporary directory so no run touches the real
// default store, plus a fresh SQLite store whose path is returned.
func binEnv(t *testing.T) ([]string, string) {
	t.Helper()
	home := t.TempDir()
	db := filepath.Join(home, "ccr.db")
	env := []string{"HOME=" + home, "XDG_DATA_HOME=" + filepath.Join(home, "data"), "HEADROOM_CCR_SQLITE_PATH=" + db}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HEADROOM_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "XDG_DATA_HOME=") {
			env = append(env, kv)
		}
	}
	return env, db
}

// runBinary runs the headroom binary with stdin and env; stderr is a pipe,
// never a terminal.
func runBinary(t *testing.T, env []string, stdin []byte, args ...string) result {
	t.Helper()
	cmd := exec.Command(headroomBinary(t), args...)
	cmd.Env = env
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}
