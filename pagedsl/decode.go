package pagedsl

import (
	"fmt"
	"strconv"
	"sync"
	"unicode/utf8"
)

// SyntaxError is a Decode failure (JSON.parse throwing).
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Msg)
}

// MaxDepth bounds the nesting of decoded JSON; deeper input is refused
// rather than risking unbounded recursion in the steps.
const MaxDepth = 10000

// Decode parses JSON as JSON.parse does: duplicate keys keep the first
// position and the last value; numbers are float64; lone surrogate
// escapes are kept (as WTF-8) so that Encode writes them back.
//
// Objects and arrays held by object properties are decoded when first
// read (see lazy.go), so a decoded value must not be read by two
// goroutines at once. Decode keeps a copy of data.
func Decode(data []byte) (v any, err error) {
	if v, ok := decodeLazy(data, false); ok {
		return v, nil
	}
	return decodeEager(data)
}

// DecodeShared is Decode without the copy of data: the value reads data
// until it is no longer used (encoded, say), so data must stay unchanged
// until then. For a caller that holds the text anyway, such as a
// request's body.
func DecodeShared(data []byte) (v any, err error) {
	if v, ok := decodeLazy(data, true); ok {
		return v, nil
	}
	return decodeEager(data)
}

// decodeEager decodes everything at once; on invalid JSON it says why.
func decodeEager(data []byte) (any, error) {
	v, serr := decode(data, false)
	if serr != nil {
		return nil, serr
	}
	return v, nil
}

// decode parses one JSON text with a pooled decoder.
func decode(data []byte, wtf8 bool) (any, *SyntaxError) {
	d := decoderPool.Get().(*decoder)
	d.data, d.pos, d.err, d.wtf8 = data, 0, nil, wtf8
	d.slabs = slabs{size: len(data)}
	d.skipSpace()
	v := d.value(0)
	if d.err == nil {
		d.skipSpace()
		if d.pos < len(d.data) {
			d.fail("unexpected data after the top-level value")
		}
	}
	err := d.err
	d.release()
	if err != nil {
		return nil, err
	}
	return v, nil
}

// decoderPool keeps decoders with their scratch buffers and string cache
// between requests: each is used by one goroutine at a time.
var decoderPool = sync.Pool{New: func() any { return &decoder{cache: new([cacheSlots]cacheEntry)} }}

type decoder struct {
	data []byte
	pos  int
	err  *SyntaxError
	buf  []byte
	// wtf8 keeps lone surrogates already held in WTF-8 (JSON.parse of a
	// string a step built); bytes from the wire are decoded as UTF-8.
	wtf8 bool
	// Members and items of the containers being read, so that each
	// container is allocated once at its exact size.
	keys   []string
	hashes []uint32 // hashString of keys, for the key tables
	vals   []any    // the values of keys
	items  []any    // array items
	// cache holds short keys and string values already seen (page DSLs
	// repeat the same few hundred keys and values on every widget), so
	// that they are shared rather than allocated each time. Strings are
	// immutable, so sharing them across documents is safe.
	cache *[cacheSlots]cacheEntry
	slabs
	// doc is the document being decoded lazily (nil: decode everything),
	// ord the number of the next container to open in its tape.
	doc  *document
	ord  int32
	scan tapeScanner
	// inTape: the containers being read are in doc's tape (a deferred
	// value, or one the tape scanner found not canonical).
	inTape bool
	spans  []mspan // the spans of keys, in a lazy decoding
	// staged is the most members or items staged at once since the
	// decoder left the pool: how far release clears the stacks.
	staged int
}

// release returns d to the pool, dropping what would pin memory: the
// values left in the staging stacks past their length are cleared here
// once rather than as each container is built.
func (d *decoder) release() {
	d.data, d.err = nil, nil
	d.slabs = slabs{}
	d.doc, d.inTape = nil, false
	d.scan.reset()
	d.spans = d.spans[:0]
	const keep = 1 << 16
	if cap(d.keys) > keep || cap(d.vals) > keep || cap(d.items) > keep || cap(d.buf) > keep {
		d.keys, d.hashes, d.vals, d.items, d.buf = nil, nil, nil, nil, nil
	} else {
		// Only as far as the stacks grew: a pooled decoder's stacks are
		// long, and most decodings (a deferred value) use a few slots.
		n := max(d.staged, len(d.keys), len(d.items))
		clear(d.keys[:min(n, cap(d.keys))])
		clear(d.vals[:min(n, cap(d.vals))])
		clear(d.items[:min(n, cap(d.items))])
		d.staged = 0
		// A failed decoding leaves members staged: the spans, staged
		// only in lazy decodings, must start in step with the keys.
		d.keys, d.hashes, d.vals, d.items = d.keys[:0], d.hashes[:0], d.vals[:0], d.items[:0]
	}
	decoderPool.Put(d)
}

// cacheEntry is a cached string and, once it has been a value, the
// string boxed in an interface.
type cacheEntry struct {
	s string
	v any
}

// Sizes of the string cache: a direct-mapped table indexed by the
// string's hash, for strings up to maxCached bytes.
const (
	cacheSlots = 4096
	maxCached  = 64
)

// Objects of widgetKeys keys or more get room for widgetRoom more.
const (
	widgetKeys = 8
	widgetRoom = 4
)

// object builds the object of the last len(d.keys)-start members.
func (d *decoder) object(start int) *Object {
	keys, vals := d.keys[start:], d.vals[start:]
	simple := true
	for _, k := range keys {
		if k != "" && k[0] >= '0' && k[0] <= '9' {
			if _, ok := arrayIndex(k); ok {
				simple = false
				break
			}
		}
	}
	if simple && len(keys) < indexThreshold {
		for i := 1; i < len(keys) && simple; i++ {
			for j := 0; j < i; j++ {
				if keys[i] == keys[j] {
					simple = false
					break
				}
			}
		}
	}
	o := d.newObject()
	var spans []mspan
	if d.doc != nil {
		spans = d.spans[start:]
	}
	if simple {
		// Widgets (the larger objects) gain properties as they are
		// migrated: room for a few saves reallocating both slices.
		extra := 0
		if len(keys) >= widgetKeys {
			extra = widgetRoom
		}
		o.keys = d.takeStrings(keys, extra)
		o.vals = d.takeValues(vals, extra)
		if spans != nil {
			o.doc = d.doc
			o.spans = d.takeSpans(spans, 0)
		}
		if len(keys) >= indexThreshold {
			// The key table a large object needs anyway finds duplicates.
			o.idx = d.takeTable(tableSize(len(keys) + extra))
			simple = o.reindexHashed(d.hashes[start:])
		}
	}
	if !simple {
		// Index keys to order or duplicate keys: JS semantics via Set
		// (deferred scalars decoded first: their spans are not kept).
		*o = Object{}
		for i, k := range keys {
			v := vals[i]
			if _, raw := v.(rawScalar); raw {
				v = d.scalarIn(spans[i])
			}
			o.Set(k, v)
		}
	}
	d.staged = max(d.staged, len(d.keys))
	d.keys, d.hashes, d.vals = d.keys[:start], d.hashes[:start], d.vals[:start]
	if spans != nil {
		d.spans = d.spans[:start]
	}
	return o
}

func (d *decoder) fail(msg string) {
	if d.err == nil {
		d.err = &SyntaxError{Offset: d.pos, Msg: msg}
	}
}

func (d *decoder) skipSpace() {
	// Pages from the backend have no whitespace: one test usually ends it.
	if d.pos < len(d.data) && d.data[d.pos] > ' ' {
		return
	}
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) value(depth int) any {
	if depth > MaxDepth {
		d.fail(fmt.Sprintf("nesting deeper than %d", MaxDepth))
		return nil
	}
	if d.pos >= len(d.data) {
		d.fail("unexpected end of input")
		return nil
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		if d.doc != nil {
			return d.lazyObject(depth)
		}
		d.pos++
		d.ord++
		d.skipSpace()
		if d.pos < len(d.data) && d.data[d.pos] == '}' {
			d.pos++
			return d.newObject()
		}
		start := len(d.keys)
		for d.err == nil {
			d.skipSpace()
			if d.pos >= len(d.data) || d.data[d.pos] != '"' {
				d.fail("expected a string key")
				return nil
			}
			k, h := d.key()
			d.skipSpace()
			if d.pos >= len(d.data) || d.data[d.pos] != ':' {
				d.fail("expected ':'")
				return nil
			}
			d.pos++
			d.skipSpace()
			v := d.value(depth + 1)
			if d.err != nil {
				return nil
			}
			d.keys = append(d.keys, k)
			d.hashes = append(d.hashes, h)
			d.vals = append(d.vals, v)
			d.skipSpace()
			if d.pos >= len(d.data) {
				d.fail("unexpected end of input")
				return nil
			}
			if d.data[d.pos] == '}' {
				d.pos++
				return d.object(start)
			}
			if d.data[d.pos] != ',' {
				d.fail("expected ',' or '}'")
				return nil
			}
			d.pos++
		}
		return nil
	case c == '[':
		d.pos++
		d.ord++
		d.skipSpace()
		if d.pos < len(d.data) && d.data[d.pos] == ']' {
			d.pos++
			return d.newArray(nil)
		}
		start := len(d.items)
		for d.err == nil {
			d.skipSpace()
			v := d.value(depth + 1)
			if d.err != nil {
				return nil
			}
			d.items = append(d.items, v)
			d.skipSpace()
			if d.pos >= len(d.data) {
				d.fail("unexpected end of input")
				return nil
			}
			if d.data[d.pos] == ']' {
				d.pos++
				a := d.newArray(d.takeValues(d.items[start:], 0))
				d.staged = max(d.staged, len(d.items))
				d.items = d.items[:start]
				return a
			}
			if d.data[d.pos] != ',' {
				d.fail("expected ',' or ']'")
				return nil
			}
			d.pos++
		}
		return nil
	case c == '"':
		return d.strValue()
	case c == 't':
		return d.literal("true", true)
	case c == 'f':
		return d.literal("false", false)
	case c == 'n':
		return d.literal("null", nil)
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	default:
		d.fail(fmt.Sprintf("unexpected character %q", c))
		return nil
	}
}

func (d *decoder) literal(word string, v any) any {
	if len(d.data)-d.pos >= len(word) && string(d.data[d.pos:d.pos+len(word)]) == word {
		d.pos += len(word)
		return v
	}
	d.fail("invalid literal")
	return nil
}

func (d *decoder) number() any {
	start := d.pos
	p := d.pos
	if p < len(d.data) && d.data[p] == '-' {
		p++
	}
	digits := func() int {
		n := 0
		for p < len(d.data) && d.data[p] >= '0' && d.data[p] <= '9' {
			p++
			n++
		}
		return n
	}
	if p < len(d.data) && d.data[p] == '0' {
		p++
	} else if digits() == 0 {
		d.pos = p
		d.fail("invalid number")
		return nil
	}
	if p < len(d.data) && d.data[p] == '.' {
		p++
		if digits() == 0 {
			d.pos = p
			d.fail("invalid number")
			return nil
		}
	}
	if p < len(d.data) && (d.data[p] == 'e' || d.data[p] == 'E') {
		p++
		if p < len(d.data) && (d.data[p] == '+' || d.data[p] == '-') {
			p++
		}
		if digits() == 0 {
			d.pos = p
			d.fail("invalid number")
			return nil
		}
	}
	d.pos = p
	lit := d.data[start:p]
	if len(lit) <= 3 && lit[0] != '-' && lit[0] != '0' || len(lit) == 1 {
		// A small non-negative integer: boxed once for the process.
		n := 0
		for _, c := range lit {
			if c < '0' || c > '9' {
				n = -1
				break
			}
			n = n*10 + int(c-'0')
		}
		if n >= 0 {
			return smallNumbers[n]
		}
	}
	// Out-of-range literals round to ±Infinity or 0 as in JS; the grammar
	// was checked above, so the only possible error is ErrRange.
	f, _ := strconv.ParseFloat(string(lit), 64)
	return f
}

// smallNumbers holds 0 to 999 already boxed in an interface: page DSLs
// are full of rows, columns and small sizes, and each would otherwise be
// an allocation.
var smallNumbers = func() (t [1000]any) {
	for i := range t {
		t[i] = float64(i)
	}
	return t
}()

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func (d *decoder) hex4(at int) int {
	if at+4 > len(d.data) {
		return -1
	}
	n := 0
	for i := 0; i < 4; i++ {
		h := hexVal(d.data[at+i])
		if h < 0 {
			return -1
		}
		n = n<<4 | h
	}
	return n
}

// key reads an object key and its hashString.
func (d *decoder) key() (string, uint32) {
	k, h, _ := d.keyPlain()
	return k, h
}

// scalarIn decodes the deferred scalar at sp of the document being read.
func (d *decoder) scalarIn(sp mspan) any {
	data, pos := d.data, d.pos
	d.data, d.pos = data[:sp.ve], int(sp.vs)
	v := d.value(0)
	d.data, d.pos = data, pos
	return v
}

// keyPlain is key, also reporting whether the key's text has neither
// escapes nor non-ASCII bytes (so that encoding it writes the same text).
func (d *decoder) keyPlain() (string, uint32, bool) {
	start := d.pos + 1
	end := scanPlain(d.data, start)
	if end < len(d.data) && d.data[end] == '"' {
		raw := d.data[start:end]
		h := hashIn(d.data, start, end)
		d.pos = end + 1
		if len(raw) <= maxCached {
			return d.cached(raw, h).s, h, true
		}
		return d.text(raw), h, true
	}
	s := d.str(start, end)
	return s, hashString(s), false
}

// strValue reads a string value, boxed.
func (d *decoder) strValue() any {
	start := d.pos + 1
	end := scanPlain(d.data, start)
	if end < len(d.data) && d.data[end] == '"' {
		raw := d.data[start:end]
		d.pos = end + 1
		if len(raw) <= maxCached {
			e := d.cached(raw, hashIn(d.data, start, end))
			if e.v == nil {
				e.v = e.s
			}
			return e.v
		}
		return d.boxString(d.text(raw))
	}
	return d.boxString(d.str(start, end))
}

// cached returns the cache entry of raw (a string without escapes or
// non-ASCII bytes, hashed h), replacing what the slot held.
func (d *decoder) cached(raw []byte, h uint32) *cacheEntry {
	e := &d.cache[h&(cacheSlots-1)]
	if e.s != string(raw) {
		if v, ok := interned[string(raw)]; ok {
			*e = cacheEntry{s: v.(string), v: v}
		} else {
			*e = cacheEntry{s: string(raw)}
		}
	}
	return e
}

// str reads the rest of a string literal whose bytes from start to end
// need no decoding and whose byte at end does (an escape, a control
// character, non-ASCII, or the end of the input).
func (d *decoder) str(start, end int) string {
	d.pos = end
	buf := append(d.buf[:0], d.data[start:d.pos]...)
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			d.buf = buf
			return d.text(buf)
		case c < 0x20:
			d.fail("control character in string")
			return ""
		case c == '\\':
			if d.pos+1 >= len(d.data) {
				d.fail("unexpected end of input")
				return ""
			}
			e := d.data[d.pos+1]
			d.pos += 2
			switch e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				u := d.hex4(d.pos)
				if u < 0 {
					d.fail("invalid \\u escape")
					return ""
				}
				d.pos += 4
				if u >= 0xD800 && u < 0xDC00 && d.pos+6 <= len(d.data) && d.data[d.pos] == '\\' && d.data[d.pos+1] == 'u' {
					if lo := d.hex4(d.pos + 2); lo >= 0xDC00 && lo < 0xE000 {
						d.pos += 6
						buf = utf8.AppendRune(buf, rune(0x10000+(u-0xD800)<<10+(lo-0xDC00)))
						continue
					}
				}
				buf = appendUnit(buf, u)
			default:
				d.pos--
				d.fail("invalid escape")
				return ""
			}
		case c < 0x80:
			// A run of plain bytes up to the next one to look at.
			end := scanPlain(d.data, d.pos)
			buf = append(buf, d.data[d.pos:end]...)
			d.pos = end
		default:
			if d.wtf8 && c == 0xED && d.pos+2 < len(d.data) && d.data[d.pos+1] >= 0xA0 && d.data[d.pos+1] <= 0xBF {
				buf = append(buf, d.data[d.pos:d.pos+3]...)
				d.pos += 3
				continue
			}
			r, size := utf8.DecodeRune(d.data[d.pos:])
			// Invalid UTF-8 becomes U+FFFD, as the HTTP body decoder does.
			buf = utf8.AppendRune(buf, r)
			d.pos += size
		}
	}
	d.fail("unterminated string")
	return ""
}

// appendUnit appends one UTF-16 code unit that is not part of a pair:
// a lone surrogate is written in WTF-8 (the 3-byte form UTF-8 forbids).
func appendUnit(buf []byte, u int) []byte {
	if u >= 0xD800 && u < 0xE000 {
		return append(buf, 0xE0|byte(u>>12), 0x80|byte(u>>6)&0x3F, 0x80|byte(u)&0x3F)
	}
	return utf8.AppendRune(buf, rune(u))
}
