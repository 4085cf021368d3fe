// Package version holds the build version stamped in by the linker.
package version

// Version is the release version of every headroom binary. Release builds set
// it with -ldflags "-X github.com/headroom-go/headroom/internal/version.Version=…".
var Version = "0.1.0-dev"
