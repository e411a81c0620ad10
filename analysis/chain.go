package analysis

import (
	"math"
	"math/big"

	"github.com/dop251/goja/ast"
)

// identifier records id, visited in reference position, with the reference
// Appsmith extracts for it: climbing from the identifier while the parent is a
// member access that is not computed (or is computed with a finite number
// literal) and not optional. w.stack's top is id itself (or, for a shorthand
// property, the property).
func (w *walker) identifier(id *ast.Identifier, shorthand bool) {
	start := int32(id.Idx) - 1
	end := identEnd(w.src, int(start), id)
	oc := occurrence{
		name:      id.Name.String(),
		start:     start,
		end:       int32(end),
		scope:     w.cur,
		shorthand: shorthand,
	}
	top := -1 // index in w.stack of the candidate top-level member
	i := len(w.stack) - 2
	child := ast.Node(w.stack[len(w.stack)-1])
	for ; i >= 0; i-- {
		parent := w.stack[i]
		if opt, ok := parent.(*ast.Optional); ok {
			child = opt
			continue
		}
		if !climbable(parent, child) {
			break
		}
		top = i
		child = parent
	}
	if top < 0 {
		oc.ref = oc.name
	} else {
		oc.ref = w.chainString(w.stack[top], int(start))
	}
	if w.chains {
		oc.chainFrom = int32(len(w.props))
		w.collectChain(len(w.stack) - 2)
		oc.chainTo = int32(len(w.props))
	}
	w.occs = append(w.occs, oc)
}

// nameTakingFunctions are Appsmith's global functions whose first argument
// names a widget (or, for navigateTo, a page).
var nameTakingFunctions = map[string]bool{
	"resetWidget": true, "showModal": true, "closeModal": true, "navigateTo": true,
}

func (w *walker) stringArgument(call *ast.CallExpression) {
	callee, ok := call.Callee.(*ast.Identifier)
	if !ok || len(call.ArgumentList) == 0 || !nameTakingFunctions[callee.Name.String()] {
		return
	}
	lit, ok := call.ArgumentList[0].(*ast.StringLiteral)
	if !ok || len(lit.Literal) < 2 {
		return
	}
	start := int32(lit.Idx) // after the opening quote
	end := start + int32(len(lit.Literal)) - 2
	if lit.Literal[1:len(lit.Literal)-1] != lit.Value.String() {
		return // escapes inside: not a plain name
	}
	w.strs = append(w.strs, stringArg{fn: callee.Name.String(), value: lit.Value.String(), start: start, end: end, scope: w.cur})
}

// climbable reports whether parent, a node directly above child (ignoring
// `?.` wrappers), continues a reference chain.
func climbable(parent, child ast.Node) bool {
	switch p := parent.(type) {
	case *ast.DotExpression:
		_, opt := p.Left.(*ast.Optional)
		return !opt && ast.Node(p.Left) == child
	case *ast.BracketExpression:
		if _, opt := p.Left.(*ast.Optional); opt {
			return false
		}
		if _, ok := finiteIndex(p.Member); !ok {
			return false
		}
		return ast.Node(p.Left) == child
	}
	return false
}

// finiteIndex is lodash isFinite on a literal property: a finite number.
func finiteIndex(e ast.Expression) (float64, bool) {
	n, ok := e.(*ast.NumberLiteral)
	if !ok {
		return 0, false
	}
	switch v := n.Value.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, !math.IsInf(v, 0) && !math.IsNaN(v)
	case *big.Int:
		return 0, false // BigInt is not a number
	}
	return 0, false
}

// chainString renders the member chain rooted at top the way Appsmith does:
// `.name` for properties, `[n]` for numeric indexes with n as JavaScript
// prints numbers. When the source text already reads that way (the common
// case), the result shares the source's memory.
func (w *walker) chainString(top ast.Node, start int) string {
	w.buf = w.buf[:0]
	w.buf = appendChain(w.buf, top)
	if end := start + len(w.buf); end <= len(w.src) && w.src[start:end] == string(w.buf) {
		return w.src[start:end]
	}
	return string(w.buf)
}

func appendChain(b []byte, n ast.Node) []byte {
	switch n := n.(type) {
	case *ast.Identifier:
		return append(b, n.Name.String()...)
	case *ast.DotExpression:
		b = appendChain(b, n.Left)
		b = append(b, '.')
		return append(b, n.Identifier.Name.String()...)
	case *ast.BracketExpression:
		b = appendChain(b, n.Left)
		v, _ := finiteIndex(n.Member)
		b = append(b, '[')
		b = AppendJSNumber(b, v)
		return append(b, ']')
	}
	return b
}

// collectChain records the non-computed properties directly above the
// identifier at w.stack[i+1] (skipping `?.`), for dotted renames.
func (w *walker) collectChain(i int) {
	child := w.stack[i+1]
	for ; i >= 0; i-- {
		switch p := w.stack[i].(type) {
		case *ast.Optional:
			child = p
			continue
		case *ast.DotExpression:
			if ast.Node(p.Left) != child {
				return
			}
			_, opt := p.Left.(*ast.Optional)
			s := int32(p.Identifier.Idx) - 1
			w.props = append(w.props, propSeg{
				name:     p.Identifier.Name.String(),
				start:    s,
				end:      int32(identEnd(w.src, int(s), &p.Identifier)),
				optional: opt,
			})
			child = p
		default:
			return
		}
	}
}
