package parity

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// EnvFixtures names the environment variable that points at the fixture root.
const EnvFixtures = "HEADROOM_PARITY_FIXTURES"

// EnvRequire names the environment variable that, set to "1", turns a
// missing fixture root from a skipped test into a failed one (CI sets it).
const EnvRequire = "HEADROOM_REQUIRE_PARITY"

// DefaultRelDir is where the fixtures live relative to the repository root
// (and to the working directory of the CLI) when nothing else is said.
const DefaultRelDir = "../shared/parity/fixtures"

// Location is a resolved fixture root and how it was chosen.
type Location struct {
	// Dir is the fixture root, as given (it may be relative).
	Dir string
	// From explains the choice for messages, e.g. "--fixtures" or
	// "$HEADROOM_PARITY_FIXTURES".
	From string
}

func (l Location) String() string { return fmt.Sprintf("%s (from %s)", l.Dir, l.From) }

// ResolveDir picks the fixture root for the CLI: flagDir when non-empty,
// else $HEADROOM_PARITY_FIXTURES, else DefaultRelDir relative to the working
// directory.
func ResolveDir(flagDir string) Location {
	if flagDir != "" {
		return Location{Dir: flagDir, From: "--fixtures"}
	}
	if env := os.Getenv(EnvFixtures); env != "" {
		return Location{Dir: env, From: "$" + EnvFixtures}
	}
	return Location{Dir: DefaultRelDir, From: "default, relative to the working directory"}
}

// resolveTestDir picks the fixture root for tests: $HEADROOM_PARITY_FIXTURES,
// else DefaultRelDir relative to the module root, so that `go test` gives the
// same answer from any package directory.
func resolveTestDir() (Location, error) {
	if env := os.Getenv(EnvFixtures); env != "" {
		return Location{Dir: env, From: "$" + EnvFixtures}, nil
	}
	root, err := moduleRoot()
	if err != nil {
		return Location{}, err
	}
	return Location{Dir: filepath.Join(root, filepath.FromSlash(DefaultRelDir)), From: "default, relative to the module root " + root}, nil
}

// moduleRoot walks up from the working directory to the nearest go.mod.
func moduleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("parity: find module root: %w", err)
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("parity: find module root: %w", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("parity: no go.mod in %s or any parent directory", wd)
		}
		dir = parent
	}
}

// checkRoot reports whether the fixture root exists as a directory; a
// missing root is (false, nil) and anything else unexpected is an error.
func checkRoot(dir string) (bool, error) {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("parity: fixture root: %w", err)
	case !st.IsDir():
		return false, fmt.Errorf("parity: fixture root %s is not a directory", dir)
	}
	return true, nil
}
