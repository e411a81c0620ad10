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
// the helpers the work pool lends, and cached. With unchecked set the
// scripts' strings come from the lazy reader: those not answered from the
// cache are checked first, errMalformed if one is not valid JSON.
//
// A request with scripts to analyse, or a large answer, is heavy and waits
// for its turn at the gate (errAnswered: it was refused, and answered). One
// answered from the cache alone is a page save with nothing changed: it
// does no analysis and holds little memory, so it does not queue behind
// batches of new scripts.
//
// It stops early with errAnswerBig past the answer limit and with
// errTimeout when the request's time is up or its client went away. The
// answers point into the cache: the caller clears them once written.
// known is the size of the rest of the answer, answered otherwise (a kept
// save's scripts), which counts towards the limits.
func (h *Handler) extractAll(x *exchange, buf []byte, items []span, ver int, unchecked bool, known int) ([][]byte, int, error) {
	answers := x.answers(len(items))
	size := max(len(items)-1, 0) + known
	var misses []int
	if h.cache == nil {
		misses = make([]int, len(items))
		for i := range misses {
			misses[i] = i
		}
	} else {
		var found int
		found, misses = h.cache.getAll(ver, buf, items, answers, &x.lookups, x.misses[:0])
		x.misses = misses[:0]
		size += found
	}
	h.cache.count(len(items)-len(misses), len(misses))
	if unchecked {
		for _, i := range misses {
			if !checkString(buf, items[i]) {
				return nil, 0, errMalformed
			}
		}
	}
	if size > h.maxAnswer {
		return nil, 0, errAnswerBig
	}
	if len(misses) > 0 || size > lightAnswerBytes {
		if !h.heavy(x) {
			return nil, 0, errAnswered
		}
		defer h.gate.leave()
	}
	if len(misses) == 0 {
		return answers, size, nil
	}
	size, err := h.extractMisses(x, buf, items, ver, misses, answers, size)
	if err != nil {
		return nil, 0, err
	}
	return answers, size, nil
}

// extractMisses is extractAll's analysis of the scripts items[misses],
// into answers; size is the answer's size without them. It is a function
// of its own so that the closures the helpers run are made only for a
// request that has something to analyse.
func (h *Handler) extractMisses(x *exchange, buf []byte, items []span, ver int, misses []int, answers [][]byte, size int) (int, error) {
	if len(misses) < parallelMin {
		return h.extractFew(x, buf, items, ver, misses, answers, size)
	}
	raw := func(i int) []byte { return buf[items[i].start+1 : items[i].end-1] }
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
		info := h.extract(decodeString(raw(i), false), ver, nil)
		*scratch = appendInfo((*scratch)[:0], &info)
		enc := h.cache.put(ver, raw(i), *scratch)
		if enc == nil { // not cached: too large, or no cache
			enc = bytes.Clone(*scratch)
		}
		answers[i] = enc
		if total.Add(int64(len(enc))) > int64(h.maxAnswer) {
			return errAnswerBig
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	size = int(total.Load())
	for _, d := range dups {
		answers[d[0]] = answers[d[1]]
		size += len(answers[d[1]])
	}
	if size > h.maxAnswer {
		return 0, errAnswerBig
	}
	return size, nil
}

// extractFew is extractMisses for fewer scripts than a helper is worth
// (a page save's edited binding or two): the same work, on the request's
// goroutine alone, without analyse's closures, atomics and map of repeats
// (about ten allocations a save, besides the parser's own).
func (h *Handler) extractFew(x *exchange, buf []byte, items []span, ver int, misses []int, answers [][]byte, size int) (int, error) {
	ctx := x.r.Context()
	if !h.pool.take(ctx, x.deadline) {
		return 0, errTimeout
	}
	defer h.pool.give()
	scratch := x.scratch[:0]
	defer func() { x.scratch = scratch[:0] }()
	for k, i := range misses {
		raw := buf[items[i].start+1 : items[i].end-1]
		var enc []byte
		for _, j := range misses[:k] { // a page repeats bindings: each is analysed once
			if bytes.Equal(raw, buf[items[j].start+1:items[j].end-1]) {
				enc = answers[j]
				break
			}
		}
		if enc == nil {
			if ctx.Err() != nil || time.Now().After(x.deadline) {
				return 0, errTimeout
			}
			info := h.extract(decodeString(raw, false), ver, nil)
			scratch = appendInfo(scratch[:0], &info)
			if enc = h.cache.put(ver, raw, scratch); enc == nil { // not cached: too large, or no cache
				enc = bytes.Clone(scratch)
			}
		}
		answers[i] = enc
		if size += len(enc); size > h.maxAnswer {
			return 0, errAnswerBig
		}
	}
	return size, nil
}

// lightAnswerBytes: a multiple-script-data request answered from the cache
// alone skips the heavy gate when its answer is at most this large (the
// average page of the shared apps answers 40 KB, the largest 170 KB).
const lightAnswerBytes = 256 << 10

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
