package pagedsl

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"testing"
)

// testdata/quirks_57_93.jsonl.gz holds odd pages at versions 57 to 93
// (primitive and null children, path lists of the wrong type, tables
// without columns, bindings in arrays, "$&" in widget names, UTF-16
// cuts, string versions "78"/"79") and random small widget trees, each
// with the answer of Appsmith's migrateDSL served by the Node RTS
// (POST /rts-api/v1/dsl/migrate): the JSON.stringify text of `data`, or
// null where it answered 500. The only edit to those answers: step 76's
// columnUpdatedAt (Date.now()) is set to the test clock, 1700000000000.
// The corpus rarely reaches these shapes; this file pins Appsmith's
// behaviour on them, key order included.

type quirkCase struct {
	Name     string          `json:"name"`
	Input    json.RawMessage `json:"input"`
	Expected json.RawMessage `json:"expected"`
}

func TestQuirks57To93(t *testing.T) {
	f, err := os.Open("testdata/quirks_57_93.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		var c quirkCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		n++
		in, err := Decode(c.Input)
		if err != nil {
			t.Fatalf("%s: input: %v", c.Name, err)
		}
		out, err := MigrateWith(in, fixedOptions())
		var jsErr *JSError
		if string(c.Expected) == "null" {
			if !errors.As(err, &jsErr) {
				t.Errorf("%s: Appsmith throws, we answer %s (err %v)", c.Name, Encode(out), err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: we throw %v, Appsmith answers %s", c.Name, err, c.Expected)
			continue
		}
		if got := string(Encode(out)); got != string(c.Expected) {
			t.Errorf("%s:\n got %s\nwant %s", c.Name, got, c.Expected)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 300 {
		t.Fatalf("only %d cases read", n)
	}
}
