//go:build !race

package pagedsl

const raceEnabled = false
