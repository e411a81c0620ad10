package pagedsl

import (
	"math"
	"unicode/utf8"
)

// Lazy decoding. A migration reads a small part of a page: every widget's
// type and children, and the few properties its steps are about (a
// table's columns, a chart's series). The rest (JSON form schemas, style
// sheets, binding path lists, most strings: most of a large page's bytes)
// only has to come back out unchanged. So Decode decodes objects' keys
// but defers their values: a string or number stays text (rawMark, at
// the property's span), an object or array other than children is
// checked by the tape scanner, which builds nothing but the tape (where
// each container inside ends, and whether it is canonical), and stays
// text too (a *lazyVal). Reading a property decodes its value (a
// container the same way, one level down, with the tape's help);
// encoding an object copies the text of the properties that still hold
// what was read, and of containers never read. The copy is exact because
// JSON.stringify(JSON.parse(s)) is s itself whenever s is canonical: no
// whitespace, strings escaped as JSON.stringify escapes them, numbers as
// JS prints them, no duplicate or array-index keys (JSON.parse keeps the
// last duplicate; index keys are enumerated first). A value that is not
// canonical is decoded at once. Invalid JSON is decoded again eagerly,
// which reports the error as before.

// document is the text of a lazily decoded page, shared by its deferred
// values.
type document struct {
	data []byte
	tape []tapeEntry
	// slabs the page's values are carved from, kept between decodings of
	// deferred values (one goroutine reads a decoded page at a time).
	slabs slabs
}

// tapeEntry describes the n-th object or array of a document, counted in
// the order they open.
type tapeEntry struct {
	end  int32 // offset just past its closing bracket
	next int32 // the number of the first container after it
	// canon: its text is what encoding its decoded value writes.
	canon bool
}

// lazyVal is a property value not decoded yet: a canonical object or
// array of a document. Objects copied from its holder (a spread, Clone)
// share the *lazyVal, so that reading it through any of them gives the
// same decoded value, as sharing the object does in JS.
type lazyVal struct {
	doc        *document
	start, end int32
	ord        int32 // its tape entry
	v          any   // the decoded value once read (never nil then)
}

// minDeferred is the size from which a canonical container is deferred:
// a smaller one costs less to decode than to keep aside.
const minDeferred = 24

// value decodes l on first use.
func (l *lazyVal) value() any {
	if l.v == nil {
		l.v = l.doc.decodeAt(l)
	}
	return l.v
}

// decodeLazy decodes data lazily; ok is false when data is not valid JSON
// (or too large for the tape's offsets): the caller then decodes it
// eagerly, which reports the error.
// Unless shared, the text is copied: deferred values read it long after
// Decode returned, and the caller may reuse its buffer.
func decodeLazy(data []byte, shared bool) (v any, ok bool) {
	if len(data) >= math.MaxInt32 {
		return nil, false
	}
	doc := &document{data: data}
	if !shared {
		doc.data = append([]byte(nil), data...)
	}
	d := decoderPool.Get().(*decoder)
	defer d.release()
	d.data, d.pos, d.err, d.wtf8 = doc.data, 0, nil, false
	d.doc, d.ord, d.inTape = doc, 0, false
	d.scan.data = doc.data
	a := newArena()
	doc.tape = a.tape
	a.tape = nil
	d.slabs = slabs{size: len(data), arena: a}
	d.skipSpace()
	v = d.value(0)
	if d.err == nil {
		d.skipSpace()
		if d.pos < len(d.data) {
			d.fail("unexpected data after the top-level value")
		}
	}
	doc.slabs = d.slabs
	if d.err != nil {
		return nil, false
	}
	return v, true
}

// decodeAt decodes the deferred container l of doc.
func (doc *document) decodeAt(l *lazyVal) any {
	d := decoderPool.Get().(*decoder)
	defer d.release()
	d.data, d.pos, d.err, d.wtf8 = doc.data, int(l.start), nil, false
	d.doc, d.ord, d.inTape = doc, l.ord, true
	d.scan.data = doc.data
	d.slabs = doc.slabs
	v := d.value(0)
	doc.slabs = d.slabs
	if d.err != nil {
		panic("pagedsl: decoding a deferred value failed: " + d.err.Error())
	}
	return v
}

// scalarAt decodes the deferred scalar whose text is data[sp.vs:sp.ve].
func (doc *document) scalarAt(sp mspan) any {
	d := decoderPool.Get().(*decoder)
	defer d.release()
	d.data, d.pos, d.err, d.wtf8 = doc.data[:sp.ve], int(sp.vs), nil, false
	d.slabs = doc.slabs
	v := d.value(0)
	doc.slabs = d.slabs
	if d.err != nil {
		panic("pagedsl: decoding a deferred value failed: " + d.err.Error())
	}
	return v
}

// rawScalar marks a property value (a string or a number) not decoded
// yet: its text is at the property's span. A struct without fields, so
// storing it in an interface allocates nothing.
type rawScalar struct{}

var rawMark any = rawScalar{}

// mspan is where a decoded object's property is in its document: the
// key's opening quote (ks, -1 when the property's text is not what
// encoding it writes, or it has been assigned since), and its value's
// text (vs to ve).
type mspan struct{ ks, vs, ve int32 }

// lazyObject reads an object at d.pos in a lazy decoding: keys are
// decoded, values as lazyMember says, and each property's span is kept.
func (d *decoder) lazyObject(depth int) any {
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
		ks := d.pos
		k, h, plain := d.keyPlain()
		tight := plain
		if d.pos < len(d.data) && d.data[d.pos] <= ' ' {
			d.skipSpace()
			tight = false
		}
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			d.fail("expected ':'")
			return nil
		}
		d.pos++
		if d.pos < len(d.data) && d.data[d.pos] <= ' ' {
			d.skipSpace()
			tight = false
		}
		vs := d.pos
		v, canon := d.lazyMember(k, depth)
		if d.err != nil {
			return nil
		}
		if !tight || !canon {
			ks = -1
		}
		d.keys = append(d.keys, k)
		d.hashes = append(d.hashes, h)
		d.vals = append(d.vals, v)
		d.spans = append(d.spans, mspan{int32(ks), int32(vs), int32(d.pos)})
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
}

// lazyMember reads the value of property k: a string or number whose
// text is canonical is left as rawMark, an object or array as a
// *lazyVal when canonical (children excepted: every step walks them);
// anything else is decoded. canon reports whether the value's text is
// what encoding it writes.
func (d *decoder) lazyMember(k string, depth int) (v any, canon bool) {
	if d.pos >= len(d.data) {
		d.fail("unexpected end of input")
		return nil, false
	}
	switch c := d.data[d.pos]; {
	case c == '"':
		end := scanPlain(d.data, d.pos+1)
		if end < len(d.data) && d.data[end] == '"' {
			d.pos = end + 1
			return rawMark, true
		}
		sc := &d.scan
		sc.pos = d.pos
		if sc.str() {
			d.pos = sc.pos
			return rawMark, true
		}
		if sc.bad {
			d.fail("invalid string")
			return nil, false
		}
		return d.strValue(), false
	case c == '-' || (c >= '0' && c <= '9'):
		sc := &d.scan
		sc.pos = d.pos
		if sc.number() {
			d.pos = sc.pos
			return rawMark, true
		}
		if sc.bad {
			d.fail("invalid number")
			return nil, false
		}
		return d.number(), false
	case c == '{' || c == '[':
		if k == "children" {
			return d.value(depth + 1), false
		}
		if d.inTape {
			if v := d.deferred(); v != nil {
				return v, true
			}
			return d.value(depth + 1), false
		}
		// Check it (recording its containers in the tape), then defer
		// it, or decode it with the tape's help.
		sc := &d.scan
		sc.pos, sc.bad = d.pos, false
		base := int32(len(d.doc.tape))
		sc.tape = d.doc.tape
		ok := sc.value(depth + 1)
		d.doc.tape = sc.tape
		if sc.bad {
			d.fail("invalid value")
			return nil, false
		}
		if ok && sc.pos-d.pos >= minDeferred {
			l := d.newLazy()
			*l = lazyVal{doc: d.doc, start: int32(d.pos), end: int32(sc.pos), ord: base}
			d.pos = sc.pos
			return l, true
		}
		d.ord, d.inTape = base, true
		v := d.value(depth + 1)
		d.inTape = false
		return v, false
	}
	return d.value(depth + 1), true
}

// deferred returns the container at d.pos, the d.ord-th of the tape, as
// a *lazyVal when it is canonical and large enough, or nil.
func (d *decoder) deferred() any {
	e := &d.doc.tape[d.ord]
	if !e.canon || int(e.end)-d.pos < minDeferred {
		return nil
	}
	l := d.newLazy()
	*l = lazyVal{doc: d.doc, start: int32(d.pos), end: e.end, ord: d.ord}
	d.pos, d.ord = int(e.end), e.next
	return l
}

func (s *slabs) newLazy() *lazyVal {
	if len(s.lazies) == 0 {
		s.lazies = newBlock(s.arena.lazies(), s.block(kindLazies, 512, 512))
	}
	l := &s.lazies[0]
	s.lazies = s.lazies[1:]
	return l
}

// takeSpans returns a copy of spans with room for extra more.
func (s *slabs) takeSpans(spans []mspan, extra int) []mspan {
	return takeCopy(s, &s.spans, s.arena.spans(), kindSpans, 32, spans, extra)
}

// tapeScanner checks the values Decode defers: it accepts exactly the
// texts the decoder accepts (a document it refuses is decoded eagerly,
// which says why) and records every container it reads in the tape.
type tapeScanner struct {
	data []byte
	pos  int
	bad  bool
	tape []tapeEntry
	// keys of the objects being read, for the duplicate check.
	keys  []keySpan
	table []int32
}

type keySpan struct {
	start, end int32
	h          uint32
}

func (s *tapeScanner) reset() {
	s.data, s.tape, s.bad = nil, nil, false
	s.keys = s.keys[:0]
}

// ws skips whitespace and reports whether there was any.
func (s *tapeScanner) ws() bool {
	if s.pos < len(s.data) && s.data[s.pos] > ' ' {
		return false
	}
	start := s.pos
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
			continue
		}
		break
	}
	return s.pos > start
}

// value checks one value and reports whether it is canonical.
func (s *tapeScanner) value(depth int) bool {
	if depth > MaxDepth || s.pos >= len(s.data) {
		s.bad = true
		return false
	}
	switch c := s.data[s.pos]; {
	case c == '{':
		return s.object(depth)
	case c == '[':
		return s.array(depth)
	case c == '"':
		return s.str()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	}
	s.bad = true
	return false
}

func (s *tapeScanner) literal(word string) bool {
	if len(s.data)-s.pos >= len(word) && string(s.data[s.pos:s.pos+len(word)]) == word {
		s.pos += len(word)
		return true
	}
	s.bad = true
	return false
}

func (s *tapeScanner) object(depth int) bool {
	ord := len(s.tape)
	s.tape = append(s.tape, tapeEntry{})
	s.pos++
	canon := !s.ws()
	first := len(s.keys)
	plainKeys := true
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
	} else {
		for {
			if s.ws() {
				canon = false
			}
			if s.pos >= len(s.data) || s.data[s.pos] != '"' {
				s.bad = true
				return false
			}
			start := s.pos + 1
			end := scanPlain(s.data, start)
			if end < len(s.data) && s.data[end] == '"' {
				if plainKeys {
					k := s.data[start:end]
					if len(k) > 0 && k[0] >= '0' && k[0] <= '9' {
						if _, idx := arrayIndex(string(k)); idx {
							canon = false
						}
					}
					s.keys = append(s.keys, keySpan{int32(start), int32(end), hashIn(s.data, start, end)})
				}
				s.pos = end + 1
			} else {
				// An escape or non-ASCII in a key: not worth a
				// duplicate check on decoded keys; decoded at once.
				s.str()
				plainKeys, canon = false, false
			}
			if s.bad {
				return false
			}
			if s.ws() {
				canon = false
			}
			if s.pos >= len(s.data) || s.data[s.pos] != ':' {
				s.bad = true
				return false
			}
			s.pos++
			if s.ws() {
				canon = false
			}
			if !s.value(depth + 1) {
				if s.bad {
					return false
				}
				canon = false
			}
			if s.ws() {
				canon = false
			}
			if s.pos >= len(s.data) {
				s.bad = true
				return false
			}
			if s.data[s.pos] == '}' {
				s.pos++
				break
			}
			if s.data[s.pos] != ',' {
				s.bad = true
				return false
			}
			s.pos++
		}
	}
	if canon && plainKeys && s.duplicates(s.keys[first:]) {
		canon = false
	}
	s.keys = s.keys[:first]
	s.tape[ord] = tapeEntry{end: int32(s.pos), next: int32(len(s.tape)), canon: canon}
	return canon
}

// duplicates reports whether two of keys are equal.
func (s *tapeScanner) duplicates(keys []keySpan) bool {
	n := len(keys)
	if n < 2 {
		return false
	}
	if n <= 8 {
		for i := 1; i < n; i++ {
			for j := 0; j < i; j++ {
				if keys[i].h == keys[j].h && s.sameKey(keys[i], keys[j]) {
					return true
				}
			}
		}
		return false
	}
	size := tableSize(n)
	if cap(s.table) < size {
		s.table = make([]int32, size)
	}
	t := s.table[:size]
	clear(t)
	mask := uint32(size - 1)
	for i, k := range keys {
		h := k.h & mask
		for t[h] != 0 {
			o := keys[t[h]-1]
			if o.h == k.h && s.sameKey(o, k) {
				return true
			}
			h = (h + 1) & mask
		}
		t[h] = int32(i + 1)
	}
	return false
}

func (s *tapeScanner) sameKey(a, b keySpan) bool {
	return string(s.data[a.start:a.end]) == string(s.data[b.start:b.end])
}

func (s *tapeScanner) array(depth int) bool {
	ord := len(s.tape)
	s.tape = append(s.tape, tapeEntry{})
	s.pos++
	canon := !s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
	} else {
		for {
			if s.ws() {
				canon = false
			}
			if !s.value(depth + 1) {
				if s.bad {
					return false
				}
				canon = false
			}
			if s.ws() {
				canon = false
			}
			if s.pos >= len(s.data) {
				s.bad = true
				return false
			}
			if s.data[s.pos] == ']' {
				s.pos++
				break
			}
			if s.data[s.pos] != ',' {
				s.bad = true
				return false
			}
			s.pos++
		}
	}
	s.tape[ord] = tapeEntry{end: int32(s.pos), next: int32(len(s.tape)), canon: canon}
	return canon
}

// str checks a string literal. It is canonical when its escapes are the
// ones JSON.stringify writes (\uXXXX is never taken as canonical) and its
// bytes are valid UTF-8 (the decoder replaces invalid bytes).
func (s *tapeScanner) str() bool {
	canon := true
	i := s.pos + 1
	for {
		i = scanPlain(s.data, i)
		if i >= len(s.data) {
			s.bad = true
			return false
		}
		switch c := s.data[i]; {
		case c == '"':
			s.pos = i + 1
			return canon
		case c == '\\':
			if i+1 >= len(s.data) {
				s.bad = true
				return false
			}
			switch s.data[i+1] {
			case '"', '\\', 'b', 'f', 'n', 'r', 't':
				i += 2
			case '/':
				canon = false
				i += 2
			case 'u':
				for j := i + 2; j < i+6; j++ {
					if j >= len(s.data) || hexVal(s.data[j]) < 0 {
						s.bad = true
						return false
					}
				}
				canon = false
				i += 6
			default:
				s.bad = true
				return false
			}
		case c < 0x20:
			s.bad = true
			return false
		default:
			r, size := utf8.DecodeRune(s.data[i:])
			if r == utf8.RuneError && size == 1 {
				canon = false
			}
			i += size
		}
	}
}

// number checks a number literal. It is canonical when JS prints the
// number it denotes with the same characters: an integer of at most 15
// digits other than -0, or a plain decimal of at most 15 significant
// digits without trailing zeros and not below 1e-6 (two decimals of at
// most 15 significant digits are never the same double, so the shortest
// digits that give the double back are the literal's own).
func (s *tapeScanner) number() bool {
	d := s.data
	p := s.pos
	neg := d[p] == '-'
	if neg {
		p++
	}
	digits := func() int {
		n := 0
		for p < len(d) && d[p] >= '0' && d[p] <= '9' {
			p++
			n++
		}
		return n
	}
	intStart := p
	var intDigits int
	if p < len(d) && d[p] == '0' {
		p++
		intDigits = 1
	} else if intDigits = digits(); intDigits == 0 {
		s.bad = true
		return false
	}
	zeroInt := d[intStart] == '0'
	canon := intDigits <= 15
	if p < len(d) && d[p] == '.' {
		p++
		fracStart := p
		n := digits()
		if n == 0 {
			s.bad = true
			return false
		}
		sig := intDigits + n
		if zeroInt {
			z := 0
			for z < n && d[fracStart+z] == '0' {
				z++
			}
			// 0.000001 is the smallest JS writes without an exponent.
			canon = canon && z <= 5
			sig = n - z
		}
		canon = canon && sig <= 15 && d[p-1] != '0'
	} else if neg && zeroInt {
		canon = false // -0 is written 0
	}
	if p < len(d) && (d[p] == 'e' || d[p] == 'E') {
		p++
		if p < len(d) && (d[p] == '+' || d[p] == '-') {
			p++
		}
		if digits() == 0 {
			s.bad = true
			return false
		}
		canon = false
	}
	s.pos = p
	return canon
}
