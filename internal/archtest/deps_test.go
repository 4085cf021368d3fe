// Package archtest holds tests about the shape of the module rather than its
// behaviour: which packages may depend on which.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

// libraryPackages are embedded by users who never run the proxy. They must not
// pull in an HTTP stack, Prometheus or a database driver: a Go service that
// only wants to compress a tool output should not link any of those.
var libraryPackages = []string{
	"", // the module root: package headroom, the embedding API
	"compress",
	"pipeline/...",
	"livezone/...",
	"transform/...",
	"signals/...",
	"relevance/...",
	"tokenizer/...",
	"authmode/...",
	"cachestab/...",
	"ccr",
	"ccr/retrieve/...",
	"internal/jsonx/...",
	"internal/pycompat/...",
}

// forbidden maps an import path prefix to why a library package may not
// depend on it.
var forbidden = map[string]string{
	"net/http":                              "HTTP belongs to proxy/ and cmd/",
	"github.com/prometheus/":                "metrics belong to the proxy",
	"modernc.org/sqlite":                    "the SQLite driver belongs to ccr/sqlitestore",
	"github.com/redis/":                     "the Redis client belongs to ccr/redisstore",
	"github.com/modelcontextprotocol/":      "MCP belongs to the CLI",
	"github.com/headroom-go/headroom/proxy": "libraries must not depend on the proxy",
}

func TestLibraryPackagesStayFreeOfServerDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	args := []string{"list", "-deps", "-f", "{{.ImportPath}}"}
	for _, p := range libraryPackages {
		args = append(args, strings.TrimSuffix("github.com/headroom-go/headroom/"+p, "/"))
	}
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list returned only %d packages; the check would be vacuous", len(deps))
	}
	for _, dep := range deps {
		for prefix, why := range forbidden {
			if dep == prefix || strings.HasPrefix(dep, prefix+"/") || (strings.HasSuffix(prefix, "/") && strings.HasPrefix(dep, prefix)) {
				t.Errorf("a library package depends on %s: %s (find the path with: go mod why -m or go list -deps)", dep, why)
			}
		}
	}
}

// Each CCR backend's driver must stay inside its own package, so importing
// one backend never links another's client.
func TestStoreBackendsDoNotLinkEachOther(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	cases := map[string][]string{
		"ccr/memstore":    {"modernc.org/sqlite", "github.com/redis/go-redis/v9"},
		"ccr/sqlitestore": {"github.com/redis/go-redis/v9"},
		"ccr/redisstore":  {"modernc.org/sqlite"},
	}
	for pkg, banned := range cases {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "github.com/headroom-go/headroom/"+pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, b := range banned {
				if dep == b {
					t.Errorf("%s links %s", pkg, b)
				}
			}
		}
	}
}
