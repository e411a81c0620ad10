package analysis

import "unicode/utf8"

// isJSWhitespace is JavaScript's \s: WhiteSpace and LineTerminator.
func isJSWhitespace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
		return true
	}
	return 0x2000 <= r && r <= 0x200a
}

// LeadingJSSpace is the length of the JavaScript whitespace (\s: what
// String.prototype.trim removes) s starts with.
func LeadingJSSpace(s string) int {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isJSWhitespace(r) {
			break
		}
		i += size
	}
	return i
}

// TrailingJSSpace is the length of the JavaScript whitespace s ends with.
func TrailingJSSpace(s string) int {
	n := 0
	for len(s)-n > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:len(s)-n])
		if !isJSWhitespace(r) {
			break
		}
		n += size
	}
	return n
}

// TrimJSSpace is String.prototype.trim.
func TrimJSSpace(s string) string {
	s = s[LeadingJSSpace(s):]
	return s[:len(s)-TrailingJSSpace(s)]
}
