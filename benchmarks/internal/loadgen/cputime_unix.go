//go:build unix

package loadgen

import "syscall"

// processCPU is the CPU time this process has used (user and system, all
// threads), in seconds: what the measuring side itself costs.
func processCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
