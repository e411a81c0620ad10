package pagedsl

import (
	"encoding/binary"
	"math/bits"
	"unsafe"
)

// Byte scanning eight bytes at a time (SWAR): page DSLs are mostly
// strings, and finding where a string ends, or what in it needs escaping,
// one byte at a time was the largest cost of decoding and encoding.

const (
	lsb = 0x0101010101010101 // the low bit of every byte
	msb = 0x8080808080808080 // the high bit of every byte
)

// decodeStop marks (in each byte's high bit) the bytes a JSON string
// cannot simply copy when read: '"', '\\', control characters and every
// non-ASCII byte. Each subtraction marks its byte when the byte is the
// one sought (it wraps to 0xFF) or is 0x80 or more (which x's own high
// bit marks anyway). A subtraction borrows only out of a byte it marks,
// so a byte above a marked one may be marked falsely: only the lowest
// mark is exact, and the scan uses only that one.
func decodeStop(x uint64) uint64 {
	// (In Go, | and - bind alike: every term is parenthesised.)
	return (((x ^ lsb*'"') - lsb) | ((x ^ lsb*'\\') - lsb) | (x - lsb*0x20) | x) & msb
}

// encodeStop marks exactly the bytes JSON.stringify does not copy as
// they are: '"', '\\', control characters and 0xED, which may start a
// lone surrogate held in WTF-8. Unlike decodeStop it never marks a byte
// falsely (no borrow crosses bytes: each byte's low seven bits plus at
// most 0x7F stay within the byte), so a word may be shifted to drop
// bytes already looked at.
func encodeStop(x uint64) uint64 {
	ctl := ^(x&low7 + lsb*(0x80-0x20)) &^ x & msb // below 0x20
	return zeroMask(x^lsb*'"') | zeroMask(x^lsb*'\\') | ctl | zeroMask(x^lsb*0xED)
}

const low7 = lsb * 0x7F // the low seven bits of every byte

// zeroMask marks exactly the bytes of y that are 0.
func zeroMask(y uint64) uint64 { return ^((y&low7 + low7) | y | low7) }

// scanPlain returns the index of the first byte from i on that is a
// decodeStop byte, or len(b).
func scanPlain(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		if m := decodeStop(binary.LittleEndian.Uint64(b[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 || c >= 0x80 {
			return i
		}
	}
	return i
}

// scanEncodePlain returns the index of the first byte from i on that is
// an encodeStop byte, or len(s).
func scanEncodePlain(s string, i int) int {
	n := len(s)
	for ; i+8 <= n; i += 8 {
		if m := encodeStop(loadString(s, i)); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	if i >= n {
		return n
	}
	if n >= 8 {
		// The last, overlapping word, without the bytes before i.
		m := encodeStop(loadString(s, n-8)) >> (8 * (i - (n - 8)))
		if m == 0 {
			return n
		}
		return i + bits.TrailingZeros64(m)>>3
	}
	for ; i < n; i++ {
		if !plainByte[s[i]] {
			return i
		}
	}
	return i
}

// loadString reads s[i:i+8] little-endian in one load (load64's
// byte-by-byte form is not combined for strings in its generic shape).
func loadString(s string, i int) uint64 {
	return binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s), len(s))[i:])
}

// hashString hashes a key or a short string for the decoder's string
// cache and the objects' key tables, which must agree (the decoder hands
// the hashes it computed to the tables). It reads at most 24 bytes (the
// first, middle and last eight) and the length: keys are short, and a
// collision costs a comparison, never a wrong answer.
func hashString(s string) uint32 {
	n := len(s)
	var h uint64
	if n >= 8 {
		h = loadString(s, 0)*0x9E3779B97F4A7C15 ^ loadString(s, n-8)*0xC2B2AE3D27D4EB4F
		if n > 16 {
			h ^= loadString(s, n/2-4) * 0x165667B19E3779F9
		}
	} else {
		for i := 0; i < n; i++ {
			h |= uint64(s[i]) << (8 * i)
		}
		h *= 0x9E3779B97F4A7C15
	}
	return mixHash(h, n)
}

// mixHash finishes hashString's hash h of n bytes.
func mixHash(h uint64, n int) uint32 {
	h ^= uint64(n) * 0x27D4EB2F165667C5
	h ^= h >> 29
	h *= 0xBF58476D1CE4E5B9
	return uint32(h >> 32)
}

// hashIn is hashBytes(data[start:end]). A string shorter than eight
// bytes is read with one load and a mask when data goes on far enough
// (the bytes after a string in a document are at least its closing
// quote), instead of byte by byte.
//
// A string of eight bytes or more is hashed here as hashString does it,
// with the same loads, rather than through hashBytes: the two calls cost
// more than the hash (most keys are 8 to 24 bytes, and the decoder and
// the tape scanner hash every key).
func hashIn(data []byte, start, end int) uint32 {
	n := end - start
	if n >= 8 {
		b := data[start:end]
		h := binary.LittleEndian.Uint64(b)*0x9E3779B97F4A7C15 ^ binary.LittleEndian.Uint64(b[n-8:])*0xC2B2AE3D27D4EB4F
		if n > 16 {
			h ^= binary.LittleEndian.Uint64(b[n/2-4:]) * 0x165667B19E3779F9
		}
		return mixHash(h, n)
	}
	if start+8 > len(data) {
		return hashBytes(data[start:end])
	}
	h := binary.LittleEndian.Uint64(data[start:]) & (1<<(8*n) - 1)
	return mixHash(h*0x9E3779B97F4A7C15, n)
}

// hashBytes is hashString of b's bytes, without copying them.
func hashBytes(b []byte) uint32 {
	return hashString(unsafe.String(unsafe.SliceData(b), len(b)))
}
