//go:build !unix

package loadgen

// processCPU is not measured outside unix.
func processCPU() float64 { return 0 }
