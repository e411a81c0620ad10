package transport

import (
	"bytes"
	"hash/maphash"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultExtractCacheBytes bounds the extraction cache. A page's bindings
// and their answers take some tens of kilobytes (the shared apps: 107
// scripts and 13 KB of code per page on average, about 40 KB cached), so
// 8 MB keeps about two hundred pages: every page being edited on a busy
// instance. Memory is what it costs: the server's RSS grows by about twice
// the cache's size (the collector's headroom).
const DefaultExtractCacheBytes = 8 << 20

// extractCache keeps the JSON answers of recent extractions, keyed by the
// script as it appears in the request (its JSON string, escapes included)
// and the eval version. The Java backend sends every binding of a page on
// each layout save, with at most a few changed since the last one, so most
// scripts of a request were answered before.
//
// The key is the raw JSON text rather than the decoded script: a hit then
// needs no decoding, and two spellings of one script ("\u0041" and "A")
// are two entries with the same answer, never a wrong one. The value is
// the answer's bytes as appendInfo writes them, which is what makes cached
// and uncached answers byte-identical.
//
// The cache holds no pointers the garbage collector must follow: keys and
// values are appended to byte arenas and indexed by an open-addressing
// table of 64-bit hashes and places, and every hit compares the whole key.
// The parser allocates fast, so the collector runs often; a cache of
// pointers would make each of its cycles mark megabytes of entries. The
// table (rather than a Go map) keeps a hash and its place in one slot: a
// page save looks up a hundred scripts, and a lookup then touches one
// cache line of the index instead of two.
//
// Each of its shards keeps two generations: entries are added to the
// current one; when it is full it becomes the previous one and the old
// previous one is dropped whole. A hit in the previous generation copies
// the entry into the current one, so what is used stays and what is not is
// dropped within two generations (an approximation of LRU without lists).
// A shard's mutex is a leaf lock: nothing else is locked or called while it
// is held. Arenas are append-only and never reused, so the answer slices
// get returns stay valid after the lock is released.
type extractCache struct {
	seed     maphash.Seed
	shards   [cacheShards]cacheShard
	genBytes int // bytes of one generation of one shard
	maxEntry int // larger entries are not kept: they would flush the rest

	hits, misses, evictions prometheus.Counter
}

const cacheShards = 16

// indexCost approximates what an entry costs in its generation's index
// (24-byte slots in a table between a quarter and half full, where a
// lookup that misses probes 2.5 slots on average, against 8.5 at three
// quarters), counted against the size.
const indexCost = 64

type cacheShard struct {
	mu        sync.Mutex
	cur, prev cacheGen
}

type cacheGen struct {
	slots []cacheSlot // a power of two of them; linear probing
	n     int         // live entries
	taken int         // slots not empty (live or dropped)
	arena []byte      // key then value of every entry, appended
}

// cacheSlot places an entry in its generation's arena. Hash 0 is an empty
// slot; ver 0 an entry dropped, whose hash stays so that probes go on.
type cacheSlot struct {
	hash                uint64
	off, keyLen, valLen uint32
	ver                 uint8
}

const firstSlots = 256

func (g *cacheGen) bytes() int { return len(g.arena) + g.n*indexCost }

// find returns the slot of the entry for (ver, raw) under hash h, or -1.
func (g *cacheGen) find(h uint64, ver int, raw []byte) int {
	if len(g.slots) == 0 {
		return -1
	}
	mask := uint64(len(g.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		sl := &g.slots[i]
		switch {
		case sl.hash == 0:
			return -1
		case sl.hash == h && int(sl.ver) == ver && int(sl.keyLen) == len(raw) &&
			bytes.Equal(g.arena[sl.off:sl.off+sl.keyLen], raw): // not another key with the same hash
			return int(i)
		}
	}
}

// value returns the answer stored in slot i.
func (g *cacheGen) value(i int) []byte {
	sl := &g.slots[i]
	start, end := sl.off+sl.keyLen, sl.off+sl.keyLen+sl.valLen
	return g.arena[start:end:end]
}

// drop removes the entry of slot i.
func (g *cacheGen) drop(i int) {
	g.slots[i].ver = 0
	g.n--
}

// add appends an entry, which the caller has checked fits in limit bytes.
// The arena grows by doubling up to limit, never past it.
func (g *cacheGen) add(h uint64, ver int, raw, value []byte, limit int) []byte {
	off := len(g.arena)
	if need := off + len(raw) + len(value); need > cap(g.arena) {
		// The old array stays valid for the answers already handed out.
		grown := make([]byte, off, min(max(2*cap(g.arena), need), limit))
		copy(grown, g.arena)
		g.arena = grown
	}
	g.arena = append(append(g.arena, raw...), value...)
	if 2*(g.taken+1) > len(g.slots) {
		g.rehash(max(firstSlots, 2*len(g.slots)))
	}
	g.insert(cacheSlot{hash: h, off: uint32(off), keyLen: uint32(len(raw)), valLen: uint32(len(value)), ver: uint8(ver)})
	g.n++
	end := len(g.arena)
	return g.arena[off+len(raw) : end : end]
}

func (g *cacheGen) insert(sl cacheSlot) {
	mask := uint64(len(g.slots) - 1)
	i := sl.hash & mask
	for g.slots[i].hash != 0 {
		i = (i + 1) & mask
	}
	g.slots[i] = sl
	g.taken++
}

// rehash moves the live entries to a table of size slots.
func (g *cacheGen) rehash(size int) {
	old := g.slots
	g.slots, g.taken = make([]cacheSlot, size), 0
	for _, sl := range old {
		if sl.hash != 0 && sl.ver != 0 {
			g.insert(sl)
		}
	}
}

// newExtractCache returns a cache of at most limit bytes, or nil (no
// caching) when limit is not positive.
func newExtractCache(limit int64) *extractCache {
	if limit <= 0 {
		return nil
	}
	c := &extractCache{seed: maphash.MakeSeed()}
	c.genBytes = int(max(limit/cacheShards/2, 4096))
	c.maxEntry = c.genBytes / 8
	for i := range c.shards {
		c.shards[i].cur = c.newGen()
		c.shards[i].prev = cacheGen{}
	}
	c.hits = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "rts_extract_cache_hits_total",
		Help: "Scripts answered from the extraction cache.",
	})
	c.misses = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "rts_extract_cache_misses_total",
		Help: "Scripts analysed because the extraction cache did not have them.",
	})
	c.evictions = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "rts_extract_cache_evictions_total",
		Help: "Entries dropped from the extraction cache to stay within its size.",
	})
	return c
}

func (c *extractCache) newGen() cacheGen {
	// The arena grows as entries come: an idle server holds little.
	return cacheGen{slots: make([]cacheSlot, firstSlots), arena: make([]byte, 0, min(c.genBytes, 64<<10))}
}

// collectors are the cache's metrics, for the Handler to register.
func (c *extractCache) collectors() []prometheus.Collector {
	return []prometheus.Collector{
		c.hits, c.misses, c.evictions,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "rts_extract_cache_bytes",
			Help: "Bytes held by the extraction cache (scripts, answers and their index).",
		}, func() float64 { b, _ := c.size(); return float64(b) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "rts_extract_cache_entries",
			Help: "Scripts in the extraction cache.",
		}, func() float64 { _, n := c.size(); return float64(n) }),
	}
}

func (c *extractCache) hash(ver int, raw []byte) (uint64, *cacheShard) {
	h := maphash.Bytes(c.seed, raw) ^ uint64(ver)*0x9E3779B97F4A7C15
	if h == 0 {
		h = 1 // 0 marks an empty slot
	}
	return h, &c.shards[h%cacheShards]
}

// get returns the cached answer for the raw script at eval version ver
// (1 or 2). A nil cache has nothing.
func (c *extractCache) get(ver int, raw []byte) ([]byte, bool) {
	if c == nil {
		return nil, false
	}
	h, s := c.hash(ver, raw)
	s.mu.Lock()
	defer s.mu.Unlock()
	return c.lookup(s, h, ver, raw)
}

// lookup is get with the hash known and the shard locked.
func (c *extractCache) lookup(s *cacheShard, h uint64, ver int, raw []byte) ([]byte, bool) {
	if i := s.cur.find(h, ver, raw); i >= 0 {
		return s.cur.value(i), true
	}
	i := s.prev.find(h, ver, raw)
	if i < 0 {
		return nil, false
	}
	// Still in use: keep it through the next rotation.
	v := s.prev.value(i)
	s.prev.drop(i)
	return c.store(s, h, ver, raw, v), true
}

// put stores value as the answer for raw and returns the cache's copy,
// or nil when the entry is too large to keep.
func (c *extractCache) put(ver int, raw, value []byte) []byte {
	if c == nil || len(raw)+len(value)+indexCost > c.maxEntry {
		return nil
	}
	h, s := c.hash(ver, raw)
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := s.cur.find(h, ver, raw); i >= 0 { // another request analysed it meanwhile
		return s.cur.value(i)
	}
	return c.store(s, h, ver, raw, value)
}

// store adds an entry to the current generation, rotating first when it
// is full.
func (c *extractCache) store(s *cacheShard, h uint64, ver int, raw, value []byte) []byte {
	if s.cur.bytes()+len(raw)+len(value)+indexCost > c.genBytes {
		if s.prev.n > 0 {
			c.evictions.Add(float64(s.prev.n))
		}
		s.prev, s.cur = s.cur, c.newGen()
	}
	return s.cur.add(h, ver, raw, value, c.genBytes)
}

// count records a request's hits and misses in one go.
func (c *extractCache) count(hits, misses int) {
	if c == nil {
		return
	}
	if hits > 0 {
		c.hits.Add(float64(hits))
	}
	if misses > 0 {
		c.misses.Add(float64(misses))
	}
}

func (c *extractCache) size() (bytes int64, entries int) {
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		bytes += int64(s.cur.bytes() + s.prev.bytes())
		entries += s.cur.n + s.prev.n
		s.mu.Unlock()
	}
	return bytes, entries
}

// cacheLookup is one script of a getAll: its key's place in the body, its
// hash, and the next script of the same shard.
type cacheLookup struct {
	hash       uint64
	start, end int32
	next       int32
}

// getAll looks up the strings items of buf (JSON string spans, quotes
// included, as the scripts of a request) at eval version ver: answers[i]
// gets the answer of each one found. It returns the total size of the
// answers found and the indices of the others, in order. Each shard is
// locked once, however many of the scripts it holds; lookups is scratch
// space, kept by the caller between calls. A page save looks up a hundred
// scripts: each key is sliced and hashed once. The indices are appended
// to misses.
func (c *extractCache) getAll(ver int, buf []byte, items []span, answers [][]byte, lookups *[]cacheLookup, misses []int) (int, []int) {
	n := len(items)
	if cap(*lookups) < n {
		*lookups = make([]cacheLookup, n)
	}
	ls := (*lookups)[:n]
	answers = answers[:n]
	var heads [cacheShards]int32
	for i := range heads {
		heads[i] = -1
	}
	for i := n - 1; i >= 0; i-- { // backwards, so that each shard's list is in order
		start, end := items[i].start+1, items[i].end-1
		h, _ := c.hash(ver, buf[start:end])
		s := h % cacheShards
		ls[i] = cacheLookup{hash: h, start: int32(start), end: int32(end), next: heads[s]}
		heads[s] = int32(i)
	}
	size, found := 0, 0
	for si, head := range heads {
		if head < 0 {
			continue
		}
		s := &c.shards[si]
		s.mu.Lock()
		for i := head; i >= 0; {
			l := &ls[i]
			if v, ok := c.lookup(s, l.hash, ver, buf[l.start:l.end]); ok {
				answers[i] = v
				size += len(v)
				found++
			}
			i = l.next
		}
		s.mu.Unlock()
	}
	if found < n {
		for i, a := range answers {
			if a == nil {
				misses = append(misses, i)
			}
		}
	}
	return size, misses
}
