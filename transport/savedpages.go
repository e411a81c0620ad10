package transport

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"sort"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Page saves read against the page's previous save. On every layout save
// the Java backend sends all of a page's bindings, and the page's next
// save sends the same body but for what was edited in between: one or two
// scripts of a hundred. Looking each script up in the extraction cache
// means hashing it, probing a table and comparing it with its key, a
// hundred times, in places spread over megabytes (most of a cached save's
// CPU went there and to finding the scripts' ends). So the handler keeps
// the last saves it answered (body, where each script and its answer are,
// the answer) and compares a new body with the closest one in bulk: the
// bytes shared at the start and at the end. Only the scripts between are
// read and looked up; the answers of the others are the kept answer's
// bytes, copied in two blocks.
//
// Why the shared bytes may be trusted: the kept body was read as valid
// (its scripts array lazily, every script then checked or equal to a
// checked cache key) up to the kept save's answer. The new body's first p
// bytes are the same, so reading it reaches the same state at the end of
// the last script inside them. From there the new bytes are read as the
// array's elements (strings, commas, spaces; anything else and the body
// goes through the readers as before) until an element starts where one of
// the kept body's did, inside the shared end: from that point on both
// bodies are the same bytes read from the same state, so the rest of the
// new body is valid, holds the same scripts and the same other keys (the
// eval version among them), and the kept answers of those scripts are
// theirs. The array's closing bracket is such a point too.

// savedPage is one kept save. It belongs to the pageMemo while in a slot,
// and to the request that took it until that request puts it back.
type savedPage struct {
	head, tail uint64 // hashes of the body's first and last sigBytes
	ver        int    // the eval version the answers are for
	at, close  int    // offsets of the scripts array's '[' and ']'
	body       []byte
	answer     []byte  // the whole answer sent
	spans      []int32 // per script: start and end in body, start and end of its answer in answer
	used       uint64  // when last taken or put, for eviction
}

func (e *savedPage) scripts() int { return len(e.spans) / 4 }

func (e *savedPage) bodyStart(i int) int { return int(e.spans[4*i]) }
func (e *savedPage) bodyEnd(i int) int   { return int(e.spans[4*i+1]) }
func (e *savedPage) ansStart(i int) int  { return int(e.spans[4*i+2]) }
func (e *savedPage) ansEnd(i int) int    { return int(e.spans[4*i+3]) }

func (e *savedPage) size() int { return cap(e.body) + cap(e.answer) + 4*cap(e.spans) }

// Bounds of what is kept. A save of fewer scripts is cheap to read anyway;
// a larger body or answer would crowd the others out (the largest real
// page, 455 scripts, answers 170 KB).
const (
	savedSlots      = 128
	savedMinScripts = 8
	savedMaxBody    = 256 << 10
	savedMaxAnswer  = 256 << 10
	// DefaultSavedPagesBytes bounds the bodies and answers kept: an average
	// page takes about 30 KB, so the 128 slots hold about 4 MB.
	DefaultSavedPagesBytes = 4 << 20
	// savedCandidates bounds the kept saves a body is compared with: pages
	// of one app may start alike, but a body like many kept ones must not
	// cost a comparison with each.
	savedCandidates = 4
	// sigBytes is how much of a body's start and of its end names the page:
	// a kept save is compared with a new body when one of them is the same.
	sigBytes = 128
)

// pageMemo is the kept saves. Its mutex is a leaf lock held for the
// comparisons of a lookup (a few microseconds at most) and a put.
type pageMemo struct {
	seed  maphash.Seed
	limit int

	mu    sync.Mutex
	slots [savedSlots]*savedPage
	// sigs[i] is slots[i]'s head and tail, when slots[i] is not nil: take
	// reads every slot's on every save, and reads them here, in 4 KB,
	// rather than in a hundred entries spread over the heap.
	sigs  [savedSlots]pageSig
	clock uint64
	bytes int // size() of the entries in slots

	hits, scripts prometheus.Counter

	bufs bufPool
}

func newPageMemo(limit int64) *pageMemo {
	if limit <= 0 {
		return nil
	}
	return &pageMemo{
		seed:  maphash.MakeSeed(),
		limit: int(limit),
		hits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rts_saved_page_hits_total",
			Help: "multiple-script-data requests read against a kept earlier request of the same page.",
		}),
		scripts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rts_saved_page_scripts_total",
			Help: "Scripts answered from a kept earlier request of the same page (not looked up in the extraction cache).",
		}),
	}
}

func (m *pageMemo) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.hits, m.scripts, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "rts_saved_page_bytes",
		Help: "Bytes held by the kept page saves (bodies, answers, offsets).",
	}, func() float64 { m.mu.Lock(); defer m.mu.Unlock(); return float64(m.bytes) })}
}

type pageSig struct{ head, tail uint64 }

func (m *pageMemo) sig(b []byte) pageSig {
	n := min(len(b), sigBytes)
	return pageSig{maphash.Bytes(m.seed, b[:n]), maphash.Bytes(m.seed, b[len(b)-n:])}
}

// set puts e in slot i.
func (m *pageMemo) set(i int, e *savedPage) {
	m.slots[i], m.sigs[i] = e, pageSig{e.head, e.tail}
	m.bytes += e.size()
}

// take finds the kept save sharing the most bytes with body and removes it
// from the memo: the caller owns it until put. p and s are the lengths of
// the shared start and end (p+s is at most either body's length). A kept
// save with both ends alike is taken however little of the middle is
// shared: reading against it costs no more than reading the body whole
// (the scripts between are read as the whole body's would be, and those
// that are the kept save's at the same place need no lookup), and a page
// saved again after others were differs in two edits that may be far
// apart. One with a single end alike must share half of the body.
func (m *pageMemo) take(body []byte) (e *savedPage, p, s int) {
	sig := m.sig(body)
	m.mu.Lock()
	defer m.mu.Unlock()
	best, shared := -1, 0
	// Those with both ends alike first (an edit inside the page), then
	// those with one.
	for pass := range 2 {
		if pass == 1 {
			shared = len(body) / 2
		}
		compared := 0
		for i, c := range m.slots {
			sg := m.sigs[i]
			if c == nil || (pass == 0) != (sg == sig) || sg.head != sig.head && sg.tail != sig.tail {
				continue
			}
			if compared++; compared > savedCandidates {
				break
			}
			cp := commonPrefix(body, c.body)
			cs := commonSuffix(body[cp:], c.body[cp:])
			if cp+cs > shared {
				best, shared, p, s = i, cp+cs, cp, cs
			}
		}
		if best >= 0 {
			break
		}
	}
	if best < 0 {
		return nil, 0, 0
	}
	e = m.slots[best]
	m.slots[best] = nil
	m.bytes -= e.size()
	m.clock++
	e.used = m.clock
	return e, p, s
}

// put keeps the save just answered: body (x.in or a copy), x.out and
// x.spans. The exchange's buffers are swapped with those of e (a taken
// entry) or of the entry it replaces rather than copied, so keeping a save
// costs no copy of its answer and, once the memo is full, no allocation.
// A save too large to keep is not kept.
func (m *pageMemo) put(x *exchange, e *savedPage, body []byte, ver, at, close int) {
	if len(body) > savedMaxBody || len(x.out) > savedMaxAnswer || len(x.spans)/4 < savedMinScripts {
		return
	}
	sig := m.sig(body)
	m.mu.Lock()
	defer m.mu.Unlock()
	slot := -1
	for i, c := range m.slots {
		if c == nil {
			slot = i
			break
		}
	}
	if slot < 0 {
		slot = m.oldest()
		if e == nil {
			e = m.slots[slot] // its buffers are reused
		}
		m.bytes -= m.slots[slot].size()
		m.slots[slot] = nil
	}
	if e == nil {
		e = &savedPage{}
	}
	e.head, e.tail, e.ver, e.at, e.close = sig.head, sig.tail, ver, at, close
	if len(x.in) > 0 && &body[0] == &x.in[0] {
		keepBytes(&e.body, &x.in, len(body))
	} else {
		if !fits(cap(e.body), len(body)) {
			e.body = make([]byte, 0, len(body))
		}
		e.body = append(e.body[:0], body...)
	}
	keepBytes(&e.answer, &x.out, len(x.out))
	e.spans, x.spans = x.spans, e.spans[:0]
	m.clock++
	e.used = m.clock
	for m.bytes+e.size() > m.limit {
		i := m.oldest()
		if i < 0 {
			return // e alone is over the limit
		}
		m.bytes -= m.slots[i].size()
		m.slots[i] = nil
	}
	m.set(slot, e)
}

// keepBytes moves the first n bytes of the exchange's buffer *src into
// the entry's *dst: by swapping the two buffers when *src is not much
// larger than n, else by copying into *dst (made to measure if it does not
// fit), the exchange keeping its large buffer. An exchange's buffers grow
// to the largest request it served; kept as they are, a few of them would
// fill the memo's bytes with unused capacity.
func keepBytes(dst, src *[]byte, n int) {
	if fits(cap(*src), n) {
		*dst, *src = (*src)[:n], (*dst)[:0]
		return
	}
	if !fits(cap(*dst), n) {
		*dst = make([]byte, 0, n)
	}
	*dst = append((*dst)[:0], (*src)[:n]...)
}

func fits(c, n int) bool { return c >= n && c <= n+n/4+4096 }

// bufPool holds the buffers of page-sized bodies and answers that an
// exchange gave up, by size. put swaps an exchange's body and answer
// buffers into the kept save only when their capacity fits (keepBytes);
// one exchange serves saves of pages of every size, so after a save of a
// large page its buffers did not fit the next, smaller one, and put copied
// the body and the answer (and after a small one, the next large body was
// read into a new buffer). fit gives a request buffers of its size class
// first, so that put swaps.
type bufPool struct {
	mu    sync.Mutex
	free  [bufClasses][][]byte
	bytes int
}

// Size classes grow by a quarter, as fits allows: class k holds buffers
// of at least bufClassSize[k] bytes.
const (
	bufClasses   = 20 // 4 KB * 1.25^19 is past savedMaxBody and savedMaxAnswer
	bufPoolBytes = 1 << 20
	bufPerClass  = 8
)

var bufClassSize = func() (sz [bufClasses]int) {
	n := 4096.0
	for k := range sz {
		sz[k] = (int(n) + 511) &^ 511
		n *= 1.25
	}
	return sz
}()

// fit returns buf emptied when its capacity fits n bytes, else a pooled or
// new buffer that does, keeping buf for another request.
func (p *bufPool) fit(buf []byte, n int) []byte {
	if fits(cap(buf), n) || n > bufClassSize[bufClasses-1] {
		return buf[:0]
	}
	k := 0
	for bufClassSize[k] < n {
		k++
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := cap(buf); c >= bufClassSize[0] && p.bytes+c <= bufPoolBytes {
		j := 0
		for j+1 < bufClasses && bufClassSize[j+1] <= c {
			j++
		}
		if len(p.free[j]) < bufPerClass {
			p.free[j] = append(p.free[j], buf[:0])
			p.bytes += c
		}
	}
	if f := p.free[k]; len(f) > 0 && fits(cap(f[len(f)-1]), n) {
		got := f[len(f)-1]
		f[len(f)-1] = nil
		p.free[k] = f[:len(f)-1]
		p.bytes -= cap(got)
		return got
	}
	return make([]byte, 0, bufClassSize[k])
}

// oldest is the slot of the entry used longest ago, or -1 when all are
// empty.
func (m *pageMemo) oldest() int {
	oldest := -1
	for i, c := range m.slots {
		if c != nil && (oldest < 0 || c.used < m.slots[oldest].used) {
			oldest = i
		}
	}
	return oldest
}

// giveBack returns an entry taken but not used.
func (m *pageMemo) giveBack(e *savedPage) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, c := range m.slots {
		if c == nil {
			m.set(i, e)
			return
		}
	}
}

// commonPrefix is the length of the bytes a and b start with.
func commonPrefix(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	for i+256 <= n && bytes.Equal(a[i:i+256], b[i:i+256]) {
		i += 256
	}
	for i+8 <= n && binary.LittleEndian.Uint64(a[i:]) == binary.LittleEndian.Uint64(b[i:]) {
		i += 8
	}
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

// commonSuffix is the length of the bytes a and b end with.
func commonSuffix(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0 // shared so far
	for i+256 <= n && bytes.Equal(a[len(a)-i-256:len(a)-i], b[len(b)-i-256:len(b)-i]) {
		i += 256
	}
	for i+8 <= n && binary.LittleEndian.Uint64(a[len(a)-i-8:]) == binary.LittleEndian.Uint64(b[len(b)-i-8:]) {
		i += 8
	}
	for i < n && a[len(a)-i-1] == b[len(b)-i-1] {
		i++
	}
	return i
}

// resync reads body, which shares its first p and last s bytes with e's,
// between the two: items gets the scripts there, and first and last are
// the kept scripts before and after them (e's scripts [0, first) and
// [last, n) are body's too). ok is false when the bytes between are not
// array elements that are strings, when the scripts would be more than
// limit or none, or when the reading does not meet e's again.
func (e *savedPage) resync(body []byte, p, s, limit int, items []span) (_ []span, first, last int, ok bool) {
	n := e.scripts()
	delta := len(body) - len(e.body)
	if delta == 0 && p == len(body) { // the same body again
		return items, n, n, n > 0 && n <= limit
	}
	shared := len(body) - s // body[shared:] is e's end
	// The kept scripts wholly inside the shared start.
	first = sort.Search(n, func(i int) bool { return e.bodyEnd(i) > p })
	var i int
	afterValue := first > 0
	if afterValue {
		i = e.bodyEnd(first - 1)
	} else {
		if e.at >= p {
			return items, 0, 0, false
		}
		i = e.at + 1
	}
	for {
		i = skipWS(body, i)
		if i >= len(body) {
			return items, 0, 0, false
		}
		c := body[i]
		if c == ']' {
			// The end of the array: the same end as e's when it is e's ']'.
			if i >= shared && i-delta == e.close && first+len(items) > 0 {
				return items, first, n, true
			}
			return items, 0, 0, false
		}
		if afterValue {
			if c != ',' {
				return items, 0, 0, false
			}
			if i = skipWS(body, i+1); i >= len(body) {
				return items, 0, 0, false
			}
			c = body[i]
		}
		// An element starts at i: e's from here on when one of e's starts
		// here in the shared end.
		if i >= shared {
			old := i - delta
			j := sort.Search(n, func(k int) bool { return e.bodyStart(k) >= old })
			if j < n && e.bodyStart(j) == old && j >= first {
				if first+len(items)+n-j > limit {
					return items, 0, 0, false
				}
				return items, first, j, true
			}
		}
		if c != '"' {
			return items, 0, 0, false
		}
		end := stringEnd(body, i)
		if end < 0 || first+len(items)+1 > limit {
			return items, 0, 0, false
		}
		items = append(items, span{kind: kindString, start: i, end: end})
		i, afterValue = end, true
	}
}
