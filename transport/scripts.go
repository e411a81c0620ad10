package transport

import "bytes"

// The page-save fast path. On every layout save the Java backend sends all
// of a page's bindings to multiple-script-data (a hundred on average, 455
// on the largest real page), and all but the edited one were answered
// before. The strict reader checks every byte of every script, then the
// cache hashes and compares those bytes again: on a page save most of the
// request's CPU went to scripts whose answers were already known.
//
// So the scripts array is read lazily: a string element's end is found by
// its closing quote alone (the first quote after an even run of
// backslashes, which is where the strict reader ends a valid string), and
// its bytes are not checked. A script whose bytes equal a cache key needs
// no check: every key was checked when it was stored, and the cache
// compares the whole key on a hit. Every other script is checked before
// anything is answered. Whatever the lazy reading cannot vouch for (a
// malformed body, a non-string element, too many scripts, a repeated key)
// goes through the strict reader, so answers, errors and their positions
// are those of the strict path.

// scriptScan is what the lazy reading records about the body's top-level
// "scripts" array.
type scriptScan struct {
	items   []span // the elements, at most limit of them
	limit   int
	count   int  // elements, all of them
	at      int  // where the array whose elements are listed starts; -1: none
	close   int  // where it ends (its ']')
	arrays  int  // "scripts" arrays read (a repeated key makes more than one)
	strings bool // every element is a string
}

func (s *scriptScan) reset() {
	s.items, s.count, s.at, s.arrays, s.strings = s.items[:0], 0, -1, 0, true
}

// array reads the array starting at b[i] and returns the offset after it.
// Strings are not checked; every other element is.
func (s *scriptScan) array(b []byte, i int) (int, error) {
	s.arrays++
	s.items, s.count, s.at, s.strings = s.items[:0], 0, i, true
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		s.close = i
		return i + 1, nil
	}
	for {
		if i >= len(b) {
			return i, unexpected(b, i, "")
		}
		start := i
		if b[i] == '"' {
			if i = stringEnd(b, i); i < 0 {
				return len(b), &syntaxError{off: len(b), msg: "Unterminated string in JSON"}
			}
		} else {
			s.strings = false
			var err error
			if i, err = skipValue(b, i); err != nil {
				return i, err
			}
		}
		s.count++
		if s.count <= s.limit {
			s.items = append(s.items, span{kind: kindOf(b[start]), start: start, end: i})
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return i, unexpected(b, i, "")
		}
		switch b[i] {
		case ']':
			s.close = i
			return i + 1, nil
		case ',':
			i = skipWS(b, i+1)
		default:
			return i, &syntaxError{off: i, msg: "Expected ',' or ']'"}
		}
	}
}

// stringEnd returns the offset after the quote that ends the string
// starting at the quote b[i] if its bytes are valid (the first quote after
// an even run of backslashes), or -1 when there is none.
func stringEnd(b []byte, i int) int {
	for i++; ; i++ {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return -1
		}
		i += q
		if b[i-1] != '\\' { // most quotes end the string or follow another character
			return i + 1
		}
		k := i - 1
		for b[k-1] == '\\' { // b[start] is a quote, so this stops there
			k--
		}
		if (i-k)%2 == 0 {
			return i + 1
		}
	}
}

// lazyItems returns the elements of the body's scripts array as the lazy
// reading listed them when the fast path can answer from them: a single
// array of 1 to limit strings, the one b.scripts holds.
func (s *scriptScan) lazyItems(b *body) ([]span, bool) {
	ok := s.arrays == 1 && s.at >= 0 && b.scripts.kind == kindArray && b.scripts.start == s.at &&
		s.strings && s.count > 0 && s.count <= s.limit
	return s.items, ok
}

// checkString reports whether the string span v, found by stringEnd, is
// valid JSON as the strict reader sees it.
func checkString(buf []byte, v span) bool {
	end, err := skipString(buf, v.start)
	return err == nil && end == v.end
}
