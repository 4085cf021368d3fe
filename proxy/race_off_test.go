//go:build !race

package proxy

// raceEnabled reports a -race build, whose instrumentation allocates.
const raceEnabled = false
