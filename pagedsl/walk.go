package pagedsl

// Widget traversal in the shapes Appsmith's migrations use. Each helper
// reproduces what its JS shape does with odd input: a null child throws
// as soon as the step reads a property of it, a primitive child is passed
// over (its properties read as undefined), and children that are not an
// array throw where JS calls .map or .forEach on them.

// asWidget is how a step reads a child before looking at its properties:
// nil (the child is a primitive or an array: every property reads
// undefined, so no step matches it), or a throw when it is null or
// undefined, naming the property the JS code reads first (usually "type").
func asWidget(v any, reading string) *Object {
	switch x := v.(type) {
	case *Object:
		return x
	case nil:
		throwf("Cannot read properties of null (reading '%s')", reading)
	case undefinedType:
		throwf("Cannot read properties of undefined (reading '%s')", reading)
	}
	return nil
}

// hasChildren is `w.children && w.children.length > 0`, with JS's `>`: a
// length of "2" or true counts, and the caller's .map then throws.
func hasChildren(w *Object) bool {
	c := w.Get("children")
	if a, ok := c.(*Array); ok {
		return len(a.Items) > 0
	}
	if !Truthy(c) {
		return false
	}
	if n, ok := Prop(c, "length").(float64); ok {
		return n > 0
	}
	return jsGreater(Prop(c, "length"), 0.0)
}

// childItems returns the items `w.children.map/forEach` iterates, or
// ok=false when children is null or undefined. Anything else that is not
// an array throws, as calling .map on it does.
func childItems(w *Object, method string) (items []any, ok bool) {
	switch c := w.Get("children").(type) {
	case *Array:
		return c.Items, true
	case nil, undefinedType:
		return nil, false
	default:
		throwf("%s.children.%s is not a function", TypeOf(c), method)
	}
	return nil, false
}

// mapChildren is `w.children = w.children?.map(fn)`: a new array replaces
// the old one, and null or missing children become undefined (the key
// then vanishes from the JSON). With optional false it is
// `w.children = w.children.map(fn)`, which throws on missing children.
func mapChildren(w *Object, optional bool, fn func(child any) any) {
	items, ok := childItems(w, "map")
	if !ok {
		if !optional {
			throwf("Cannot read properties of %s (reading 'map')", ToString(w.Get("children")))
		}
		w.Set("children", Undefined)
		return
	}
	out := newChildren(w, len(items))
	for i, c := range items {
		out.Items[i] = fn(c)
	}
	w.Set("children", out)
}

// newChildren returns a new array of n items (all nil) that is to be
// w's children. For a page's widget it is carved from the page's blocks
// (and recycled with it): traversals replace every children array.
func newChildren(w *Object, n int) *Array {
	if doc := w.doc; doc != nil && doc.slabs.arena != nil && n > 0 {
		s := &doc.slabs
		return s.newArray(s.takeValues(nil, n)[:n])
	}
	return newArrayLen(n)
}

// forEachChild is `w.children?.forEach(fn)` (optional) or
// `w.children.forEach(fn)`.
func forEachChild(w *Object, optional bool, fn func(child any)) {
	items, ok := childItems(w, "forEach")
	if !ok {
		if !optional {
			throwf("Cannot read properties of %s (reading 'forEach')", ToString(w.Get("children")))
		}
		return
	}
	// forEach visits the items present when it started; a step that
	// appends to the array while iterating does not see the new ones.
	n := len(items)
	for i := 0; i < n && i < len(items); i++ {
		fn(items[i])
	}
}

// traverse is Appsmith's traverseDSLAndMigrate: fn runs on every widget
// below dsl (never dsl itself), parents before children, and every
// children array on the way is replaced by a copy (null children become
// undefined). fn only sees objects; a null child throws reading 'type'.
func traverse(dsl *Object, fn func(w *Object)) {
	mapChildren(dsl, true, func(c any) any {
		w := asWidget(c, "type")
		if w == nil {
			return c
		}
		fn(w)
		if hasChildren(w) {
			traverse(w, fn)
		}
		return c
	})
}

// forEachWidget is the recursive shape
//
//	f(w) { visit(w); w.children?.forEach(f) }
//
// visiting w itself (the root included) and then its descendants in
// pre-order. A null child throws reading `reading`.
func forEachWidget(w *Object, reading string, visit func(w *Object)) {
	visit(w)
	forEachChild(w, true, func(c any) {
		if cw := asWidget(c, reading); cw != nil {
			forEachWidget(cw, reading, visit)
		}
	})
}

// mapUntilMatch is the "stop when matched" shape:
//
//	f(dsl) { dsl.children = dsl.children?.map(child => {
//	  if (match(child)) migrate(child)
//	  else if (child.children && child.children.length > 0) child = f(child)
//	  return child }) }
//
// The matched widget's own children are not visited. match runs first
// and reads `type`, so a null child throws reading 'type'.
func mapUntilMatch(dsl *Object, match func(w *Object) bool, migrate func(w *Object)) {
	mapChildren(dsl, true, func(c any) any {
		w := asWidget(c, "type")
		if w == nil {
			return c
		}
		if match(w) {
			migrate(w)
		} else if hasChildren(w) {
			mapUntilMatch(w, match, migrate)
		}
		return c
	})
}

// isType reports w.type === t.
func isType(w *Object, t string) bool {
	s, ok := w.Get("type").(string)
	return ok && sameString(s, t)
}
