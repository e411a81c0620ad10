package pagedsl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// FuzzDecode checks Decode against encoding/json wherever JSON.parse and
// Go agree: the same texts are accepted, and accepted texts give the
// same values (Go keeps a map, so key order is checked by the round-trip
// tests instead). Where they differ by design the comparison adapts: a
// lone surrogate escape is U+FFFD in Go and kept as WTF-8 here, numbers
// out of float64's range are ±Infinity in JS, and very deep nesting is
// left to TestDecodeDepthLimit. Encode of the result must decode to the
// same encoding.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `null`, `"a"`, `1.5e3`, `-0`, `{"a":1,"a":2}`, `{"b":1,"10":2}`,
		`{"type":"TEXT_WIDGET","text":"x","children":[{"type":"TEXT_WIDGET","text":"y"}]}`,
		"[\"\\ud800\",\"\\ud83d\\ude00\",\"\xff\",\"\xed\xa0\x80\"]", `[1e400,-1e400,1e-400]`,
		" \t\r\n[1 , 2]", `{"a":}`, `[1,]`, `01`, `"\u00"`, "\"\x01\"", "\ufeff{}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.Count(data, []byte("["))+bytes.Count(data, []byte("{")) > 1000 {
			return
		}
		v, err := Decode(data)
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var want any
		goErr := dec.Decode(&want)
		if goErr == nil && dec.More() || goErr == nil && dec.InputOffset() != int64(len(bytes.TrimRight(data, " \t\r\n"))) {
			goErr = fmt.Errorf("data after the value")
		}
		if (err == nil) != (goErr == nil) {
			t.Fatalf("Decode(%q): error %v, encoding/json: %v", data, err, goErr)
		}
		if err != nil {
			return
		}
		if msg := sameValue(v, want); msg != "" {
			t.Fatalf("Decode(%q): %s", data, msg)
		}
		enc := Encode(v)
		v2, err := Decode(enc)
		if err != nil {
			t.Fatalf("Decode(Encode(Decode(%q))) = %v", data, err)
		}
		if enc2 := Encode(v2); !bytes.Equal(enc, enc2) {
			t.Fatalf("round trip of %q: %s then %s", data, enc, enc2)
		}
	})
}

// sameValue compares a decoded value with encoding/json's (UseNumber),
// or says how they differ.
func sameValue(got, want any) string {
	switch w := want.(type) {
	case nil, bool:
		if got != want {
			return fmt.Sprintf("%v, want %v", got, want)
		}
	case json.Number:
		f, _ := strconv.ParseFloat(string(w), 64) // ±Inf or 0 out of range, as in JS
		g, ok := got.(float64)
		if !ok || g != f && !(math.IsNaN(g) && math.IsNaN(f)) {
			return fmt.Sprintf("%v, want %v", got, f)
		}
	case string:
		g, ok := got.(string)
		if !ok || surrogatesReplaced(g) != w {
			return fmt.Sprintf("%q, want %q", got, w)
		}
	case []any:
		g, ok := got.(*Array)
		if !ok || len(g.Items) != len(w) {
			return fmt.Sprintf("%v, want an array of %d", got, len(w))
		}
		for i := range w {
			if msg := sameValue(g.Items[i], w[i]); msg != "" {
				return fmt.Sprintf("[%d]: %s", i, msg)
			}
		}
	case map[string]any:
		g, ok := got.(*Object)
		if !ok {
			return fmt.Sprintf("%v, want an object", got)
		}
		keys := make(map[string]bool, g.Len())
		for _, k := range g.Keys() {
			keys[surrogatesReplaced(k)] = true
		}
		if len(keys) != len(w) || g.Len() != len(w) {
			return fmt.Sprintf("keys %q, want %d keys", g.Keys(), len(w))
		}
		for _, k := range g.Keys() {
			if msg := sameValue(g.Get(k), w[surrogatesReplaced(k)]); msg != "" {
				return fmt.Sprintf("[%q]: %s", k, msg)
			}
		}
	default:
		return fmt.Sprintf("unexpected %T from encoding/json", want)
	}
	return ""
}

// surrogatesReplaced writes each WTF-8 lone surrogate as U+FFFD, as
// encoding/json decodes a lone surrogate escape.
func surrogatesReplaced(s string) string {
	if !strings.Contains(s, "\xed") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == 0xED && i+2 < len(s) && s[i+1] >= 0xA0 && s[i+1] <= 0xBF {
			b.WriteRune(utf8.RuneError)
			i += 3
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// TestDecodeStringCache decodes more distinct short keys and values than
// the decoder's string cache holds, twice and from several goroutines at
// once, so that colliding and reused entries must still give each
// document its own strings.
func TestDecodeStringCache(t *testing.T) {
	var doc bytes.Buffer
	doc.WriteString("[")
	for i := range 3 * cacheSlots {
		if i > 0 {
			doc.WriteString(",")
		}
		fmt.Fprintf(&doc, `{"k%d":"v%d","":"","same":"k%d"}`, i, i%97, i)
	}
	doc.WriteString(`,"` + strings.Repeat("x", maxCached+1) + `"]`)
	in := doc.Bytes()
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 2 {
				v, err := Decode(in)
				if err != nil {
					errs <- err.Error()
					return
				}
				if got := Encode(v); !bytes.Equal(got, in) {
					errs <- fmt.Sprintf("round trip differs at byte %d", firstByteDiff(got, in))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func firstByteDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
