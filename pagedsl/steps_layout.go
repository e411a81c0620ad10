package pagedsl

// Steps 20 and 21: positions and sizes after the move to the 64-column
// layout (tab canvases of new tabs widgets, widgets saved without
// columns, tabs widgets whose repositioned content overflows).

// step20 is migrateNewlyAddedTabsWidgetsMissingData: the child canvases
// of a TABS_WIDGET at widget version 2 get leftColumn 0 and a size
// computed from the tabs widget, and the widget goes to version 3.
// Appsmith means to skip widgets that already have those values, but its
// check is lodash has(widget, ["leftColumn", "rightColumn", "bottomRow"]),
// a nested path (widget.leftColumn.rightColumn.bottomRow), so it never
// skips a real widget.
func step20(_ *migration, root *Object) *Object {
	eachWidget(root, func(w *Object) {
		if isType(w, "TABS_WIDGET") && StrictEq(w.Get("version"), 2.0) {
			fillTabCanvases(w)
		}
	})
	return root
}

// fillTabCanvases runs inside Appsmith's try/catch: when children cannot
// be mapped the error is swallowed and the version stays 2 (the
// traversal then throws on the same children).
func fillTabCanvases(w *Object) {
	if childrenTruthy(w) {
		items, ok := w.Get("children").(*Array)
		if !ok {
			return
		}
		out := make([]any, len(items.Items))
		for i, each := range items.Items {
			if hasNestedPath(w, "leftColumn", "rightColumn", "bottomRow") {
				out[i] = each
				continue
			}
			c := spread(each)
			c.Set("leftColumn", 0.0)
			c.Set("rightColumn", (ToNumber(w.Get("rightColumn"))-ToNumber(w.Get("leftColumn")))*ToNumber(w.Get("parentColumnSpace")))
			c.Set("bottomRow", (ToNumber(w.Get("bottomRow"))-ToNumber(w.Get("topRow")))*ToNumber(w.Get("parentRowSpace")))
			out[i] = c
		}
		w.Set("children", &Array{Items: out})
	}
	w.Set("version", 3.0)
}

// hasNestedPath is lodash has(v, [k1, k2, ...]): every key is an own
// property of the value reached so far.
func hasNestedPath(v any, keys ...string) bool {
	for _, k := range keys {
		if isNullish(v) || !hasOwn(v, k) {
			return false
		}
		v = Prop(v, k)
	}
	return true
}

// mainContainerID is the widgetId of the root canvas.
const mainContainerID = "0"

// step21 is the pair migrateWidgetsWithoutLeftRightColumns and
// migrateOverFlowingTabsWidgets, both reading one flattened copy of the
// page (flattenDSL, made before either runs).
func step21(_ *migration, root *Object) *Object {
	flat := flattenDSL(root)
	root = placeWithoutColumns(root, flat).(*Object)
	markOverflowingTabs(root, flat)
	return root
}

// flattenDSL is Appsmith's normalizr flattening by widgetId: a map from
// String(widgetId) to a shallow copy of each widget (children replaced by
// ids). Widgets sharing an id merge into one entry, later keys winning.
// Only the entries' own properties and a `repositioned` flag matter to
// step 21.
func flattenDSL(root *Object) *Object {
	ents := NewObject()
	flattenEntity(root, ents)
	return ents
}

func flattenEntity(v any, ents *Object) string {
	id := ToString(Prop(v, "widgetId"))
	processed := spread(v)
	if o, ok := v.(*Object); ok && o.Has("children") {
		if c := processed.Get("children"); isObj(c) {
			var vals []any
			for _, k := range objectKeys(c) {
				vals = append(vals, Prop(c, k))
			}
			ids := make([]any, len(vals))
			for i, cv := range vals {
				if isObj(cv) {
					ids[i] = flattenEntity(cv, ents)
				} else {
					ids[i] = cv
				}
			}
			processed.Set("children", &Array{Items: ids})
		}
	}
	if existing, ok := ents.Get(id).(*Object); ok {
		merged := existing.Clone()
		for _, k := range processed.Keys() {
			merged.Set(k, processed.Get(k))
		}
		processed = merged
	}
	ents.Set(id, processed)
	return id
}

// placeWithoutColumns gives a widget (not the main container) lacking
// leftColumn or rightColumn the columns 0-4 and the first free row below
// its siblings (modals ignored), and flags its flattened entry. The
// placement sits in a try/catch in Appsmith: a widget without an entry
// (say, a primitive in children) is left as it is.
func placeWithoutColumns(v any, flat *Object) any {
	if !StrictEq(Prop(v, "widgetId"), mainContainerID) && !(hasOwn(v, "leftColumn") && hasOwn(v, "rightColumn")) {
		id := ToString(Prop(v, "widgetId"))
		parent := Prop(v, "parentId")
		if !Truthy(parent) {
			parent = mainContainerID
		}
		nextRow := nextAvailableRow(parent, flat, id)
		if entry, ok := flat.Get(id).(*Object); ok {
			entry.Set("repositioned", true)
			height := ToNumber(Prop(v, "bottomRow")) - ToNumber(Prop(v, "topRow"))
			bottomRow := jsAdd(nextRow, height)
			c := spread(v)
			c.Set("topRow", nextRow)
			c.Set("bottomRow", bottomRow)
			c.Set("rightColumn", 4.0)
			c.Set("leftColumn", 0.0)
			v = c
		}
	}
	if w, ok := v.(*Object); ok && childrenTruthy(w) {
		mapChildren(w, false, func(c any) any { return placeWithoutColumns(c, flat) })
	}
	return v
}

// nextAvailableRow is 1 + the largest bottomRow among the flattened
// widgets under parent, modals and the widget itself left out. The
// comparison and the + 1 are JS's, so a string bottomRow wins against
// numbers as JS compares them and then gets "1" appended.
func nextAvailableRow(parent any, flat *Object, skip string) any {
	var prev any = 0.0
	for _, k := range flat.Keys() {
		if k == skip {
			continue
		}
		next := flat.Get(k)
		if StrictEq(Prop(next, "type"), "MODAL_WIDGET") {
			continue
		}
		if StrictEq(Prop(next, "parentId"), parent) && jsGreater(Prop(next, "bottomRow"), prev) {
			prev = Prop(next, "bottomRow")
		}
	}
	return jsAdd(prev, 1.0)
}

// markOverflowingTabs sets shouldScrollContents on a TABS_WIDGET (widget
// version 3) when a repositioned widget in one of its tabs is taller than
// the tabs widget. Every widget in a tab must have a flattened entry:
// one that does not throws, as Appsmith's lookup does.
func markOverflowingTabs(w *Object, flat *Object) {
	if isType(w, "TABS_WIDGET") && StrictEq(w.Get("version"), 3.0) && childrenTruthy(w) {
		height := (ToNumber(w.Get("bottomRow")) - ToNumber(w.Get("topRow"))) * ToNumber(w.Get("parentRowSpace"))
		tabs, ok := w.Get("children").(*Array)
		if !ok {
			throwf("currentDSL.children.some is not a function")
		}
		overflow := false
		for _, tab := range tabs.Items {
			if tabOverflows(tab, flat, height) {
				overflow = true
				break
			}
		}
		if overflow {
			w.Set("shouldScrollContents", true)
		}
	}
	if childrenTruthy(w) {
		mapChildren(w, false, func(c any) any {
			cw := asWidget(c, "type")
			if cw != nil {
				markOverflowingTabs(cw, flat)
			}
			return c
		})
	}
}

func tabOverflows(tab any, flat *Object, height float64) bool {
	c := Prop(tab, "children")
	if !Truthy(c) || !Truthy(Length(c)) {
		return false
	}
	items, ok := c.(*Array)
	if !ok {
		throwf("eachTab.children.some is not a function")
	}
	for _, child := range items.Items {
		entry := flat.Get(ToString(Prop(child, "widgetId")))
		if Truthy(Prop(entry, "repositioned")) {
			tabHeight := ToNumber(Prop(child, "bottomRow")) * ToNumber(Prop(child, "parentRowSpace"))
			if height < tabHeight {
				return true
			}
		}
	}
	return false
}
