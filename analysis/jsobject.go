package analysis

import (
	"strings"

	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/token"
)

// PropertyKind tells a JS object's functions from its variables.
type PropertyKind uint8

const (
	Variable PropertyKind = iota
	Function
)

func (k PropertyKind) String() string {
	if k == Function {
		return "function"
	}
	return "variable"
}

// JSProperty is one member of a JS object (`export default { … }`).
type JSProperty struct {
	Key  string
	Kind PropertyKind
	// Type is the ESTree type of the value, as Appsmith reports it
	// ("ArrowFunctionExpression", "Literal", "ObjectExpression", …).
	Type string
	// Value is the value's code as an expression: the source text, except
	// that a method `f(a) {…}` reads `function (a) {…}`.
	Value string
	// Start, End: the whole property (key through value) in the body;
	// KeyStart, KeyEnd: its key; ValueStart, ValueEnd: its value.
	Start, End           int
	KeyStart, KeyEnd     int
	ValueStart, ValueEnd int
	Params               []Param
	Async                bool
}

// Param is one parameter of a JS object function.
type Param struct {
	Name    string // "" for a destructured parameter
	Default string // source text of the default value, if any
}

// ParseJSObject lists the members of a JS object body in source order.
// Spread members (`...Base`) have no name of their own and are skipped,
// where Appsmith's parser throws.
func ParseJSObject(body string) ([]JSProperty, error) {
	src, prog, err := parseJSObjectBody(body)
	if err != nil {
		return nil, err
	}
	w := newWalker(src)
	w.program(prog)
	failed := w.failed
	w.free()
	if failed {
		return nil, ErrSyntax
	}
	obj := exportedObject(prog)
	if obj == nil {
		return nil, nil
	}
	props := make([]JSProperty, 0, len(obj.Value))
	for _, p := range obj.Value {
		switch p := p.(type) {
		case *ast.PropertyKeyed:
			props = append(props, keyedProperty(src, body, p))
		case *ast.PropertyShort:
			start := int(p.Name.Idx) - 1
			end := identEnd(src, start, &p.Name)
			props = append(props, JSProperty{
				Key: p.Name.Name.String(), Type: "Identifier", Value: body[start:end],
				Start: start, End: end, KeyStart: start, KeyEnd: end, ValueStart: start, ValueEnd: end,
			})
		}
	}
	return props, nil
}

// exportedObject finds the object literal of `export default {…}` (which
// parseJSObjectBody turned into `void {…}`).
func exportedObject(prog *ast.Program) *ast.ObjectLiteral {
	for _, st := range prog.Body {
		es, ok := st.(*ast.ExpressionStatement)
		if !ok {
			continue
		}
		u, ok := es.Expression.(*ast.UnaryExpression)
		if !ok || u.Operator != token.VOID {
			continue
		}
		if obj, ok := u.Operand.(*ast.ObjectLiteral); ok {
			return obj
		}
	}
	return nil
}

func keyedProperty(src, body string, p *ast.PropertyKeyed) JSProperty {
	keyStart, keyEnd := nodeRange(src, p.Key)
	if p.Computed {
		// Include the brackets: acorn's key node excludes them, but the
		// property starts at `[`.
		keyStart = strings.LastIndexByte(src[:keyStart], '[')
		keyEnd += strings.IndexByte(src[keyEnd:], ']') + 1
	}
	valStart, valEnd := nodeRange(src, p.Value)
	valStart, valEnd = widenParens(src, valStart, valEnd)
	start := keyStart
	prop := JSProperty{
		Key:        propertyKeyText(src, p),
		Type:       estreeType(p.Value),
		KeyStart:   keyStart,
		KeyEnd:     keyEnd,
		ValueStart: valStart,
		ValueEnd:   valEnd,
		End:        valEnd,
	}
	var fnParams *ast.ParameterList
	switch v := p.Value.(type) {
	case *ast.FunctionLiteral:
		prop.Kind, prop.Async, fnParams = Function, v.Async, v.ParameterList
		if p.Kind != ast.PropertyKindValue {
			// A method: its value starts at the parameter list. Written as an
			// expression it needs the function keyword.
			valStart = int(v.ParameterList.Opening) - 1
			prefix := "function "
			if v.Generator {
				prefix = "function* "
			}
			if v.Async {
				prefix = "async " + prefix
			}
			prop.Value = prefix + body[valStart:valEnd]
			prop.ValueStart = valStart
			start = methodStart(src, keyStart, p)
		}
	case *ast.ArrowFunctionLiteral:
		prop.Kind, prop.Async, fnParams = Function, v.Async, v.ParameterList
	}
	if prop.Value == "" {
		prop.Value = body[valStart:valEnd]
	}
	prop.Start = start
	if fnParams != nil {
		prop.Params = params(body, src, fnParams)
	}
	return prop
}

// methodStart moves a method's start back over `async`, `get`, `set` and
// `*`, which belong to the property but precede its key.
func methodStart(src string, keyStart int, p *ast.PropertyKeyed) int {
	i := keyStart
	for {
		j := i
		for j > 0 && isJSSpace(src[j-1]) {
			j--
		}
		switch {
		case j > 0 && src[j-1] == '*':
			i = j - 1
			continue
		}
		matched := false
		for _, kw := range [...]string{"async", "get", "set"} {
			if j >= len(kw) && src[j-len(kw):j] == kw && (j == len(kw) || !isIdentByte(src[j-len(kw)-1])) {
				i = j - len(kw)
				matched = true
				break
			}
		}
		if !matched {
			return i
		}
	}
}

func propertyKeyText(src string, p *ast.PropertyKeyed) string {
	switch k := p.Key.(type) {
	case *ast.StringLiteral:
		if !p.Computed && (k.Literal == "" || k.Literal[0] != '"' && k.Literal[0] != '\'') {
			return k.Value.String() // an identifier name
		}
		return k.Literal
	case *ast.NumberLiteral:
		return k.Literal
	}
	s, e := nodeRange(src, p.Key)
	return src[s:e]
}

func params(body, src string, pl *ast.ParameterList) []Param {
	out := make([]Param, 0, len(pl.List)+1)
	for _, b := range pl.List {
		prm := Param{Name: declaredName(b.Target)}
		if b.Initializer != nil {
			s, e := nodeRange(src, b.Initializer)
			prm.Default = body[s:e]
		}
		out = append(out, prm)
	}
	if pl.Rest != nil {
		out = append(out, Param{Name: declaredName(pl.Rest)})
	}
	return out
}

// nodeRange is a node's byte range, correcting goja's identifier ends and
// `new X()`, whose empty argument list goja forgets.
func nodeRange(src string, n ast.Node) (int, int) {
	start, end := int(n.Idx0())-1, int(n.Idx1())-1
	switch n := n.(type) {
	case *ast.Identifier:
		end = identEnd(src, start, n)
	case *ast.NewExpression:
		if r := int(n.RightParenthesis); r > end {
			end = r
		}
	}
	if end > len(src) {
		end = len(src)
	}
	if start < 0 {
		start = 0
	}
	return start, end
}

// estreeType names a goja expression by its ESTree (acorn) type.
func estreeType(e ast.Expression) string {
	switch e := e.(type) {
	case *ast.ArrowFunctionLiteral:
		return "ArrowFunctionExpression"
	case *ast.FunctionLiteral:
		return "FunctionExpression"
	case *ast.ClassLiteral:
		return "ClassExpression"
	case *ast.ObjectLiteral:
		return "ObjectExpression"
	case *ast.ArrayLiteral:
		return "ArrayExpression"
	case *ast.StringLiteral, *ast.NumberLiteral, *ast.BooleanLiteral, *ast.NullLiteral, *ast.RegExpLiteral:
		return "Literal"
	case *ast.TemplateLiteral:
		if e.Tag != nil {
			return "TaggedTemplateExpression"
		}
		return "TemplateLiteral"
	case *ast.CallExpression:
		return "CallExpression"
	case *ast.NewExpression:
		return "NewExpression"
	case *ast.BinaryExpression:
		switch e.Operator {
		case token.LOGICAL_AND, token.LOGICAL_OR, token.COALESCE:
			return "LogicalExpression"
		}
		return "BinaryExpression"
	case *ast.ConditionalExpression:
		return "ConditionalExpression"
	case *ast.DotExpression, *ast.BracketExpression:
		return "MemberExpression"
	case *ast.OptionalChain:
		return "ChainExpression"
	case *ast.UnaryExpression:
		if e.Operator == token.INCREMENT || e.Operator == token.DECREMENT {
			return "UpdateExpression"
		}
		return "UnaryExpression"
	case *ast.Identifier:
		return "Identifier"
	case *ast.ThisExpression:
		return "ThisExpression"
	case *ast.SequenceExpression:
		return "SequenceExpression"
	case *ast.AssignExpression:
		return "AssignmentExpression"
	case *ast.AwaitExpression:
		return "AwaitExpression"
	case *ast.YieldExpression:
		return "YieldExpression"
	}
	return "Unknown"
}

// LineCol converts a byte offset in text to a 1-based line and a 0-based
// column in UTF-16 units, as acorn reports positions.
func LineCol(text string, offset int) (line, col int) {
	if offset > len(text) {
		offset = len(text)
	}
	line = 1 + strings.Count(text[:offset], "\n")
	lineStart := strings.LastIndexByte(text[:offset], '\n') + 1
	for _, r := range text[lineStart:offset] {
		if r >= 0x10000 {
			col += 2
		} else {
			col++
		}
	}
	return line, col
}

// widenParens grows [start, end) over the parentheses goja drops from its
// nodes: every `)` that follows the node closes either a `(` inside it or
// one of the `(` right before it, so taking all of both keeps the text
// balanced, as in `!(a || b)` and `(a || b)`.
func widenParens(src string, start, end int) (int, int) {
	for {
		i := skipSpaceForward(src, end)
		if i >= len(src) || src[i] != ')' {
			break
		}
		end = i + 1
	}
	for {
		i := start
		for i > 0 && isJSSpace(src[i-1]) {
			i--
		}
		if i == 0 || src[i-1] != '(' {
			break
		}
		start = i - 1
	}
	return start, end
}

func skipSpaceForward(src string, i int) int {
	for i < len(src) {
		switch {
		case isJSSpace(src[i]):
			i++
		case strings.HasPrefix(src[i:], "//"):
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				return len(src)
			}
			i += j
		case strings.HasPrefix(src[i:], "/*"):
			j := strings.Index(src[i+2:], "*/")
			if j < 0 {
				return len(src)
			}
			i += j + 4
		default:
			return i
		}
	}
	return i
}
