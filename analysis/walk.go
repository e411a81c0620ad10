package analysis

// The walker: one exhaustive type switch over goja's AST.
//
// It reproduces acorn-walk's base visitor, which defines what Appsmith calls a
// reference: identifiers in expression position are visited; binding
// patterns, non-computed property names, labels and `this` are not; children
// are visited left to right (do-while visits its test before its body, a for
// statement its test before its update), and the library's callbacks for
// declarators and functions run after their children (post-order), which
// fixes the order of `variables` and `functionalParams`.
//
// Two passes, declare then bind: during the walk every binding is declared
// in its scope (var and parameters in the function scope, let/const in the
// block, catch parameters in the catch clause) and every visited identifier
// is recorded with the scope it appeared in. Only after the walk, when all
// hoisted declarations are known, is each identifier resolved.
//
// Function and class names are deliberately not bindings: Appsmith never
// treats them as declarations (its own test renames `ApiNever.data` inside
// `function ApiNever(){…}`), and bindings name entities, not functions.

import (
	"strings"
	"sync"

	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/token"
)

type scope struct {
	parent int32
	isFunc bool
	names  []string
}

// occurrence is one identifier in reference position.
type occurrence struct {
	name       string
	start, end int32 // byte offsets in the parsed text
	scope      int32
	ref        string // the reference as Appsmith extracts it (a chain like Api1.data[0])
	shorthand  bool   // value of a shorthand property {name}
	keyName    string // for the value of {key: value}: the key
	keyStart   int32
	keyQuoted  bool
	// chain: the non-computed properties above the identifier, skipping `?.`,
	// as indexes into walker.props (only when walker.chains is set).
	chainFrom, chainTo int32
}

// stringArg is a string literal passed as the first argument to one of
// Appsmith's global functions that take a widget or page name
// (showModal("Modal1")). Users expect a rename to follow it.
type stringArg struct {
	fn         string
	value      string
	start, end int32 // the literal's contents, without quotes
	scope      int32
}

type propSeg struct {
	name       string
	start, end int32
	optional   bool // reached through `?.`
}

type walker struct {
	src    string
	scopes []scope
	cur    int32
	stack  []ast.Node
	depth  int

	occs      []occurrence
	props     []propSeg
	chains    bool // record property chains and string arguments (for renames)
	strs      []stringArg
	thisProps []propSeg // this.name, where this is the JS object
	funcDepth int       // enclosing non-arrow functions
	params    orderedSet
	variables orderedSet
	buf       []byte

	// failed is set for syntax acorn (ES2020) rejects but goja accepts, and
	// for nesting beyond maxDepth.
	failed bool
}

// orderedSet keeps first-insertion order, like a JavaScript Set of strings.
type orderedSet struct {
	list []string
	seen map[string]struct{}
}

func (s *orderedSet) add(v string) {
	if s.seen == nil {
		// Most sets stay tiny; a linear scan beats a map until then.
		for _, x := range s.list {
			if x == v {
				return
			}
		}
		s.list = append(s.list, v)
		if len(s.list) > 16 {
			s.seen = make(map[string]struct{}, 32)
			for _, x := range s.list {
				s.seen[x] = struct{}{}
			}
		}
		return
	}
	if _, ok := s.seen[v]; ok {
		return
	}
	s.seen[v] = struct{}{}
	s.list = append(s.list, v)
}

func (s *orderedSet) reset() {
	s.list = nil
	s.seen = nil
}

// walkers are pooled: a binding's analysis is a few microseconds, and
// growing the same slices again for every one of them would be most of it.
var walkers = sync.Pool{New: func() any { return new(walker) }}

// newWalker returns a reset walker from the pool; release it with free once
// nothing refers to its slices any more.
func newWalker(src string) *walker {
	w := walkers.Get().(*walker)
	w.src = src
	w.cur = 0
	w.depth = 0
	w.failed = false
	w.chains = false
	w.scopes = w.scopes[:0]
	w.stack = w.stack[:0]
	w.occs = w.occs[:0]
	w.props = w.props[:0]
	w.strs = w.strs[:0]
	w.thisProps = w.thisProps[:0]
	w.funcDepth = 0
	w.params.reset()
	w.variables.reset()
	w.pushScope(-1, true)
	return w
}

func (w *walker) free() {
	if cap(w.occs) > 4096 || cap(w.scopes) > 1024 {
		return // let a huge script's slices go
	}
	w.src = ""
	walkers.Put(w)
}

// pushScope reuses the names slice of a scope left from an earlier walk.
func (w *walker) pushScope(parent int32, isFunc bool) {
	if len(w.scopes) < cap(w.scopes) {
		w.scopes = w.scopes[:len(w.scopes)+1]
		sc := &w.scopes[len(w.scopes)-1]
		sc.parent, sc.isFunc, sc.names = parent, isFunc, sc.names[:0]
		return
	}
	w.scopes = append(w.scopes, scope{parent: parent, isFunc: isFunc})
}

// --- scopes ---

func (w *walker) open(isFunc bool) int32 {
	saved := w.cur
	w.pushScope(w.cur, isFunc)
	w.cur = int32(len(w.scopes) - 1)
	return saved
}

func (w *walker) close(saved int32) { w.cur = saved }

type declKind uint8

const (
	declNone    declKind = iota // assignment target: binds nothing
	declVar                     // var: nearest function scope
	declLexical                 // let, const: current block
	declHere                    // parameters, catch parameters: the scope just opened
)

func (w *walker) declare(name string, kind declKind) {
	s := w.cur
	switch kind {
	case declNone:
		return
	case declVar:
		for !w.scopes[s].isFunc {
			s = w.scopes[s].parent
		}
	}
	w.scopes[s].names = append(w.scopes[s].names, name)
}

// bound reports whether name resolves to a declaration from scope s.
func (w *walker) bound(name string, s int32) bool {
	for ; s >= 0; s = w.scopes[s].parent {
		for _, n := range w.scopes[s].names {
			if n == name {
				return true
			}
		}
	}
	return false
}

// --- statements ---

func (w *walker) program(p *ast.Program) {
	for _, st := range p.Body {
		w.stmt(st)
	}
}

func (w *walker) stmts(list []ast.Statement) {
	for _, st := range list {
		w.stmt(st)
	}
}

func (w *walker) block(b *ast.BlockStatement) {
	if b == nil {
		return
	}
	saved := w.open(false)
	w.stmts(b.List)
	w.close(saved)
}

func (w *walker) enter() bool {
	w.depth++
	if w.depth > maxDepth {
		w.failed = true
		return false
	}
	return !w.failed
}

func (w *walker) stmt(s ast.Statement) {
	if !w.enter() {
		w.depth--
		return
	}
	defer func() { w.depth-- }()
	switch s := s.(type) {
	case nil, *ast.EmptyStatement, *ast.DebuggerStatement, *ast.BranchStatement:
	case *ast.BadStatement:
		w.failed = true
	case *ast.BlockStatement:
		w.block(s)
	case *ast.ExpressionStatement:
		w.expr(s.Expression)
	case *ast.IfStatement:
		w.expr(s.Test)
		w.stmt(s.Consequent)
		w.stmt(s.Alternate)
	case *ast.LabelledStatement:
		w.stmt(s.Statement)
	case *ast.WithStatement:
		w.expr(s.Object)
		w.stmt(s.Body)
	case *ast.SwitchStatement:
		w.expr(s.Discriminant)
		saved := w.open(false)
		for _, c := range s.Body {
			w.expr(c.Test)
			w.stmts(c.Consequent)
		}
		w.close(saved)
	case *ast.ReturnStatement:
		w.expr(s.Argument)
	case *ast.ThrowStatement:
		w.expr(s.Argument)
	case *ast.TryStatement:
		w.block(s.Body)
		if c := s.Catch; c != nil {
			saved := w.open(false)
			if c.Parameter != nil {
				w.pattern(c.Parameter, declHere)
			}
			w.block(c.Body)
			w.close(saved)
		}
		w.block(s.Finally)
	case *ast.WhileStatement:
		w.expr(s.Test)
		w.stmt(s.Body)
	case *ast.DoWhileStatement:
		w.expr(s.Test)
		w.stmt(s.Body)
	case *ast.ForStatement:
		saved := w.open(false)
		switch init := s.Initializer.(type) {
		case *ast.ForLoopInitializerExpression:
			w.expr(init.Expression)
		case *ast.ForLoopInitializerVarDeclList:
			w.declarators(init.List, declVar)
		case *ast.ForLoopInitializerLexicalDecl:
			w.declarators(init.LexicalDeclaration.List, declLexical)
		}
		w.expr(s.Test)
		w.expr(s.Update)
		w.stmt(s.Body)
		w.close(saved)
	case *ast.ForInStatement:
		saved := w.open(false)
		w.forInto(s.Into)
		w.expr(s.Source)
		w.stmt(s.Body)
		w.close(saved)
	case *ast.ForOfStatement:
		saved := w.open(false)
		w.forInto(s.Into)
		w.expr(s.Source)
		w.stmt(s.Body)
		w.close(saved)
	case *ast.VariableStatement:
		w.declarators(s.List, declVar)
	case *ast.LexicalDeclaration:
		w.declarators(s.List, declLexical)
	case *ast.FunctionDeclaration:
		w.function(s.Function)
	case *ast.ClassDeclaration:
		w.class(s.Class)
	default:
		// A node type this walker does not know must not pass as analysed.
		w.failed = true
	}
}

func (w *walker) forInto(into ast.ForInto) {
	switch into := into.(type) {
	case *ast.ForIntoVar:
		w.declarators([]*ast.Binding{into.Binding}, declVar)
	case *ast.ForDeclaration:
		w.pattern(into.Target, declLexical)
		w.variables.add(declaredName(into.Target))
	case *ast.ForIntoExpression:
		// acorn-walk visits a bare left-hand side as an expression.
		switch e := into.Expression.(type) {
		case *ast.ObjectPattern, *ast.ArrayPattern:
			w.pattern(e, declNone)
		default:
			w.expr(e)
		}
	}
}

// declarators walks `var/let/const a = …, b = …`; each declarator's name is
// recorded after its initializer, as acorn-walk's post-order callback does.
func (w *walker) declarators(list []*ast.Binding, kind declKind) {
	for _, b := range list {
		w.pattern(b.Target, kind)
		w.expr(b.Initializer)
		w.variables.add(declaredName(b.Target))
	}
}

// declaredName is what Appsmith records for a declarator: its name, or
// undefined (here "") for a destructuring pattern.
func declaredName(t ast.Expression) string {
	if id, ok := t.(*ast.Identifier); ok {
		return id.Name.String()
	}
	return ""
}

// --- patterns ---

// pattern walks a binding or assignment target. Identifiers in it are
// declared (per kind), never visited as references; default values and
// computed keys are expressions, and member targets (`a.b = 1`) are visited
// through their object.
func (w *walker) pattern(p ast.Expression, kind declKind) {
	switch p := p.(type) {
	case nil:
	case *ast.Identifier:
		w.declare(p.Name.String(), kind)
	case *ast.ObjectPattern:
		for _, prop := range p.Properties {
			switch prop := prop.(type) {
			case *ast.PropertyKeyed:
				if prop.Computed {
					w.expr(prop.Key)
				}
				w.pattern(prop.Value, kind)
			case *ast.PropertyShort:
				w.declare(prop.Name.Name.String(), kind)
				w.expr(prop.Initializer)
			default:
				w.failed = true
			}
		}
		w.pattern(p.Rest, kind)
	case *ast.ArrayPattern:
		for _, el := range p.Elements {
			w.pattern(el, kind)
		}
		w.pattern(p.Rest, kind)
	case *ast.AssignExpression: // a default inside a pattern
		w.pattern(p.Left, kind)
		w.expr(p.Right)
	case *ast.Binding:
		w.pattern(p.Target, kind)
		w.expr(p.Initializer)
	case *ast.DotExpression, *ast.BracketExpression:
		w.expr(p)
	case *ast.BadExpression:
		w.failed = true
	default:
		w.expr(p)
	}
}

// --- functions and classes ---

func (w *walker) function(f *ast.FunctionLiteral) {
	if f == nil {
		return
	}
	w.push(f)
	w.funcDepth++
	saved := w.open(true)
	w.paramList(f.ParameterList)
	if f.Body != nil {
		w.stmts(f.Body.List)
	}
	w.close(saved)
	w.funcDepth--
	w.pop()
	w.recordParams(f.ParameterList)
}

func (w *walker) arrow(f *ast.ArrowFunctionLiteral) {
	saved := w.open(true)
	w.paramList(f.ParameterList)
	switch body := f.Body.(type) {
	case *ast.BlockStatement:
		w.stmts(body.List)
	case *ast.ExpressionBody:
		w.expr(body.Expression)
	}
	w.close(saved)
	w.recordParams(f.ParameterList)
}

func (w *walker) paramList(pl *ast.ParameterList) {
	if pl == nil {
		return
	}
	for _, b := range pl.List {
		w.pattern(b.Target, declHere)
		w.expr(b.Initializer)
	}
	w.pattern(pl.Rest, declHere)
}

// recordParams adds a function's parameter names the way Appsmith's
// getFunctionalParamsFromNode names them: a destructured parameter is "".
func (w *walker) recordParams(pl *ast.ParameterList) {
	if pl == nil {
		return
	}
	for _, b := range pl.List {
		w.params.add(declaredName(b.Target))
	}
	if pl.Rest != nil {
		w.params.add(declaredName(pl.Rest))
	}
}

func (w *walker) class(c *ast.ClassLiteral) {
	if c == nil {
		return
	}
	w.push(c)
	w.expr(c.SuperClass)
	for _, el := range c.Body {
		switch el := el.(type) {
		case *ast.MethodDefinition:
			if el.Computed {
				w.expr(el.Key)
			}
			if _, private := el.Key.(*ast.PrivateIdentifier); private {
				w.failed = true // ES2022
			}
			w.function(el.Body)
		default:
			// Class fields and static blocks are ES2022: acorn 11 rejects them.
			w.failed = true
		}
	}
	w.pop()
}

// --- expressions ---

func (w *walker) push(n ast.Node) { w.stack = append(w.stack, n) }
func (w *walker) pop()            { w.stack = w.stack[:len(w.stack)-1] }

func (w *walker) exprs(list []ast.Expression) {
	for _, e := range list {
		w.expr(e)
	}
}

func (w *walker) expr(e ast.Expression) {
	if e == nil {
		return
	}
	if !w.enter() {
		w.depth--
		return
	}
	w.push(e)
	w.exprInner(e)
	w.pop()
	w.depth--
}

func (w *walker) exprInner(e ast.Expression) {
	switch e := e.(type) {
	case *ast.Identifier:
		w.identifier(e, false)
	case *ast.DotExpression:
		if _, this := e.Left.(*ast.ThisExpression); this && w.chains && w.funcDepth <= 1 {
			s := int32(e.Identifier.Idx) - 1
			w.thisProps = append(w.thisProps, propSeg{name: e.Identifier.Name.String(), start: s, end: int32(identEnd(w.src, int(s), &e.Identifier))})
		}
		w.expr(e.Left)
	case *ast.BracketExpression:
		w.expr(e.Left)
		w.expr(e.Member)
	case *ast.Optional:
		w.expr(e.Expression)
	case *ast.OptionalChain:
		w.expr(e.Expression)
	case *ast.CallExpression:
		if w.chains {
			w.stringArgument(e)
		}
		w.expr(e.Callee)
		w.exprs(e.ArgumentList)
	case *ast.NewExpression:
		w.expr(e.Callee)
		w.exprs(e.ArgumentList)
	case *ast.BinaryExpression:
		w.expr(e.Left)
		w.expr(e.Right)
	case *ast.AssignExpression:
		switch e.Operator {
		case token.LOGICAL_AND, token.LOGICAL_OR, token.COALESCE:
			w.failed = true // &&= ||= ??= are ES2021
		}
		w.pattern(e.Left, declNone)
		w.expr(e.Right)
	case *ast.UnaryExpression:
		w.expr(e.Operand)
	case *ast.ConditionalExpression:
		w.expr(e.Test)
		w.expr(e.Consequent)
		w.expr(e.Alternate)
	case *ast.SequenceExpression:
		w.exprs(e.Sequence)
	case *ast.ArrayLiteral:
		w.exprs(e.Value)
	case *ast.ObjectLiteral:
		for _, p := range e.Value {
			switch p := p.(type) {
			case *ast.PropertyKeyed:
				if p.Computed {
					w.expr(p.Key)
				}
				n := len(w.occs)
				w.expr(p.Value)
				if key, ok := p.Key.(*ast.StringLiteral); ok && !p.Computed && p.Kind == ast.PropertyKindValue &&
					len(w.occs) > n && w.occs[n].start == int32(p.Value.Idx0())-1 {
					if _, isID := p.Value.(*ast.Identifier); isID {
						// {key: value}: a rename to key may turn it back into {key}.
						w.occs[n].keyName, w.occs[n].keyStart = key.Value.String(), int32(key.Idx)-1
						w.occs[n].keyQuoted = key.Literal != key.Value.String()
					}
				}
			case *ast.PropertyShort:
				if p.Initializer != nil {
					// {a = 1} is only valid as a destructuring target.
					w.failed = true
				}
				w.push(p)
				w.identifier(&p.Name, true)
				w.pop()
			case *ast.SpreadElement:
				w.expr(p.Expression)
			default:
				w.failed = true
			}
		}
	case *ast.SpreadElement:
		w.expr(e.Expression)
	case *ast.FunctionLiteral:
		w.function(e)
	case *ast.ArrowFunctionLiteral:
		w.arrow(e)
	case *ast.ClassLiteral:
		w.class(e)
	case *ast.TemplateLiteral:
		w.expr(e.Tag)
		w.exprs(e.Expressions)
	case *ast.AwaitExpression:
		w.expr(e.Argument)
	case *ast.YieldExpression:
		w.expr(e.Argument)
	case *ast.NumberLiteral:
		if strings.IndexByte(e.Literal, '_') >= 0 {
			w.failed = true // numeric separators are ES2021
		}
	case *ast.RegExpLiteral:
		if strings.ContainsAny(e.Flags, "dv") {
			w.failed = true // regexp flags d (ES2022) and v (ES2024)
		}
	case *ast.StringLiteral, *ast.BooleanLiteral, *ast.NullLiteral,
		*ast.ThisExpression, *ast.SuperExpression, *ast.MetaProperty:
	case *ast.ObjectPattern, *ast.ArrayPattern:
		w.pattern(e, declNone)
	case *ast.PrivateDotExpression, *ast.PrivateIdentifier:
		w.failed = true // ES2022
	default: // BadExpression and anything unknown
		w.failed = true
	}
}
