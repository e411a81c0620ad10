package pagedsl

import "unsafe"

// interned maps each of the package's identifier-like string literals
// (literals_gen.go) to the literal itself. The decoder's string cache
// takes a key or string value it has not cached yet from here when it
// is one of them, so that decoded keys and types share their bytes with
// the literals the steps look them up by: Object.find and isType then
// see equal pointers and skip comparing the bytes (memequal was called
// for about 600,000 lookups a corpus pass). The Go linker stores each
// distinct string constant once, so every "type" in the package points
// to the same bytes.
// The literal is held boxed in an interface, as a decoded string value
// is (boxed once for the process, like smallNumbers).
var interned = func() map[string]any {
	m := make(map[string]any, len(literals))
	for _, s := range literals {
		m[s] = s
	}
	return m
}()

// quickScalar decodes the text of a deferred scalar without a decoder
// when that is a lookup: a string without escapes that is one of the
// literals (widget types, mostly), or an integer from 0 to 999. It
// returns nil otherwise. A deferred scalar's text is canonical JSON, so
// a string whose bytes need no decoding is its bytes between the quotes.
func quickScalar(text []byte) any {
	n := len(text)
	if n >= 2 && text[0] == '"' {
		if n-2 <= maxCached && scanPlain(text, 1) == n-1 {
			return interned[string(text[1:n-1])]
		}
		return nil
	}
	if n == 0 || n > 3 || (text[0] == '0' && n > 1) {
		return nil
	}
	v := 0
	for _, c := range text {
		if c < '0' || c > '9' {
			return nil
		}
		v = v*10 + int(c-'0')
	}
	return smallNumbers[v]
}

// sameString is a == b, without comparing the bytes of equal strings
// that share them (interned keys, or the same decoded string).
func sameString(a, b string) bool {
	return len(a) == len(b) && (unsafe.StringData(a) == unsafe.StringData(b) || a == b)
}
