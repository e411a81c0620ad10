package appmodel

import (
	"math"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/tidwall/gjson"
)

const getDoc = `{
	"a": {"b": [{"c": 1}, {"c": "x"}]},
	"a.b": "literal",
	"with space": {"k k": "v"},
	"n": null, "t": true, "no": false, "f": 1.50, "big": 1e21, "small": 1e-7, "i": 100,
	"arr": [1, null, [2, 3], {"x": 1}, "s"],
	"s": "héllo😀",
	"": "empty",
	"obj": {},
	"esc": "line\nbreak {{x}}",
	"x[y": "bracket without pair",
	"é.x": "accented literal",
	"q\u002ex": "escaped literal"
}`

func TestGet(t *testing.T) {
	t.Parallel()
	root := new(object).reset(gjson.Parse(getDoc))
	tests := []struct {
		key, want string
		ok        bool
	}{
		{"a.b[0].c", "1", true},
		{"a.b[1].c", "x", true},
		{"a.b.1.c", "x", true},
		{`a['b'][1]["c"]`, "x", true},
		{"a.b", "literal", true}, // a literal key with a dot wins
		{"with space.k k", "v", true},
		{`["with space"]['k k']`, "v", true},
		{"n", "", false},
		{"n.x", "", false},
		{"t", "true", true},
		{"no", "false", true},
		{"f", "1.5", true},
		{"big", "1e+21", true},
		{"small", "1e-7", true},
		{"i", "100", true},
		{"arr", "1,,2,3,[object Object],s", true},
		{"arr.length", "5", true},
		{"arr[2][1]", "3", true},
		{"arr.01", "", false}, // not a canonical index
		{"arr[-1]", "", false},
		{"a", "[object Object]", true},
		{"obj", "[object Object]", true},
		{"s.length", "7", true}, // UTF-16 units: the emoji counts two
		{"s[1]", "é", true},
		{"s.x", "", false},
		{"t.x", "", false},
		{"missing", "", false},
		{"missing.x", "", false},
		{"a..b", "", false},
		{".a", "", false}, // root[""] is "empty", which has no "a"
		{"", "empty", true},
		{"esc", "line\nbreak {{x}}", true},
		{"x[y", "bracket without pair", true},
		{"é.x", "accented literal", true},
		{"q.x", "escaped literal", true},
	}
	for _, tt := range tests {
		got, ok := toJSString(get(root, tt.key, nil))
		if got != tt.want || ok != tt.ok {
			t.Errorf("get(%q) = %q, %v; want %q, %v", tt.key, got, ok, tt.want, tt.ok)
		}
	}

	body := func(k string) (jsValue, bool) {
		if k == "body" {
			return jsValue{kind: valString, str: "from txt"}, true
		}
		return jsValue{}, false
	}
	for key, want := range map[string]string{"body": "from txt", "body.length": "8", "i": "100"} {
		if got, _ := toJSString(get(root, key, body)); got != want {
			t.Errorf("get(%q) with body override = %q, want %q", key, got, want)
		}
	}
}

func TestFormatJSNumber(t *testing.T) {
	t.Parallel()
	tests := map[float64]string{
		0: "0", math.Copysign(0, -1): "0", 1: "1", -2.5: "-2.5", 100: "100", 0.30000000000000004: "0.30000000000000004",
		1e21: "1e+21", 123456789012345680000: "123456789012345680000", 1.5e300: "1.5e+300",
		0.000001: "0.000001", 1e-7: "1e-7", 1.5e-7: "1.5e-7", 9007199254740993: "9007199254740992",
		math.NaN(): "NaN", math.Inf(1): "Infinity", math.Inf(-1): "-Infinity", 5e-324: "5e-324",
	}
	for f, want := range tests {
		if got := formatJSNumber(f); got != want {
			t.Errorf("formatJSNumber(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestLessUTF16(t *testing.T) {
	t.Parallel()
	// JavaScript's sort of these: surrogate pairs (U+1F600) sort below
	// U+E000–U+FFFF, unlike in UTF-8 byte order.
	in := []string{"\uff21", "😀", "b", "a", "ab", "", "Z", "é"}
	want := []string{"", "Z", "a", "ab", "b", "é", "😀", "\uff21"}
	got := slices.Clone(in)
	sort.Slice(got, func(i, j int) bool { return lessUTF16(got[i], got[j]) })
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sorted %q, want %q", got, want)
	}
	if lessUTF16("a", "a") {
		t.Error("a < a")
	}
}
