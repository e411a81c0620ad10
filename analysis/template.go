package analysis

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Span is a byte range [Start, End) in a string.
type Span struct{ Start, End int }

// SplitTemplate returns the JavaScript snippets of a binding value: the
// contents of its `{{ … }}` parts, as Appsmith's getDynamicBindings finds
// them. The snippets are substrings of value; empty ones are dropped.
func SplitTemplate(value string) []string {
	spans := TemplateSpans(value)
	if len(spans) == 0 {
		return nil
	}
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = value[s.Start:s.End]
	}
	return out
}

// TemplateSpans is SplitTemplate with byte ranges into value instead of
// strings, for callers that rewrite the snippets in place.
func TemplateSpans(value string) []Span {
	// Appsmith trims first; keep offsets into the untrimmed value.
	lead := LeadingJSSpace(value)
	end := len(value) - TrailingJSSpace(value[lead:])
	s := value[lead:end]
	if s == "" || !strings.Contains(s, "{{") {
		return nil
	}
	var spans []Span
	for _, seg := range dynamicStringSegments(s) {
		if !hasDataBind(s[seg.Start:seg.End]) {
			continue
		}
		// segment.substring(2, length - 2): two UTF-16 units off each end.
		a := seg.Start + utf16Prefix(s[seg.Start:seg.End], 2)
		b := seg.End - utf16Suffix(s[seg.Start:seg.End], 2)
		if a >= b {
			continue // "{{}}": an empty snippet, which Appsmith filters out
		}
		spans = append(spans, Span{lead + a, lead + b})
	}
	return spans
}

// dynamicStringSegments ports Appsmith's getDynamicStringSegments, with the
// recursion on the rest of the string turned into a loop. All delimiters are
// ASCII, so scanning bytes finds the same cuts as scanning UTF-16 units.
func dynamicStringSegments(s string) []Span {
	var segs []Span
	base := 0 // start of the string the current recursion level sees
	for {
		rest := s[base:]
		open := strings.Index(rest, "{{")
		if open < 0 {
			// No binding left: the whole rest is one (plain) segment.
			return append(segs, Span{base, len(s)})
		}
		levelStart := len(segs)
		if open > 0 {
			segs = append(segs, Span{base, base + open})
		}
		from := base + open
		sum := 0
		cut := -1
		for i := from; i < len(s); i++ {
			switch s[i] {
			case '{':
				sum++
			case '}':
				sum--
				if sum == 0 && i > from && s[i-1] == '}' {
					cut = i + 1
				}
			}
			if cut >= 0 {
				break
			}
		}
		if cut < 0 {
			if sum != 0 {
				// Unbalanced: this level's whole string is one segment,
				// and what this level pushed is discarded.
				return append(segs[:levelStart], Span{base, len(s)})
			}
			// Balanced but never closed by "}}" (e.g. "{{a}b}"): Appsmith
			// keeps only the text before the "{{".
			return segs
		}
		segs = append(segs, Span{from, cut})
		if cut == len(s) {
			return segs
		}
		base = cut
	}
}

// hasDataBind is Appsmith's isDynamicValue: /{{([\s\S]*?)}}/ matches
// somewhere in the segment, i.e. some "{{" is followed later by "}}".
func hasDataBind(seg string) bool {
	i := strings.Index(seg, "{{")
	return i >= 0 && strings.Contains(seg[i+2:], "}}")
}

// utf16Prefix is the byte length of the runes making up the first n UTF-16
// code units of s. Where JavaScript would split a surrogate pair, the whole
// rune is taken: Go strings cannot hold half a pair, and such a snippet does
// not parse either way.
func utf16Prefix(s string, n int) int {
	i := 0
	for units := 0; units < n && i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		units += utf16.RuneLen(r)
	}
	return i
}

func utf16Suffix(s string, n int) int {
	i := len(s)
	for units := 0; units < n && i > 0; {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
		units += utf16.RuneLen(r)
	}
	return len(s) - i
}
