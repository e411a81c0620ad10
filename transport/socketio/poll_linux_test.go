//go:build linux

package socketio

import (
	"bytes"
	"runtime"
	"testing"
	"time"
)

// An idle poller waits in the Go runtime's netpoller, not in a blocking
// epoll_wait: a goroutine in a system call keeps its P until sysmon hands
// it off, and on a one-P server the readers the poller had just started
// waited for that (docs/socketio.md).
func TestPollerWaitsInNetpoller(t *testing.T) {
	p, err := newPoller()
	if err != nil {
		t.Skip("no epoll:", err)
	}
	defer p.close()
	var state string
	for range 10000 { // until run has found nothing and waits
		state = goroutineState("(*poller).run")
		if state != "running" && state != "runnable" && state != "" {
			break
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
	if state != "IO wait" {
		t.Fatalf("the idle poller's goroutine is %q, want \"IO wait\"", state)
	}
}

// goroutineState is the state runtime.Stack gives the goroutine whose
// stack has fn ("" when there is none).
func goroutineState(fn string) string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if !bytes.Contains(g, []byte(fn)) {
			continue
		}
		_, rest, _ := bytes.Cut(g, []byte(" ["))
		state, _, _ := bytes.Cut(rest, []byte("]"))
		state, _, _ = bytes.Cut(state, []byte(",")) // ", 2 minutes"
		return string(state)
	}
	return ""
}
