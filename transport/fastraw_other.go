//go:build !linux

package transport

import (
	"net"
	"time"
)

// rawIO is the raw socket I/O of fastraw_linux.go; elsewhere the fast
// path reads and writes through net.Conn.
type rawIO struct{}

func newRawIO(net.Conn) *rawIO                         { return nil }
func (*rawIO) read([]byte, time.Duration) (int, error) { panic("unreachable") }
func (*rawIO) write(a, b []byte) error                 { panic("unreachable") }
