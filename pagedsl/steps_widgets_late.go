package pagedsl

// Steps 58 to 88 that set widget defaults: checkbox/switch label
// position, chart and map-chart theme bindings, the rate widget's
// read-only state, code scanner layout, label positions, auto-height
// (dynamic height) properties, menu-button item sources, child
// stylesheet path entries, step arrows, multi-line inputs and the custom
// widget's height.

// step58: SWITCH/CHECKBOX alignWidget RIGHT -> label on the left,
// anything else -> LEFT with the label on the right.
func step58(_ *migration, root *Object) *Object {
	mapUntilMatch(root, func(w *Object) bool {
		return isType(w, "SWITCH_WIDGET") || isType(w, "CHECKBOX_WIDGET")
	}, func(w *Object) {
		if StrictEq(w.Get("alignWidget"), "RIGHT") {
			w.Set("alignWidget", "RIGHT")
			w.Set("labelPosition", "Left")
		} else {
			w.Set("alignWidget", "LEFT")
			w.Set("labelPosition", "Right")
		}
	})
	return root
}

// step59 (run again as step 61): a CHART_WIDGET lacking accentColor or
// fontFamily gets theme bindings for both, listed in
// dynamicBindingPathList (a new array, even when entries exist).
func step59(_ *migration, root *Object) *Object {
	mapUntilMatch(root, func(w *Object) bool { return isType(w, "CHART_WIDGET") }, func(w *Object) {
		if w.Has("accentColor") && w.Has("fontFamily") {
			return
		}
		w.Set("accentColor", themePrimary)
		w.Set("fontFamily", "{{appsmith.theme.fontFamily.appFont}}")
		appendToList(w, "dynamicBindingPathList", keyEntry("accentColor"), keyEntry("fontFamily"))
	})
	return root
}

// step61 repeats step 59: older apps had missed it.
func step61(m *migration, root *Object) *Object { return step59(m, root) }

// step63: MAP_CHART_WIDGET fontFamily theme binding when missing.
func step63(_ *migration, root *Object) *Object {
	mapUntilMatch(root, func(w *Object) bool { return isType(w, "MAP_CHART_WIDGET") }, func(w *Object) {
		if w.Has("fontFamily") {
			return
		}
		w.Set("fontFamily", "{{appsmith.theme.fontFamily.appFont}}")
		appendToList(w, "dynamicBindingPathList", keyEntry("fontFamily"))
	})
	return root
}

// step64: RATE_WIDGET isDisabled true becomes isReadOnly; a bound
// isDisabled moves to isReadOnly in both path lists.
func step64(_ *migration, root *Object) *Object {
	mapUntilMatch(root, func(w *Object) bool { return isType(w, "RATE_WIDGET") }, func(w *Object) {
		disabled := w.Get("isDisabled")
		if disabled == true {
			w.Set("isDisabled", false)
			w.Set("isReadOnly", true)
			return
		}
		if s, ok := disabled.(string); !ok || !isBinding(s) {
			return
		}
		w.Set("isReadOnly", disabled)
		w.Set("isDisabled", false)
		appendToList(w, "dynamicBindingPathList", keyEntry("isReadOnly"))
		appendToList(w, "dynamicPropertyPathList", keyEntry("isReadOnly"))
		for _, k := range []string{"dynamicBindingPathList", "dynamicPropertyPathList"} {
			w.Set(k, filterEntries(w.Get(k).(*Array), func(e any) bool {
				return !StrictEq(Prop(e, "key"), "isDisabled")
			}))
		}
	})
	return root
}

// filterEntries is list.filter(keep) (a new array).
func filterEntries(list *Array, keep func(e any) bool) *Array {
	out := &Array{Items: make([]any, 0, len(list.Items))}
	for _, e := range list.Items {
		if keep(e) {
			out.Items = append(out.Items, e)
		}
	}
	return out
}

// step65: CODE_SCANNER_WIDGET scannerLayout CLICK_TO_SCAN when falsy.
func step65(_ *migration, root *Object) *Object {
	mapUntilMatch(root, func(w *Object) bool { return isType(w, "CODE_SCANNER_WIDGET") }, func(w *Object) {
		if !Truthy(w.Get("scannerLayout")) {
			w.Set("scannerLayout", "CLICK_TO_SCAN")
		}
	})
	return root
}

// step67: PHONE_INPUT/CURRENCY_INPUT labelPosition Left when undefined.
func step67(_ *migration, root *Object) *Object {
	traverse(root, func(w *Object) {
		if (isType(w, "PHONE_INPUT_WIDGET") || isType(w, "CURRENCY_INPUT_WIDGET")) && w.Get("labelPosition") == Undefined {
			w.Set("labelPosition", "Left")
		}
	})
	return root
}

// widgetsWithDynamicHeight are the 22 widget types step 68 gives the
// auto-height properties.
var widgetsWithDynamicHeight = map[string]bool{
	"CONTAINER_WIDGET": true, "TEXT_WIDGET": true, "CHECKBOX_WIDGET": true, "RADIO_GROUP_WIDGET": true,
	"TABS_WIDGET": true, "MODAL_WIDGET": true, "RICH_TEXT_EDITOR_WIDGET": true, "DATE_PICKER_WIDGET2": true,
	"SWITCH_WIDGET": true, "FORM_WIDGET": true, "RATE_WIDGET": true, "CHECKBOX_GROUP_WIDGET": true,
	"STATBOX_WIDGET": true, "MULTI_SELECT_TREE_WIDGET": true, "SINGLE_SELECT_TREE_WIDGET": true,
	"SWITCH_GROUP_WIDGET": true, "SELECT_WIDGET": true, "MULTI_SELECT_WIDGET_V2": true,
	"INPUT_WIDGET_V2": true, "PHONE_INPUT_WIDGET": true, "CURRENCY_INPUT_WIDGET": true, "JSON_FORM_WIDGET": true,
}

// step68: the auto-height widget types get minDynamicHeight 4,
// maxDynamicHeight 9000 and dynamicHeight FIXED, overwriting what they
// had. The root is visited too; only array children are descended into.
func step68(_ *migration, root *Object) *Object {
	return dynamicHeightWidget(root).(*Object)
}

func dynamicHeightWidget(v any) any {
	if t, ok := Prop(v, "type").(string); ok && widgetsWithDynamicHeight[t] {
		// {...w, ...dynamicHeight}: existing keys keep their place.
		w := v.(*Object).Clone()
		w.Set("minDynamicHeight", 4.0)
		w.Set("maxDynamicHeight", 9000.0)
		w.Set("dynamicHeight", "FIXED")
		v = w
	}
	if w, ok := v.(*Object); ok {
		if c, ok := w.Get("children").(*Array); ok {
			out := newArrayLen(len(c.Items))
			for i, child := range c.Items {
				out.Items[i] = dynamicHeightWidget(child)
			}
			w.Set("children", out)
		}
	}
	return v
}

// step69: MENU_BUTTON_WIDGET menuItemsSource STATIC when falsy.
func step69(_ *migration, root *Object) *Object {
	traverse(root, func(w *Object) {
		if isType(w, "MENU_BUTTON_WIDGET") && !Truthy(w.Get("menuItemsSource")) {
			w.Set("menuItemsSource", "STATIC")
		}
	})
	return root
}

// step70: widgets with a childStylesheet lose the "childStylesheet."
// entries of dynamicBindingPathList (a missing list becomes undefined; a
// list that is not an array, or an entry without a string key, throws).
func step70(_ *migration, root *Object) *Object {
	traverse(root, func(w *Object) {
		if !(isType(w, "TABLE_WIDGET_V2") || isType(w, "BUTTON_GROUP_WIDGET") || isType(w, "JSON_FORM_WIDGET")) ||
			!Truthy(w.Get("childStylesheet")) {
			return
		}
		switch list := w.Get("dynamicBindingPathList").(type) {
		case nil, undefinedType:
			w.Set("dynamicBindingPathList", Undefined)
		case *Array:
			w.Set("dynamicBindingPathList", filterEntries(list, func(e any) bool {
				if isNullish(e) {
					throwf("Cannot destructure property 'key' of '%s' as it is %s.", ToString(e), ToString(e))
				}
				key, ok := Prop(e, "key").(string)
				if !ok {
					throwf("key.startsWith is not a function")
				}
				return !hasPrefix(key, "childStylesheet.")
			}))
		default:
			throwf("widget.dynamicBindingPathList?.filter is not a function")
		}
	})
	return root
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// step72: every descendant of a LIST_WIDGET that is not detached from the
// layout gets dynamicHeight FIXED. Every widget (the root included) is
// replaced by a shallow copy; a primitive child becomes the object its
// spread gives ({} or the string's characters by index).
func step72(_ *migration, root *Object) *Object {
	return listAutoHeight(root, false).(*Object)
}

func listAutoHeight(v any, inList bool) any {
	if !Truthy(v) {
		return v
	}
	isList := StrictEq(Prop(v, "type"), "LIST_WIDGET")
	var children *Array
	switch c := Prop(v, "children").(type) {
	case *Array:
		children = &Array{Items: make([]any, len(c.Items))}
		for i, child := range c.Items {
			children.Items[i] = listAutoHeight(child, isList || inList)
		}
	case nil, undefinedType:
	default:
		throwf("currentDSL.children?.map is not a function")
	}
	w := spread(v)
	if inList && !Truthy(Prop(v, "detachFromLayout")) {
		w.Set("dynamicHeight", "FIXED")
	}
	if children != nil {
		w.Set("children", children)
	}
	return w
}

// step73: CURRENCY_INPUT_WIDGET, and INPUT_WIDGET_V2 of inputType NUMBER,
// get showStepArrows true when undefined.
func step73(_ *migration, root *Object) *Object {
	traverse(root, func(w *Object) {
		if (isType(w, "CURRENCY_INPUT_WIDGET") || (isType(w, "INPUT_WIDGET_V2") && StrictEq(w.Get("inputType"), "NUMBER"))) &&
			w.Get("showStepArrows") == Undefined {
			w.Set("showStepArrows", true)
		}
	})
	return root
}

// step75: an INPUT_WIDGET_V2 of inputType TEXT more than one single-line
// height tall (4 rows, 8 with a label or tooltip) becomes MULTI_LINE_TEXT.
func step75(_ *migration, root *Object) *Object {
	traverse(root, func(w *Object) {
		if !isType(w, "INPUT_WIDGET_V2") {
			return
		}
		minHeight := 4.0
		if Truthy(w.Get("label")) || Truthy(w.Get("tooltip")) {
			minHeight = 8
		}
		rows := ToNumber(w.Get("bottomRow")) - ToNumber(w.Get("topRow"))
		if rows/minHeight > 1 && StrictEq(w.Get("inputType"), "TEXT") {
			w.Set("inputType", "MULTI_LINE_TEXT")
		}
	})
	return root
}

// step88: CUSTOM_WIDGET dynamicHeight FIXED when falsy.
func step88(_ *migration, root *Object) *Object {
	traverse(root, func(w *Object) {
		if isType(w, "CUSTOM_WIDGET") && !Truthy(w.Get("dynamicHeight")) {
			w.Set("dynamicHeight", "FIXED")
		}
	})
	return root
}
