//go:build !linux

package loadgen

import "net"

// leanRaw is the raw socket I/O of leanraw_linux.go; elsewhere the lean
// client reads and writes through net.Conn.
type leanRaw struct{}

func newLeanRaw(net.Conn) *leanRaw        { return nil }
func (*leanRaw) read([]byte) (int, error) { panic("unreachable") }
func (*leanRaw) write(a, b []byte) error  { panic("unreachable") }
