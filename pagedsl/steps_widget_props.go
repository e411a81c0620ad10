package pagedsl

// Steps 26 to 56 that set or rename properties of single widget types
// (date pickers, dropdowns, inputs, buttons, menus, modals, maps, charts,
// checkbox and radio groups, text, phone and currency inputs), and the
// two skipped versions 47 and 50.

// step26 is migrateDatePickerMinMaxDate: a DATE_PICKER_WIDGET2 at widget
// version 2 still holding the old default min/max dates gets the new ones.
func step26(_ *migration, root *Object) *Object {
	eachWidget(root, func(w *Object) {
		if !isType(w, "DATE_PICKER_WIDGET2") || !StrictEq(w.Get("version"), 2.0) {
			return
		}
		if StrictEq(w.Get("minDate"), "2001-01-01 00:00") {
			w.Set("minDate", "1920-12-31T18:30:00.000Z")
		}
		if StrictEq(w.Get("maxDate"), "2041-12-31 23:59") {
			w.Set("maxDate", "2121-12-31T18:29:00.000Z")
		}
	})
	return root
}

// step27 is migrateFilterValueForDropDownWidget: a DROP_DOWN_WIDGET
// without isFilterable gets true.
func step27(_ *migration, root *Object) *Object {
	eachWidgetAssign(root, func(w *Object) {
		if isType(w, "DROP_DOWN_WIDGET") && !w.Has("isFilterable") {
			w.Set("isFilterable", true)
		}
	})
	return root
}

// step29 is migrateToNewMultiSelect: a multi-select DROP_DOWN_WIDGET
// becomes a MULTI_SELECT_WIDGET without isFilterable; every dropdown
// loses selectionType.
func step29(_ *migration, root *Object) *Object {
	eachWidget(root, func(w *Object) {
		if !isType(w, "DROP_DOWN_WIDGET") {
			return
		}
		if StrictEq(w.Get("selectionType"), "MULTI_SELECT") {
			w.Set("type", "MULTI_SELECT_WIDGET")
			w.Delete("isFilterable")
		}
		w.Delete("selectionType")
	})
	return root
}

// step33 is migrateMenuButtonWidgetButtonProperties: a MENU_BUTTON_WIDGET
// without menuStyle gets the primary solid style and isVisible.
func step33(_ *migration, root *Object) *Object {
	mapUntilMatch(root, func(w *Object) bool { return isType(w, "MENU_BUTTON_WIDGET") }, func(w *Object) {
		if !w.Has("menuStyle") {
			w.Set("menuStyle", "PRIMARY")
			w.Set("menuVariant", "SOLID")
			w.Set("isVisible", true)
		}
	})
	return root
}

// step34 is migrateButtonWidgetValidation (despite its name, for
// INPUT_WIDGET): validation true when absent.
func step34(_ *migration, root *Object) *Object {
	eachWidget(root, func(w *Object) {
		if isType(w, "INPUT_WIDGET") && !w.Has("validation") {
			w.Set("validation", true)
		}
	})
	return root
}

// step35 is migrateInputValidation: a boolean validation becomes "true"
// or "false"; anything else that is not a string becomes undefined (and
// vanishes from the JSON).
func step35(_ *migration, root *Object) *Object {
	eachWidget(root, func(w *Object) {
		if !isType(w, "INPUT_WIDGET") || !w.Has("validation") {
			return
		}
		switch v := w.Get("validation").(type) {
		case bool:
			w.Set("validation", ToString(v))
		case string:
		default:
			w.Set("validation", Undefined)
		}
	})
	return root
}

// step38 is migrateResizableModalWidgetProperties: a MODAL_WIDGET at
// widget version 1 gets a width and height from its size (large 532x600,
// anything else 456x240), version 2, and loses size.
func step38(_ *migration, root *Object) *Object {
	match := func(w *Object) bool {
		return isType(w, "MODAL_WIDGET") && StrictEq(w.Get("version"), 1.0)
	}
	mapUntilMatch(root, match, func(w *Object) {
		if StrictEq(w.Get("size"), "MODAL_LARGE") {
			w.Set("width", 532.0)
			w.Set("height", 600.0)
		} else {
			w.Set("width", 456.0)
			w.Set("height", 240.0)
		}
		w.Set("version", 2.0)
		w.Delete("size")
	})
	return root
}

// Colours of the old button styles (Appsmith's Colors constants).
const (
	colorDanger  = "#F22B2B"
	colorGreen   = "#03B365"
	colorWarning = "#FEB811"
	colorInfo    = "#6698FF"
	colorGray    = "#858282"
)

var styleColors = map[string]string{
	"DANGER":    colorDanger,
	"PRIMARY":   colorGreen,
	"WARNING":   colorWarning,
	"INFO":      colorInfo,
	"SECONDARY": colorGray,
}

func isButtonType(w *Object) bool {
	return isType(w, "BUTTON_WIDGET") || isType(w, "FORM_BUTTON_WIDGET") || isType(w, "ICON_BUTTON_WIDGET")
}

// step40 is revertButtonStyleToButtonColor: buttons' buttonStyle and
// menu buttons' menuStyle become a colour; table button columns get
// buttonColor = buttonStyle (undefined when missing, which removes a
// buttonColor they had).
func step40(_ *migration, root *Object) *Object {
	eachWidget(root, func(w *Object) {
		if isButtonType(w) && w.Has("buttonStyle") {
			style, _ := w.Get("buttonStyle").(string)
			if c, ok := styleColors[style]; ok {
				w.Set("buttonColor", c)
			} else {
				switch style {
				case "PRIMARY_BUTTON":
					w.Set("buttonColor", colorGreen)
				case "SECONDARY_BUTTON":
					w.Set("buttonColor", colorGreen)
					w.Set("buttonVariant", "SECONDARY")
				case "DANGER_BUTTON":
					w.Set("buttonColor", colorDanger)
				default:
					if !Truthy(w.Get("buttonColor")) {
						w.Set("buttonColor", colorGreen)
					}
				}
			}
			w.Delete("buttonStyle")
		}
		if isType(w, "MENU_BUTTON_WIDGET") && w.Has("menuStyle") {
			style, _ := w.Get("menuStyle").(string)
			if c, ok := styleColors[style]; ok {
				w.Set("menuColor", c)
			} else if !Truthy(w.Get("menuColor")) {
				w.Set("menuColor", colorGreen)
			}
			w.Delete("menuStyle")
			w.Delete("prevMenuStyle")
		}
		if isTable(w) && w.Has("primaryColumns") {
			pc := w.Get("primaryColumns")
			for _, key := range append([]string(nil), objectKeys(pc)...) {
				col := Prop(pc, key)
				if StrictEq(Prop(col, "columnType"), "button") {
					assignProperty(col, "buttonColor", Prop(col, "buttonStyle"))
					if o, ok := col.(*Object); ok {
						o.Delete("buttonStyle")
					}
				}
			}
		}
	})
	return root
}

// newVariant maps an old button variant: OUTLINE -> SECONDARY, GHOST ->
// TERTIARY, anything else (missing included) -> PRIMARY.
func newVariant(v any) string {
	switch {
	case StrictEq(v, "OUTLINE"):
		return "SECONDARY"
	case StrictEq(v, "GHOST"):
		return "TERTIARY"
	}
	return "PRIMARY"
}

// step41 is migrateButtonVariant: buttons' buttonVariant, menu buttons'
// menuVariant and table iconButton columns' buttonVariant are mapped
// to the new variants.
func step41(_ *migration, root *Object) *Object {
	eachWidget(root, func(w *Object) {
		if isButtonType(w) {
			w.Set("buttonVariant", newVariant(w.Get("buttonVariant")))
		}
		if isType(w, "MENU_BUTTON_WIDGET") {
			w.Set("menuVariant", newVariant(w.Get("menuVariant")))
		}
		if isTable(w) && w.Has("primaryColumns") {
			pc := w.Get("primaryColumns")
			for _, key := range append([]string(nil), objectKeys(pc)...) {
				col := Prop(pc, key)
				if StrictEq(Prop(col, "columnType"), "iconButton") {
					assignProperty(col, "buttonVariant", newVariant(Prop(col, "buttonVariant")))
				}
			}
		}
	})
	return root
}

// step42 is migrateMapWidgetIsClickedMarkerCentered: true when missing.
func step42(_ *migration, root *Object) *Object {
	mapUntilMatch(root, func(w *Object) bool { return isType(w, "MAP_WIDGET") }, func(w *Object) {
		if !w.Has("isClickedMarkerCentered") {
			w.Set("isClickedMarkerCentered", true)
		}
	})
	return root
}

// step43 is mapAllowHorizontalScrollMigration: a CHART_WIDGET's
// allowHorizontalScroll moves to allowScroll (undefined, so absent from
// the JSON, when it had none). Unlike most steps it keeps descending
// into matched widgets, but only through children that are arrays.
func step43(_ *migration, root *Object) *Object {
	chartScroll(root)
	return root
}

func chartScroll(dsl *Object) {
	mapChildren(dsl, true, func(c any) any {
		w := asWidget(c, "type")
		if w == nil {
			return c
		}
		if isType(w, "CHART_WIDGET") {
			w.Set("allowScroll", w.Get("allowHorizontalScroll"))
			w.Delete("allowHorizontalScroll")
		}
		if a, ok := w.Get("children").(*Array); ok && len(a.Items) > 0 {
			chartScroll(w)
		}
		return c
	})
}

// step46 is migrateCheckboxGroupWidgetInlineProperty: a
// CHECKBOX_GROUP_WIDGET at widget version 1 gets isInline and version 2.
func step46(_ *migration, root *Object) *Object {
	mapUntilMatch(root, func(w *Object) bool { return isType(w, "CHECKBOX_GROUP_WIDGET") }, func(w *Object) {
		if StrictEq(w.Get("version"), 1.0) {
			w.Set("isInline", true)
			w.Set("version", 2.0)
		}
	})
	return root
}

// skipped is a version Appsmith bumps without a migration: 47 (a bad
// table migration, redone as 51) and 50 (one that overwrote computed
// values).
func skipped(_ *migration, root *Object) *Object { return root }

// step48 is migrateRecaptchaType: buttons get recaptchaType V2 when
// recaptchaV2 is truthy, V3 otherwise, and lose recaptchaV2.
func step48(_ *migration, root *Object) *Object {
	match := func(w *Object) bool { return isType(w, "BUTTON_WIDGET") || isType(w, "FORM_BUTTON_WIDGET") }
	mapUntilMatch(root, match, func(w *Object) {
		if Truthy(w.Get("recaptchaV2")) {
			w.Set("recaptchaType", "V2")
		} else {
			w.Set("recaptchaType", "V3")
		}
		w.Delete("recaptchaV2")
	})
	return root
}

// step51 is migratePhoneInputWidgetAllowFormatting.
func step51(_ *migration, root *Object) *Object {
	mapUntilMatch(root, func(w *Object) bool { return isType(w, "PHONE_INPUT_WIDGET") }, func(w *Object) {
		w.Set("allowFormatting", true)
	})
	return root
}

// step52 is migrateModalIconButtonWidget: ICON_WIDGET becomes an
// ICON_BUTTON_WIDGET styled as the old icon; color becomes undefined.
func step52(_ *migration, root *Object) *Object {
	mapUntilMatch(root, func(w *Object) bool { return isType(w, "ICON_WIDGET") }, func(w *Object) {
		w.Set("type", "ICON_BUTTON_WIDGET")
		w.Set("buttonColor", "#2E3D49")
		w.Set("buttonVariant", "TERTIARY")
		w.Set("borderRadius", "SHARP")
		w.Set("color", Undefined)
	})
	return root
}

// step53 is migrateScrollTruncateProperties: TEXT_WIDGET shouldTruncate /
// shouldScroll become overflow TRUNCATE / SCROLL / NONE.
func step53(_ *migration, root *Object) *Object {
	mapUntilMatch(root, func(w *Object) bool { return isType(w, "TEXT_WIDGET") }, func(w *Object) {
		switch {
		case Truthy(w.Get("shouldTruncate")):
			w.Set("overflow", "TRUNCATE")
		case Truthy(w.Get("shouldScroll")):
			w.Set("overflow", "SCROLL")
		default:
			w.Set("overflow", "NONE")
		}
		w.Delete("shouldScroll")
		w.Delete("shouldTruncate")
	})
	return root
}

// renameProperty moves property from to `to` (undefined when missing)
// and renames the matching entries of both path lists.
func renameProperty(w *Object, from, to string) {
	w.Set(to, w.Get(from))
	w.Delete(from)
	for _, list := range []string{"dynamicPropertyPathList", "dynamicBindingPathList"} {
		l := w.Get(list)
		if !Truthy(l) {
			continue
		}
		a, ok := l.(*Array)
		if !ok {
			throwf("child.%s.forEach is not a function", list)
		}
		for _, p := range a.Items {
			if StrictEq(Prop(p, "key"), from) {
				assignProperty(p, "key", to)
			}
		}
	}
}

// step54 is migratePhoneInputWidgetDefaultDialCode: dialCode ->
// defaultDialCode.
func step54(_ *migration, root *Object) *Object {
	mapUntilMatch(root, func(w *Object) bool { return isType(w, "PHONE_INPUT_WIDGET") }, func(w *Object) {
		renameProperty(w, "dialCode", "defaultDialCode")
	})
	return root
}

// step55 is migrateCurrencyInputWidgetDefaultCurrencyCode: currencyCode
// -> defaultCurrencyCode.
func step55(_ *migration, root *Object) *Object {
	mapUntilMatch(root, func(w *Object) bool { return isType(w, "CURRENCY_INPUT_WIDGET") }, func(w *Object) {
		renameProperty(w, "currencyCode", "defaultCurrencyCode")
	})
	return root
}

// step56 is migrateRadioGroupAlignmentProperty: alignment "left" when
// missing.
func step56(_ *migration, root *Object) *Object {
	mapUntilMatch(root, func(w *Object) bool { return isType(w, "RADIO_GROUP_WIDGET") }, func(w *Object) {
		if !w.Has("alignment") {
			w.Set("alignment", "left")
		}
	})
	return root
}
