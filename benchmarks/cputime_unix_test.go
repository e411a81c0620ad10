//go:build unix

package benchmarks

import "syscall"

// processCPU is the CPU time this process has used (user and system, all
// threads), in seconds: on a shared machine it measures the work, where
// wall time also measures the neighbours.
func processCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
