//go:build !race

package liveapps

const raceEnabled = false
