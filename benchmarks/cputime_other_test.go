//go:build !unix

package benchmarks

// processCPU is not measured outside unix.
func processCPU() float64 { return 0 }
