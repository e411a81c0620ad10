package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// runSplit is the "split" role: a TCP relay at -addr that sends each new
// connection to the next of -target's comma-separated host:port list in
// turn, so that a load client made for one server (such as the shared
// siobench, which joins one port) drives several nodes, half of its
// editors on each of two. It adds one loopback hop each way.
func runSplit(cfg *config) error {
	var targets []string
	for _, t := range strings.Split(cfg.target, ",") {
		t = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(t), "http://"), "ws://")
		if t != "" {
			targets = append(targets, strings.TrimRight(t, "/"))
		}
	}
	if len(targets) == 0 {
		return fmt.Errorf("-role split needs -target host:port[,host:port…]")
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	fmt.Printf("split %s -> %s pid %d\n", ln.Addr(), strings.Join(targets, ", "), os.Getpid())
	s := &splitter{ln: ln, targets: targets}
	go s.serve()
	waitSignal(cfg.timeout)
	return s.close()
}

type splitter struct {
	ln      net.Listener
	targets []string
	next    atomic.Uint64
	wg      sync.WaitGroup
	mu      sync.Mutex
	conns   map[net.Conn]struct{}
}

func (s *splitter) serve() {
	for {
		c, err := s.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil { // EMFILE and the like: report, wait, go on
			fmt.Fprintln(os.Stderr, "wsload: split: accept:", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		target := s.targets[(s.next.Add(1)-1)%uint64(len(s.targets))]
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.relay(c, target)
		}()
	}
}

// relay copies both ways between c and a new connection to target until
// either side ends.
func (s *splitter) relay(c net.Conn, target string) {
	defer c.Close()
	up, err := net.Dial("tcp", target)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wsload: split: dial:", err)
		return
	}
	defer up.Close()
	s.track(c, up)
	defer s.untrack(c, up)
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		// A plain copy through a small buffer: io.Copy between TCP
		// connections splices through a pipe of its own, two more
		// descriptors per direction, and 10,000 relays then ran out of
		// them at 3,333.
		buf := make([]byte, 4<<10)
		_, _ = io.CopyBuffer(struct{ io.Writer }{dst}, struct{ io.Reader }{src}, buf)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite() // pass the half-close on
		}
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	<-done
}

func (s *splitter) track(cs ...net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns == nil {
		s.conns = make(map[net.Conn]struct{})
	}
	for _, c := range cs {
		s.conns[c] = struct{}{}
	}
}

func (s *splitter) untrack(cs ...net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range cs {
		delete(s.conns, c)
	}
}

// close stops accepting, cuts every relayed connection and waits for the
// relays to end.
func (s *splitter) close() error {
	err := s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}
