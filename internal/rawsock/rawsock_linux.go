//go:build linux

package rawsock

import (
	"io"
	"net"
	"os"
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

// clockBase and clock: a monotonic clock for the spins.
var clockBase = time.Now()

func clock() time.Duration { return time.Since(clockBase) }

// Why raw: a read or write through net.Conn is a
// syscall the runtime brackets with entersyscall/exitsyscall, and
// entersyscall wakes the runtime's sysmon thread whenever it sleeps (it
// does whenever the server waits for its next request). A woken sysmon
// polls every 20 µs for at least a millisecond: on a server pinned to one
// core (dsl-compare.sh) that was 13 % of its CPU, in context switches,
// while it migrated the DSL corpus one request at a time. The socket is
// non-blocking (the runtime's poller waits for it), so a read or write
// returns at once and needs no bracketing: RawSyscall, inside the
// RawConn's Read and Write, which wait with the poller and keep the
// deadlines as net.Conn does.

// Conn reads and writes one connection's socket. It is used by one
// goroutine at a time, as net.Conn's Read and Write each are.
type Conn struct {
	rc syscall.RawConn
	// Arguments and results of the callbacks, kept here so that the
	// callbacks (method values made once) allocate nothing per call.
	p     []byte
	iov   [2]syscall.Iovec
	niov  int
	n     int
	errno syscall.Errno
	// spinUntil: until then (on clock) a read that finds no data
	// tries again instead of waiting with the poller; 0: it waits at once.
	spinUntil time.Duration
	readFn    func(fd uintptr) bool
	writeFn   func(fd uintptr) bool
	// src and dst name the connection in errors, as net's do.
	src, dst net.Addr
}

// New returns the raw I/O of c, or nil when c is not a socket the
// runtime polls (a test's pipe, a TLS connection): c is then used as is.
func New(c net.Conn) *Conn {
	switch c.(type) {
	case *net.TCPConn, *net.UnixConn:
	default:
		return nil
	}
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		return nil
	}
	r := &Conn{rc: rc, src: c.LocalAddr(), dst: c.RemoteAddr()}
	r.readFn, r.writeFn = r.readOnce, r.writeOnce
	return r
}

func (r *Conn) readOnce(fd uintptr) bool {
	for {
		n, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&r.p[0])), uintptr(len(r.p)))
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			if r.spinUntil != 0 && clock() < r.spinUntil {
				runtime.Gosched() // any other goroutine first
				continue
			}
			return false // wait with the poller
		}
		r.n, r.errno = int(n), e
		return true
	}
}

// Read is net.Conn's Read: io.EOF when the peer closed, a *net.OpError
// for a failure or a deadline. When nothing has come yet it tries again
// for up to spin (0: not at all), letting other goroutines run between
// tries, before it waits with the poller.
func (r *Conn) Read(p []byte, spin time.Duration) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r.p, r.n, r.errno = p, 0, 0
	if spin > 0 {
		r.spinUntil = clock() + spin
	}
	err := r.rc.Read(r.readFn)
	n, e := r.n, r.errno
	r.p, r.spinUntil = nil, 0
	switch {
	case err != nil:
		return 0, err
	case e != 0:
		return 0, &net.OpError{Op: "read", Net: r.src.Network(), Source: r.src, Addr: r.dst, Err: os.NewSyscallError("read", e)}
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

func (r *Conn) writeOnce(fd uintptr) bool {
	for r.niov > 0 {
		first := 2 - r.niov
		n, _, e := syscall.RawSyscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&r.iov[first])), uintptr(r.niov))
		switch e {
		case 0:
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false // the socket's buffer is full: wait with the poller
		default:
			r.errno = e
			return true
		}
		r.consume(int(n))
	}
	return true
}

// consume drops n written bytes from the front of the iovecs.
func (r *Conn) consume(n int) {
	for n > 0 && r.niov > 0 {
		v := &r.iov[2-r.niov]
		if l := int(v.Len); n < l {
			v.Base = (*byte)(unsafe.Add(unsafe.Pointer(v.Base), n))
			v.SetLen(l - n)
			return
		}
		n -= int(v.Len)
		v.Base, v.Len = nil, 0
		r.niov--
	}
	for r.niov > 0 && r.iov[2-r.niov].Len == 0 {
		r.niov--
	}
}

// Write writes a and then b (either may be empty) with writev, all of
// both unless it fails.
func (r *Conn) Write(a, b []byte) error {
	r.iov = [2]syscall.Iovec{}
	r.niov, r.errno = 0, 0
	for _, p := range [2][]byte{a, b} {
		if len(p) > 0 {
			v := &r.iov[r.niov]
			v.Base = &p[0]
			v.SetLen(len(p))
			r.niov++
		}
	}
	if r.niov == 0 {
		return nil
	}
	if r.niov == 1 {
		r.iov[1], r.iov[0] = r.iov[0], syscall.Iovec{}
	}
	err := r.rc.Write(r.writeFn)
	r.iov = [2]syscall.Iovec{} // the bytes are the caller's
	if err != nil {
		return err
	}
	if r.errno != 0 {
		return &net.OpError{Op: "write", Net: r.src.Network(), Source: r.src, Addr: r.dst, Err: os.NewSyscallError("writev", r.errno)}
	}
	return nil
}
