package pagedsl

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"testing"
)

func TestDecodeEncodeRoundTrip(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"key order: index keys first ascending", `{"b":1,"10":2,"a":3,"2":4,"01":5}`, `{"2":4,"10":2,"b":1,"a":3,"01":5}`},
		{"duplicate key: first position, last value", `{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`},
		{"numbers in JS form", `[1.0,-0,1e21,1e-7,123456789012345680000,0.1,1E2,4.50]`, `[1,0,1e+21,1e-7,123456789012345680000,0.1,100,4.5]`},
		{"integers around the fast path's bounds", `[-0.0,999999999999999,-999999999999999,1e15,-1e15,4503599627370497,123.000,-7]`,
			`[0,999999999999999,-999999999999999,1000000000000000,-1000000000000000,4503599627370497,123,-7]`},
		{"number overflow is null", `[1e400]`, `[null]`},
		{"escapes as JSON.stringify writes them", `"\u0001\b\f\n\r\t\"\\\/\u00e9\u2028<>&"`, `"\u0001\b\f\n\r\t\"\\/é` + "\u2028" + `<>&"`},
		{"surrogate pair and lone surrogates", `["\ud83d\ude00","\ud800","\udc00x"]`, `["😀","\ud800","\udc00x"]`},
		{"whitespace", " \t\n{ \"a\" : [ true , false , null ] }\r\n", `{"a":[true,false,null]}`},
		{"duplicate key in a large object", `{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"b":13}`,
			`{"a":1,"b":13,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12}`},
		{"duplicate key after a nested object using it", `{"a":{"a":1,"b":2},"b":3,"a":{"b":[{"b":1,"b":2}]}}`, `{"a":{"b":[{"b":2}]},"b":3}`},
		{"escaped duplicate key", `{"a\u0062":1,"ab":2}`, `{"ab":2}`},
		{"small and large numbers", `[0,7,999,1000,-1,0.5e1,12.0,1e2]`, `[0,7,999,1000,-1,5,12,100]`},
		{"index key 4294967295 is not an index", `{"x":1,"4294967295":2,"4294967294":3}`, `{"4294967294":3,"x":1,"4294967295":2}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Decode([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := string(Encode(v)); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, in := range []string{``, `{`, `{"a"}`, `{"a":1,}`, `[1,]`, `01`, `1.`, `.5`, `+1`, `"\x"`, "\"a\tb\"", `tru`, `{} x`, `NaN`, `'a'`, `"\ud8"`} {
		if v, err := Decode([]byte(in)); err == nil {
			t.Errorf("Decode(%q) = %s, want an error", in, Encode(v))
		}
	}
}

func TestDecodeDepthLimit(t *testing.T) {
	deep := make([]byte, 0, 2*(MaxDepth+2))
	for range MaxDepth + 2 {
		deep = append(deep, '[')
	}
	for range MaxDepth + 2 {
		deep = append(deep, ']')
	}
	if _, err := Decode(deep); err == nil {
		t.Fatal("no error for nesting beyond MaxDepth")
	}
}

func TestObjectSetUndefinedAndDelete(t *testing.T) {
	o := NewObject()
	o.Set("a", 1.0)
	o.Set("b", 2.0)
	o.Set("c", 3.0)
	o.Set("a", Undefined)
	if !o.Has("a") || string(Encode(o)) != `{"b":2,"c":3}` {
		t.Errorf("undefined value: Has=%v encoded %s", o.Has("a"), Encode(o))
	}
	o.Set("a", 4.0)
	o.Delete("b")
	o.Set("b", 5.0)
	if got := string(Encode(o)); got != `{"a":4,"c":3,"b":5}` {
		t.Errorf("got %s", got)
	}
	// Large objects switch to a key map; order and lookups must not change.
	big := NewObject()
	for i := range 40 {
		big.Set(string(rune('A'+i)), float64(i))
	}
	big.Set("7", true)
	big.Delete("C")
	if big.Get("D") != 3.0 || big.Keys()[0] != "7" || big.Has("C") || big.Len() != 40 {
		t.Errorf("big object: D=%v first=%s len=%d", big.Get("D"), big.Keys()[0], big.Len())
	}
	c := big.Clone()
	c.Set("A", "x")
	if big.Get("A") != 0.0 {
		t.Error("Clone shares storage with the original")
	}
}

func TestJSHelpers(t *testing.T) {
	arr, _ := Decode([]byte(`["78"]`))
	obj := NewObject()
	loose := []struct {
		a, b any
		want bool
	}{
		{"78", 78.0, true},
		{" 78 ", 78.0, true},
		{"0x4E", 78.0, true},
		{"7.8e1", 78.0, true},
		{"78a", 78.0, false},
		{"", 0.0, true},
		{nil, Undefined, true},
		{nil, 0.0, false},
		{true, 1.0, true},
		{"1", true, true},
		{arr, 78.0, true},
		{obj, "[object Object]", true},
		{math.NaN(), math.NaN(), false},
	}
	for _, tt := range loose {
		if got := LooseEq(tt.a, tt.b); got != tt.want {
			t.Errorf("LooseEq(%s, %s) = %v, want %v", short(tt.a), short(tt.b), got, tt.want)
		}
	}
	if StrictEq("1", 1.0) || !StrictEq(obj, obj) || StrictEq(obj, NewObject()) {
		t.Error("StrictEq")
	}
	for v, want := range map[any]bool{nil: false, Undefined: false, 0.0: false, "": false, "0": true, math.NaN(): false, 1.0: true} {
		if Truthy(v) != want {
			t.Errorf("Truthy(%v) != %v", v, want)
		}
	}
	if got := ToString(NewArray(1.0, nil, "a", NewArray(2.0, 3.0))); got != "1,,a,2,3" {
		t.Errorf("ToString(array) = %q", got)
	}
	if got := Substring("hello", 4, 1); got != "ell" {
		t.Errorf("Substring swap = %q", got)
	}
	if got := Substring("a😀b", 1, 3); got != "😀" {
		t.Errorf("Substring astral = %q", got)
	}
	if got := StrLen("a😀b"); got != 4 {
		t.Errorf("StrLen = %d", got)
	}
	if got := string(Encode(Substring("😀", 0, 1))); got != `"\ud83d"` {
		t.Errorf("half a pair encodes as %s", got)
	}
	if got := ReplaceFirst("a.b.a", "a", "[$&$$]"); got != "[a$].b.a" {
		t.Errorf("ReplaceFirst = %q", got)
	}
	if got := ReplaceAll("abc", "", "-"); got != "-a-b-c-" {
		t.Errorf("ReplaceAll empty = %q", got)
	}
	if got := IndexOf("é-x-x", "x", 3); got != 4 {
		t.Errorf("IndexOf = %d", got)
	}
	if got := Prop("abc", "length"); got != 3.0 {
		t.Errorf("Prop length = %v", got)
	}
}

func TestMigrateRejectsNonObjects(t *testing.T) {
	for _, in := range []string{`null`, `[]`} {
		v, _ := Decode([]byte(in))
		_, err := Migrate(v)
		var jsErr *JSError
		if !asJSError(err, &jsErr) {
			t.Errorf("Migrate(%s) error = %v, want a *JSError", in, err)
		}
	}
}

func TestUnversionedAndLooseVersions(t *testing.T) {
	v, _ := Decode([]byte(`{"widgetName":"MainContainer","version":"abc"}`))
	out, err := Migrate(v)
	if err != nil || string(Encode(out)) != `{"widgetName":"MainContainer","version":"abc"}` {
		t.Errorf("unmatched version: %s, %v", Encode(out), err)
	}
	v, _ = Decode([]byte(`{"version":94,"x":1}`))
	out, err = Migrate(v)
	if err != nil || string(Encode(out)) != `{"version":94,"x":1}` {
		t.Errorf("latest version: %s, %v", Encode(out), err)
	}
}

func asJSError(err error, target **JSError) bool {
	e, ok := err.(*JSError)
	if ok {
		*target = e
	}
	return ok
}

// TestObjectKeyTable drives a large object (one with a key table) through
// sets, deletes and index keys, checking every lookup against a plain
// model of JS's key order after each operation.
func TestObjectKeyTable(t *testing.T) {
	type op struct {
		del bool
		key string
	}
	var ops []op
	for i := range 40 {
		ops = append(ops, op{key: "k" + strconv.Itoa(i)})
	}
	for i := 0; i < 40; i += 3 {
		ops = append(ops, op{del: true, key: "k" + strconv.Itoa(i)})
	}
	ops = append(ops, op{key: "7"}, op{key: "k3"}, op{key: "2"}, op{key: "k0"}, op{del: true, key: "7"}, op{key: "100"}, op{key: "k41"})

	o := NewObject()
	var model []string // keys in JS order
	vals := map[string]float64{}
	for n, p := range ops {
		if p.del {
			o.Delete(p.key)
			model = slices.DeleteFunc(model, func(k string) bool { return k == p.key })
			delete(vals, p.key)
		} else {
			o.Set(p.key, float64(n))
			if _, ok := vals[p.key]; !ok {
				model = append(model, p.key)
			}
			vals[p.key] = float64(n)
		}
		slices.SortStableFunc(model, func(a, b string) int {
			ia, aok := arrayIndex(a)
			ib, bok := arrayIndex(b)
			switch {
			case aok && bok:
				return cmp.Compare(ia, ib)
			case aok:
				return -1
			case bok:
				return 1
			}
			return 0
		})
		if !slices.Equal(o.Keys(), model) {
			t.Fatalf("after op %d %+v: keys %v, want %v", n, p, o.Keys(), model)
		}
		for i := range 45 {
			for _, k := range []string{"k" + strconv.Itoa(i), strconv.Itoa(i)} {
				want, ok := vals[k]
				got := o.Get(k)
				if ok && got != want || !ok && got != Undefined {
					t.Fatalf("after op %d %+v: Get(%q) = %v, want %v (present %v)", n, p, k, got, want, ok)
				}
			}
		}
	}
}
