//go:build race

package liveapps

// raceEnabled: under the race detector the large shared apps are left out
// (the concurrency they would exercise is the same).
const raceEnabled = true
