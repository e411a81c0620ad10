package pagemigrate

import (
	"bytes"
	"sort"
	"strings"

	"github.com/appsmith-rts/rts/pagedsl"
	"github.com/tidwall/gjson"
)

// printer writes a migrated value back into a pretty-printed file so that
// a diff shows only what the migration changed: a subtree equal (as a JSON
// value) to the one it replaces is copied from the old text byte for
// byte, keeping the file's number spelling (Appsmith's Java side writes
// 94.0), indentation and empty-array style; changed parts are printed with
// the file's indent unit.
type printer struct {
	indent   string // one level: "\t" or some spaces
	sortKeys bool   // the git format's files have their keys sorted
}

// render prints v, which replaces old (a value that started at a line
// indented by prefix; old may not exist), without a trailing newline.
func (p printer) render(v any, old gjson.Result, prefix string) string {
	var b bytes.Buffer
	p.write(&b, v, old, prefix)
	return b.String()
}

func (p printer) write(b *bytes.Buffer, v any, old gjson.Result, prefix string) {
	if old.Exists() && sameValue(v, old) {
		b.WriteString(old.Raw)
		return
	}
	inner := prefix + p.indent
	switch x := v.(type) {
	case *pagedsl.Object:
		keys := make([]string, 0, x.Len())
		for _, k := range x.Keys() {
			if x.Get(k) != pagedsl.Undefined {
				keys = append(keys, k)
			}
		}
		if len(keys) == 0 {
			b.WriteString("{}")
			return
		}
		if p.sortKeys {
			sort.Strings(keys)
		}
		var olds map[string]gjson.Result
		if old.IsObject() {
			olds = map[string]gjson.Result{}
			old.ForEach(func(k, val gjson.Result) bool {
				if _, dup := olds[k.Str]; !dup {
					olds[k.Str] = val
				}
				return true
			})
		}
		b.WriteString("{\n")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(",\n")
			}
			b.WriteString(inner)
			b.Write(pagedsl.Encode(k))
			b.WriteString(": ")
			p.write(b, x.Get(k), olds[k], inner)
		}
		b.WriteString("\n" + prefix + "}")
	case *pagedsl.Array:
		if len(x.Items) == 0 {
			b.WriteString("[]")
			return
		}
		var olds []gjson.Result
		if old.IsArray() {
			olds = old.Array()
		}
		b.WriteString("[\n")
		for i, it := range x.Items {
			if i > 0 {
				b.WriteString(",\n")
			}
			b.WriteString(inner)
			var o gjson.Result
			if i < len(olds) {
				o = olds[i]
			}
			p.write(b, it, o, inner)
		}
		b.WriteString("\n" + prefix + "]")
	default:
		b.Write(pagedsl.Encode(v))
	}
}

// sameValue reports whether v and the old text are the same JSON value
// (key order aside, as Appsmith's backend parses it).
func sameValue(v any, old gjson.Result) bool {
	ov, err := pagedsl.Decode([]byte(old.Raw))
	if err != nil {
		return false
	}
	return equalValues(v, ov)
}

// equalValues compares two decoded JSON values; object key order does
// not matter, Undefined members count as absent.
func equalValues(a, b any) bool {
	switch x := a.(type) {
	case *pagedsl.Object:
		y, ok := b.(*pagedsl.Object)
		if !ok {
			return false
		}
		n := 0
		for _, k := range x.Keys() {
			xv := x.Get(k)
			if xv == pagedsl.Undefined {
				continue
			}
			n++
			// A member missing from b must not pass for one that is null.
			yv := y.Get(k)
			if yv == pagedsl.Undefined || !equalValues(xv, yv) {
				return false
			}
		}
		m := 0
		for _, k := range y.Keys() {
			if y.Get(k) != pagedsl.Undefined {
				m++
			}
		}
		return n == m
	case *pagedsl.Array:
		y, ok := b.(*pagedsl.Array)
		if !ok || len(x.Items) != len(y.Items) {
			return false
		}
		for i := range x.Items {
			if !equalValues(x.Items[i], y.Items[i]) {
				return false
			}
		}
		return true
	}
	// Leaves: compare their JSON text (NaN and undefined print as null,
	// as they would be stored).
	return bytes.Equal(pagedsl.Encode(a), pagedsl.Encode(b))
}

// indentUnit guesses a file's indent unit from its first indented line.
func indentUnit(text string) string {
	for _, line := range strings.Split(text, "\n") {
		if line == "" {
			continue
		}
		if line[0] == '\t' {
			return "\t"
		}
		if line[0] == ' ' {
			n := len(line) - len(strings.TrimLeft(line, " "))
			return strings.Repeat(" ", n)
		}
	}
	return "  "
}

// linePrefix is the indentation of the line holding byte offset i.
func linePrefix(text string, i int) string {
	start := strings.LastIndexByte(text[:i], '\n') + 1
	end := start
	for end < len(text) && (text[end] == ' ' || text[end] == '\t') {
		end++
	}
	return text[start:end]
}
