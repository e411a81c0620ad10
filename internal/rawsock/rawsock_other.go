//go:build !linux

package rawsock

import (
	"net"
	"time"
)

// Conn is the raw socket I/O of rawsock_linux.go; elsewhere callers read
// and write through net.Conn.
type Conn struct{}

// New returns nil: no raw I/O outside Linux.
func New(net.Conn) *Conn { return nil }

func (*Conn) Read([]byte, time.Duration) (int, error) { panic("rawsock: no raw I/O here") }
func (*Conn) Write(a, b []byte) error                 { panic("rawsock: no raw I/O here") }
