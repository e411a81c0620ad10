package loadgen

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// Raw socket I/O for the lean client, as the rts server's fast path does
// it (transport/fastraw_linux.go): a read or write through net.Conn enters
// the runtime's syscall state, which wakes the runtime's sysmon thread
// whenever it sleeps, and a woken sysmon polls every 20 µs for at least a
// millisecond, on the client's one core. With net.Conn a third of the lean
// client's CPU was sysmon's sleeps and wake-ups. The socket is
// non-blocking, so a read or write returns at once and needs no
// bracketing: RawSyscall inside the RawConn's Read and Write, which wait
// with the poller and keep the deadlines.

type leanRaw struct {
	rc      syscall.RawConn
	p       []byte
	iov     [2]syscall.Iovec
	niov    int
	n       int
	errno   syscall.Errno
	readFn  func(fd uintptr) bool
	writeFn func(fd uintptr) bool
}

// newLeanRaw returns raw I/O for c, or nil when c is not a TCP connection.
func newLeanRaw(c net.Conn) *leanRaw {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	r := &leanRaw{rc: rc}
	r.readFn, r.writeFn = r.readOnce, r.writeOnce
	return r
}

func (r *leanRaw) readOnce(fd uintptr) bool {
	for {
		n, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&r.p[0])), uintptr(len(r.p)))
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		r.n, r.errno = int(n), e
		return true
	}
}

// read is net.Conn's Read.
func (r *leanRaw) read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r.p, r.n, r.errno = p, 0, 0
	err := r.rc.Read(r.readFn)
	n, e := r.n, r.errno
	r.p = nil
	switch {
	case err != nil:
		return 0, err
	case e != 0:
		return 0, os.NewSyscallError("read", e)
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

func (r *leanRaw) writeOnce(fd uintptr) bool {
	for r.niov > 0 {
		first := 2 - r.niov
		n, _, e := syscall.RawSyscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&r.iov[first])), uintptr(r.niov))
		switch e {
		case 0:
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		default:
			r.errno = e
			return true
		}
		for n := int(n); n > 0 && r.niov > 0; {
			v := &r.iov[2-r.niov]
			if l := int(v.Len); n < l {
				v.Base = (*byte)(unsafe.Add(unsafe.Pointer(v.Base), n))
				v.SetLen(l - n)
				break
			}
			n -= int(v.Len)
			r.niov--
		}
	}
	return true
}

// write writes all of a and then b (both non-empty).
func (r *leanRaw) write(a, b []byte) error {
	r.iov[0].Base, r.iov[1].Base = &a[0], &b[0]
	r.iov[0].SetLen(len(a))
	r.iov[1].SetLen(len(b))
	r.niov, r.errno = 2, 0
	err := r.rc.Write(r.writeFn)
	r.iov = [2]syscall.Iovec{}
	if err != nil {
		return err
	}
	if r.errno != 0 {
		return os.NewSyscallError("writev", r.errno)
	}
	return nil
}
