//go:build linux

package socketio

import (
	"errors"
	"os"
	"sync"
	"syscall"
	"time"
)

// poller waits for every connection's socket to become readable on one
// epoll instance of its own (beside the Go runtime's), so that an idle
// connection has no goroutine at all: a reader goroutine (conn.readReady)
// exists only while bytes are waiting, reads without blocking until the
// socket is empty, and ends. A goroutine parked in a read held a stack of
// at least 4 KiB per connection, the largest part of an idle editor's
// memory (BenchmarkIdleConnMemory).
//
// Each socket is registered EPOLLONESHOT: after an event it stays disarmed
// until its reader re-arms it, so at most one reader per connection runs
// and messages are handled in order. An event names the connection by a
// token, never by the file descriptor, which a closed connection's
// successor may reuse.
//
// The poller never blocks in epoll_wait: it takes what is ready without
// waiting and, when nothing is, parks in the Go runtime's netpoller on the
// epoll descriptor itself (an epoll instance is readable while it has
// events). A blocking epoll_wait kept the only P of a one-P server in a
// system call while the readers it had just started waited for sysmon to
// hand the P off: in a go tool trace of 10,000 editors' pointer phase,
// readers waited p50 13 ms, p99 192 ms to start (docs/socketio.md).
type poller struct {
	epfd   int
	ep     *os.File        // epfd in the runtime's netpoller; closing it ends run
	rc     syscall.RawConn // ep's
	mu     sync.Mutex
	conns  map[uint64]*conn // by token; guarded by mu
	next   uint64           // the last token given; guarded by mu
	closed bool             // guarded by mu
	done   chan struct{}    // closed when run has ended
	// readers run readReady for readable connections; quit, closed by
	// close, ends the idle ones.
	readers *lingerPool[*conn]
	quit    chan struct{}
}

// readerLinger is how long a reader goroutine waits for the next readable
// connection before it ends: while clients keep sending, readers are
// reused; a quiet server has none.
const readerLinger = time.Second

// watching is how many connections wait in the poller (metrics, tests).
func (p *poller) watching() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

const pollEvents = syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT

func newPoller() (*poller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	// Non-blocking, so that os.NewFile registers it with the netpoller.
	if err := syscall.SetNonblock(epfd, true); err != nil {
		_ = syscall.Close(epfd)
		return nil, err
	}
	ep := os.NewFile(uintptr(epfd), "socketio-epoll")
	// Fails unless ep is in the netpoller (deadlines are the netpoller's):
	// run could not wait then, and no reader would ever start.
	if err := ep.SetReadDeadline(time.Time{}); err != nil {
		_ = ep.Close()
		return nil, err
	}
	rc, err := ep.SyscallConn()
	if err != nil {
		_ = ep.Close()
		return nil, err
	}
	p := &poller{epfd: epfd, ep: ep, rc: rc, conns: make(map[uint64]*conn), done: make(chan struct{}),
		quit: make(chan struct{})}
	p.readers = newLingerPool((*conn).readReady, readerLinger, 0, p.quit)
	go p.run()
	return p, nil
}

// errPollerClosed: the server is shutting down.
var errPollerClosed = errors.New("socketio: poller closed")

// add registers c's socket; from then on readable bytes start
// c.readReady. It fails when c has no raw socket or the poller is closed.
func (p *poller) add(c *conn) error {
	if c.raw == nil {
		return errors.New("socketio: no raw socket")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errPollerClosed
	}
	p.next++
	c.pollTok = p.next
	if err := p.ctl(c, syscall.EPOLL_CTL_ADD); err != nil {
		return err
	}
	p.conns[c.pollTok] = c
	return nil
}

// rearm re-enables c's socket after its reader emptied it.
func (p *poller) rearm(c *conn) error {
	// Under mu: once close has released the epoll descriptor, its number
	// may belong to something else.
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errPollerClosed
	}
	return p.ctl(c, syscall.EPOLL_CTL_MOD)
}

func (p *poller) ctl(c *conn, op int) error {
	ev := syscall.EpollEvent{Events: pollEvents, Fd: int32(uint32(c.pollTok)), Pad: int32(uint32(c.pollTok >> 32))}
	var cerr error
	err := c.raw.Control(func(fd uintptr) {
		cerr = syscall.EpollCtl(p.epfd, op, int(fd), &ev)
	})
	if err != nil {
		return err
	}
	return cerr
}

// remove forgets c (its socket leaves the epoll set when it is closed).
func (p *poller) remove(c *conn) {
	p.mu.Lock()
	delete(p.conns, c.pollTok)
	p.mu.Unlock()
}

// close ends run and releases the epoll instance (the connections are
// closed by then).
func (p *poller) close() {
	p.mu.Lock()
	first := !p.closed
	p.closed = true
	p.mu.Unlock()
	if first {
		// Wakes run's wait; the descriptor is released once run is out
		// of its epoll_wait.
		_ = p.ep.Close()
	}
	<-p.done
	if first {
		close(p.quit)
	}
}

// startReader has c's bytes read by an idle reader goroutine, or a new
// one when none is idle; it never waits. A reader handles a client's
// packets (JSON decoding, joins, editor lists), which grow its stack to
// several KB: a goroutine per readable socket copied a new stack each
// time (a 10,000-editor join spent 3-5 % of the server's CPU in
// runtime.copystack under readReady).
func (p *poller) startReader(c *conn) { p.readers.start(c) }

func (p *poller) run() {
	defer close(p.done)
	var events [128]syscall.EpollEvent
	for {
		var n int
		var werr error
		err := p.rc.Read(func(fd uintptr) bool {
			for {
				n, werr = syscall.EpollWait(int(fd), events[:], 0)
				if werr != syscall.EINTR {
					return werr != nil || n > 0 // nothing ready: wait in the netpoller
				}
			}
		})
		if err != nil || werr != nil {
			return // closed
		}
		p.start(events[:n])
	}
}

// start starts the readers of the connections events name.
func (p *poller) start(events []syscall.EpollEvent) {
	p.mu.Lock()
	for i := range events {
		ev := &events[i]
		tok := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
		if c := p.conns[tok]; c != nil {
			p.startReader(c)
		}
	}
	p.mu.Unlock()
}

// pollNow starts, without waiting, the readers of the sockets readable
// now; buf is the caller's scratch. A flusher with a backlog calls it
// between passes: run waits in the runtime's netpoller, which the
// scheduler consults only when nothing else is runnable, or from sysmon
// every 10 ms, so while a backlog kept a flusher runnable a sender's
// pointer waited p50 7 ms, p10 3.5 ms to be read (10,000 editors, one P;
// benchmarks/README), and every receiver's copy aged as long. An event
// goes to one epoll_wait caller only, and EPOLLONESHOT keeps a
// connection's reads to one reader at a time, whoever starts it.
func (p *poller) pollNow(buf *pollBuf) {
	events := buf[:]
	var n int
	var werr error
	// Control holds the descriptor: close cannot release its number
	// meanwhile.
	if err := p.rc.Control(func(fd uintptr) {
		for {
			n, werr = syscall.EpollWait(int(fd), events, 0)
			if werr != syscall.EINTR {
				return
			}
		}
	}); err != nil || werr != nil || n <= 0 {
		return // closed, or nothing readable
	}
	p.start(events[:n])
}

// pollBuf is a flusher's scratch for pollNow.
type pollBuf [64]syscall.EpollEvent

// errNoEpoll is the non-Linux newPoller's error (never returned here).
var errNoEpoll = errors.New("socketio: no epoll on this system")
