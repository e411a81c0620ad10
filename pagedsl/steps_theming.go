package pagedsl

// Step 57 (57 -> 58), Appsmith's migrateStylingPropertiesForTheming: the
// legacy style enums become the CSS values app themes use. This file has
// the widget-level part; steps_theming_nested.go the table columns and
// the JSON form's button styles and schema items.

const (
	radiusNone    = "0px"
	radiusRounded = "0.375rem"
	radiusCircle  = "9999px"
	shadowNone    = "none"
	shadowColor   = "rgba(0, 0, 0, 0.25)"
	themeGreen    = "#03B365"
	themePrimary  = "{{appsmith.theme.colors.primaryColor}}"
	themeRadius   = "{{appsmith.theme.borderRadius.appBorderRadius}}"
)

// shadowPrefix maps the legacy VARIANT1..5 box shadows to their CSS
// offsets; the colour is appended.
var shadowPrefix = map[string]string{
	"VARIANT1": "0px 0px 4px 3px",
	"VARIANT2": "3px 3px 4px",
	"VARIANT3": "0px 1px 3px",
	"VARIANT4": "2px 2px 0px",
	"VARIANT5": "-2px -2px 0px",
}

// themeTextSize maps the legacy text sizes to rem; dynamic tells whether
// Appsmith also lists the property in dynamicPropertyPathList (the sizes
// a theme has no preset for).
var themeTextSize = map[string]struct {
	size    string
	dynamic bool
}{
	"PARAGRAPH2": {"0.75rem", true},
	"PARAGRAPH":  {"0.875rem", false},
	"HEADING3":   {"1rem", false},
	"HEADING2":   {"1.125rem", true},
	"HEADING1":   {"1.5rem", true},
}

const defaultTextSize = "0.875rem"

// widgetsWithPrimaryColor get the theme's primary colour as accentColor.
var widgetsWithPrimaryColor = map[string]bool{
	"DATE_PICKER_WIDGET2": true, "INPUT_WIDGET": true, "INPUT_WIDGET_V2": true,
	"LIST_WIDGET": true, "MULTI_SELECT_TREE_WIDGET": true, "DROP_DOWN_WIDGET": true,
	"TABS_WIDGET": true, "SINGLE_SELECT_TREE_WIDGET": true, "TABLE_WIDGET": true,
	"BUTTON_GROUP_WIDGET": true, "PHONE_INPUT_WIDGET": true, "CURRENCY_INPUT_WIDGET": true,
	"SELECT_WIDGET": true, "MULTI_SELECT_WIDGET_V2": true, "MULTI_SELECT_WIDGET": true,
}

// addDynamicProperty is Appsmith's addPropertyToDynamicPropertyPathList:
// {key: name} is appended to dynamicPropertyPathList (as a new array)
// unless an entry has that key. A list that is truthy but not an array
// throws (it has no .find), as does a null entry.
func addDynamicProperty(name string, w any) {
	list := Prop(w, "dynamicPropertyPathList")
	if Truthy(list) {
		arr, ok := list.(*Array)
		if !ok {
			throwf("(child.dynamicPropertyPathList || []).find is not a function")
		}
		for _, e := range arr.Items {
			if StrictEq(Prop(e, "key"), name) {
				return
			}
		}
	}
	assignProperty(w, "dynamicPropertyPathList", &Array{Items: append(spreadIter(list), keyEntry(name))})
}

// step57 visits every widget below the root, children after their parent,
// and always descends (there is no "stop when matched" here).
func step57(_ *migration, root *Object) *Object {
	themeWidgets(root)
	return root
}

func themeWidgets(dsl *Object) {
	mapChildren(dsl, true, func(c any) any {
		themeWidget(c)
		if w, ok := c.(*Object); ok && hasChildren(w) {
			themeWidgets(w)
		}
		return c
	})
}

// themeWidget migrates one child. A primitive or array child takes the
// assignments silently (the bundle is not strict code) and comes out
// unchanged; a null child throws reading borderRadius.
func themeWidget(c any) {
	typ := ""
	switch radius := Prop(c, "borderRadius"); radius {
	case "SHARP":
		assignProperty(c, "borderRadius", radiusNone)
	case "ROUNDED":
		assignProperty(c, "borderRadius", radiusRounded)
	case "CIRCLE":
		assignProperty(c, "borderRadius", radiusCircle)
		addDynamicProperty("borderRadius", c)
	default:
		typ, _ = Prop(c, "type").(string)
		if (typ == "CONTAINER_WIDGET" || typ == "FORM_WIDGET" || typ == "JSON_FORM_WIDGET") && Truthy(radius) {
			assignProperty(c, "borderRadius", ToString(radius)+"px")
			addDynamicProperty("borderRadius", c)
		} else {
			assignProperty(c, "borderRadius", radiusNone)
		}
	}

	shadow, _ := Prop(c, "boxShadow").(string)
	if prefix, ok := shadowPrefix[shadow]; ok {
		color := Prop(c, "boxShadowColor")
		if !Truthy(color) {
			color = shadowColor
		}
		assignProperty(c, "boxShadow", prefix+" "+ToString(color))
		addDynamicProperty("boxShadow", c)
	} else {
		assignProperty(c, "boxShadow", shadowNone)
	}

	typ, _ = Prop(c, "type").(string)
	// Past the assignments above, c is an object or an array.
	w, _ := c.(*Object)
	if typ == "TABLE_WIDGET" && w != nil {
		themeTable(w)
	}
	if typ == "JSON_FORM_WIDGET" && w != nil {
		themeJSONForm(w)
	}

	if size, _ := Prop(c, "fontSize").(string); size != "" {
		if ts, ok := themeTextSize[size]; ok {
			assignProperty(c, "fontSize", ts.size)
			if ts.dynamic {
				addDynamicProperty("fontSize", c)
			}
		}
	}
	labelSize, _ := Prop(c, "labelTextSize").(string)
	if ts, ok := themeTextSize[labelSize]; ok {
		assignProperty(c, "labelTextSize", ts.size)
		if ts.dynamic {
			addDynamicProperty("labelTextSize", c)
		}
	} else {
		assignProperty(c, "labelTextSize", defaultTextSize)
	}

	if w == nil {
		return
	}
	if widgetsWithPrimaryColor[typ] {
		w.Set("accentColor", themePrimary)
		appendToList(w, "dynamicBindingPathList", keyEntry("accentColor"))
	}
	switch typ {
	case "AUDIO_RECORDER_WIDGET":
		w.Set("borderRadius", radiusCircle)
		w.Set("accentColor", w.Get("backgroundColor"))
	case "FILE_PICKER_WIDGET_V2":
		w.Set("buttonColor", themeGreen)
	case "CHECKBOX_WIDGET", "CHECKBOX_GROUP_WIDGET", "SWITCH_WIDGET", "SWITCH_GROUP_WIDGET":
		w.Set("accentColor", themeGreen)
	case "TEXT_WIDGET":
		w.Set("fontFamily", "System Default")
	}
	switch typ {
	case "BUTTON_GROUP_WIDGET":
		w.Set("childStylesheet", buttonGroupChildStylesheet())
	case "JSON_FORM_WIDGET":
		w.Set("childStylesheet", jsonFormChildStylesheet())
	case "TABLE_WIDGET":
		w.Set("childStylesheet", tableChildStylesheet())
	}
}

// themeTextSizeDefault applies the text-size mapping to o[k] with the
// given fallback for unknown values ("" = leave unknown values alone) and
// reports whether the new value must be listed as dynamic.
func themeTextSizeDefault(o any, k, fallback string) (dynamic bool) {
	cur, _ := Prop(o, k).(string)
	if ts, ok := themeTextSize[cur]; ok {
		assignProperty(o, k, ts.size)
		return ts.dynamic
	}
	if fallback != "" {
		assignProperty(o, k, fallback)
	}
	return false
}

// The child stylesheets are module-level constants in Appsmith, shared by
// every widget; no later step mutates them, so a fresh copy per widget
// encodes the same.

func styleObject(kv ...string) *Object {
	o := NewObject()
	for i := 0; i+1 < len(kv); i += 2 {
		o.Set(kv[i], kv[i+1])
	}
	return o
}

func buttonGroupChildStylesheet() *Object {
	o := NewObject()
	o.Set("button", styleObject("buttonColor", themePrimary))
	return o
}

func tableChildStylesheet() *Object {
	o := NewObject()
	o.Set("button", styleObject("buttonColor", themePrimary, "borderRadius", themeRadius, "boxShadow", shadowNone))
	o.Set("menuButton", styleObject("menuColor", themePrimary, "borderRadius", themeRadius, "boxShadow", shadowNone))
	o.Set("iconButton", styleObject("menuColor", themePrimary, "borderRadius", themeRadius, "boxShadow", shadowNone))
	return o
}

func jsonFormChildStylesheet() *Object {
	accentRadiusShadow := []string{"accentColor", themePrimary, "borderRadius", themeRadius, "boxShadow", shadowNone}
	o := NewObject()
	o.Set("ARRAY", styleObject("accentColor", themePrimary, "borderRadius", themeRadius, "boxShadow", shadowNone,
		"cellBorderRadius", themeRadius, "cellBoxShadow", shadowNone))
	o.Set("OBJECT", styleObject("borderRadius", themeRadius, "boxShadow", shadowNone,
		"cellBorderRadius", themeRadius, "cellBoxShadow", shadowNone))
	o.Set("CHECKBOX", styleObject("accentColor", themePrimary, "borderRadius", themeRadius))
	for _, k := range []string{"CURRENCY_INPUT", "DATEPICKER", "EMAIL_INPUT", "MULTISELECT", "MULTILINE_TEXT_INPUT",
		"NUMBER_INPUT", "PASSWORD_INPUT", "PHONE_NUMBER_INPUT"} {
		o.Set(k, styleObject(accentRadiusShadow...))
	}
	o.Set("RADIO_GROUP", styleObject("accentColor", themePrimary, "boxShadow", shadowNone))
	o.Set("SELECT", styleObject(accentRadiusShadow...))
	o.Set("SWITCH", styleObject("accentColor", themePrimary, "boxShadow", shadowNone))
	o.Set("TEXT_INPUT", styleObject(accentRadiusShadow...))
	return o
}
