package transport

import (
	"bytes"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// workerPanic carries a panic of a worker goroutine, with that goroutine's
// stack, to the request goroutine, where finish recovers it.
type workerPanic struct {
	value any
	stack []byte
}

// parallelMin is the least number of scripts worth a helper goroutine:
// below it, handing work over costs more than it saves.
const parallelMin = 8

// chunk is how many scripts a worker analyses per token: small enough that
// a page save with one changed binding waits little behind a large batch.
const chunk = 16

// extractAll answers every script of a multiple-script-data request, in
// order, as the JSON of each IdentifierInfo, and their total size (commas
// included). Cached answers are taken first; the rest are analysed once per
// distinct script (a page repeats bindings), on the request's goroutine and
// the helpers the work pool lends, and cached. It stops early with
// errAnswerBig past the answer limit and with errTimeout when the request's
// time is up or its client went away.
func (h *Handler) extractAll(x *exchange, b *body, items []span, ver int) ([][]byte, int, error) {
	answers := make([][]byte, len(items))
	raw := func(i int) []byte { return b.buf[items[i].start+1 : items[i].end-1] }
	size := len(items) - 1
	var misses []int
	for i := range items {
		if enc, ok := h.cache.get(ver, raw(i)); ok {
			answers[i] = enc
			size += len(enc)
			continue
		}
		misses = append(misses, i)
	}
	h.cache.count(len(items)-len(misses), len(misses))
	if size > h.maxAnswer {
		return nil, 0, errAnswerBig
	}
	if len(misses) == 0 {
		return answers, size, nil
	}
	var dups [][2]int // a repeated script and its first occurrence
	if len(misses) > 1 {
		first := make(map[string]int, len(misses))
		distinct := misses[:0]
		for _, i := range misses {
			if j, ok := first[string(raw(i))]; ok {
				dups = append(dups, [2]int{i, j})
				continue
			}
			first[string(raw(i))] = i
			distinct = append(distinct, i)
		}
		misses = distinct
	}

	var total atomic.Int64
	total.Store(int64(size))
	err := h.analyse(x, len(misses), func(k int, scratch *[]byte) error {
		i := misses[k]
		info := h.extract(b.str(items[i]), ver, nil)
		*scratch = appendInfo((*scratch)[:0], &info)
		enc := bytes.Clone(*scratch)
		h.cache.put(ver, raw(i), enc)
		answers[i] = enc
		if total.Add(int64(len(enc))) > int64(h.maxAnswer) {
			return errAnswerBig
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	size = int(total.Load())
	for _, d := range dups {
		answers[d[0]] = answers[d[1]]
		size += len(answers[d[1]])
	}
	if size > h.maxAnswer {
		return nil, 0, errAnswerBig
	}
	return answers, size, nil
}

// analyse runs do(k) for every k in [0, n) on the request's goroutine and,
// for enough work, on helpers, each holding a token of the work pool while
// it works. Each goroutine has its own scratch buffer. The first error
// stops the rest; a panic in a helper is raised again on the request's
// goroutine.
func (h *Handler) analyse(x *exchange, n int, do func(k int, scratch *[]byte) error) error {
	ctx := x.r.Context()
	var (
		next     atomic.Int64
		stop     atomic.Bool
		firstErr atomic.Pointer[error]
		panicked atomic.Pointer[workerPanic]
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		firstErr.CompareAndSwap(nil, &err)
		stop.Store(true)
	}
	// work analyses chunks of the scripts while it holds a token: the
	// request's own goroutine waits for one, helpers stop when none is free.
	work := func(helper bool) {
		held := false
		defer func() {
			if held {
				h.pool.give()
			}
			if v := recover(); v != nil {
				panicked.CompareAndSwap(nil, &workerPanic{value: v, stack: debug.Stack()})
				stop.Store(true)
			}
		}()
		scratch := make([]byte, 0, 256)
		for !stop.Load() {
			if helper {
				if !h.pool.tryTake() {
					return
				}
			} else if !h.pool.take(ctx, x.deadline) {
				fail(errTimeout)
				return
			}
			held = true
			for range chunk {
				k := int(next.Add(1) - 1)
				if k >= n || stop.Load() {
					return
				}
				if ctx.Err() != nil || time.Now().After(x.deadline) {
					fail(errTimeout)
					return
				}
				if err := do(k, &scratch); err != nil {
					fail(err)
					return
				}
			}
			h.pool.give()
			held = false
		}
	}
	for range min(n/parallelMin, cap(h.pool.tokens)-1) {
		wg.Go(func() { work(true) })
	}
	work(false)
	wg.Wait()
	if p := panicked.Load(); p != nil {
		panic(*p)
	}
	if e := firstErr.Load(); e != nil {
		return *e
	}
	return nil
}
