//go:build !unix

package pagedsl

// processCPU is not measured outside unix.
func processCPU() float64 { return 0 }
