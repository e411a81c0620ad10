package pagedsl

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/appsmith-rts/rts/analysis"
)

// Truthy is JS's ToBoolean.
func Truthy(v any) bool {
	switch x := v.(type) {
	case nil, undefinedType:
		return false
	case bool:
		return x
	case float64:
		return x != 0 && !math.IsNaN(x)
	case string:
		return x != ""
	}
	return true
}

// TypeOf is JS's typeof operator.
func TypeOf(v any) string {
	switch v.(type) {
	case undefinedType:
		return "undefined"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		return "string"
	}
	return "object"
}

// StrictEq is JS's ===.
func StrictEq(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case undefinedType:
		return b == Undefined
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case *Array:
		y, ok := b.(*Array)
		return ok && x == y
	case *Object:
		y, ok := b.(*Object)
		return ok && x == y
	}
	return false
}

func isNullish(v any) bool { return v == nil || v == Undefined }

// LooseEq is JS's ==.
func LooseEq(a, b any) bool {
	if TypeOf(a) == TypeOf(b) && (a == nil) == (b == nil) {
		return StrictEq(a, b)
	}
	if isNullish(a) || isNullish(b) {
		return isNullish(a) && isNullish(b)
	}
	// Objects against primitives go through ToPrimitive (toString for
	// plain objects and arrays), then the primitive rules apply.
	if isObj(a) {
		return LooseEq(ToString(a), b)
	}
	if isObj(b) {
		return LooseEq(a, ToString(b))
	}
	if x, ok := a.(bool); ok {
		return LooseEq(boolNum(x), b)
	}
	if y, ok := b.(bool); ok {
		return LooseEq(a, boolNum(y))
	}
	// number and string
	return ToNumber(a) == ToNumber(b)
}

func isObj(v any) bool {
	switch v.(type) {
	case *Object, *Array:
		return true
	}
	return false
}

func boolNum(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// ToNumber is JS's Number(v).
func ToNumber(v any) float64 {
	switch x := v.(type) {
	case nil:
		return 0
	case undefinedType:
		return math.NaN()
	case bool:
		return boolNum(x)
	case float64:
		return x
	case string:
		return stringToNumber(x)
	}
	return stringToNumber(ToString(v))
}

// isJSSpace reports JS's WhiteSpace and LineTerminator code points, which
// Number() and String.prototype.trim strip.
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

// Trim is String.prototype.trim.
func Trim(s string) string { return strings.TrimFunc(s, isJSSpace) }

func stringToNumber(s string) float64 {
	s = Trim(s)
	if s == "" {
		return 0
	}
	if len(s) > 2 && s[0] == '0' {
		base := 0
		switch s[1] {
		case 'x', 'X':
			base = 16
		case 'o', 'O':
			base = 8
		case 'b', 'B':
			base = 2
		}
		if base != 0 {
			var f float64
			for _, c := range s[2:] {
				d := hexVal(byte(c))
				if c >= 0x80 || d < 0 || d >= base {
					return math.NaN()
				}
				f = f*float64(base) + float64(d)
			}
			return f
		}
	}
	body := s
	sign := 1.0
	if body[0] == '+' || body[0] == '-' {
		if body[0] == '-' {
			sign = -1
		}
		body = body[1:]
	}
	if body == "Infinity" {
		return sign * math.Inf(1)
	}
	// StrDecimalLiteral: digits with an optional point and exponent;
	// checked here because ParseFloat also takes "inf", hex and '_'.
	i, nd := 0, 0
	for i < len(body) && body[i] >= '0' && body[i] <= '9' {
		i++
		nd++
	}
	if i < len(body) && body[i] == '.' {
		i++
		for i < len(body) && body[i] >= '0' && body[i] <= '9' {
			i++
			nd++
		}
	}
	if nd == 0 {
		return math.NaN()
	}
	if i < len(body) && (body[i] == 'e' || body[i] == 'E') {
		i++
		if i < len(body) && (body[i] == '+' || body[i] == '-') {
			i++
		}
		ne := 0
		for i < len(body) && body[i] >= '0' && body[i] <= '9' {
			i++
			ne++
		}
		if ne == 0 {
			return math.NaN()
		}
	}
	if i != len(body) {
		return math.NaN()
	}
	f, _ := strconv.ParseFloat(body, 64)
	return sign * f
}

// NumberToString formats f as JS's String(number).
func NumberToString(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return string(analysis.AppendJSNumber(nil, f))
}

// ToString is JS's String(v).
func ToString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case undefinedType:
		return "undefined"
	case bool:
		if x {
			return "true"
		}
		return "false"
	case float64:
		return NumberToString(x)
	case string:
		return x
	case *Array:
		var b strings.Builder
		for i, it := range x.Items {
			if i > 0 {
				b.WriteByte(',')
			}
			if !isNullish(it) {
				b.WriteString(ToString(it))
			}
		}
		return b.String()
	case *Object:
		return "[object Object]"
	}
	return fmt.Sprint(v)
}

// --- strings as JS sees them: sequences of UTF-16 code units ---

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// units converts s (UTF-8, or WTF-8 for lone surrogates) to UTF-16.
func units(s string) []uint16 {
	out := make([]uint16, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c == 0xED && i+2 < len(s) && s[i+1] >= 0xA0 && s[i+1] <= 0xBF {
			out = append(out, uint16(c&0x0F)<<12|uint16(s[i+1]&0x3F)<<6|uint16(s[i+2]&0x3F))
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r >= 0x10000 {
			r -= 0x10000
			out = append(out, uint16(0xD800+(r>>10)), uint16(0xDC00+(r&0x3FF)))
		} else {
			out = append(out, uint16(r))
		}
	}
	return out
}

// fromUnits converts UTF-16 back, writing lone surrogates in WTF-8.
func fromUnits(u []uint16) string {
	buf := make([]byte, 0, len(u))
	for i := 0; i < len(u); i++ {
		c := int(u[i])
		if c >= 0xD800 && c < 0xDC00 && i+1 < len(u) && u[i+1] >= 0xDC00 && u[i+1] < 0xE000 {
			buf = utf8.AppendRune(buf, rune(0x10000+(c-0xD800)<<10+(int(u[i+1])-0xDC00)))
			i++
			continue
		}
		buf = appendUnit(buf, c)
	}
	return string(buf)
}

// StrLen is s.length (UTF-16 code units).
func StrLen(s string) int {
	if isASCII(s) {
		return len(s)
	}
	return len(units(s))
}

func clampIndex(i, n int) int {
	if i < 0 {
		return 0
	}
	if i > n {
		return n
	}
	return i
}

// Substring is s.substring(a, b) with indexes in UTF-16 code units:
// clamped to [0, length], swapped when a > b. Pass StrLen(s) for an
// omitted end.
func Substring(s string, a, b int) string {
	if isASCII(s) {
		a, b = clampIndex(a, len(s)), clampIndex(b, len(s))
		if a > b {
			a, b = b, a
		}
		return s[a:b]
	}
	u := units(s)
	a, b = clampIndex(a, len(u)), clampIndex(b, len(u))
	if a > b {
		a, b = b, a
	}
	return fromUnits(u[a:b])
}

// Slice is s.slice(a, b) in UTF-16 code units: negative indexes count
// from the end; an empty result when a >= b. Pass StrLen(s) for an
// omitted end.
func Slice(s string, a, b int) string {
	n := StrLen(s)
	if a < 0 {
		a += n
	}
	if b < 0 {
		b += n
	}
	a, b = clampIndex(a, n), clampIndex(b, n)
	if a >= b {
		return ""
	}
	return Substring(s, a, b)
}

// IndexOf is s.indexOf(sub, from) in UTF-16 code units.
func IndexOf(s, sub string, from int) int {
	if isASCII(s) {
		from = clampIndex(from, len(s))
		i := strings.Index(s[from:], sub)
		if i < 0 {
			return -1
		}
		return from + i
	}
	u, w := units(s), units(sub)
	from = clampIndex(from, len(u))
	for i := from; i+len(w) <= len(u); i++ {
		match := true
		for j := range w {
			if u[i+j] != w[j] {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	return -1
}

// ReplaceFirst is s.replace(old, repl) with a string pattern: only the
// first occurrence is replaced, and repl's $$, $&, $` and $' patterns are
// expanded as JS does.
func ReplaceFirst(s, old, repl string) string {
	i := strings.Index(s, old)
	if i < 0 {
		return s
	}
	return s[:i] + substitution(s, old, i, repl) + s[i+len(old):]
}

// ReplaceAll is s.replaceAll(old, repl) with a string pattern.
func ReplaceAll(s, old, repl string) string {
	if old != "" && !strings.Contains(repl, "$") {
		return strings.ReplaceAll(s, old, repl)
	}
	var b strings.Builder
	pos := 0
	for {
		i := strings.Index(s[pos:], old)
		if i < 0 {
			break
		}
		i += pos
		b.WriteString(s[pos:i])
		b.WriteString(substitution(s, old, i, repl))
		pos = i + len(old)
		if old == "" {
			if pos >= len(s) {
				break
			}
			_, size := utf8.DecodeRuneInString(s[pos:])
			b.WriteString(s[pos : pos+size])
			pos += size
		}
	}
	b.WriteString(s[pos:])
	return b.String()
}

// substitution is GetSubstitution for a match of old at i in s (no
// capture groups: $1 and friends stay literal).
func substitution(s, old string, i int, repl string) string {
	if !strings.Contains(repl, "$") {
		return repl
	}
	var b strings.Builder
	for j := 0; j < len(repl); j++ {
		c := repl[j]
		if c != '$' || j+1 >= len(repl) {
			b.WriteByte(c)
			continue
		}
		switch repl[j+1] {
		case '$':
			b.WriteByte('$')
			j++
		case '&':
			b.WriteString(old)
			j++
		case '`':
			b.WriteString(s[:i])
			j++
		case '\'':
			b.WriteString(s[i+len(old):])
			j++
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Prop is JS property access v[k] on any value: Undefined for a missing
// property or a primitive without it; array "length" and indexes, string
// "length" and indexes; reading from null or undefined throws the
// TypeError JS throws.
func Prop(v any, k string) any {
	switch x := v.(type) {
	case nil:
		throwf("Cannot read properties of null (reading '%s')", k)
	case undefinedType:
		throwf("Cannot read properties of undefined (reading '%s')", k)
	case *Object:
		return x.Get(k)
	case *Array:
		if k == "length" {
			return boxLength(len(x.Items))
		}
		if n, ok := arrayIndex(k); ok {
			if n < uint64(len(x.Items)) {
				return x.Items[n]
			}
		}
	case string:
		if k == "length" {
			return boxLength(StrLen(x))
		}
		if n, ok := arrayIndex(k); ok && n < uint64(StrLen(x)) {
			return Substring(x, int(n), int(n)+1)
		}
	}
	return Undefined
}

// boxLength is a length as a JS number in an interface: a small one
// boxed once for the process (every traversal reads every children
// array's length, and boxing a float64 allocates).
func boxLength(n int) any {
	if n < len(smallNumbers) {
		return smallNumbers[n]
	}
	return float64(n)
}

// Length is v.length (Undefined when v has none); throws on null/undefined.
func Length(v any) any { return Prop(v, "length") }
