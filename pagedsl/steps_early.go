package pagedsl

import "math"

// The layout steps of the early chain: the unversioned root, old
// containers (1), canvas names (7, 8), widget versions (10) and the move
// to the 64-column grid (19).

// unversioned is migrateUnversionedDSL: the root becomes the main canvas
// with the defaults Appsmith computes for a 600 px high window (the RTS
// has no window object, so its fallback height is used).
func unversioned(_ *migration, root *Object) *Object {
	const rowHeight = 10
	// calculateDynamicHeight: floor((600 - (10 + 2*48 + 37)) / 10) * 10
	minHeight := math.Floor((600-(rowHeight+2*48+37))/rowHeight) * rowHeight
	root.Set("minHeight", minHeight)
	bottomRow := minHeight - rowHeight
	root.Set("bottomRow", bottomRow)
	root.Set("snapRows", math.Floor(bottomRow/rowHeight)-1)
	root.Set("rightColumn", 1224.0)
	root.Set("backgroundColor", "none")
	root.Set("containerStyle", "none")
	root.Set("type", "CANVAS_WIDGET")
	root.Set("detachFromLayout", true)
	root.Set("canExtend", true)
	root.Set("version", 1.0)
	return root
}

// step1 (updateContainers) gives every container or form among the
// root's children that has no canvas a canvas child holding its
// children; only the new canvases are searched further.
func step1(m *migration, root *Object) *Object {
	if hasChildren(root) {
		mapChildren(root, false, func(c any) any { return updateContainers(m, c) })
	}
	return root
}

func updateContainers(m *migration, v any) any {
	w := asWidget(v, "type")
	if w == nil || !(isType(w, "CONTAINER_WIDGET") || isType(w, "FORM_WIDGET")) {
		return v
	}
	if hasChildren(w) {
		first := Prop(Prop(w.Get("children"), "0"), "type")
		if StrictEq(first, "CANVAS_WIDGET") || StrictEq(first, "FORM_WIDGET") {
			return v
		}
	}
	canvas := w.Clone()
	canvas.Set("backgroundColor", "transparent")
	canvas.Set("type", "CANVAS_WIDGET")
	canvas.Set("detachFromLayout", true)
	canvas.Set("topRow", 0.0)
	canvas.Set("leftColumn", 0.0)
	canvas.Set("rightColumn", num(w.Get("parentColumnSpace"))*(num(w.Get("rightColumn"))-num(w.Get("leftColumn"))))
	canvas.Set("bottomRow", num(w.Get("parentRowSpace"))*(num(w.Get("bottomRow"))-num(w.Get("topRow"))))
	canvas.Set("widgetName", m.reactKey(""))
	canvas.Set("widgetId", m.reactKey(""))
	canvas.Set("parentRowSpace", 1.0)
	canvas.Set("parentColumnSpace", 1.0)
	canvas.Set("containerStyle", "none")
	canvas.Set("canExtend", false)
	canvas.Set("isVisible", true)
	canvas.Delete("dynamicBindings")
	canvas.Delete("dynamicProperties")
	if hasChildren(canvas) {
		mapChildren(canvas, false, func(c any) any { return updateContainers(m, c) })
	}
	w.Set("children", NewArray(canvas.Clone()))
	return v
}

// canvasCounter numbers canvases in depth-first pre-order.
type canvasCounter struct{ n int }

// renameCanvases is canvasNameConflictMigration: canvases whose name
// starts with "Canvas" become Canvas1, Canvas2, ... (and their `name`
// too when set). A canvas without a string name throws, as
// widgetName.startsWith does.
func (cc *canvasCounter) renameCanvases(w *Object) {
	if isType(w, "CANVAS_WIDGET") {
		name := w.Get("widgetName")
		s, ok := name.(string)
		if !ok {
			if isNullish(name) {
				throwf("Cannot read properties of %s (reading 'startsWith')", ToString(name))
			}
			throwf("currentDSL.widgetName.startsWith is not a function")
		}
		if len(s) >= 6 && s[:6] == "Canvas" {
			cc.rename(w)
		}
	}
	forEachChild(w, true, func(c any) {
		if cw := asWidget(c, "type"); cw != nil {
			cc.renameCanvases(cw)
		}
	})
}

func (cc *canvasCounter) rename(w *Object) {
	name := "Canvas" + NumberToString(float64(cc.n))
	w.Set("widgetName", name)
	if Truthy(w.Get("name")) {
		w.Set("name", name)
	}
	cc.n++
}

func step7(_ *migration, root *Object) *Object {
	cc := &canvasCounter{n: 1}
	cc.renameCanvases(root)
	return root
}

// step8 (renamedCanvasNameConflictMigration) renames the root canvas
// unless it is MainContainer, then its descendants as step 7 does.
func step8(_ *migration, root *Object) *Object {
	cc := &canvasCounter{n: 1}
	if isType(root, "CANVAS_WIDGET") && !StrictEq(root.Get("widgetName"), "MainContainer") {
		cc.rename(root)
	}
	forEachChild(root, true, func(c any) {
		if cw := asWidget(c, "type"); cw != nil {
			cc.renameCanvases(cw)
		}
	})
	return root
}

// step10 (addVersionNumberMigration) gives every widget without a
// version the version 1, children first.
func step10(_ *migration, root *Object) *Object {
	addVersion(root)
	return root
}

func addVersion(v any) any {
	w := asWidget(v, "children")
	if w == nil {
		// A property set on an array is not in its JSON either.
		return v // assigning to a primitive does nothing in sloppy mode
	}
	if ch := w.Get("children"); Truthy(ch) && Truthy(Prop(ch, "length")) {
		mapChildren(w, false, addVersion)
	}
	if w.Get("version") == Undefined {
		w.Set("version", 1.0)
	}
	return v
}

// step19 moves to the 64-column grid: the root's snapColumns and
// snapRows, then (migrateToNewLayout; the route never creates a new
// page) every widget's rows and columns times 4.
func step19(m *migration, root *Object) *Object {
	root.Set("snapColumns", 64.0)
	root.Set("snapRows", math.Floor(num(root.Get("bottomRow"))/10)-1)
	if !m.newPage {
		scaleWidget(root)
	}
	return root
}

func scaleWidget(v any) {
	for _, k := range [...]string{"bottomRow", "topRow", "leftColumn", "rightColumn"} {
		assignProperty(v, k, num(Prop(v, k))*4)
	}
	w, ok := v.(*Object)
	if !ok {
		return
	}
	if ch := w.Get("children"); Truthy(ch) && Truthy(Prop(ch, "length")) {
		for _, c := range arrayMethod(ch, "widgetProps.children", "forEach") {
			scaleWidget(c)
		}
	}
}
