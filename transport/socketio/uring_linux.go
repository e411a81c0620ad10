//go:build linux

package socketio

import (
	"errors"
	"runtime"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// newPlatformBatchSender is io_uring: one ring for size sends an enter.
func newPlatformBatchSender(size int) (batchSender, error) {
	r, err := newURing(uint32(size))
	if err != nil {
		return nil, err
	}
	return r, nil
}

// uring is a minimal io_uring instance (Linux 5.1+) that sends many
// sockets' buffers with one system call: send queues one IORING_OP_SEND
// per socket, enters the kernel once and reaps every completion before it
// returns, so no buffer is referenced by the kernel after send. Sends are
// MSG_DONTWAIT: the kernel never parks one for later (a full socket
// completes at once with EAGAIN), so the enter does not block.
//
// A uring is used by one goroutine at a time (a flusher's own).
type uring struct {
	fd      int
	entries uint32 // SQ ring size: the most sends one enter carries
	sqRing  []byte // SQ ring, and the CQ ring too with IORING_FEAT_SINGLE_MMAP
	cqRing  []byte // nil when it is sqRing
	sqeMem  []byte

	sqHead, sqTail *uint32
	sqMask         uint32
	sqArray        []uint32
	sqes           []uringSQE
	cqHead, cqTail *uint32
	cqMask         uint32
	cqes           []uringCQE
}

// The kernel ABI (include/uapi/linux/io_uring.h).
const (
	sysIOURingSetup = 425 // the same number on every architecture
	sysIOURingEnter = 426

	ioringOffSQRing = 0
	ioringOffCQRing = 0x8000000
	ioringOffSQEs   = 0x10000000

	ioringFeatSingleMmap = 1 << 0
	ioringSetupSubmitAll = 1 << 7 // a failing SQE does not stop the submission of the rest
	ioringSetupCoopTask  = 1 << 8 // no interrupt to run task work (none is queued: sends complete inline)
	ioringEnterGetEvents = 1 << 0
	ioringOpSend         = 26

	msgDontwait = 0x40
	msgNosignal = 0x4000
)

type uringParams struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFD uint32
	resv                                                                   [3]uint32
	sqOff                                                                  struct {
		head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
		userAddr                                                        uint64
	}
	cqOff struct {
		head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
		userAddr                                                        uint64
	}
}

type uringSQE struct {
	opcode      uint8
	flags       uint8
	ioprio      uint16
	fd          int32
	off         uint64
	addr        uint64
	len         uint32
	msgFlags    uint32
	userData    uint64
	bufIndex    uint16
	personality uint16
	spliceFDIn  int32
	addr3       uint64
	pad         uint64
}

type uringCQE struct {
	userData uint64
	res      int32
	flags    uint32
}

// Checked at compile time: the kernel's sizes.
var (
	_ [120 - unsafe.Sizeof(uringParams{})]struct{}
	_ [unsafe.Sizeof(uringParams{}) - 120]struct{}
	_ [64 - unsafe.Sizeof(uringSQE{})]struct{}
	_ [unsafe.Sizeof(uringSQE{}) - 64]struct{}
	_ [16 - unsafe.Sizeof(uringCQE{})]struct{}
)

// newURing sets up a ring for up to entries sends an enter (rounded up to
// a power of two by the kernel). It fails where io_uring is missing or
// forbidden: ENOSYS on old kernels, EPERM under seccomp (Docker's default
// profile) or kernel.io_uring_disabled.
func newURing(entries uint32) (*uring, error) {
	var p uringParams
	p.flags = ioringSetupSubmitAll | ioringSetupCoopTask
	fd, _, errno := syscall.Syscall(sysIOURingSetup, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	if errno == syscall.EINVAL { // a kernel older than 5.19 knows neither flag
		p = uringParams{}
		fd, _, errno = syscall.Syscall(sysIOURingSetup, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	}
	if errno != 0 {
		return nil, errno
	}
	r := &uring{fd: int(fd), entries: p.sqEntries}
	syscall.CloseOnExec(r.fd)
	if err := r.mmap(&p); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

func (r *uring) mmap(p *uringParams) error {
	const prot = syscall.PROT_READ | syscall.PROT_WRITE
	const flags = syscall.MAP_SHARED | syscall.MAP_POPULATE
	sqSize := int(p.sqOff.array) + int(p.sqEntries)*4
	cqSize := int(p.cqOff.cqes) + int(p.cqEntries)*int(unsafe.Sizeof(uringCQE{}))
	single := p.features&ioringFeatSingleMmap != 0
	if single {
		sqSize = max(sqSize, cqSize)
	}
	var err error
	if r.sqRing, err = syscall.Mmap(r.fd, ioringOffSQRing, sqSize, prot, flags); err != nil {
		return err
	}
	cq := r.sqRing
	if !single {
		if r.cqRing, err = syscall.Mmap(r.fd, ioringOffCQRing, cqSize, prot, flags); err != nil {
			return err
		}
		cq = r.cqRing
	}
	sqeSize := int(p.sqEntries) * int(unsafe.Sizeof(uringSQE{}))
	if r.sqeMem, err = syscall.Mmap(r.fd, ioringOffSQEs, sqeSize, prot, flags); err != nil {
		return err
	}
	sq := r.sqRing
	r.sqHead = (*uint32)(unsafe.Pointer(&sq[p.sqOff.head]))
	r.sqTail = (*uint32)(unsafe.Pointer(&sq[p.sqOff.tail]))
	r.sqMask = *(*uint32)(unsafe.Pointer(&sq[p.sqOff.ringMask]))
	r.sqArray = unsafe.Slice((*uint32)(unsafe.Pointer(&sq[p.sqOff.array])), p.sqEntries)
	r.sqes = unsafe.Slice((*uringSQE)(unsafe.Pointer(&r.sqeMem[0])), p.sqEntries)
	r.cqHead = (*uint32)(unsafe.Pointer(&cq[p.cqOff.head]))
	r.cqTail = (*uint32)(unsafe.Pointer(&cq[p.cqOff.tail]))
	r.cqMask = *(*uint32)(unsafe.Pointer(&cq[p.cqOff.ringMask]))
	r.cqes = unsafe.Slice((*uringCQE)(unsafe.Pointer(&cq[p.cqOff.cqes])), p.cqEntries)
	return nil
}

// close releases the ring; no send may be running.
func (r *uring) close() {
	for _, m := range [][]byte{r.sqeMem, r.cqRing, r.sqRing} {
		if m != nil {
			_ = syscall.Munmap(m)
		}
	}
	r.sqeMem, r.cqRing, r.sqRing = nil, nil, nil
	if r.fd >= 0 {
		_ = syscall.Close(r.fd)
		r.fd = -1
	}
}

// errURingShort: the kernel took fewer sends than were queued and gave no
// reason.
var errURingShort = errors.New("socketio: io_uring took fewer sends than queued")

// send is batchSender's: it writes bufs[i] to the socket fds[i] without
// waiting, every one in one enter (len(fds) ≤ r.entries), and sets res[i]
// to the bytes the socket took or to -errno. The caller keeps each fd
// open meanwhile. A send the kernel did not take (the error returned) has
// res -EAGAIN, as a full socket would.
func (r *uring) send(fds []int32, bufs [][]byte, res []int32) error {
	n := uint32(len(fds))
	if n == 0 {
		return nil
	}
	if n > r.entries {
		return errors.New("socketio: more sends than the ring holds")
	}
	tail := *r.sqTail // only this goroutine writes the SQ tail
	for i := range n {
		idx := (tail + i) & r.sqMask
		b := bufs[i]
		r.sqes[idx] = uringSQE{
			opcode:   ioringOpSend,
			fd:       fds[i],
			addr:     uint64(uintptr(unsafe.Pointer(unsafe.SliceData(b)))),
			len:      uint32(len(b)),
			msgFlags: msgDontwait | msgNosignal,
			userData: uint64(i),
		}
		r.sqArray[idx] = idx
		res[i] = -int32(syscall.EAGAIN)
	}
	atomic.StoreUint32(r.sqTail, tail+n)
	var serr error
	submitted, reaped := uint32(0), uint32(0)
	for {
		reaped += r.reap(res)
		var toSubmit, wait uint32
		if serr == nil {
			toSubmit = n - submitted
		}
		if toSubmit == 0 {
			if reaped == submitted {
				break
			}
			wait = submitted - reaped
		}
		flags := uintptr(0)
		if wait > 0 {
			flags = ioringEnterGetEvents
		}
		got, _, errno := syscall.Syscall6(sysIOURingEnter, uintptr(r.fd), uintptr(toSubmit), uintptr(wait), flags, 0, 0)
		switch {
		case errno == syscall.EINTR:
		case toSubmit > 0 && errno != 0:
			serr = errno // a send in the SQ the kernel refused to take
		case toSubmit > 0 && got == 0:
			serr = errURingShort
		case toSubmit > 0:
			submitted += uint32(got)
		case errno != 0:
			// Waiting failed. MSG_DONTWAIT sends complete within the
			// enter that submits them, so this is not expected; the
			// kernel may still read the buffers, so they are not given
			// back before it has posted every completion.
			time.Sleep(time.Millisecond)
		}
	}
	if serr != nil {
		// Withdraw what the kernel did not take: it reads the tail only
		// within an enter.
		atomic.StoreUint32(r.sqTail, tail+submitted)
	}
	runtime.KeepAlive(bufs)
	return serr
}

// reap moves the posted completions into res, by user data, and returns
// how many there were.
func (r *uring) reap(res []int32) uint32 {
	head := *r.cqHead // only this goroutine writes the CQ head
	tail := atomic.LoadUint32(r.cqTail)
	for h := head; h != tail; h++ {
		cqe := &r.cqes[h&r.cqMask]
		res[cqe.userData] = cqe.res
	}
	atomic.StoreUint32(r.cqHead, tail)
	return tail - head
}
