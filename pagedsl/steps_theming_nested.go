package pagedsl

// Step 57, nested styles: the TABLE_WIDGET's own text size and its
// columns (mirrored into derivedColumns), and the JSON_FORM_WIDGET's
// submit/reset button styles and schema items.

// themeTable migrates a TABLE_WIDGET. Quirk kept: derivedColumns[key] is
// read for every column whether or not the column is derived, so a table
// with columns and no derivedColumns throws.
func themeTable(t *Object) {
	if themeTextSizeDefault(t, "textSize", defaultTextSize) {
		addDynamicProperty("textSize", t)
	}
	if !t.Has("primaryColumns") {
		return
	}
	columns := t.Get("primaryColumns")
	for _, key := range objectKeys(columns) {
		column := Prop(columns, key)
		derived := t.Has("derivedColumns") && inOperator(key, t.Get("derivedColumns"))
		derivedColumn := Prop(t.Get("derivedColumns"), key)
		// set writes a column property and, for a derived column, its copy.
		set := func(k string, v any) {
			assignProperty(column, k, v)
			if derived {
				assignProperty(derivedColumn, k, v)
			}
		}

		size, _ := Prop(column, "textSize").(string)
		if ts, ok := themeTextSize[size]; ok {
			set("textSize", ts.size)
			if ts.dynamic {
				addDynamicProperty("primaryColumns."+key+".textSize", t)
			}
		}

		if !Truthy(Prop(column, "borderRadius")) {
			set("borderRadius", radiusNone)
		}
		switch Prop(column, "borderRadius") {
		case "SHARP":
			set("borderRadius", radiusNone)
		case "ROUNDED":
			set("borderRadius", radiusRounded)
		case "CIRCLE":
			set("borderRadius", radiusCircle)
		}

		shadowColorValue := Prop(column, "boxShadowColor")
		colorIsBinding := isBinding(shadowColorValue)
		newColor := shadowColorValue
		if !Truthy(newColor) {
			newColor = shadowColor
		}
		if Truthy(Prop(column, "boxShadow")) {
			addDynamicProperty("primaryColumns."+key+".boxShadow", t)
		} else {
			set("boxShadow", shadowNone)
		}
		shadow, _ := Prop(column, "boxShadow").(string)
		if prefix, ok := shadowPrefix[shadow]; ok {
			if colorIsBinding {
				set("boxShadow", prefix+" "+shadowColor)
			} else {
				set("boxShadow", prefix+" "+ToString(newColor))
				if o, ok := column.(*Object); ok {
					o.Delete("boxShadowColor")
				}
			}
		}
	}
}

// themeJSONForm migrates a JSON_FORM_WIDGET's button styles (through
// lodash has/get/set paths) and its schema items.
func themeJSONForm(f *Object) {
	for _, styles := range []string{"submitButtonStyles", "resetButtonStyles"} {
		radiusPath := styles + ".borderRadius"
		if pathHas(f, styles, "borderRadius") {
			switch Prop(f.Get(styles), "borderRadius") {
			case "SHARP":
				lodashSet(f, styles+".borderRadius", radiusNone)
			case "ROUNDED":
				lodashSet(f, styles+".borderRadius", radiusRounded)
			case "CIRCLE":
				lodashSet(f, styles+".borderRadius", radiusCircle)
				addDynamicProperty(radiusPath, f)
			default:
				lodashSet(f, styles+".borderRadius", radiusNone)
			}
		} else {
			lodashSet(f, styles+".borderRadius", radiusNone)
		}

		shadowPath := styles + ".boxShadow"
		if pathHas(f, styles, "boxShadow") {
			shadow, _ := Prop(f.Get(styles), "boxShadow").(string)
			var color any
			if pathHas(f, styles, "boxShadowColor") {
				color = Prop(f.Get(styles), "boxShadowColor")
			}
			if !Truthy(color) {
				color = shadowColor
			}
			if prefix, ok := shadowPrefix[shadow]; ok {
				lodashSet(f, styles+".boxShadow", prefix+" "+ToString(color))
				addDynamicProperty(shadowPath, f)
			} else {
				lodashSet(f, styles+".boxShadow", shadowNone)
			}
		} else {
			lodashSet(f, styles+".boxShadow", shadowNone)
		}
	}

	if !f.Has("schema") {
		return
	}
	schema := shallowClone(f.Get("schema"))
	themeSchemaItem(f, Prop(schema, "__root_schema__"), "schema.__root_schema__")
	f.Set("schema", schema)
}

// themeSchemaItem is Appsmith's parseSchemaItem with the theming callback:
// the item first, then each of its children (their path named by the
// child's identifier, read even before the child is looked at, so a null
// child throws).
func themeSchemaItem(form *Object, item any, path string) {
	if Truthy(item) {
		if themeTextSizeDefault(item, "labelTextSize", defaultTextSize) {
			addDynamicProperty(path+".labelTextSize", form)
		}
		for _, d := range [][2]string{
			{"borderRadius", radiusNone},
			{"cellBorderRadius", radiusNone},
			{"boxShadow", shadowNone},
			{"cellBoxShadow", shadowNone},
			{"accentColor", themeGreen},
		} {
			if !hasOwn(item, d[0]) {
				assignProperty(item, d[0], d[1])
			}
		}
	}
	if !Truthy(item) || isEmptyValue(Prop(item, "children")) {
		return
	}
	for _, child := range ownValues(Prop(item, "children")) {
		childPath := path + ".children." + ToString(Prop(child, "identifier"))
		themeSchemaItem(form, child, childPath)
	}
}

// pathHas is lodash's has(o, "a.b") (lodash.go has get and set only).
func pathHas(o *Object, a, b string) bool {
	return o.Has(a) && hasOwn(o.Get(a), b)
}

// shallowClone is lodash's clone for JSON values.
func shallowClone(v any) any {
	switch x := v.(type) {
	case *Object:
		return x.Clone()
	case *Array:
		return &Array{Items: append([]any(nil), x.Items...)}
	}
	return v
}
