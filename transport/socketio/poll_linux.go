//go:build linux

package socketio

import (
	"errors"
	"sync"
	"syscall"
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
type poller struct {
	epfd   int
	wake   [2]int // a pipe: a byte written to wake[1] ends run
	mu     sync.Mutex
	conns  map[uint64]*conn // by token; guarded by mu
	next   uint64           // the last token given; guarded by mu
	closed bool             // guarded by mu
	done   chan struct{}    // closed when run has ended
}

// watching is how many connections wait in the poller (metrics, tests).
func (p *poller) watching() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

const pollEvents = syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT

// wakeToken is the pipe's token; connections' start at 1.
const wakeToken = 0

func newPoller() (*poller, error) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	p := &poller{epfd: epfd, conns: make(map[uint64]*conn), done: make(chan struct{})}
	if err := syscall.Pipe2(p.wake[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		_ = syscall.Close(epfd)
		return nil, err
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN}
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, p.wake[0], &ev); err != nil {
		p.closeFDs()
		return nil, err
	}
	go p.run()
	return p, nil
}

func (p *poller) closeFDs() {
	_ = syscall.Close(p.epfd)
	_ = syscall.Close(p.wake[0])
	_ = syscall.Close(p.wake[1])
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
	if !first {
		<-p.done
		return
	}
	_, _ = syscall.Write(p.wake[1], []byte{0})
	<-p.done
	p.closeFDs()
}

func (p *poller) run() {
	defer close(p.done)
	var events [128]syscall.EpollEvent
	for {
		n, err := syscall.EpollWait(p.epfd, events[:], -1)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return // only a closed or invalid epfd: close was called
		}
		p.mu.Lock()
		for i := range events[:n] {
			ev := &events[i]
			tok := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
			if tok == wakeToken {
				if p.closed {
					p.mu.Unlock()
					return
				}
				continue
			}
			if c := p.conns[tok]; c != nil {
				go c.readReady()
			}
		}
		p.mu.Unlock()
	}
}

// errNoEpoll is the non-Linux newPoller's error (never returned here).
var errNoEpoll = errors.New("socketio: no epoll on this system")
