//go:build race

package pagedsl

// raceEnabled: the tests run with -race, where sync.Pool drops a random
// share of what it is given.
const raceEnabled = true
