package analysis

import (
	"errors"
	"strings"

	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/parser"
)

// Appsmith evaluates a binding as the expression after `return` inside a
// function, so that is how it is parsed. The texts are Appsmith's wrapCode,
// byte for byte: the prefix is 32 bytes, the suffix 10.
const (
	wrapPrefix = "\n    (function() {\n      return "
	wrapSuffix = "\n    })\n  "
)

// ErrSyntax is returned for text that does not parse as the JavaScript
// Appsmith accepts (ES2020 in script mode, as acorn with ecmaVersion 11).
//
//lint:ignore ST1005 Appsmith's own text, which its backend receives byte for byte
var ErrSyntax = errors.New("Syntax Error")

// maxNesting bounds bracket nesting. goja's parser is recursive descent and
// the walker recurses too; a 5 MB body of `((((…` must cost an error, not a
// gigabyte of stack. Real bindings stay far below this.
const maxNesting = 1000

// maxDepth bounds the AST depth the walker descends (long operator chains
// nest without brackets: `a+a+a+…`).
const maxDepth = 20000

// parseProgram parses src as a script. Every syntax error, including newer
// syntax than ES2020 found later by the walker, is ErrSyntax.
func parseProgram(src string) (*ast.Program, error) {
	if nestingTooDeep(src) {
		return nil, ErrSyntax
	}
	prog, err := parser.ParseFile(nil, "", src, parser.IgnoreRegExpErrors, parser.WithDisableSourceMaps)
	if err != nil || prog == nil {
		return nil, ErrSyntax
	}
	return prog, nil
}

// nestingTooDeep reports whether brackets nest deeper than maxNesting. It skips
// string literals and comments well enough for a guard: it only has to never
// under-count real code by much, and never flag real code.
func nestingTooDeep(src string) bool {
	if len(src) < maxNesting {
		return false
	}
	// Nesting deeper than maxNesting needs that many opening brackets.
	if strings.Count(src, "(")+strings.Count(src, "[")+strings.Count(src, "{") <= maxNesting {
		return false
	}
	depth := 0
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '(', '[', '{':
			depth++
			if depth > maxNesting {
				return true
			}
		case ')', ']', '}':
			if depth > 0 {
				depth--
			}
		case '"', '\'':
			for i++; i < len(src) && src[i] != c && src[i] != '\n'; i++ {
				if src[i] == '\\' {
					i++
				}
			}
		case '/':
			if i+1 < len(src) && src[i+1] == '/' {
				for i < len(src) && src[i] != '\n' {
					i++
				}
			} else if i+1 < len(src) && src[i+1] == '*' {
				end := strings.Index(src[i+2:], "*/")
				if end < 0 {
					return false
				}
				i += end + 3
			}
		}
	}
	return false
}

// neutralizedAt overwrites the `export default` found at or after from
// with text of the same length that goja parses (`void` and spaces), so
// every offset stays valid for the original text; goja has no module
// grammar. It returns the rewritten text and where to look for the next
// occurrence, or ok false when there is none.
//
// Appsmith instead replaces every occurrence, even inside strings, with a
// longer declaration and restores only the first. Trying one occurrence
// at a time and keeping the one that parses leaves strings untouched.
func neutralizedAt(src string, from int) (out string, next int, ok bool) {
	for {
		i := strings.Index(src[from:], "export")
		if i < 0 {
			return "", 0, false
		}
		i += from
		from = i + len("export")
		j := from
		for j < len(src) && isJSSpace(src[j]) {
			j++
		}
		if j == from || !strings.HasPrefix(src[j:], "default") {
			continue
		}
		if i > 0 && isIdentByte(src[i-1]) {
			continue
		}
		end := j + len("default")
		if end < len(src) && isIdentByte(src[end]) {
			continue
		}
		b := []byte(src)
		copy(b[i:], "void  ")
		for k := j; k < end; k++ {
			b[k] = ' '
		}
		return string(b), from, true
	}
}

func isJSSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// parseJSObjectBody parses a JS object body (`export default {…}`) in place.
// It returns the text goja parsed (same length as body) and the program.
func parseJSObjectBody(body string) (string, *ast.Program, error) {
	from := 0
	for tries := 0; tries < 8; tries++ {
		src, next, ok := neutralizedAt(body, from)
		if !ok {
			break
		}
		if prog, err := parseProgram(src); err == nil {
			return src, prog, nil
		}
		from = next
	}
	prog, err := parseProgram(body)
	return body, prog, err
}
