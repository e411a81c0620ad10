package pagedsl

import "strconv"

// Steps 23, 25 and 49 on the first list widget (LIST_WIDGET): its
// template widgets' log black list, items renamed to listData, private
// widgets.

// listTemplatePath is where the first list widget keeps its template
// widgets: list > canvas > container > canvas > widgets.
const listTemplatePath = "children.0.children.0.children.0.children"

// step23 is addLogBlackListToAllListWidgetChildren, for the list widgets
// among the root's direct children only: each template widget gets
// logBlackList (every key it has -> true) unless it has a truthy one. A
// list without the template path throws (undefined has no map); a
// template entry that is a primitive is replaced by an object holding
// only logBlackList, as lodash set does.
func step23(_ *migration, root *Object) *Object {
	mapChildren(root, true, func(c any) any {
		w := asWidget(c, "type")
		if w == nil || !isType(w, "LIST_WIDGET") {
			return c
		}
		widgets := lodashGet(w, listTemplatePath)
		arr, ok := widgets.(*Array)
		if !ok {
			if isNullish(widgets) {
				throwf("Cannot read properties of %s (reading 'map')", ToString(widgets))
			}
			throwf("widgets.map is not a function")
		}
		for i, n := 0, len(arr.Items); i < n && i < len(arr.Items); i++ {
			widget := arr.Items[i]
			list := NewObject()
			for _, k := range objectKeys(widget) {
				list.Set(k, true)
			}
			if !Truthy(Prop(widget, "logBlackList")) {
				lodashSet(w, listTemplatePath+"."+strconv.Itoa(i)+".logBlackList", list)
			}
		}
		return c
	})
	return root
}

// step25 is migrateItemsToListDataInListWidget: a truthy `items` is
// copied to listData (items stays); the path entry "items" becomes
// "listData"; in every other bound string value the first "items" becomes
// "listData", and likewise in the bound values of each template widget
// (where a bound value that is not a string throws). A list without
// `template` throws.
func step25(_ *migration, root *Object) *Object {
	eachWidgetIf(root, hasChildren, func(w *Object) {
		if !isType(w, "LIST_WIDGET") {
			return
		}
		if items := w.Get("items"); Truthy(items) {
			w.Set("listData", items)
		}
		switch list := w.Get("dynamicBindingPathList").(type) {
		case nil, undefinedType:
			w.Set("dynamicBindingPathList", Undefined)
		case *Array:
			out := make([]any, len(list.Items))
			for i, p := range list.Items {
				if StrictEq(Prop(p, "key"), "items") {
					o := NewObject()
					o.Set("key", "listData")
					out[i] = o
				} else {
					out[i] = p
				}
			}
			w.Set("dynamicBindingPathList", &Array{Items: out})
		default:
			throwf("currentDSL.dynamicBindingPathList?.map is not a function")
		}
		if list, ok := w.Get("dynamicBindingPathList").(*Array); ok {
			for _, p := range list.Items {
				key := Prop(p, "key")
				v := lodashGet(w, key)
				if Truthy(v) && !StrictEq(key, "items") && !StrictEq(key, "listData") {
					if s, ok := lodashGet(w, key).(string); ok {
						lodashSet(w, key, ReplaceFirst(s, "items", "listData"))
					}
				}
			}
		}
		tpl := w.Get("template")
		for _, name := range append([]string(nil), objectKeys(tpl)...) {
			cw := Prop(tpl, name)
			switch list := Prop(cw, "dynamicBindingPathList").(type) {
			case nil, undefinedType:
			case *Array:
				for _, p := range list.Items {
					key := Prop(p, "key")
					s, ok := lodashGet(cw, key).(string)
					if !ok {
						if v := lodashGet(cw, key); isNullish(v) {
							throwf("Cannot read properties of %s (reading 'replace')", ToString(v))
						}
						throwf("get(...).replace is not a function")
					}
					lodashSet(cw, key, ReplaceFirst(s, "items", "listData"))
				}
			default:
				throwf("currentWidget.dynamicBindingPathList?.map is not a function")
			}
		}
	})
	return root
}

// step49 is addPrivateWidgetsToAllListWidgets, for the list widgets among
// the root's direct children only: privateWidgets (every template key ->
// true) unless already truthy. Object.keys on a missing template throws.
func step49(_ *migration, root *Object) *Object {
	mapChildren(root, true, func(c any) any {
		w := asWidget(c, "type")
		if w == nil || !isType(w, "LIST_WIDGET") {
			return c
		}
		private := NewObject()
		for _, k := range objectKeys(w.Get("template")) {
			private.Set(k, true)
		}
		if !Truthy(w.Get("privateWidgets")) {
			w.Set("privateWidgets", private)
		}
		return c
	})
	return root
}
