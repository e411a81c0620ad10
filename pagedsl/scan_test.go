package pagedsl

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/appsmith-rts/rts/analysis"
)

// naiveStop is scanPlain's and scanEncodePlain's definition, a byte at a
// time.
func naiveStop(b []byte, i int, stop func(c byte) bool) int {
	for ; i < len(b); i++ {
		if stop(b[i]) {
			return i
		}
	}
	return i
}

func decodeStopByte(c byte) bool { return c == '"' || c == '\\' || c < 0x20 || c >= 0x80 }
func encodeStopByte(c byte) bool { return c == '"' || c == '\\' || c < 0x20 || c == 0xED }

// FuzzScan checks the eight-bytes-at-a-time scans against the byte loop
// from every start position: a wrong mask (a borrow marking a byte below
// the first stop, say) would end strings early or late.
func FuzzScan(f *testing.F) {
	for _, s := range []string{
		"", "abc", `abcdefgh"`, "abcdefghijklmnop\\q", "\x00\x1f\x20\x21\x22\x5c\x7f\x80\xed\xff",
		strings.Repeat("a", 15) + "\x1f", "\x01\x22\x22\x22\x22\x22\x22\x22\x22", "é" + strings.Repeat("z", 9),
		"\xed\xa0\x80abcdefg", "\x21\x21\x21\x21\x21\x21\x21\x1f\x23",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for i := 0; i <= len(b); i++ {
			if got, want := scanPlain(b, i), naiveStop(b, i, decodeStopByte); got != want {
				t.Fatalf("scanPlain(%q, %d) = %d, want %d", b, i, got, want)
			}
			if got, want := scanEncodePlain(string(b), i), naiveStop(b, i, encodeStopByte); got != want {
				t.Fatalf("scanEncodePlain(%q, %d) = %d, want %d", b, i, got, want)
			}
		}
	})
}

// TestScanEveryByte puts each byte value at each position of a block
// after plain bytes, where the masks' borrows could go wrong.
func TestScanEveryByte(t *testing.T) {
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 17; pos++ {
			b := []byte(strings.Repeat("a", 17))
			b[pos] = byte(c)
			for _, tail := range [][]byte{{}, {0x00}, {'"'}, {0xff}} {
				in := append(append([]byte(nil), b...), tail...)
				if got, want := scanPlain(in, 0), naiveStop(in, 0, decodeStopByte); got != want {
					t.Fatalf("scanPlain(%q) = %d, want %d", in, got, want)
				}
				if got, want := scanEncodePlain(string(in), 0), naiveStop(in, 0, encodeStopByte); got != want {
					t.Fatalf("scanEncodePlain(%q) = %d, want %d", in, got, want)
				}
			}
		}
	}
}

// TestHashStringAgrees: the decoder hashes keys as bytes and the key
// tables hash them as strings; both must give the same table slots.
func TestHashStringAgrees(t *testing.T) {
	for n := 0; n < 40; n++ {
		s := strings.Repeat("k", n)
		if n > 3 {
			s = s[:n/2] + "x" + s[n/2+1:]
		}
		if hashString(s) != hashBytes([]byte(s)) {
			t.Fatalf("hashString(%q) differs between string and []byte", s)
		}
		doc := []byte(`"` + s + `":1}`)
		if hashString(s) != hashIn(doc, 1, 1+n) {
			t.Fatalf("hashString(%q) differs from hashIn in a document", s)
		}
	}
	// Arbitrary bytes at every length and offset, the string at the very
	// end of the data too (no closing quote after it).
	rnd := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 64)
	for range 200 {
		for i := range data {
			data[i] = byte(rnd.Uint32())
		}
		for start := 0; start < len(data); start += 7 {
			for end := start; end <= len(data); end++ {
				if hashIn(data, start, end) != hashString(string(data[start:end])) {
					t.Fatalf("hashIn(%q) differs from hashString", data[start:end])
				}
			}
		}
	}
}

// FuzzShortDecimal checks the encoder's fast path for short decimals
// against the general shortest-digits formatting, on numbers built from
// decimal text (as pages hold them) and on arbitrary bit patterns.
func FuzzShortDecimal(f *testing.F) {
	for _, s := range []string{"0.1", "0.3", "12.5", "-3.75", "0.000001", "0.0000015", "999999999.5", "123456.789012", "0.30000000000000004", "1.1e-5", "4.35"} {
		v, _ := strconv.ParseFloat(s, 64)
		f.Add(s, math.Float64bits(v))
	}
	f.Fuzz(func(t *testing.T, s string, bits uint64) {
		check := func(v float64) {
			if math.IsNaN(v) || math.IsInf(v, 0) || v == math.Trunc(v) {
				return
			}
			got, ok := appendShortDecimal(nil, v)
			if !ok {
				return
			}
			if want := analysis.AppendJSNumber(nil, v); string(got) != string(want) {
				t.Fatalf("appendShortDecimal(%v) = %s, want %s", v, got, want)
			}
		}
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			check(v)
		}
		check(math.Float64frombits(bits))
	})
}

// TestShortDecimalGrid runs the fast path over every decimal of up to
// four places in a few ranges, where pages' positions and sizes fall.
func TestShortDecimalGrid(t *testing.T) {
	taken := 0
	for _, base := range []float64{0, 1, 63, 1234, 99999, 123456789} {
		for i := 1; i < 10000; i++ {
			for _, sign := range []float64{1, -1} {
				v := sign * (base + float64(i)/10000)
				got, ok := appendShortDecimal(nil, v)
				if !ok {
					continue
				}
				taken++
				if want := analysis.AppendJSNumber(nil, v); string(got) != string(want) {
					t.Fatalf("appendShortDecimal(%v) = %s, want %s", v, got, want)
				}
			}
		}
	}
	if taken < 100000 {
		t.Fatalf("the fast path took only %d of the grid's numbers", taken)
	}
}
