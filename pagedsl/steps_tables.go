package pagedsl

import "strconv"

// Table widget steps of the early chain: 9 (primaryColumns from the old
// column maps) and 11 (sanitised column keys).

// step9 (tableWidgetPropertyPaneMigrations) gives every table
// primaryColumns built from columnOrder or the keys of its rows, and
// derived button columns from columnActions. Every child on the way is
// replaced by a deep copy.
func step9(_ *migration, root *Object) *Object {
	tablePropertyPane(root)
	return root
}

func tablePropertyPane(dsl *Object) {
	mapChildren(dsl, true, func(c any) any {
		c = cloneDeep(c)
		w := asWidget(c, "type")
		if w == nil {
			return c
		}
		if isType(w, "TABLE_WIDGET") {
			migrateTable9(w)
		} else if hasChildren(w) {
			tablePropertyPane(w)
		}
		return c
	})
}

func migrateTable9(w *Object) {
	hidden := w.Get("hiddenColumns")
	if !Truthy(hidden) {
		hidden = &Array{}
	}
	nameMap := w.Get("columnNameMap")
	sizeMap := w.Get("columnSizeMap")
	typeMap := w.Get("columnTypeMap")
	var tableColumns []any
	dbpl := w.Get("dynamicBindingPathList")
	if Truthy(Prop(w.Get("tableData"), "length")) {
		var data any
		if tryJS(func() { data = jsonParse(w.Get("tableData")) }) {
			data = w.Get("tableData")
		}
		_, dataIsString := data.(string)
		// findIndex(item => item.key !== "tableData") is truthy when it is
		// -1 or above 0: the first entry is "tableData" (or the list is
		// empty); a missing list gives undefined.
		found := false
		if !dataIsString && !isNullish(dbpl) {
			idx := -1
			for i, item := range arrayMethod(dbpl, "dynamicBindingPathList", "findIndex") {
				if !StrictEq(Prop(item, "key"), "tableData") {
					idx = i
					break
				}
			}
			found = idx != 0
		}
		if found {
			for _, k := range tableColumnKeys(data) {
				tableColumns = append(tableColumns, k)
			}
		} else {
			w.Set("migrated", false)
		}
	}
	var primary any = &Array{Items: tableColumns}
	if order := w.Get("columnOrder"); !isNullish(order) && Truthy(Prop(order, "length")) {
		primary = order
	}
	cols := NewObject()
	w.Set("primaryColumns", cols)
	for index, accessor := range arrayMethod(primary, "primaryColumns", "forEach") {
		key := ToString(accessor)
		colType := any("text")
		if Truthy(typeMap) && Truthy(Prop(typeMap, key)) {
			colType = Prop(Prop(typeMap, key), "type")
		}
		if StrictEq(colType, "currency") {
			colType = "text"
		}
		width := any(150.0)
		if Truthy(sizeMap) && Truthy(Prop(sizeMap, key)) {
			width = Prop(sizeMap, key)
		}
		label := accessor
		if Truthy(nameMap) && Truthy(Prop(nameMap, key)) {
			label = Prop(nameMap, key)
		}
		col := newObject(
			"index", float64(index),
			"width", width,
			"id", accessor,
			"horizontalAlignment", "LEFT",
			"verticalAlignment", "CENTER",
			"columnType", colType,
			"textColor", "#231F20",
			"textSize", "PARAGRAPH",
			"fontStyle", "REGULAR",
			"enableFilter", true,
			"enableSort", true,
			"isVisible", !jsIncludes(hidden, accessor, "hiddenColumns"),
			"isDerived", false,
			"label", label,
			"computedValue", "{{"+ToString(w.Get("widgetName"))+".sanitizedTableData.map((currentRow) => ( currentRow."+key+")}}",
		)
		if Truthy(typeMap) && Truthy(Prop(typeMap, key)) {
			t := Prop(typeMap, key)
			col.Set("outputFormat", orEmpty(Prop(t, "format")))
			col.Set("inputFormat", orEmpty(Prop(t, "inputFormat")))
		}
		assignProperty(w.Get("primaryColumns"), ToString(col.Get("id")), col)
	}
	actions := w.Get("columnActions")
	if !Truthy(actions) {
		actions = &Array{}
	}
	triggers := w.Get("dynamicTriggerPathList")
	if !Truthy(triggers) {
		triggers = &Array{}
	}
	derived := NewObject()
	for index, action := range arrayMethod(actions, "columnActions", "forEach") {
		id := "customColumn" + strconv.Itoa(index+1)
		col := newObject(
			// primaryColumns is an object: its length is undefined and
			// the index NaN (null in JSON), as in Appsmith.
			"index", jsAdd(Prop(w.Get("primaryColumns"), "length"), float64(index)),
			"width", 150.0,
			"id", id,
			"label", Prop(action, "label"),
			"columnType", "button",
			"isVisible", true,
			"isDisabled", false,
			"isDerived", true,
			"buttonLabel", Prop(action, "label"),
			"buttonStyle", "rgb(3, 179, 101)",
			"buttonLabelColor", "#FFFFFF",
			"onClick", Prop(action, "dynamicTrigger"),
			"computedValue", "",
		)
		pushItem(triggers, "dynamicTriggerPathList", newObject("key", "primaryColumns."+id+".onClick"))
		derived.Set(id, col)
		assignProperty(w.Get("primaryColumns"), id, col)
	}
	if derived.Len() > 0 {
		// The filter's callback reads each key but returns nothing:
		// nothing is kept.
		for _, t := range arrayMethod(triggers, "dynamicTriggerPathList", "filter") {
			Prop(t, "key")
		}
		triggers = &Array{}
	}
	w.Set("dynamicTriggerPathList", triggers)
	w.Set("textSize", "PARAGRAPH")
	w.Set("horizontalAlignment", "LEFT")
	w.Set("verticalAlignment", "CENTER")
	w.Set("fontStyle", "REGULAR")
	w.Set("derivedColumns", derived)
}

func orEmpty(v any) any {
	if Truthy(v) {
		return v
	}
	return ""
}

// pushItem is arr.push(v).
func pushItem(arr any, what string, v any) {
	arrayMethod(arr, what, "push")
	a := arr.(*Array)
	a.Items = append(a.Items, v)
}

// tableColumnKeys is getAllTableColumnKeys: the sanitised keys of every
// row, first occurrence first.
func tableColumnKeys(data any) []string {
	var keys []string
	seen := map[string]bool{}
	if !Truthy(data) {
		return nil
	}
	n := num(Prop(data, "length"))
	for i := 0; float64(i) < n; i++ {
		row := Prop(data, strconv.Itoa(i))
		var rowKeys []string
		switch r := row.(type) {
		case *Object, *Array, string:
			rowKeys = objectKeys(r)
		}
		for _, k := range rowKeys {
			s := removeSpecialChars(k, 200)
			if !seen[s] {
				seen[s] = true
				keys = append(keys, s)
			}
		}
	}
	return keys
}

// step11 (migrateTablePrimaryColumnsBindings) re-keys primaryColumns by
// sanitised keys, points computed values at sanitizedTableData and
// replaces spaces in path-list keys.
func step11(_ *migration, root *Object) *Object {
	mapUntilMatch(root, func(w *Object) bool { return isType(w, "TABLE_WIDGET") }, func(w *Object) {
		pc := w.Get("primaryColumns")
		if !Truthy(pc) || len(objectKeys(pc)) == 0 {
			return
		}
		name := ToString(w.Get("widgetName"))
		newCols := NewObject()
		keys := objectKeys(pc)
		vals := objectValues(pc)
		for i, key := range keys {
			value := vals[i]
			cv := Prop(value, "computedValue")
			newCV := any("")
			if Truthy(cv) {
				s, ok := cv.(string)
				if !ok {
					throwf("value.computedValue.replace is not a function")
				}
				newCV = ReplaceFirst(s, name+".tableData.map", name+".sanitizedTableData.map")
			}
			col := NewObject()
			spreadInto(col, value)
			col.Set("computedValue", newCV)
			newCols.Set(removeSpecialChars(key, 200), col)
		}
		w.Set("primaryColumns", newCols)
		list := w.Get("dynamicBindingPathList")
		if isNullish(list) {
			w.Set("dynamicBindingPathList", Undefined)
			return
		}
		items := arrayMethod(list, "child.dynamicBindingPathList", "map")
		out := make([]any, len(items))
		for i, path := range items {
			k := Prop(path, "key")
			s, ok := k.(string)
			if !ok {
				Prop(k, "split") // throws on null/undefined
				throwf("path.key.split is not a function")
			}
			assignProperty(path, "key", ReplaceAll(s, " ", "_"))
			out[i] = path
		}
		w.Set("dynamicBindingPathList", &Array{Items: out})
	})
	return root
}
