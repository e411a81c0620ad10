package pagedsl

// Two more recursive shapes, used by steps 20 to 41 (see walk.go for the
// others). Both start at the root and visit it too.

// childrenTruthy is `w.children && w.children.length` (a length that is
// truthy, not one compared with 0).
func childrenTruthy(w *Object) bool {
	c := w.Get("children")
	return Truthy(c) && Truthy(Length(c))
}

// eachWidget is the shape
//
//	f(w) { visit(w); if (w.children && w.children.length) w.children = w.children.map(f) }
//
// A null child throws reading 'type' (every such step reads it first); a
// primitive child is passed over; children that are not an array but
// have a length throw at .map.
func eachWidget(v any, visit func(w *Object)) {
	eachWidgetIf(v, childrenTruthy, visit)
}

// eachWidgetIf is eachWidget with another test for descending (some steps
// compare the length with 0 instead of testing it).
func eachWidgetIf(v any, descend func(w *Object) bool, visit func(w *Object)) {
	w := asWidget(v, "type")
	if w == nil {
		return
	}
	visit(w)
	if descend(w) {
		mapChildren(w, false, func(c any) any {
			eachWidgetIf(c, descend, visit)
			return c
		})
	}
}

// eachWidgetAssign is the shape
//
//	f(w) { visit(w); w.children = w.children?.map(f); return w }
//
// which assigns children on every widget, leaves included (undefined when
// missing, so the key stays invisible). On a primitive child the
// assignment does nothing: the RTS bundle (esbuild, CommonJS output) runs
// Appsmith's modules in sloppy mode, where it fails silently.
func eachWidgetAssign(v any, visit func(w *Object)) {
	w := asWidget(v, "type")
	if w == nil {
		return
	}
	visit(w)
	mapChildren(w, true, func(c any) any {
		eachWidgetAssign(c, visit)
		return c
	})
}
