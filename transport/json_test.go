package transport

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// point3 is 0.1+0.2 computed in float64 (a constant expression would be exact).
var point1, point2 = 0.1, 0.2
var point3 = point1 + point2

func TestAppendJSNumber(t *testing.T) {
	t.Parallel()
	// Expected values are what node prints for String(x).
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"}, {math.Copysign(0, -1), "0"}, {1, "1"}, {-1, "-1"}, {1.5, "1.5"}, {100, "100"},
		{0.1, "0.1"}, {0.000001, "0.000001"}, {1e-7, "1e-7"}, {-2.5e-7, "-2.5e-7"}, {0.000123, "0.000123"},
		{123e-20, "1.23e-18"}, {1e20, "100000000000000000000"}, {1e21, "1e+21"}, {1.25e21, "1.25e+21"},
		{123456789012345680000, "123456789012345680000"}, {5e-324, "5e-324"},
		{1.7976931348623157e308, "1.7976931348623157e+308"}, {math.Inf(1), "null"}, {math.NaN(), "null"},
		{9007199254740993, "9007199254740992"}, {point3, "0.30000000000000004"},
	}
	for _, tt := range tests {
		if got := string(appendJSNumber(nil, tt.in)); got != tt.want {
			t.Errorf("appendJSNumber(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestAppendString(t *testing.T) {
	t.Parallel()
	// Expected values are what JSON.stringify writes.
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{`"\`, `"\"\\"`},
		{"\b\f\n\r\t", `"\b\f\n\r\t"`},
		{"\x00\x01\x1f", `"\u0000\u0001\u001f"`},
		{"\x7f<>&/", "\"\x7f<>&/\""},
		{"\u2028\u2029é😀", "\"\u2028\u2029é😀\""},
		{"a\xffb", "\"a\uFFFDb\""},
	}
	for _, tt := range tests {
		if got := string(appendString(nil, tt.in)); got != tt.want {
			t.Errorf("appendString(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestDecodeString(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`plain`, "plain"},
		{`\"\\\/\b\f\n\r\t`, "\"\\/\b\f\n\r\t"},
		{`\u0041\u00e9\u20AC`, "Aé€"},
		{`\ud83d\ude00`, "😀"},
		{`\ud800`, "\uFFFD"},
		{`\ud800\u0041`, "\uFFFDA"},
		{`\udc00\ud800`, "\uFFFD\uFFFD"},
		{"raw é 😀", "raw é 😀"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{"bad \xff\\n", "bad \uFFFD\n"},
	}
	for _, tt := range tests {
		if got := decodeString([]byte(tt.in), false); got != tt.want {
			t.Errorf("decodeString(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseBodyErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // error text; "" for success
	}{
		{``, ""},
		{"\uFEFF", ""},
		{`{}`, ""},
		{` [1, {"a": [true, false, null]}] `, ""},
		{`{"a":-0.5e-3,"b":"\u00e9"}`, ""},
		{` `, "Unexpected end of JSON input at position 1"},
		{`{`, "Unexpected end of JSON input at position 1"},
		{`{"a"}`, "Expected ':' at position 4"},
		{`{"a":1,}`, "Expected a string key at position 7"},
		{`{"a":1 "b":2}`, "Expected ',' or '}' at position 7"},
		{`[1,]`, "Unexpected token at position 3"},
		{`[1 2]`, "Expected ',' or ']' at position 3"},
		{`{a:1}`, "Expected a string key at position 1"},
		{`{"a":01}`, "Expected ',' or '}' at position 6"},
		{`{"a":1.}`, "Unterminated fractional number at position 7"},
		{`{"a":1e}`, "Exponent part is missing a number at position 7"},
		{`{"a":-}`, "Unexpected token at position 6"},
		{`{"a":tru}`, "Unexpected token at position 5"},
		{`{"a":"\x"}`, "Bad escaped character in JSON at position 7"},
		{`{"a":"\u12G4"}`, "Bad Unicode escape in JSON at position 6"},
		{`{"a":"abc`, "Unterminated string in JSON at position 9"},
		{`{"a":'x'}`, "Unexpected token at position 5"},
		{`{} {}`, "Unexpected data after JSON value at position 3"},
		{`"x"`, "Request body must be a JSON object at position 0"},
		{`null`, "Request body must be a JSON object at position 0"},
		{`nul`, "Unexpected token at position 0"},
	}
	for _, tt := range tests {
		var b body
		err := parseBody([]byte(tt.in), &b)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("parseBody(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAppendJSValue(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{` 5.0 `, `5`},
		{`-0`, `0`},
		{`1E400`, `null`},
		{`"a\/b\u003c"`, `"a/b<"`},
		{`[ 1 , [ ] , { } ]`, `[1,[],{}]`},
		{`{"b":1,"a":2,"10":3,"2":4,"01":5,"4294967295":6,"4294967294":7}`, `{"2":4,"10":3,"4294967294":7,"b":1,"a":2,"01":5,"4294967295":6}`},
		{`{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`},
		{strings.Repeat("[", 600) + strings.Repeat("]", 600), strings.Repeat("[", 600) + strings.Repeat("]", 600)},
		{"[ " + strings.Repeat(`{"a" : [ `, 600) + strings.Repeat("] }", 600) + " ]", "[" + strings.Repeat(`{"a":[`, 600) + strings.Repeat("]}", 600) + "]"},
	}
	for _, tt := range tests {
		if got := string(appendJSValue(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("appendJSValue(%.40q) = %.80s, want %.80s", tt.in, got, tt.want)
		}
	}
}

// FuzzParseBody checks the hand-written reader against encoding/json: the
// same bodies are valid, and the same script comes out.
func FuzzParseBody(f *testing.F) {
	for _, s := range []string{
		`{"script":"a"}`, `{"script":"\ud83d\ude00\u0000"}`, `{"script":1,"script":"b"}`, `[]`, `{"scripts":["a",1]}`,
		`{"a":{"b":[1,2,{"c":null}]},"script":"x\"y"}`, `{"script":-1.5e10}`, `{`, `{"a":1,}`, `"x"`, ` {"evalVersion":0.5} `,
		`{"scripts":[]}`, `{"scripts":[ "a" , [1,2] ,{"b":"]"}]}`, `{"scripts":["a\\\"b\\","\\\\"]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if !utf8.Valid(in) || len(in) == 0 || bytes.HasPrefix(in, []byte("\uFEFF")) {
			return
		}
		var b body
		err := parseBody(in, &b)
		trimmed := bytes.TrimLeft(in, " \t\r\n")
		valid := json.Valid(in)
		containerOrNothing := len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')
		switch {
		case valid && containerOrNothing && err != nil:
			t.Fatalf("parseBody(%q) = %v, but encoding/json accepts it", in, err)
		case valid && !containerOrNothing && err != errNotObject:
			t.Fatalf("parseBody(%q) = %v, want errNotObject", in, err)
		case !valid && err == nil:
			t.Fatalf("parseBody(%q) accepted invalid JSON", in)
		}
		if err != nil || trimmed[0] != '{' {
			return
		}
		var m map[string]any
		if json.Unmarshal(in, &m) != nil {
			return // e.g. a number out of float64 range
		}
		if arr, ok := m["scripts"].([]any); ok {
			for _, limit := range []int{0, 1, 3, 1 << 30} {
				items, n := b.arrayItems(b.scripts, limit)
				if n != len(arr) || len(items) != min(n, limit) {
					t.Fatalf("scripts of %q, limit %d: %d items, count %d; encoding/json counts %d", in, limit, len(items), n, len(arr))
				}
				for _, it := range items {
					if end, err := skipValue(b.buf, it.start); err != nil || end != it.end {
						t.Fatalf("scripts of %q: item at %d ends at %d, skipValue says %d (%v)", in, it.start, it.end, end, err)
					}
				}
			}
		}
		if s, ok := m["script"].(string); ok {
			if b.script.kind != kindString || b.str(b.script) != s {
				t.Fatalf("script of %q: got %q, encoding/json %q", in, b.str(b.script), s)
			}
		} else if v, present := m["script"]; present {
			raw := appendJSValue(nil, b.raw(b.script))
			var back any
			if err := json.Unmarshal(raw, &back); err != nil {
				t.Fatalf("echo of %q is not JSON: %s", in, raw)
			}
			if !reflect.DeepEqual(back, v) {
				t.Fatalf("echo of %q: %s decodes to %v, want %v", in, raw, back, v)
			}
		}
	})
}

func TestHasStringSpecial(t *testing.T) {
	t.Parallel()
	for c := range 256 {
		want := c == '"' || c == '\\' || c < 0x20
		for pos := range 8 {
			var b [8]byte
			for i := range b {
				b[i] = 'a'
			}
			b[pos] = byte(c)
			if got := hasStringSpecial(binary.LittleEndian.Uint64(b[:])); got != want {
				t.Fatalf("byte %#x at %d: %v, want %v", c, pos, got, want)
			}
			// Around bytes that borrow in the subtraction.
			for _, other := range []byte{0x00, 0x1f, 0x20, 0x21, 0x22, 0x5c, 0x80, 0xff} {
				for i := range b {
					if i != pos {
						b[i] = other
					}
				}
				w := want || other == '"' || other == '\\' || other < 0x20
				if got := hasStringSpecial(binary.LittleEndian.Uint64(b[:])); got != w {
					t.Fatalf("byte %#x at %d among %#x: %v, want %v", c, pos, other, got, w)
				}
			}
		}
	}
}
