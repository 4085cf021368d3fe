//go:build race

package observe

// raceEnabled: sync.Pool drops items at random under the race detector,
// so allocation budgets cannot be asserted there.
const raceEnabled = true
