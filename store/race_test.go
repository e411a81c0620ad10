//go:build race

package store

// raceEnabled: under the race detector FerretDB runs ten times slower, so
// the tests import fewer of the large apps (the concurrency they exercise
// is the same).
const raceEnabled = true
