//go:build linux

package transport

import (
	"net"
	"syscall"
	"time"
)

// Go's default TCP keep-alive for accepted connections (net's
// defaultTCPKeepAlive*): probes after 15 s idle, every 15 s, 9 of them.
const (
	keepAliveIdle     = 15 * time.Second
	keepAliveInterval = 15 * time.Second
	keepAliveCount    = 9
)

// listenConfig sets the keep-alive once, on the listening socket, instead
// of on every accepted connection: Linux copies a listener's SO_KEEPALIVE
// and TCP_KEEP* into the connections it accepts (TestListenerKeepAlive),
// and net's Accept otherwise spends four setsockopt calls per connection
// on the same values (2 % of the server's CPU when 10,000 editors join;
// issue 15). The connections keep Go's default keep-alive.
var listenConfig = net.ListenConfig{
	KeepAlive: -1, // set on the listener below, inherited
	Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			for _, o := range [...]struct{ level, opt, v int }{
				{syscall.SOL_SOCKET, syscall.SO_KEEPALIVE, 1},
				{syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE, int(keepAliveIdle / time.Second)},
				{syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL, int(keepAliveInterval / time.Second)},
				{syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT, keepAliveCount},
			} {
				if serr = syscall.SetsockoptInt(int(fd), o.level, o.opt, o.v); serr != nil {
					return
				}
			}
		})
		if err != nil {
			return err
		}
		return serr
	},
}
