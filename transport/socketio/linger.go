package socketio

import (
	"sync/atomic"
	"time"
)

// lingerPool runs jobs on goroutines that, once done, wait linger for the
// next job before they end. A job's work runs deep (JSON decoding, an HTTP
// call), and a goroutine that goes on to the next job keeps the stack it
// grew, where a goroutine per job grows and copies a new one each time
// (runtime.copystack was several percent of the server's CPU in a
// 10,000-editor join, issue 15). A busy server keeps its goroutines, a
// quiet one has none.
type lingerPool[T any] struct {
	run    func(T)
	linger time.Duration
	limit  int32           // most goroutines at once; 0: no bound
	quit   <-chan struct{} // closed: idle goroutines end
	work   chan T          // unbuffered: a send succeeds only when one waits
	n      atomic.Int32    // goroutines running
}

func newLingerPool[T any](run func(T), linger time.Duration, limit int32, quit <-chan struct{}) *lingerPool[T] {
	return &lingerPool[T]{run: run, linger: linger, limit: limit, quit: quit, work: make(chan T)}
}

// start hands j to an idle goroutine, or to a new one while there are
// fewer than limit; it never waits. It returns false when neither could
// take j: the caller runs it.
func (p *lingerPool[T]) start(j T) bool {
	select {
	case p.work <- j:
		return true
	default:
	}
	if n := p.n.Add(1); p.limit > 0 && n > p.limit {
		p.n.Add(-1)
		return false
	}
	go p.loop(j)
	return true
}

// running is how many goroutines run (tests).
func (p *lingerPool[T]) running() int32 { return p.n.Load() }

func (p *lingerPool[T]) loop(j T) {
	defer p.n.Add(-1)
	idle := time.NewTimer(p.linger)
	defer idle.Stop()
	for {
		p.run(j)
		idle.Reset(p.linger)
		select {
		case j = <-p.work:
		case <-idle.C:
			return
		case <-p.quit:
			return
		}
	}
}
