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
		if b, ok := appendShortDecimal(dst, x); ok {
			return b
		}
		return analysis.AppendJSNumber(dst, x)
	case string:
		return appendString(dst, x)
	case rawScalar:
		// Only an object's property holds one, and the object's
		// encoding copies its text.
		panic("pagedsl: a deferred scalar outside its object")
	case *lazyVal:
		if x.v != nil {
			return appendValue(dst, x.v, depth)
		}
		// Canonical text (see lazy.go): what encoding it would write.
		return append(dst, x.doc.data[x.start:x.end]...)
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
		for i := 0; i < len(x.keys); i++ {
			k := x.keys[i]
			if _, u := x.vals[i].(undefinedType); u {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			if i < len(x.spans) && x.spans[i].ks >= 0 && asRead(x.vals[i]) {
				// Properties that still hold what was read, one after
				// the other in the text: copied in one piece.
				j := i + 1
				for j < len(x.spans) && x.spans[j].ks == x.spans[j-1].ve+1 && asRead(x.vals[j]) {
					j++
				}
				dst = append(dst, x.doc.data[x.spans[i].ks:x.spans[j-1].ve]...)
				i = j - 1
				continue
			}
			dst = appendString(dst, k)
			dst = append(dst, ':')
			if _, raw := x.vals[i].(rawScalar); raw {
				// Deferred only when its own text is canonical.
				dst = append(dst, x.doc.data[x.spans[i].vs:x.spans[i].ve]...)
				continue
			}
			dst = appendValue(dst, x.vals[i], depth+1)
		}
		return append(dst, '}')
	default:
		panic(fmt.Errorf("pagedsl: cannot encode %T", v))
	}
}

// asRead reports whether v, the value of a property whose span is valid,
// encodes as the span's text: a scalar (a property assigned since has no
// valid span) or a deferred container not read yet. An object or array
// that was read may have been changed in place.
func asRead(v any) bool {
	switch x := v.(type) {
	case rawScalar, string, float64, bool, nil:
		return true
	case *lazyVal:
		return x.v == nil
	}
	return false
}

// pow10 holds the exact powers of ten appendShortDecimal uses.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// shortDecimalMax bounds f·10^k in appendShortDecimal (see there).
const shortDecimalMax = 5e14

// appendShortDecimal writes a non-integer f of a few decimals (positions
// and sizes such as 12.5, 0.25 or 8.852783203125) without the general
// shortest-digits search, which costs microseconds a number. For k = 1,
// 2, ... decimals, while f·10^k stays below shortDecimalMax, it takes m,
// the integer nearest f·10^k, and keeps the first k for which m/10^k
// gives f back (m and 10^k are exact, so the division rounds as parsing
// the decimal text does). Those are the digits Number.prototype.toString
// picks: f's rounding interval, scaled by 10^k, is then under 0.12 wide
// (f·2^-52·10^k), so it holds at most one integer, and that integer is m
// whenever there is one (the product is off the exact f·10^k by at most
// 0.0625); and no text with fewer significant digits gives f back, since
// every integer below 2^53 is a double of its own. From 1e-6 on, JS
// writes such numbers in plain decimal notation. It reports false for
// any other number.
func appendShortDecimal(dst []byte, f float64) ([]byte, bool) {
	a := math.Abs(f)
	if a < 1e-6 {
		return dst, false
	}
	for k := 1; k < len(pow10) && a*pow10[k] < shortDecimalMax; k++ {
		m := math.Round(a * pow10[k])
		if m/pow10[k] != a {
			continue
		}
		if f < 0 {
			dst = append(dst, '-')
		}
		u := uint64(m)
		p := uint64(pow10[k])
		dst = strconv.AppendUint(dst, u/p, 10)
		dst = append(dst, '.')
		frac := u % p
		// k digits with their leading zeros, then without trailing ones.
		var digits [16]byte
		for i := k - 1; i >= 0; i-- {
			digits[i] = byte('0' + frac%10)
			frac /= 10
		}
		n := k
		for n > 1 && digits[n-1] == '0' {
			n--
		}
		return append(dst, digits[:n]...), true
	}
	return dst, false
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
