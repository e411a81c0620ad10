package pagedsl

import "strings"

// Steps 22 to 45 on the first table widget (TABLE_WIDGET, not
// TABLE_WIDGET_V2): row space, header toggles, column keys and computed
// values, defaults for its columns.

func isTable(w *Object) bool { return isType(w, "TABLE_WIDGET") }

// step22 is migrateTableWidgetParentRowSpaceProperty: parentRowSpace 40
// (the old row height) becomes 10.
func step22(_ *migration, root *Object) *Object {
	mapUntilMatch(root, isTable, func(w *Object) {
		if StrictEq(w.Get("parentRowSpace"), 40.0) {
			w.Set("parentRowSpace", 10.0)
		}
	})
	return root
}

// step24 is migrateTableWidgetHeaderVisibilityProperties: a table
// without isVisibleSearch gets all four header toggles on.
func step24(_ *migration, root *Object) *Object {
	mapUntilMatch(root, isTable, func(w *Object) {
		if !w.Has("isVisibleSearch") {
			w.Set("isVisibleSearch", true)
			w.Set("isVisibleFilters", true)
			w.Set("isVisibleDownload", true)
			w.Set("isVisiblePagination", true)
		}
	})
	return root
}

// entries is Object.entries(v) taken once, as a for-of over it is.
func entries(v any) ([]string, []any) {
	keys := append([]string(nil), objectKeys(v)...)
	vals := make([]any, len(keys))
	for i, k := range keys {
		vals[i] = Prop(v, k)
	}
	return keys, vals
}

// step28 is migrateTablePrimaryColumnsComputedValue: column keys
// sanitised; a non-empty computedValue has its old arrow-function body
// opening replaced and then, always, the 4th character from the end
// replaced by ")" (Appsmith assumes the replacement happened; values
// already in the new form get corrupted, e.g. "currentRow.name)}}"
// becomes "currentRow.nam))}}"). An empty or missing computedValue
// becomes "".
func step28(_ *migration, root *Object) *Object {
	mapUntilMatch(root, isTable, func(w *Object) {
		pc := w.Get("primaryColumns")
		if !Truthy(pc) || len(objectKeys(pc)) == 0 {
			return
		}
		name := ToString(w.Get("widgetName"))
		oldText := name + ".sanitizedTableData.map((currentRow) => { return"
		newText := name + ".sanitizedTableData.map((currentRow) => ("
		out := NewObject()
		keys, vals := entries(pc)
		for i, key := range keys {
			value := vals[i]
			computed := ""
			if cv := Prop(value, "computedValue"); Truthy(cv) {
				s, ok := cv.(string)
				if !ok {
					throwf("value.computedValue.replace is not a function")
				}
				computed = ReplaceFirst(s, oldText, newText)
				last := StrLen(computed) - 4
				computed = Substring(computed, 0, last) + ")" + Substring(computed, last+1, StrLen(computed))
			}
			col := spread(value)
			col.Set("computedValue", computed)
			out.Set(removeSpecialChars(key, 200), col)
		}
		w.Set("primaryColumns", out)
	})
	return root
}

// step30 is migrateTableWidgetDelimiterProperties: a falsy delimiter
// becomes ",".
func step30(_ *migration, root *Object) *Object {
	mapUntilMatch(root, isTable, func(w *Object) {
		if !Truthy(w.Get("delimiter")) {
			w.Set("delimiter", ",")
		}
	})
	return root
}

// step31 is migrateIsDisabledToButtonColumn: button columns get
// isDisabled false and every column isCellVisible true, when missing. A
// column that is a primitive cannot take the property and throws.
func step31(_ *migration, root *Object) *Object {
	eachWidgetAssign(root, func(w *Object) {
		if !isTable(w) || isEmptyValue(w.Get("primaryColumns")) {
			return
		}
		pc := w.Get("primaryColumns")
		for _, key := range append([]string(nil), objectKeys(pc)...) {
			col := Prop(pc, key)
			if StrictEq(Prop(col, "columnType"), "button") && !hasOwn(col, "isDisabled") {
				assignProperty(col, "isDisabled", false)
			}
			if !hasOwn(Prop(pc, key), "isCellVisible") {
				assignProperty(Prop(pc, key), "isCellVisible", true)
			}
		}
	})
	return root
}

// step32 is migrateTableDefaultSelectedRow: a falsy defaultSelectedRow
// becomes "0" (undone for old tables by step 36).
func step32(_ *migration, root *Object) *Object {
	eachWidget(root, func(w *Object) {
		if isTable(w) && !Truthy(w.Get("defaultSelectedRow")) {
			w.Set("defaultSelectedRow", "0")
		}
	})
	return root
}

// step36 is revertTableDefaultSelectedRow: a table at widget version 1
// with defaultSelectedRow "0" loses it (set to undefined), and every
// table goes to widget version 3.
func step36(_ *migration, root *Object) *Object {
	eachWidget(root, func(w *Object) {
		if !isTable(w) {
			return
		}
		if StrictEq(w.Get("version"), 1.0) && StrictEq(w.Get("defaultSelectedRow"), "0") {
			w.Set("defaultSelectedRow", Undefined)
		}
		w.Set("version", 3.0)
	})
	return root
}

// step37 is migrateTableSanitizeColumnKeys: column keys, ids, the first
// occurrence of the old key in computedValue, columnOrder and the middle
// part of dynamicBindingPathList keys are sanitised. A column without an
// id is replaced by its first property when that has an id or a
// columnType, and dropped otherwise. A two-part path key "a.b" becomes
// "a..b": Appsmith's "between the first and last part" is empty there,
// and it still joins the three pieces with dots.
func step37(_ *migration, root *Object) *Object {
	mapUntilMatch(root, isTable, func(w *Object) {
		pc := w.Get("primaryColumns")
		if !Truthy(pc) {
			pc = NewObject()
		}
		if keys, vals := entries(pc); len(keys) > 0 {
			out := NewObject()
			for i, key := range keys {
				if col, ok := sanitizedColumn(key, vals[i]); ok {
					out.Set(removeSpecialChars(key, 200), col)
				}
			}
			w.Set("primaryColumns", out)
		}
		w.Set("columnOrder", mapArray(w.Get("columnOrder"), "columnOrder", func(co any) any {
			return removeSpecialChars(co, 200)
		}))
		w.Set("dynamicBindingPathList", mapArray(w.Get("dynamicBindingPathList"), "dynamicBindingPathList", sanitizedPathEntry))
	})
	return root
}

func sanitizedColumn(key string, value any) (*Object, bool) {
	var id string
	if v := Prop(value, "id"); Truthy(v) {
		id = removeSpecialChars(v, 200)
	} else {
		// Object.keys(value)[0] is undefined for an empty object, and
		// value[undefined] reads the key "undefined".
		first := "undefined"
		if ks := objectKeys(value); len(ks) > 0 {
			first = ks[0]
		}
		obj := Prop(value, first)
		if !Truthy(Prop(obj, "id")) && !Truthy(Prop(obj, "columnType")) {
			return nil, false
		}
		value = obj
		id = removeSpecialChars(Prop(value, "id"), 200)
	}
	computed := ""
	if cv := Prop(value, "computedValue"); Truthy(cv) {
		s, ok := cv.(string)
		if !ok {
			throwf("(value?.computedValue || \"\").replace is not a function")
		}
		computed = s
	}
	col := spread(value)
	col.Set("computedValue", ReplaceFirst(computed, key, removeSpecialChars(key, 200)))
	col.Set("id", id)
	return col, true
}

// mapArray is `(v || []).map(fn)`: a truthy value that is not an array
// throws.
func mapArray(v any, name string, fn func(any) any) *Array {
	if !Truthy(v) {
		return &Array{}
	}
	a, ok := v.(*Array)
	if !ok {
		throwf("(child.%s || []).map is not a function", name)
	}
	out := make([]any, len(a.Items))
	for i, it := range a.Items {
		out[i] = fn(it)
	}
	return &Array{Items: out}
}

func sanitizedPathEntry(path any) any {
	key, ok := Prop(path, "key").(string)
	if !ok {
		throwf("path.key.split is not a function")
	}
	chunks := strings.Split(key, ".")
	if len(chunks) < 2 {
		return path
	}
	first := chunks[0] + "."
	last := "." + chunks[len(chunks)-1]
	// getSubstringBetweenTwoWords: the key starts with first and ends
	// with last, so the part between is empty when they overlap.
	between := ""
	if end, start := len(first), len(key)-len(last); start >= end {
		between = key[end:start]
	}
	o := NewObject()
	o.Set("key", first+removeSpecialChars(between, 200)+last)
	return o
}

// step39 is migrateTableWidgetSelectedRowBindings: derivedColumns and
// primaryColumns re-keyed by sanitised id (missing ones become {}), and
// the first "<table>.selectedRow" in a column's onClick becomes
// "currentRow".
func step39(_ *migration, root *Object) *Object {
	mapUntilMatch(root, isTable, func(w *Object) {
		name := w.Get("widgetName")
		w.Set("derivedColumns", selectedRowColumns(name, w.Get("derivedColumns")))
		w.Set("primaryColumns", selectedRowColumns(name, w.Get("primaryColumns")))
	})
	return root
}

func selectedRowColumns(name, columns any) *Object {
	out := NewObject()
	if !Truthy(columns) || len(objectKeys(columns)) == 0 {
		return out
	}
	selected := ToString(name) + ".selectedRow"
	keys, vals := entries(columns)
	for i, id := range keys {
		props := vals[i]
		var onClick any = Undefined
		if oc := Prop(props, "onClick"); Truthy(oc) && includes(oc, selected) {
			s, ok := oc.(string)
			if !ok {
				throwf("columnProps.onClick.replace is not a function")
			}
			onClick = ReplaceFirst(s, selected, "currentRow")
		}
		sid := removeSpecialChars(id, 200)
		out.Set(sid, props)
		if Truthy(onClick) {
			assignProperty(out.Get(sid), "onClick", onClick)
		}
	}
	return out
}

// includes is v.includes(s) for a string or an array; other values have
// no includes method and throw.
func includes(v any, s string) bool {
	switch x := v.(type) {
	case string:
		return strings.Contains(x, s)
	case *Array:
		for _, it := range x.Items {
			if StrictEq(it, s) {
				return true
			}
		}
		return false
	}
	throwf("columnProps.onClick.includes is not a function")
	return false
}

// step44 is isSortableMigration: a table without isSortable gets true.
// A table that has it is not matched, so the walk goes on into its
// children.
func step44(_ *migration, root *Object) *Object {
	mapUntilMatch(root, func(w *Object) bool { return isTable(w) && !w.Has("isSortable") }, func(w *Object) {
		w.Set("isSortable", true)
	})
	return root
}

// step45 is migrateTableWidgetIconButtonVariant: iconButton columns
// without buttonVariant get TERTIARY. Object.keys on a missing
// primaryColumns throws.
func step45(_ *migration, root *Object) *Object {
	mapUntilMatch(root, isTable, func(w *Object) {
		pc := w.Get("primaryColumns")
		for _, key := range append([]string(nil), objectKeys(pc)...) {
			col := Prop(pc, key)
			if StrictEq(Prop(col, "columnType"), "iconButton") && !hasOwn(col, "buttonVariant") {
				assignProperty(col, "buttonVariant", "TERTIARY")
			}
		}
	})
	return root
}
