//go:build !race

package livezone_test

const raceEnabled = false
