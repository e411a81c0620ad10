package analysis

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// unescapeJS decodes JavaScript escape sequences in raw text, as the npm
// package unescape-js does for Appsmith's evaluation version 1 (bindings were
// stored with escaped quotes then). It is that package's regular expression
//
//	\\(u\{hex+\}|u hex{4}|x hex{2}|[1-7][0-7]{0,2}|[0-7]{2,3}|['"tbrnfv0\\])|\\U hex{8}
//
// applied left to right; a backslash that starts no sequence stays.
func unescapeJS(s string) string {
	i := strings.IndexByte(s, '\\')
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	var pendingHigh rune = -1 // a \uD800-\uDBFF waiting for its low half
	flush := func() {
		if pendingHigh >= 0 {
			b.WriteRune(utf8.RuneError)
			pendingHigh = -1
		}
	}
	emit := func(r rune) {
		if utf16.IsSurrogate(r) {
			if r < 0xdc00 {
				flush()
				pendingHigh = r
				return
			}
			if pendingHigh >= 0 {
				b.WriteRune(utf16.DecodeRune(pendingHigh, r))
				pendingHigh = -1
				return
			}
			b.WriteRune(utf8.RuneError)
			return
		}
		flush()
		b.WriteRune(r)
	}
	for i < len(s) {
		if s[i] != '\\' || i+1 >= len(s) {
			flush()
			b.WriteByte(s[i])
			i++
			continue
		}
		r, n := escapeAt(s[i+1:])
		if n == 0 {
			flush()
			b.WriteByte('\\')
			i++
			continue
		}
		emit(r)
		i += 1 + n
	}
	flush()
	return b.String()
}

// escapeAt decodes the sequence after a backslash; n is the bytes consumed,
// 0 when nothing matches.
func escapeAt(s string) (r rune, n int) {
	switch c := s[0]; {
	case c == 'u':
		if len(s) > 2 && s[1] == '{' {
			j := 2
			for j < len(s) && isHex(s[j]) {
				j++
			}
			if j > 2 && j < len(s) && s[j] == '}' {
				if v, ok := hexValue(s[2:j]); ok && v <= 0x10ffff {
					return rune(v), j + 1
				}
				return 0, 0
			}
		}
		if v, ok := fixedHex(s[1:], 4); ok {
			return rune(v), 5
		}
	case c == 'x':
		if v, ok := fixedHex(s[1:], 2); ok {
			return rune(v), 3
		}
	case c == 'U':
		if v, ok := fixedHex(s[1:], 8); ok && v <= 0x10ffff {
			return rune(v), 9
		}
	case '1' <= c && c <= '7':
		return octal(s, 3)
	case c == '0':
		if len(s) > 1 && isOctal(s[1]) {
			return octal(s, 3)
		}
		return 0, 1
	}
	switch s[0] {
	case '\'', '"', '\\':
		return rune(s[0]), 1
	case 't':
		return '\t', 1
	case 'b':
		return '\b', 1
	case 'r':
		return '\r', 1
	case 'n':
		return '\n', 1
	case 'f':
		return '\f', 1
	case 'v':
		return '\v', 1
	}
	return 0, 0
}

func octal(s string, max int) (rune, int) {
	v, n := 0, 0
	for n < max && n < len(s) && isOctal(s[n]) {
		v = v*8 + int(s[n]-'0')
		n++
	}
	return rune(v), n
}

func isOctal(c byte) bool { return '0' <= c && c <= '7' }

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func fixedHex(s string, n int) (uint64, bool) {
	if len(s) < n {
		return 0, false
	}
	return hexValue(s[:n])
}

func hexValue(s string) (uint64, bool) {
	if len(s) > 8 {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isHex(c) {
			return 0, false
		}
		switch {
		case c <= '9':
			v = v*16 + uint64(c-'0')
		case c >= 'a':
			v = v*16 + uint64(c-'a'+10)
		default:
			v = v*16 + uint64(c-'A'+10)
		}
	}
	return v, true
}
