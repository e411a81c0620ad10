package pagedsl

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/appsmith-rts/rts/analysis"
)

// undefinedType is the type of Undefined; a struct so that it compares
// equal to itself inside an interface.
type undefinedType struct{}

// Undefined is JavaScript's undefined: what Get answers for an absent
// property, and a value a step may store to make a key vanish from the
// encoded JSON as JSON.stringify does.
var Undefined any = undefinedType{}

func (undefinedType) String() string { return "undefined" }

// Array is a JS array. A pointer so that aliasing and in-place mutation
// behave as in JS.
type Array struct{ Items []any }

// NewArray returns an array holding items.
func NewArray(items ...any) *Array { return &Array{Items: items} }

// Object is a JS plain object: keys in the order JS enumerates them
// (array-index keys first, ascending, then the others in insertion order).
type Object struct {
	keys []string
	vals []any
	nidx int            // how many leading keys are array indexes
	idx  map[string]int // key -> position, kept only for larger objects
}

// indexThreshold is the size from which an Object keeps a key map; below
// it a linear scan is faster than hashing.
const indexThreshold = 12

// NewObject returns an empty object.
func NewObject() *Object { return &Object{} }

func (o *Object) find(k string) int {
	if o.idx == nil && len(o.keys) >= indexThreshold {
		// Built on the first lookup: most decoded objects are never
		// searched by key.
		o.reindex()
	}
	if o.idx != nil {
		if i, ok := o.idx[k]; ok {
			return i
		}
		return -1
	}
	for i, kk := range o.keys {
		if kk == k {
			return i
		}
	}
	return -1
}

func (o *Object) reindex() {
	if len(o.keys) < indexThreshold {
		o.idx = nil
		return
	}
	if o.idx == nil {
		o.idx = make(map[string]int, len(o.keys))
	} else {
		clear(o.idx)
	}
	for i, k := range o.keys {
		o.idx[k] = i
	}
}

// Get returns the value of own property k, or Undefined when absent.
func (o *Object) Get(k string) any {
	if i := o.find(k); i >= 0 {
		return o.vals[i]
	}
	return Undefined
}

// Has reports whether k is an own property (even one holding Undefined),
// as `k in o` does for a plain object.
func (o *Object) Has(k string) bool { return o.find(k) >= 0 }

// Set assigns o[k] = v: an existing key keeps its position, a new key is
// placed where JS would enumerate it.
func (o *Object) Set(k string, v any) {
	if i := o.find(k); i >= 0 {
		o.vals[i] = v
		return
	}
	n, isIndex := arrayIndex(k)
	if !isIndex {
		o.keys = append(o.keys, k)
		o.vals = append(o.vals, v)
		if o.idx != nil {
			o.idx[k] = len(o.keys) - 1
		}
		return
	}
	// Index keys usually arrive in ascending order: search from the end
	// of the index keys.
	pos := o.nidx
	for pos > 0 {
		m, _ := arrayIndex(o.keys[pos-1])
		if m < n {
			break
		}
		pos--
	}
	o.keys = append(o.keys, "")
	o.vals = append(o.vals, nil)
	copy(o.keys[pos+1:], o.keys[pos:])
	copy(o.vals[pos+1:], o.vals[pos:])
	o.keys[pos], o.vals[pos] = k, v
	o.nidx++
	if o.idx != nil {
		for i := pos; i < len(o.keys); i++ {
			o.idx[o.keys[i]] = i
		}
	}
}

// Delete removes own property k (delete o[k]).
func (o *Object) Delete(k string) {
	i := o.find(k)
	if i < 0 {
		return
	}
	if i < o.nidx {
		o.nidx--
	}
	o.keys = append(o.keys[:i], o.keys[i+1:]...)
	o.vals = append(o.vals[:i], o.vals[i+1:]...)
	o.idx = nil // rebuilt on the next lookup
}

// Keys returns the own keys in JS enumeration order (Object.keys, but
// including keys that hold Undefined). The slice must not be modified.
func (o *Object) Keys() []string { return o.keys }

// Len is the number of own keys.
func (o *Object) Len() int { return len(o.keys) }

// Clone is a shallow copy, like {...o}.
func (o *Object) Clone() *Object {
	return &Object{
		keys: append([]string(nil), o.keys...),
		vals: append([]any(nil), o.vals...),
		nidx: o.nidx,
	}
}

// arrayIndex reports whether k is a canonical array index ("0".."4294967294")
// and its value; JS enumerates such keys first, in ascending order.
func arrayIndex(k string) (uint64, bool) {
	if k == "" || len(k) > 10 || (k[0] == '0' && len(k) > 1) {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, n < math.MaxUint32
}

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
func Decode(data []byte) (v any, err error) {
	d := decoder{data: data}
	d.skipSpace()
	v = d.value(0)
	if d.err == nil {
		d.skipSpace()
		if d.pos < len(d.data) {
			d.fail("unexpected data after the top-level value")
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	return v, nil
}

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
	keys  []string
	vals  []any // the values of keys
	items []any // array items
	// interned maps each short key seen to one shared string.
	interned map[string]string
}

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
	var o *Object
	if simple {
		o = &Object{keys: append([]string(nil), keys...), vals: append([]any(nil), vals...)}
		if len(keys) >= indexThreshold {
			// The key map a large object needs anyway finds duplicates.
			o.reindex()
			if len(o.idx) != len(keys) {
				simple = false
			}
		}
	}
	if !simple {
		// Index keys to order or duplicate keys: JS semantics via Set.
		o = NewObject()
		for i, k := range keys {
			o.Set(k, vals[i])
		}
	}
	clear(d.vals[start:])
	d.keys, d.vals = d.keys[:start], d.vals[:start]
	return o
}

func (d *decoder) fail(msg string) {
	if d.err == nil {
		d.err = &SyntaxError{Offset: d.pos, Msg: msg}
	}
}

func (d *decoder) skipSpace() {
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
		d.pos++
		d.skipSpace()
		if d.pos < len(d.data) && d.data[d.pos] == '}' {
			d.pos++
			return NewObject()
		}
		start := len(d.keys)
		for d.err == nil {
			d.skipSpace()
			if d.pos >= len(d.data) || d.data[d.pos] != '"' {
				d.fail("expected a string key")
				return nil
			}
			k := d.key()
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
		d.skipSpace()
		if d.pos < len(d.data) && d.data[d.pos] == ']' {
			d.pos++
			return &Array{}
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
				a := &Array{Items: append([]any(nil), d.items[start:]...)}
				clear(d.items[start:])
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
		return d.str()
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

// key reads an object key. Page DSLs repeat the same few hundred keys
// on every widget, so plain keys are shared rather than allocated each
// time.
func (d *decoder) key() string {
	start := d.pos + 1
	for i := start; i < len(d.data) && i-start <= maxInternedKey; i++ {
		c := d.data[i]
		if c == '"' {
			raw := d.data[start:i]
			if k, ok := d.interned[string(raw)]; ok {
				d.pos = i + 1
				return k
			}
			k := string(raw)
			if d.interned == nil {
				d.interned = make(map[string]string)
			}
			if len(d.interned) < maxInterned {
				d.interned[k] = k
			}
			d.pos = i + 1
			return k
		}
		if c == '\\' || c < 0x20 || c >= 0x80 {
			break
		}
	}
	return d.str()
}

// Bounds of key interning: keys longer than maxInternedKey bytes or past
// maxInterned distinct keys are allocated as any other string.
const (
	maxInternedKey = 64
	maxInterned    = 4096
)

// str reads a string literal starting at the opening quote.
func (d *decoder) str() string {
	d.pos++
	start := d.pos
	// Fast path: no escapes, valid UTF-8, no control characters.
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if c == '"' {
			s := d.data[start:d.pos]
			d.pos++
			return string(s)
		}
		if c == '\\' || c < 0x20 || c >= 0x80 {
			break
		}
		d.pos++
	}
	buf := append(d.buf[:0], d.data[start:d.pos]...)
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			d.buf = buf
			return string(buf)
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
			buf = append(buf, c)
			d.pos++
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

// Encode writes v as JSON.stringify(v) does: Undefined properties are
// skipped, Undefined array items and non-finite numbers become null,
// numbers use JS formatting. Encode(Undefined) is "null" (JSON.stringify
// would return undefined, which no caller can send).
func Encode(v any) []byte {
	return AppendEncode(nil, v)
}

// AppendEncode appends the encoding of v to dst.
func AppendEncode(dst []byte, v any) []byte {
	return appendValue(dst, v, 0)
}

func appendValue(dst []byte, v any, depth int) []byte {
	if depth > 4*MaxDepth {
		// Only a cycle created by a step can get here; JSON.stringify
		// throws on cycles and so does the port, as an internal error.
		panic(fmt.Errorf("pagedsl: value nested deeper than %d (a cycle?)", 4*MaxDepth))
	}
	switch x := v.(type) {
	case nil, undefinedType:
		return append(dst, "null"...)
	case bool:
		if x {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return append(dst, "null"...)
		}
		return analysis.AppendJSNumber(dst, x)
	case string:
		return appendString(dst, x)
	case *Array:
		dst = append(dst, '[')
		for i, it := range x.Items {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendValue(dst, it, depth+1)
		}
		return append(dst, ']')
	case *Object:
		dst = append(dst, '{')
		first := true
		for i, k := range x.keys {
			if x.vals[i] == Undefined {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = appendString(dst, k)
			dst = append(dst, ':')
			dst = appendValue(dst, x.vals[i], depth+1)
		}
		return append(dst, '}')
	default:
		panic(fmt.Errorf("pagedsl: cannot encode %T", v))
	}
}

const hexDigits = "0123456789abcdef"

// plainByte marks the bytes appendString copies as they are: printable
// ASCII other than '"' and '\\', and every byte of a multi-byte
// character except 0xED, which may start a WTF-8 lone surrogate.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\' && c != 0xED
	}
	return t
}()

// appendString quotes s as JSON.stringify does (well-formed stringify:
// lone surrogates escaped; <, >, & and U+2028 left alone).
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if plainByte[c] {
			i++
			continue
		}
		if c == 0xED {
			if i+2 < len(s) && s[i+1] >= 0xA0 && s[i+1] <= 0xBF {
				dst = append(dst, s[start:i]...)
				u := int(c&0x0F)<<12 | int(s[i+1]&0x3F)<<6 | int(s[i+2]&0x3F)
				dst = append(dst, '\\', 'u', hexDigits[u>>12], hexDigits[u>>8&0xF], hexDigits[u>>4&0xF], hexDigits[u&0xF])
				i += 3
				start = i
				continue
			}
			i++
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
