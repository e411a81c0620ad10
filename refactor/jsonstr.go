package refactor

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonStringOffsets decodes a JSON string literal (quotes included) and maps
// every byte offset of the decoded text, end included, to the offset in the
// literal where that byte's source begins. Edits to the decoded value then
// become edits to the raw JSON text, leaving every other byte of the file as
// it was (so a rename and its reverse give back the same file).
func jsonStringOffsets(raw string) (offsets []int, decoded string, ok bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil, "", false
	}
	var b strings.Builder
	offsets = make([]int, 0, len(raw))
	i := 1
	for i < len(raw)-1 {
		c := raw[i]
		if c != '\\' {
			offsets = append(offsets, i)
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(raw)-1 {
			return nil, "", false
		}
		start := i
		var r rune
		switch raw[i+1] {
		case '"', '\\', '/':
			r, i = rune(raw[i+1]), i+2
		case 'b':
			r, i = '\b', i+2
		case 'f':
			r, i = '\f', i+2
		case 'n':
			r, i = '\n', i+2
		case 'r':
			r, i = '\r', i+2
		case 't':
			r, i = '\t', i+2
		case 'u':
			if i+6 > len(raw)-1 {
				return nil, "", false
			}
			v, err := strconv.ParseUint(raw[i+2:i+6], 16, 32)
			if err != nil {
				return nil, "", false
			}
			r, i = rune(v), i+6
			if utf16.IsSurrogate(r) && i+6 <= len(raw)-1 && raw[i] == '\\' && raw[i+1] == 'u' {
				if lo, err := strconv.ParseUint(raw[i+2:i+6], 16, 32); err == nil {
					if dec := utf16.DecodeRune(r, rune(lo)); dec != utf8.RuneError {
						r, i = dec, i+6
					}
				}
			}
		default:
			return nil, "", false
		}
		n := utf8.RuneLen(r)
		if n < 0 {
			r, n = utf8.RuneError, 3
		}
		for k := 0; k < n; k++ {
			offsets = append(offsets, start)
		}
		b.WriteRune(r)
	}
	offsets = append(offsets, len(raw)-1)
	return offsets, b.String(), true
}

// jsonEscape escapes s for the inside of a JSON string literal, writing
// non-ASCII as is (as Appsmith's files do).
func jsonEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
