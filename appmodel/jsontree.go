package appmodel

import (
	"strconv"
	"sync"

	"github.com/tidwall/gjson"
)

// jsonTree is a JSON value read in one pass: every value's byte range, in
// document order, each object member with its key and each value linked
// to its next sibling. gjson finds a value by skipping over everything
// before it, so reading a page's widget tree level by level with gjson
// scans each widget again, twice, for every widget it sits in (up to 9
// levels of children in the shared apps' pages, 5 for half of them); the
// tree is read once and then walked without scanning. It accepts exactly what gjson.Valid accepts (RFC 8259;
// bytes inside strings are not checked as UTF-8), so a text is read the
// same way whichever of the two reads it (FuzzJSONTree).
type jsonTree struct {
	text  string
	nodes []jsonNode
	stack []int32 // parse: each open container and its last child so far
}

// jsonNode is one value. A container's first child, if it has any, is
// the node right after it.
type jsonNode struct {
	start, end int32 // the value's bytes in text
	// key is an object member's key literal, quotes included (keyEnd 0
	// for array elements and the root).
	key, keyEnd int32
	next        int32 // the next sibling; 0 for the last (the root has none)
	kind        byte  // '{', '[', '"', '0' (a number), 't', 'f', 'n'
	flags       byte
}

const (
	escapedValue = 1 << iota // a string value with backslash escapes
	escapedKey
	hasChildren
)

// treePool recycles trees: a tree lives only while a document is read
// (the model keeps gjson results that point into the text, never nodes).
var treePool = sync.Pool{New: func() any { return new(jsonTree) }}

func getTree() *jsonTree { return treePool.Get().(*jsonTree) }

func putTree(t *jsonTree) {
	// A tree grown by one huge document is left to the collector.
	if cap(t.nodes) > 1<<21 {
		return
	}
	t.text = ""
	treePool.Put(t)
}

// parse reads the JSON value text[from:to], with optional white space
// around it. On invalid JSON it returns false and the offset where
// reading stopped. It keeps its own stack: a document nested a million
// levels deep costs memory, not the goroutine's stack.
func (t *jsonTree) parse(text string, from, to int) (bool, int) {
	t.text = text
	t.nodes = t.nodes[:0]
	t.stack = t.stack[:0]
	if to-from >= 1<<31-1 {
		return false, from
	}
	// Appsmith's documents hold a value per 40 to 110 bytes: room for
	// most at once spares growing the slice through every size.
	if want := (to - from) / 32; cap(t.nodes) < want {
		t.nodes = make([]jsonNode, 0, want)
	}
	i := skipSpace(text, from, to)
	key, keyEnd, keyFlags := int32(0), int32(0), byte(0)
	for {
		// A value starts at i: the root, or the next child of the
		// innermost open container (t.stack: pairs of the container and
		// its last child so far, 0 before the first).
		if i >= to {
			return false, i
		}
		idx := int32(len(t.nodes))
		if n := len(t.stack); n > 0 {
			if last := t.stack[n-1]; last == 0 {
				t.nodes[t.stack[n-2]].flags |= hasChildren
			} else {
				t.nodes[last].next = idx
			}
			t.stack[n-1] = idx
		}
		node := jsonNode{start: int32(i), key: key, keyEnd: keyEnd, flags: keyFlags}
		key, keyEnd, keyFlags = 0, 0, 0
		switch c := text[i]; c {
		case '{', '[':
			node.kind = c
			t.nodes = append(t.nodes, node)
			t.stack = append(t.stack, idx, 0)
			i = skipSpace(text, i+1, to)
			if i < to && (c == '{' && text[i] == '}' || c == '[' && text[i] == ']') {
				t.nodes[idx].end = int32(i + 1)
				t.stack = t.stack[:len(t.stack)-2]
				i++
				break
			}
			if c == '{' {
				var ok bool
				if key, keyEnd, keyFlags, i, ok = t.member(text, i, to); !ok {
					return false, i
				}
			}
			continue
		case '"':
			end, esc, ok := scanString(text, i+1, to)
			if !ok {
				return false, end
			}
			node.kind, node.end = '"', int32(end)
			if esc {
				node.flags |= escapedValue
			}
			t.nodes = append(t.nodes, node)
			i = end
		case 't', 'f', 'n':
			lit := "null"
			if c == 't' {
				lit = "true"
			} else if c == 'f' {
				lit = "false"
			}
			if to-i < len(lit) || text[i:i+len(lit)] != lit {
				return false, i
			}
			i += len(lit)
			node.kind, node.end = c, int32(i)
			t.nodes = append(t.nodes, node)
		default:
			end, ok := scanNumber(text, i, to)
			if !ok {
				return false, end
			}
			node.kind, node.end = '0', int32(end)
			t.nodes = append(t.nodes, node)
			i = end
		}
		// After a value: close the containers it ends, or go on to the
		// next member or element.
		for {
			i = skipSpace(text, i, to)
			if len(t.stack) == 0 {
				return i == to, i
			}
			if i >= to {
				return false, i
			}
			open := t.stack[len(t.stack)-2]
			closer := byte(']')
			if t.nodes[open].kind == '{' {
				closer = '}'
			}
			if text[i] == closer {
				t.nodes[open].end = int32(i + 1)
				t.stack = t.stack[:len(t.stack)-2]
				i++
				continue
			}
			if text[i] != ',' {
				return false, i
			}
			i = skipSpace(text, i+1, to)
			if closer == '}' {
				var ok bool
				if key, keyEnd, keyFlags, i, ok = t.member(text, i, to); !ok {
					return false, i
				}
			}
			break
		}
	}
}

// member reads an object member's key and colon at i, up to its value.
func (t *jsonTree) member(text string, i, to int) (key, keyEnd int32, flags byte, next int, ok bool) {
	if i >= to || text[i] != '"' {
		return 0, 0, 0, i, false
	}
	end, esc, ok := scanString(text, i+1, to)
	if !ok {
		return 0, 0, 0, end, false
	}
	if esc {
		flags = escapedKey
	}
	j := skipSpace(text, end, to)
	if j >= to || text[j] != ':' {
		return 0, 0, 0, j, false
	}
	return int32(i), int32(end), flags, skipSpace(text, j+1, to), true
}

func skipSpace(text string, i, to int) int {
	for i < to {
		switch text[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanString reads a string's contents from i, after its opening quote,
// to just past its closing quote.
func scanString(text string, i, to int) (end int, escaped, ok bool) {
	for i < to {
		c := text[i]
		switch {
		case c == '"':
			return i + 1, escaped, true
		case c < ' ':
			return i, false, false
		case c == '\\':
			escaped = true
			i++
			if i >= to {
				return i, false, false
			}
			switch text[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				for range 4 {
					i++
					if i >= to || !isHex(text[i]) {
						return i, false, false
					}
				}
			default:
				return i, false, false
			}
		}
		i++
	}
	return i, false, false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// scanNumber reads a number at i: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func scanNumber(text string, i, to int) (int, bool) {
	digits := func(i int) int {
		for i < to && '0' <= text[i] && text[i] <= '9' {
			i++
		}
		return i
	}
	if i < to && text[i] == '-' {
		i++
	}
	switch {
	case i >= to || text[i] < '0' || text[i] > '9':
		return i, false
	case text[i] == '0':
		i++
	default:
		i = digits(i)
	}
	if i < to && text[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return j, false
		}
		i = j
	}
	if i < to && (text[i] == 'e' || text[i] == 'E') {
		i++
		if i < to && (text[i] == '+' || text[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return j, false
		}
		i = j
	}
	return i, true
}

// firstChild is n's first child (an object's first member value, an
// array's first element); 0 when it has none or n is -1. The next ones
// follow through next.
func (t *jsonTree) firstChild(n int32) int32 {
	if n < 0 || t.nodes[n].flags&hasChildren == 0 {
		return 0
	}
	return n + 1
}

// key is member c's key, unescaped.
func (t *jsonTree) key(c int32) string {
	n := &t.nodes[c]
	if n.flags&escapedKey == 0 {
		return t.text[n.key+1 : n.keyEnd-1]
	}
	return gjson.Parse(t.text[n.key:n.keyEnd]).Str
}

// keyIs reports whether member c's key is k (unescaped, as gjson compares).
func (t *jsonTree) keyIs(c int32, k string) bool {
	n := &t.nodes[c]
	if n.flags&escapedKey == 0 {
		return int(n.keyEnd-n.key-2) == len(k) && t.text[n.key+1:n.keyEnd-1] == k
	}
	return gjson.Parse(t.text[n.key:n.keyEnd]).Str == k
}

// lookup is the first member of object n with key k, as gjson's Get finds
// it; -1 when there is none or n is not an object.
func (t *jsonTree) lookup(n int32, k string) int32 {
	if n < 0 || t.nodes[n].kind != '{' {
		return -1
	}
	for c := t.firstChild(n); c != 0; c = t.nodes[c].next {
		if t.keyIs(c, k) {
			return c
		}
	}
	return -1
}

// result is node n as gjson reads the same value (Index included); the
// zero Result for -1, lookup's "none".
func (t *jsonTree) result(n int32) gjson.Result {
	if n < 0 {
		return gjson.Result{}
	}
	nd := &t.nodes[n]
	raw := t.text[nd.start:nd.end]
	r := gjson.Result{Raw: raw, Index: int(nd.start)}
	switch nd.kind {
	case '{', '[':
		r.Type = gjson.JSON
	case '"':
		r.Type = gjson.String
		if nd.flags&escapedValue != 0 {
			r.Str = gjson.Parse(raw).Str
		} else {
			r.Str = raw[1 : len(raw)-1]
		}
	case '0':
		r.Type = gjson.Number
		r.Num, _ = strconv.ParseFloat(raw, 64)
	case 't':
		r.Type = gjson.True
	case 'f':
		r.Type = gjson.False
	}
	return r
}

// parseObject reads a document that must be one JSON object, with the
// errors parseJSONObject gives.
func (t *jsonTree) parseObject(file, text string) error {
	ok, at := t.parse(text, 0, len(text))
	if ok && t.nodes[0].kind == '{' {
		return nil
	}
	if _, err := parseJSONObject(file, text); err != nil {
		return err
	}
	// Not reached: both read the same grammar (FuzzJSONTree).
	return fileErr(file, "invalid JSON at byte offset %d", at)
}

// softDeleted is softDeleted for node n.
func (t *jsonTree) softDeleted(n int32) bool {
	if d := t.lookup(n, "deletedAt"); d >= 0 && t.nodes[d].kind != 'n' {
		return true
	}
	d := t.lookup(n, "deleted")
	return d >= 0 && t.nodes[d].kind == 't'
}

// live is live for node n (-1: absent).
func (t *jsonTree) live(n int32) bool {
	if n < 0 || t.nodes[n].kind != '{' || t.result(t.lookup(n, "name")).Str == "" {
		return false
	}
	d := t.lookup(n, "deletedAt")
	return d < 0 || t.nodes[d].kind == 'n'
}
