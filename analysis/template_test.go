package analysis

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

func TestSplitTemplate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     []string
	}{
		{"plain binding", "{{Api1.data}}", []string{"Api1.data"}},
		{"trimmed first", " \n\t{{ a }}  ", []string{" a "}},
		{"JS trim includes NBSP and BOM", "\u00a0\ufeff{{a}}\u2028", []string{"a"}},
		{"text around", "Hello {{name}}!", []string{"name"}},
		{"several", "{{a}} and {{b}}{{c}}", []string{"a", "b", "c"}},
		{"same twice", "{{a}} {{a}}", []string{"a", "a"}},
		{"object literal", "{{ {a: 1} }}", []string{" {a: 1} "}},
		{"nested objects", "{{ {a: {b: 1}} }}", []string{" {a: {b: 1}} "}},
		{"arrow returning object", "{{ rows.map(r => ({id: r.id})) }}", []string{" rows.map(r => ({id: r.id})) "}},
		// Braces are counted even inside strings: "}}" in a string closes
		// the binding early, as in Appsmith.
		{"}} inside a string", "{{ '}}' }}", []string{" '"}},
		// A lone "}" in a string leaves the count at -1 at the end:
		// unbalanced, so the whole string is one segment, and stripping two
		// characters off each end happens to give the right code.
		{"} inside a string", "{{ JSON.stringify({a: '}'}) }}", []string{" JSON.stringify({a: '}'}) "}},
		// Unbalanced with text around: the whole string is the segment and
		// two characters come off each end, text included.
		{"unbalanced with text", "text {{ {a }} more", []string{"xt {{ {a }} mo"}},
		{"unbalanced, no closing }}", "{{a}", nil},
		{"unbalanced tail after a binding", "{{a}}{{b}", []string{"a"}},
		// The rest after a cut is not trimmed again: " x {{ {b }}" loses " x" and "}}".
		{"unbalanced tail with binding", "{{a}} x {{ {b }}", []string{"a", " {{ {b "}},
		// Balanced but never closed by "}}": only the text before "{{"
		// remains, and it has no binding.
		{"balanced, no }}", "{{a}b}", nil},
		{"balanced, no }}, text around", "x {{a}b} y", nil},
		{"extra closing brace", "{{a}}}", []string{"a"}},
		{"empty binding dropped", "{{}}", nil},
		{"blank binding kept", "{{ }}", []string{" "}},
		{"no binding", "just text", nil},
		{"single braces", "{a} {b}", nil},
		{"closing only", "a }} b", nil},
		{"empty", "", nil},
		{"spaces only", "   ", nil},
		{"newlines inside", "{{\n  a +\n  b\n}}", []string{"\n  a +\n  b\n"}},
		{"template literal", "{{`${a}`}}", []string{"`${a}`"}},
		// Two UTF-16 units off each end: an astral character is one rune.
		{"astral around unbalanced", "😀{{ {a }}😀", []string{"{{ {a }}"}},
		{"non-ASCII text", "Prénom : {{Input1.text}} €", []string{"Input1.text"}},
		{"json body", "{\n  \"id\": {{Table1.selectedRow.id}},\n  \"n\": {{Input1.text}}\n}", []string{"Table1.selectedRow.id", "Input1.text"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SplitTemplate(tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("SplitTemplate(%q) = %q, want %q", tt.in, got, tt.want)
			}
			for i, s := range TemplateSpans(tt.in) {
				if tt.in[s.Start:s.End] != got[i] {
					t.Errorf("span %d = %q, snippet %q", i, tt.in[s.Start:s.End], got[i])
				}
			}
		})
	}
}

func TestTemplateSpansOffsets(t *testing.T) {
	t.Parallel()
	got := TemplateSpans("  Hi {{a}} {{ b }}\n")
	want := []Span{{7, 8}, {13, 16}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("spans = %v, want %v", got, want)
	}
}

// Long inputs must not recurse: Appsmith recurses per binding.
func TestSplitTemplateManyBindings(t *testing.T) {
	t.Parallel()
	s := strings.Repeat("x {{a}} ", 100000)
	if got := len(SplitTemplate(s)); got != 100000 {
		t.Errorf("%d snippets", got)
	}
}

// jsSnippets is a literal, recursive port of Appsmith's getDynamicBindings
// and getDynamicStringSegments on UTF-16 code units, to check the
// iterative byte-based version against.
func jsSnippets(value string) []string {
	s := utf16.Encode([]rune(TrimJSSpace(value)))
	if len(s) == 0 {
		return nil
	}
	var out []string
	for _, seg := range jsSegments(s) {
		str := string(utf16.Decode(seg))
		if !dataBind.MatchString(str) {
			continue
		}
		if snip := string(utf16.Decode(seg[2 : len(seg)-2])); snip != "" {
			out = append(out, snip)
		}
	}
	return out
}

var dataBind = regexp.MustCompile(`{{([\s\S]*?)}}`)

func jsSegments(d []uint16) [][]uint16 {
	open := -1
	for i := 0; i+1 < len(d); i++ {
		if d[i] == '{' && d[i+1] == '{' {
			open = i
			break
		}
	}
	if open < 0 {
		return [][]uint16{d}
	}
	var segs [][]uint16
	if open > 0 {
		segs = append(segs, d[:open])
	}
	rest := d[open:]
	sum := 0
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case '{':
			sum++
		case '}':
			sum--
			if i > 0 && rest[i-1] == '}' && sum == 0 {
				segs = append(segs, rest[:i+1])
				rest = rest[i+1:]
				if len(rest) > 0 {
					return append(segs, jsSegments(rest)...)
				}
			}
		}
	}
	if sum != 0 {
		return [][]uint16{d}
	}
	return segs
}

func FuzzSplitTemplate(f *testing.F) {
	for _, s := range []string{"{{a}}", "x {{ {a }} y", "{{a}b}", "😀{{ {a }}😀", "{{'}}'}}", "{{a}} x {{ {b }}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spans := TemplateSpans(s)
		last := 0
		for _, sp := range spans {
			if sp.Start < last || sp.End <= sp.Start || sp.End > len(s) {
				t.Fatalf("bad span %v in %q (spans %v)", sp, s, spans)
			}
			last = sp.End
		}
		// The ports agree on text that is valid UTF-8 without surrogate
		// pairs (which a snippet boundary could split, and which Go strings
		// cannot represent halved).
		if utf8.ValidString(s) && !hasAstral(s) {
			if got, want := SplitTemplate(s), jsSnippets(s); !reflect.DeepEqual(got, want) {
				t.Fatalf("SplitTemplate(%q) = %q, port says %q", s, got, want)
			}
		}
	})
}

func hasAstral(s string) bool {
	for _, r := range s {
		if r >= 0x10000 {
			return true
		}
	}
	return false
}
