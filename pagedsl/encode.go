package pagedsl

import (
	"fmt"
	"math"
	"strconv"

	"github.com/appsmith-rts/rts/analysis"
)

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
		// Integers, most numbers of a page, print as their digits in JS
		// (-0 as 0); the general path finds shortest round-trip digits.
		if x > -1e15 && x < 1e15 && x == math.Trunc(x) {
			return strconv.AppendInt(dst, int64(x), 10)
		}
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
			if _, u := x.vals[i].(undefinedType); u {
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
		// Runs of bytes copied as they are, found eight at a time.
		i = scanEncodePlain(s, i)
		if i >= len(s) {
			break
		}
		c := s[i]
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
