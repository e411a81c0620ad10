package pagedsl

import (
	"strings"
	"testing"
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
		if hashString(s) != hashString([]byte(s)) {
			t.Fatalf("hashString(%q) differs between string and []byte", s)
		}
	}
}
