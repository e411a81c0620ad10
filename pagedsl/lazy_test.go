package pagedsl

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
)

// eagerDecode decodes data without deferring anything (the decoder as
// it was before lazy decoding, and as JSON.parse inside steps uses it).
func eagerDecode(data []byte) (any, error) { return decodeEager(data) }

// sameAsEager checks that a lazy decoding of data behaves as an eager
// one: the same texts are refused, and the encoding, before and after a
// migration, is the same.
func sameAsEager(t *testing.T, data []byte) {
	t.Helper()
	lazy, lerr := Decode(data)
	eager, eerr := eagerDecode(data)
	if (lerr == nil) != (eerr == nil) {
		t.Fatalf("Decode(%.200q): lazy error %v, eager error %v", data, lerr, eerr)
	}
	if lerr != nil {
		if lerr.Error() != eerr.Error() {
			t.Fatalf("Decode(%.200q): lazy error %q, eager error %q", data, lerr, eerr)
		}
		return
	}
	if l, e := Encode(lazy), Encode(eager); !bytes.Equal(l, e) {
		t.Fatalf("Encode(Decode(%.200q)):\nlazy  %.300s\neager %.300s", data, l, e)
	}
	shared, err := DecodeShared(data)
	if err != nil || !bytes.Equal(Encode(shared), Encode(eager)) {
		t.Fatalf("DecodeShared(%.200q): %v, %.300s", data, err, Encode(shared))
	}
	lout, lerr := MigrateWith(lazy, fixedOptions())
	eout, eerr := MigrateWith(eager, fixedOptions())
	if (lerr == nil) != (eerr == nil) || lerr != nil && lerr.Error() != eerr.Error() {
		t.Fatalf("Migrate(%.200q): lazy error %v, eager error %v", data, lerr, eerr)
	}
	if errors.Is(lerr, ErrInternal) {
		t.Fatalf("Migrate(%.200q): %v", data, lerr)
	}
	if lerr == nil {
		if l, e := Encode(lout), Encode(eout); !bytes.Equal(l, e) {
			t.Fatalf("migrated %.200q:\nlazy  %.300s\neager %.300s", data, l, e)
		}
	}
	// The next input is decoded into this one's memory.
	Recycle(lazy)
	Recycle(shared)
}

// lazySeeds exercise what decides whether a value is deferred or its
// text copied: whitespace, escapes, non-ASCII and invalid UTF-8,
// non-canonical numbers, duplicate and index keys, nesting, and steps
// that read, replace, delete and spread properties.
var lazySeeds = []string{
	`{}`, `[]`, `{"a":1}`, `{"a":{"b":[1,2,{"c":"d"}]},"e":"f"}`,
	`{"a":{"b":1},"a":{"c":2}}`, `{"x":{"b":1,"b":2,"c":[3,4,5,6,7,8,9]}}`,
	`{"x":{"1":"a","0":"b","zzzzzzzzzzzzzzzzzz":1}}`, `{"x":{"a" :1,"bbbbbbbbbbbbbbbbbbbbbbbbbb":2}}`,
	`{"x":[1.50,1e3,-0,0.0000001,12.25,123456789012345678,"s"]}`, `{"n":-0,"m":1.0,"k":2.5,"e":1E2}`,
	`{"s":"a\/b","t":"\u0041","u":"\n\t\"\\","v":"é😀","w":"\xff\xfe","x":"\ud800"}`,
	`{"deep":{"deeper":{"deepest":{"key":"value value value value"}}},"after":true}`,
	`{ "a" : { "b" : [ 1 , 2 ] } , "c" : null }`,
	`{"a":{"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb":1}} x`, `{"a":{"b":[1,2,}}`, `{"a":{"b":"\x01"}}`, `{"a":{"b":"\q"}}`,
	`{"a":{"b":01}}`, `{"a":{"b":tru}}`, `{"a":{"b":"\u12"}}`, `{"a":{"b":1}`,
	`{"version":89,"children":[{"type":"TABLE_WIDGET_V2","widgetName":"T","primaryColumns":{"a":{"id":"a","computedValue":"{{T.processedTableData.map((currentRow, currentIndex) => ( currentRow[\"a\"]))}}","validation":{"isColumnEditableCellValid":"{{T.x[index]}}"}}},"schema":{"__root_schema__":{"children":{},"x":[1,2,3]}}}]}`,
	`{"version":17,"children":[{"type":"TABS_MIGRATOR_WIDGET","version":1,"tabs":[{"id":"e","isVisible":false,"label":"E"}],"dynamicBindingPathList":[{"key":"tabs"},{"key":"k"}]}]}`,
	`{"version":57,"type":"CANVAS_WIDGET","children":[{"type":"BUTTON_WIDGET","borderRadius":"ROUNDED","boxShadow":"VARIANT1","childStylesheet":{"button":{"borderRadius":"{{appsmith.theme.borderRadius}}"}}}]}`,
	`{"version":4,"children":[{"type":"CHART_WIDGET","singleChartData":[{"seriesName":"a","data":[1]}],"chartData":[{"data":"{{a}}"}],"dynamicBindingPathList":[{"key":"chartData[0].data"}]}]}`,
}

func TestLazyDecodeSameAsEager(t *testing.T) {
	for _, s := range lazySeeds {
		sameAsEager(t, []byte(s))
	}
}

// TestLazyDecodeCorpus checks every page of the corpus.
func TestLazyDecodeCorpus(t *testing.T) {
	for _, c := range loadDSLCases(t) {
		sameAsEager(t, c.Input)
	}
}

// TestLazyMutations changes lazily decoded objects the ways steps do and
// checks the encoding against the same changes to an eager decoding.
func TestLazyMutations(t *testing.T) {
	const page = `{"a":"x","b":{"c":[1,2,3],"d":"yyyyyyyyyyyyyyyyyyyyyyy"},"e":12.5,"f":{"g":{"h":"iiiiiiiiiiiiiiiiiiiii"}},"j":true}`
	edits := []struct {
		name string
		do   func(o *Object)
	}{
		{"set scalar", func(o *Object) { o.Set("a", "z") }},
		{"set same", func(o *Object) { o.Set("e", o.Get("e")) }},
		{"delete middle", func(o *Object) { o.Delete("e") }},
		{"delete then add", func(o *Object) { o.Delete("a"); o.Set("a", 1.0) }},
		{"index key", func(o *Object) { o.Set("0", "first") }},
		{"undefined", func(o *Object) { o.Set("b", Undefined) }},
		{"mutate nested", func(o *Object) { o.Get("b").(*Object).Set("d", "new") }},
		{"mutate through clone", func(o *Object) {
			c := o.Clone()
			c.Get("f").(*Object).Get("g").(*Object).Set("h", 2.0)
			c.Set("a", "clone only")
		}},
		{"spread", func(o *Object) {
			c := NewObject()
			spreadInto(c, o)
			c.Get("b").(*Object).Set("c", "shared")
			o.Set("copy", c)
		}},
		{"deep clone", func(o *Object) {
			c := cloneDeep(o).(*Object)
			c.Get("b").(*Object).Set("c", "not shared")
			o.Set("copy", c)
		}},
		{"values", func(o *Object) { o.Set("vals", NewArray(objectValues(o)...)) }},
	}
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			lazy, err := Decode([]byte(page))
			if err != nil {
				t.Fatal(err)
			}
			eager, _ := eagerDecode([]byte(page))
			e.do(lazy.(*Object))
			e.do(eager.(*Object))
			if l, g := Encode(lazy), Encode(eager); !bytes.Equal(l, g) {
				t.Errorf("lazy  %s\neager %s", l, g)
			}
		})
	}
}

// FuzzLazyDecode checks lazy decoding against eager decoding on any
// input.
func FuzzLazyDecode(f *testing.F) {
	for _, s := range lazySeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.Count(data, []byte("["))+bytes.Count(data, []byte("{")) > 1000 {
			return
		}
		sameAsEager(t, data)
	})
}

// TestRecycleCorpus migrates every page of the corpus as the route does,
// recycling each page's memory for the next, twice over (so that every
// page is decoded into blocks other pages used), and compares each
// answer with a migration of a page decoded eagerly.
func TestRecycleCorpus(t *testing.T) {
	cases := loadDSLCases(t)
	want := make([][]byte, len(cases))
	for i, c := range cases {
		v, err := eagerDecode(c.Input)
		if err != nil {
			t.Fatal(err)
		}
		if out, err := MigrateWith(v, fixedOptions()); err == nil {
			want[i] = Encode(out)
		}
	}
	for round := range 2 {
		for i, c := range cases {
			v, err := DecodeShared(c.Input)
			if err != nil {
				t.Fatal(err)
			}
			out, err := MigrateWith(v, fixedOptions())
			if (err == nil) != (want[i] != nil) {
				t.Fatalf("round %d, %s: error %v", round, c.ID, err)
			}
			if err == nil {
				if got := Encode(out); !bytes.Equal(got, want[i]) {
					t.Fatalf("round %d, %s: recycled memory changed the answer", round, c.ID)
				}
			}
			Recycle(v)
			Recycle(v) // a second time does nothing
		}
	}
}

// TestRecycleReuses checks that a recycled page's blocks serve the next
// page: decoding a page again allocates far fewer bytes.
func TestRecycleReuses(t *testing.T) {
	// With -race, sync.Pool drops a quarter of what it is given, at
	// random: over 60 decodes about 15 arenas are new, far below half,
	// and more than 30 has a chance of a few in a million.
	rounds := 5
	if raceEnabled {
		rounds = 60
	}
	var page []byte
	for _, c := range loadDSLCases(t) {
		if c.Error == "" && len(c.Input) > len(page) && len(c.Input) < 300<<10 {
			page = c.Input
		}
	}
	decodeBytes := func(recycle bool) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range rounds {
			v, err := DecodeShared(page)
			if err != nil {
				t.Fatal(err)
			}
			if recycle {
				Recycle(v)
			}
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	without, with := decodeBytes(false), decodeBytes(true)
	t.Logf("decoding a %d-byte page %d times: %d bytes allocated recycling, %d without", len(page), rounds, with, without)
	if with > without/2 {
		t.Errorf("decoding a %d-byte page %d times, recycling: %d bytes allocated, without: %d", len(page), rounds, with, without)
	}
}
