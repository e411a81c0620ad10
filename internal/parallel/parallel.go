// Package parallel owns the one way rts spreads independent work items over
// the cores: a goroutine per core (at most one per item) takes the next
// unclaimed index until none is left, so items of uneven cost still end
// together.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// For calls fn(i) for every i in [0, n) on all cores and returns when all
// calls have. fn must be safe to call concurrently for different i.
func For(n int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < min(n, runtime.GOMAXPROCS(0)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}
