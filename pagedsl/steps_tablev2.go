package pagedsl

import (
	"bytes"
	"strings"
)

// Steps 60 to 93 on TABLE_WIDGET_V2 columns: validation objects, the
// inline-edit validation bindings (rewritten three times as the add-row
// and original-index features came), select options, menu-button item
// sources, column freezing, the table data JS mode, server-side
// filtering and the computed-value binding.

// step60: every TABLE_WIDGET_V2 column gets validation = {} (overwriting).
func step60(_ *migration, root *Object) *Object {
	mapUntilMatch(root, func(w *Object) bool { return isType(w, "TABLE_WIDGET_V2") }, func(w *Object) {
		columns := w.Get("primaryColumns")
		for _, key := range forInKeys(columns) {
			if hasOwnProp(columns, key) {
				assignProperty(Prop(columns, key), "validation", NewObject())
			}
		}
	})
	return root
}

// The isColumnEditableCellValid wrappers of step 66 (TABLE_ID and
// COLUMN_NAME are filled in). Their whitespace is part of the match.
const (
	validPrefixV1 = "{{\n  (\n    (editedValue, currentRow, currentIndex) => (\n"
	validPrefixV2 = "{{\n  (\n    (editedValue, currentRow, currentIndex, isNewRow) => (\n"
	validSuffixV1 = `
  ))
  (
    TABLE_ID.columnEditableCellValue.COLUMN_NAME || "",
    TABLE_ID.processedTableData[TABLE_ID.editableCell.index] ||
      Object.keys(TABLE_ID.processedTableData[0])
        .filter(key => ["__originalIndex__", "__primaryKey__"].indexOf(key) === -1)
        .reduce((prev, curr) => {
          prev[curr] = "";
          return prev;
        }, {}),
    TABLE_ID.editableCell.index)
}}
`
	// validSuffixV2 is also the "old" suffix step 89 replaces, and
	// validSuffixV3 its replacement.
	validSuffixV2 = `
    ))
    (
      (TABLE_ID.isAddRowInProgress ? TABLE_ID.newRow.COLUMN_NAME : TABLE_ID.columnEditableCellValue.COLUMN_NAME) || "",
      TABLE_ID.isAddRowInProgress ? TABLE_ID.newRow : (TABLE_ID.processedTableData[TABLE_ID.editableCell.ROW_INDEX] ||
        Object.keys(TABLE_ID.processedTableData[0])
          .filter(key => ["__originalIndex__", "__primaryKey__"].indexOf(key) === -1)
          .reduce((prev, curr) => {
            prev[curr] = "";
            return prev;
          }, {})),
      TABLE_ID.isAddRowInProgress ? -1 : TABLE_ID.editableCell.index,
      TABLE_ID.isAddRowInProgress
    )
  }}
  `
)

// fillTemplate substitutes the table name, column name and the row index
// expression (ROW_INDEX: "index" before step 89, "__originalIndex__"
// after) into a wrapper template.
func fillTemplate(tmpl, table, column, rowIndex string) string {
	return strings.NewReplacer("TABLE_ID", table, "COLUMN_NAME", column, "ROW_INDEX", rowIndex).Replace(tmpl)
}

// step66: bound isColumnEditableCellValid validations are unwrapped (the
// first occurrence of the old prefix and suffix removed) and wrapped in
// the add-row-aware function.
func step66(_ *migration, root *Object) *Object {
	traverse(root, func(w *Object) {
		if !isType(w, "TABLE_WIDGET_V2") {
			return
		}
		table := ToString(w.Get("widgetName"))
		columns := w.Get("primaryColumns")
		for _, column := range forInKeys(columns) {
			if !hasOwnProp(columns, column) {
				continue
			}
			validation := Prop(Prop(columns, column), "validation")
			if !Truthy(validation) {
				continue
			}
			value := Prop(validation, "isColumnEditableCellValid")
			if !Truthy(value) || !isBinding(value) {
				continue
			}
			s := mustString(value, "replace")
			binding := ReplaceFirst(s, validPrefixV1, "")
			binding = ReplaceFirst(binding, fillTemplate(validSuffixV1, table, column, "index"), "")
			assignProperty(validation, "isColumnEditableCellValid",
				validPrefixV2+binding+fillTemplate(validSuffixV2, table, column, "index"))
		}
	})
	return root
}

// mustString is a value a step calls a string method on: anything else
// (an array of one binding passes isDynamicValue) throws.
func mustString(v any, method string) string {
	s, ok := v.(string)
	if !ok {
		throwf("propertyValue.%s is not a function", method)
	}
	return s
}

// step71: select columns with bound selectOptions get them mapped per row
// over processedTableData. A table without primaryColumns throws.
func step71(_ *migration, root *Object) *Object {
	traverse(root, func(w *Object) {
		if !isType(w, "TABLE_WIDGET_V2") {
			return
		}
		var selects []any
		for _, c := range ownValues(w.Get("primaryColumns")) {
			if StrictEq(Prop(c, "columnType"), "select") {
				selects = append(selects, c)
			}
		}
		for _, c := range selects {
			options := Prop(c, "selectOptions")
			if Truthy(options) && isBinding(options) {
				assignProperty(c, "selectOptions", "{{"+ToString(w.Get("widgetName"))+
					".processedTableData.map((currentRow, currentIndex) => ( "+bindingToJS(options)+"))}}")
			}
		}
	})
	return root
}

// step74: menuButton columns get menuItemsSource STATIC when falsy.
func step74(_ *migration, root *Object) *Object {
	traverse(root, func(w *Object) {
		columns := w.Get("primaryColumns")
		if !isType(w, "TABLE_WIDGET_V2") || !Truthy(columns) {
			return
		}
		for _, key := range forInKeys(columns) {
			if !hasOwnProp(columns, key) {
				continue
			}
			c := Prop(columns, key)
			if StrictEq(Prop(c, "columnType"), "menuButton") && !Truthy(Prop(c, "menuItemsSource")) {
				assignProperty(c, "menuItemsSource", "STATIC")
			}
		}
	})
	return root
}

// step76: columns without sticky get "", and the table canFreezeColumn
// false and columnUpdatedAt = now (ms).
func step76(m *migration, root *Object) *Object {
	traverse(root, func(w *Object) {
		if !isType(w, "TABLE_WIDGET_V2") {
			return
		}
		if columns := w.Get("primaryColumns"); Truthy(columns) {
			for _, key := range forInKeys(columns) {
				c := Prop(columns, key)
				if !hasOwnProp(c, "sticky") {
					assignProperty(c, "sticky", "")
				}
			}
		}
		w.Set("canFreezeColumn", false)
		w.Set("columnUpdatedAt", m.nowMillis())
	})
	return root
}

// step77: select columns get allowSameOptionsInNewRow true.
func step77(_ *migration, root *Object) *Object {
	traverse(root, func(w *Object) {
		columns := w.Get("primaryColumns")
		if !isType(w, "TABLE_WIDGET_V2") || !Truthy(columns) {
			return
		}
		for _, c := range ownValues(columns) {
			if hasOwnProp(c, "columnType") && StrictEq(Prop(c, "columnType"), "select") {
				assignProperty(c, "allowSameOptionsInNewRow", true)
			}
		}
	})
	return root
}

// The validation wrappers of step 78 (TABLE_ID filled in).
const (
	ruleOldPrefix = "{{((isNewRow)=>("
	ruleNewPrefix = "{{\n          (\n            (isNewRow, currentIndex, currentRow) => (\n        "
	ruleOldSuffix = "))(TABLE_ID.isAddRowInProgress)}}"
	ruleNewSuffix = `
        ))
        (
          TABLE_ID.isAddRowInProgress,
          TABLE_ID.isAddRowInProgress ? -1 : TABLE_ID.editableCell.index,
          TABLE_ID.isAddRowInProgress ? TABLE_ID.newRow : (TABLE_ID.processedTableData[TABLE_ID.editableCell.index] ||
            Object.keys(TABLE_ID.processedTableData[0])
              .filter(key => ["__originalIndex__", "__primaryKey__"].indexOf(key) === -1)
              .reduce((prev, curr) => {
                prev[curr] = "";
                return prev;
              }, {}))
        )
      }}
      `
)

// step78Rules are the validations step 78 rewrites.
var step78Rules = map[string]bool{"min": true, "max": true, "regex": true, "errorMessage": true, "isColumnEditableCellRequired": true}

// step78: string validations lose ALL whitespace (even plain text, a
// quirk kept), then the short wrapper becomes the add-row-aware one. A
// table without primaryColumns throws.
func step78(_ *migration, root *Object) *Object {
	traverse(root, func(w *Object) {
		if !isType(w, "TABLE_WIDGET_V2") {
			return
		}
		table := ToString(w.Get("widgetName"))
		for _, c := range ownValues(w.Get("primaryColumns")) {
			if !hasOwnProp(c, "validation") {
				continue
			}
			validations := Prop(c, "validation")
			for _, name := range forInKeys(validations) {
				if !step78Rules[name] {
					continue
				}
				s, ok := Prop(validations, name).(string)
				if !ok {
					continue
				}
				s = stripJSSpace(s)
				s = ReplaceFirst(s, ruleOldPrefix, ruleNewPrefix)
				s = ReplaceFirst(s, fillTemplate(ruleOldSuffix, table, "", ""), fillTemplate(ruleNewSuffix, table, "", ""))
				assignProperty(validations, name, s)
			}
		}
	})
	return root
}

// step79: {key: "tableData"} is appended to dynamicPropertyPathList with
// concat: duplicates allowed, and a string list becomes the string plus
// "[object Object]".
func step79(_ *migration, root *Object) *Object {
	traverse(root, func(w *Object) {
		if !isType(w, "TABLE_WIDGET_V2") {
			return
		}
		entry := keyEntry("tableData")
		switch list := w.Get("dynamicPropertyPathList"); {
		case !Truthy(list):
			w.Set("dynamicPropertyPathList", NewArray(entry))
		default:
			switch x := list.(type) {
			case *Array:
				w.Set("dynamicPropertyPathList", &Array{Items: append(append([]any(nil), x.Items...), entry)})
			case string:
				w.Set("dynamicPropertyPathList", x+ToString(entry))
			default:
				throwf("(widget.dynamicPropertyPathList || []).concat is not a function")
			}
		}
	})
	return root
}

// step86: enableServerSideFiltering false (overwriting).
func step86(_ *migration, root *Object) *Object {
	traverse(root, func(w *Object) {
		if isType(w, "TABLE_WIDGET_V2") {
			w.Set("enableServerSideFiltering", false)
		}
	})
	return root
}

// The validation suffixes step 89 rewrites, for every validation but
// isColumnEditableCellValid (which uses validSuffixV2). ROW_INDEX as in
// fillTemplate.
const ruleSuffixV3 = `
    ))
    (
      TABLE_ID.isAddRowInProgress,
      TABLE_ID.isAddRowInProgress ? -1 : TABLE_ID.editableCell.index,
      TABLE_ID.isAddRowInProgress ? TABLE_ID.newRow : (TABLE_ID.processedTableData[TABLE_ID.editableCell.ROW_INDEX] ||
        Object.keys(TABLE_ID.processedTableData[0])
          .filter(key => ["__originalIndex__", "__primaryKey__"].indexOf(key) === -1)
          .reduce((prev, curr) => {
            prev[curr] = "";
            return prev;
          }, {}))
    )
  }}
  `

// step89Needle is in both suffixes step 89 replaces (ruleSuffixV3 and
// validSuffixV2, filled in), and needs no escaping in JSON.
var step89Needle = []byte(".isAddRowInProgress")

// step89Properties are the validations step 89 updates, in its order.
var step89Properties = []string{"regex", "errorMessage", "isColumnEditableCellRequired", "min", "max", "isColumnEditableCellValid"}

// step89: in bound validations the first occurrence of the trailing
// argument block that looks the row up by editableCell.index is replaced
// by one looking it up by editableCell.__originalIndex__. A truthy
// primitive validation throws (the `in` operator).
func step89(_ *migration, root *Object) *Object {
	traverse(root, func(w *Object) {
		if !isType(w, "TABLE_WIDGET_V2") {
			return
		}
		columns := w.Get("primaryColumns")
		table := ToString(w.Get("widgetName"))
		for _, column := range objectKeys(columns) {
			props := Prop(columns, column)
			if c, ok := props.(*Object); ok {
				// A validation object or array not read yet whose text
				// lacks what both suffixes hold has nothing to replace
				// (and cannot throw): left as text.
				if text, container, ok := c.rawText("validation"); ok && container && !bytes.Contains(text, step89Needle) {
					continue
				}
			}
			if !Truthy(Prop(props, "validation")) {
				continue
			}
			for _, p := range step89Properties {
				tmpl := ruleSuffixV3
				if p == "isColumnEditableCellValid" {
					tmpl = validSuffixV2
				}
				validation := Prop(props, "validation")
				if !inOperator(p, validation) {
					continue
				}
				value := Prop(validation, p)
				if !Truthy(value) || !isBinding(value) {
					continue
				}
				s := mustString(value, "replace")
				assignProperty(validation, p, ReplaceFirst(s,
					fillTemplate(tmpl, table, column, "index"),
					fillTemplate(tmpl, table, column, "__originalIndex__")))
			}
		}
	})
	return root
}

// step90 (run again as step 93): a column computedValue containing the
// old per-row map binding is rewritten into an IIFE that also works on an
// empty table. The root is visited too. Quirks kept: the prefix may occur
// anywhere (the cut still assumes it starts the value) and the tail cut
// is always 4 characters ("))}}").
func step90(_ *migration, root *Object) *Object {
	computeValueBinding(root)
	return root
}

// step93 repeats step 90 for tables dropped between versions 90 and 93.
func step93(m *migration, root *Object) *Object { return step90(m, root) }

func computeValueBinding(v any) {
	if StrictEq(Prop(v, "type"), "TABLE_WIDGET_V2") {
		w := v.(*Object)
		if columns := w.Get("primaryColumns"); Truthy(columns) {
			name := ToString(w.Get("widgetName"))
			prefix := "{{" + name + ".processedTableData.map((currentRow, currentIndex) => ("
			for _, key := range objectKeys(columns) {
				rewriteComputedValue(Prop(columns, key), name, prefix)
			}
		}
	}
	w, ok := v.(*Object)
	if !ok || !hasChildren(w) {
		return
	}
	items, _ := childItems(w, "map")
	out := newChildren(w, len(items))
	for i, c := range items {
		computeValueBinding(c)
		out.Items[i] = c
	}
	w.Set("children", out)
}

// computedNeedle is the part of rewriteComputedValue's prefix that
// needs no escaping in JSON.
var computedNeedle = []byte(".processedTableData.map((currentRow, currentIndex) => (")

// rewriteComputedValue rewrites column's computedValue when it holds
// prefix ("{{" + table + computedNeedle).
func rewriteComputedValue(column any, table, prefix string) {
	if c, ok := column.(*Object); ok {
		// A value not read yet whose text lacks the needle neither
		// holds the prefix nor is an array with it as an item: nothing
		// to do, and it stays text.
		if text, _, ok := c.rawText("computedValue"); ok && !bytes.Contains(text, computedNeedle) {
			return
		}
	}
	value := Prop(column, "computedValue")
	if !Truthy(value) || !isBinding(value) {
		return
	}
	switch x := value.(type) {
	case string:
		if !strings.Contains(x, prefix) {
			return
		}
		expr := Substring(x, StrLen(prefix), StrLen(x)-StrLen("))}}"))
		assignProperty(column, "computedValue", "{{(() => { const tableData = "+table+
			".processedTableData || []; return tableData.length > 0 ? tableData.map((currentRow, currentIndex) => ("+
			expr+")) : "+expr+" })()}}")
	case *Array:
		// Array.prototype.includes, then .substring on an array throws.
		for _, it := range x.Items {
			if StrictEq(it, prefix) {
				throwf("column.computedValue.substring is not a function")
			}
		}
	}
}
