//go:build linux

package socketio

import (
	"io"
	"net"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"unsafe"
)

// BenchmarkSocketSend measures the server CPU of a delivered pointer's
// write: sockets loopback TCP connections, each with a reader draining it
// (the editors), take one ~100-byte WebSocket frame each per pass (a
// flusher pass writes every waiting receiver once), written either with
// one write(2) per socket, as the flushers do, or with one io_uring_enter
// carrying up to batch IORING_OP_SEND (MSG_DONTWAIT) submissions. The
// writer runs on a locked OS thread and getrusage(RUSAGE_THREAD) gives its
// user and system CPU per message: the kernel's loopback delivery (TCP
// receive, the reader's wake-up) runs in the writer's system call and is
// counted there, in both variants alike.
//
//	go test -run '^$' -bench SocketSend -benchtime 200x ./transport/socketio/
func BenchmarkSocketSend(b *testing.B) {
	for _, sockets := range []int{100, 1000} {
		for _, v := range []struct {
			name  string
			batch int // 0: write(2) per socket
		}{{"write", 0}, {"uring16", 16}, {"uring32", 32}, {"uring64", 64}, {"uring128", 128}, {"uring256", 256}, {"uring1000", 1000}} {
			if v.batch > sockets {
				continue
			}
			b.Run(strconv.Itoa(sockets)+"/"+v.name, func(b *testing.B) {
				benchSocketSend(b, sockets, v.batch)
			})
		}
	}
}

func benchSocketSend(b *testing.B, sockets, batch int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	fds := make([]int32, sockets)
	var keep []net.Conn
	var readers sync.WaitGroup
	for i := range sockets {
		cli, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		srv, err := ln.Accept()
		if err != nil {
			b.Fatal(err)
		}
		keep = append(keep, cli, srv)
		raw, err := srv.(*net.TCPConn).SyscallConn()
		if err != nil {
			b.Fatal(err)
		}
		_ = raw.Control(func(fd uintptr) { fds[i] = int32(fd) })
		readers.Add(1)
		go func() {
			defer readers.Done()
			_, _ = io.Copy(io.Discard, cli)
		}()
	}
	defer func() {
		for _, c := range keep {
			_ = c.Close()
		}
		readers.Wait()
	}()
	payload := []byte(`42["collab:mouse_pointer_event",{"socketId":"abcdefghijklmnopqrst","data":{"x":412,"y":977}}]`)
	frame := appendTextFrame(nil, payload)

	var r *uring
	if batch > 0 {
		if r, err = newURing(uint32(batch)); err != nil {
			b.Skip("no io_uring here:", err)
		}
		defer r.close()
	}
	bufs := make([][]byte, sockets)
	for i := range bufs {
		bufs[i] = frame
	}
	res := make([]int32, sockets)

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var before, after syscall.Rusage
	_ = syscall.Getrusage(1 /* RUSAGE_THREAD */, &before)
	cpu0 := threadCPU()
	b.ResetTimer()
	short := 0
	for range b.N {
		if r == nil {
			for _, fd := range fds {
				n, err := syscall.Write(int(fd), frame)
				if err != nil || n < len(frame) {
					short++
				}
			}
			continue
		}
		for i := 0; i < sockets; i += batch {
			j := min(i+batch, sockets)
			if err := r.send(fds[i:j], bufs[i:j], res[i:j]); err != nil {
				b.Fatal(err)
			}
		}
		for _, n := range res {
			if n < int32(len(frame)) {
				short++
			}
		}
	}
	b.StopTimer()
	cpu1 := threadCPU()
	_ = syscall.Getrusage(1, &after)
	msgs := float64(b.N * sockets)
	us := func(t syscall.Timeval) float64 { return float64(t.Sec)*1e6 + float64(t.Usec) }
	b.ReportMetric((us(after.Utime)-us(before.Utime))/msgs, "us-user/msg")
	b.ReportMetric((us(after.Stime)-us(before.Stime))/msgs, "us-sys/msg")
	b.ReportMetric(float64(cpu1-cpu0)/1e3/msgs, "us-cpu/msg")
	b.ReportMetric(float64(short)/msgs, "short/msg")
	b.ReportMetric(0, "ns/op")
}

// threadCPU is the calling thread's CPU time in ns
// (CLOCK_THREAD_CPUTIME_ID: exact, where getrusage's user/system split is
// sampled at the scheduler tick).
func threadCPU() int64 {
	var ts syscall.Timespec
	_, _, _ = syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3 /* CLOCK_THREAD_CPUTIME_ID */, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}
