package pagedsl

import "strings"

// Widget property steps of the early chain: maps (3), tabs (5, 17), path
// lists (6), rich text (14), text styles (15) and default values (18).

// step3 (mapDataMigration) rewrites map markers and centres as
// {lat, long, title}, long taken from lng when truthy.
func step3(_ *migration, root *Object) *Object {
	mapData(root)
	return root
}

func latLong(v any) *Object {
	long := Prop(v, "lng")
	if !Truthy(long) {
		long = Prop(v, "long")
	}
	return newObject("lat", Prop(v, "lat"), "long", long, "title", Prop(v, "title"))
}

func latLongs(v any, what string) *Array {
	items := arrayMethod(v, what, "map")
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = latLong(it)
	}
	return &Array{Items: out}
}

func mapData(dsl *Object) {
	mapChildren(dsl, true, func(c any) any {
		w := asWidget(c, "type")
		if w == nil {
			return c
		}
		if isType(w, "MAP_WIDGET") {
			if v := w.Get("markers"); Truthy(v) {
				w.Set("markers", latLongs(v, "children.markers"))
			}
			if v := w.Get("defaultMarkers"); Truthy(v) {
				w.Set("defaultMarkers", latLongs(jsonParse(v), "defaultMarkers"))
			}
			for _, k := range [...]string{"selectedMarker", "mapCenter", "center"} {
				if v := w.Get(k); Truthy(v) {
					w.Set(k, latLong(v))
				}
			}
		} else if hasChildren(w) {
			mapData(w)
		}
		return c
	})
}

// truthyItems is arr.filter(Boolean).
func truthyItems(items []any) []any {
	out := make([]any, 0, len(items))
	for _, it := range items {
		if Truthy(it) {
			out = append(out, it)
		}
	}
	return out
}

// step5 (tabsWidgetTabsPropertyMigration) drops falsy children and gives
// every tab of a tabs widget the widgetId of its canvas; tabs are stored
// as a JSON string. Failures inside a tabs widget are swallowed.
func step5(_ *migration, root *Object) *Object {
	tabsProperty(root)
	return root
}

func tabsProperty(dsl *Object) {
	ch := dsl.Get("children")
	if isNullish(ch) {
		dsl.Set("children", Undefined)
		return
	}
	items := truthyItems(arrayMethod(ch, "currentDSL.children", "filter"))
	for i, c := range items {
		w, _ := c.(*Object)
		if w == nil {
			continue
		}
		if isType(w, "TABS_WIDGET") {
			tryJS(func() {
				tabs := w.Get("tabs")
				if s, ok := tabs.(string); ok {
					tabs = jsonParse(s)
				}
				tabItems := arrayMethod(tabs, "tabs", "map")
				newTabs := make([]any, len(tabItems))
				for j, tab := range tabItems {
					var found any = Undefined
					if kids := w.Get("children"); !isNullish(kids) {
						for _, tc := range truthyItems(arrayMethod(kids, "child.children", "filter")) {
							// tab.id is read inside find's callback: only
							// when there is a child to compare with.
							if StrictEq(Prop(tc, "tabId"), Prop(tab, "id")) {
								found = tc
								break
							}
						}
					}
					if Truthy(found) {
						assignProperty(tab, "widgetId", Prop(found, "widgetId"))
					}
					newTabs[j] = tab
				}
				w.Set("tabs", jsonStringify(&Array{Items: newTabs}))
			})
		}
		if ch := w.Get("children"); Truthy(ch) && Truthy(Prop(ch, "length")) {
			tabsProperty(w)
		}
		items[i] = w
	}
	dsl.Set("children", &Array{Items: items})
}

// step6 (dynamicPathListMigration) turns the dynamicBindings,
// dynamicTriggers and dynamicProperties maps of every widget into
// lists of {key}, children first.
func step6(_ *migration, root *Object) *Object {
	pathLists(root)
	return root
}

func pathLists(v any) any {
	w := asWidget(v, "children")
	if w == nil {
		return v
	}
	if ch := w.Get("children"); Truthy(ch) && Truthy(Prop(ch, "length")) {
		mapChildren(w, false, pathLists)
	}
	for _, p := range [...][2]string{
		{"dynamicBindings", "dynamicBindingPathList"},
		{"dynamicTriggers", "dynamicTriggerPathList"},
		{"dynamicProperties", "dynamicPropertyPathList"},
	} {
		if m := w.Get(p[0]); Truthy(m) {
			w.Set(p[1], keyList(objectKeys(m)))
			w.Delete(p[0])
		}
	}
	return v
}

// keyList is keys.map(key => ({key})).
func keyList(keys []string) *Array {
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = newObject("key", k)
	}
	return &Array{Items: out}
}

// step14 (rteDefaultValueMigration): rich text editors get inputType
// "html".
func step14(_ *migration, root *Object) *Object {
	forEachWidget(root, "type", func(w *Object) {
		if isType(w, "RICH_TEXT_EDITOR_WIDGET") {
			w.Set("inputType", "html")
		}
	})
	return root
}

// step15 (migrateTextStyleFromTextWidget) turns a text widget's textStyle
// into fontSize and fontStyle.
func step15(_ *migration, root *Object) *Object {
	mapUntilMatch(root, func(w *Object) bool { return isType(w, "TEXT_WIDGET") }, func(w *Object) {
		switch ts, _ := w.Get("textStyle").(string); ts {
		case "HEADING":
			w.Set("fontSize", "HEADING1")
			w.Set("fontStyle", "BOLD")
		case "BODY":
			w.Set("fontSize", "PARAGRAPH")
			w.Set("fontStyle", "")
		case "LABEL":
			w.Set("fontSize", "PARAGRAPH")
			w.Set("fontStyle", "BOLD")
		}
		w.Set("textColor", "#231F20")
		w.Delete("textStyle")
	})
	return root
}

// step17 (migrateTabsData) turns version-1 tabs widgets' `tabs` list into
// `tabsObj` keyed by tab id.
func step17(_ *migration, root *Object) *Object {
	tabsData(root)
	return root
}

func tabsData(v any) any {
	w := asWidget(v, "type")
	if w == nil {
		return v
	}
	if (isType(w, "TABS_WIDGET") || isType(w, "TABS_MIGRATOR_WIDGET")) && StrictEq(w.Get("version"), 1.0) {
		returned := false
		threw := tryJS(func() {
			if tabsToObject(w) {
				// Appsmith returns migrateTabsDataUsingMigrator(widget)
				// from inside its try block.
				returned = true
				tabsMigrator(w)
			}
		})
		if threw {
			w.Set("tabsObj", NewObject())
			w.Delete("tabs")
		} else if returned {
			return v
		}
	}
	if ch := w.Get("children"); Truthy(ch) && Truthy(Prop(ch, "length")) {
		mapChildren(w, false, tabsData)
	}
	return v
}

// tabsMigrator is migrateTabsDataUsingMigrator: version-1 tabs widgets
// become TABS_MIGRATOR_WIDGET, for the client to migrate.
func tabsMigrator(v any) any {
	w := asWidget(v, "type")
	if w == nil {
		return v
	}
	if isType(w, "TABS_WIDGET") && StrictEq(w.Get("version"), 1.0) {
		w.Set("type", "TABS_MIGRATOR_WIDGET")
		w.Set("version", 1.0)
	}
	if ch := w.Get("children"); Truthy(ch) && Truthy(Prop(ch, "length")) {
		mapChildren(w, false, tabsMigrator)
	}
	return v
}

// tabsToObject is the body of step 17's try block; it reports whether
// the bound tabs string was not JSON (the widget then goes to the
// migrator).
func tabsToObject(w *Object) (migrator bool) {
	w.Set("type", "TABS_WIDGET")
	tabsStr, bound := w.Get("tabs").(string)
	if !Truthy(w.Get("dynamicPropertyPathList")) {
		w.Set("dynamicPropertyPathList", &Array{})
	}
	if !Truthy(w.Get("dynamicBindingPathList")) {
		w.Set("dynamicBindingPathList", &Array{})
	}
	if bound {
		quoted := quoteBindings(tabsStr)
		var parsed any
		if tryJS(func() { parsed = jsonParse(quoted) }) {
			return true
		}
		w.Set("tabs", parsed)
		tabs := arrayMethod(parsed, "currentDSL.tabs", "filter")
		// DATA_BIND_REGEX_GLOBAL.test is stateful: after a match the next
		// search starts where that match ended.
		lastIndex := 0
		var props, bindable []any
		for _, each := range tabs {
			s := ToString(Prop(each, "isVisible"))
			end := bindingMatchEnd(s, lastIndex)
			if end < 0 {
				lastIndex = 0
				continue
			}
			lastIndex = end
			props = append(props, newObject("key", "tabsObj."+ToString(Prop(each, "id"))+".isVisible"))
		}
		for _, each := range arrayMethod(parsed, "currentDSL.tabs", "map") {
			bindable = append(bindable, newObject("key", "tabsObj."+ToString(Prop(each, "id"))+".isVisible"))
		}
		w.Set("dynamicPropertyPathList", &Array{Items: append(append([]any(nil), iterate(w.Get("dynamicPropertyPathList"), "currentDSL.dynamicPropertyPathList")...), props...)})
		w.Set("dynamicBindingPathList", &Array{Items: append(append([]any(nil), iterate(w.Get("dynamicBindingPathList"), "currentDSL.dynamicBindingPathList")...), bindable...)})
	}
	for _, k := range [...]string{"dynamicPropertyPathList", "dynamicBindingPathList"} {
		var kept []any
		for _, each := range arrayMethod(w.Get(k), "currentDSL."+k, "filter") {
			if !StrictEq(Prop(each, "key"), "tabs") {
				kept = append(kept, each)
			}
		}
		w.Set(k, &Array{Items: kept})
	}
	obj := NewObject()
	for i, tab := range arrayMethod(w.Get("tabs"), "currentDSL.tabs", "reduce") {
		id := ToString(Prop(tab, "id"))
		entry := NewObject()
		spreadInto(entry, tab)
		vis := Prop(tab, "isVisible")
		if vis == Undefined {
			vis = true
		}
		entry.Set("isVisible", vis)
		entry.Set("index", float64(i))
		next := obj.Clone()
		next.Set(id, entry)
		obj = next
	}
	w.Set("tabsObj", obj)
	w.Set("version", 2.0)
	w.Delete("tabs")
	return false
}

// quoteBindings is tabs.replace(DATA_BIND_REGEX_GLOBAL, w => `"${w}"`).
func quoteBindings(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(s[i+2:], "}}")
		if j < 0 {
			break
		}
		end := i + 2 + j + 2
		b.WriteString(s[:i])
		b.WriteByte('"')
		b.WriteString(s[i:end])
		b.WriteByte('"')
		s = s[end:]
	}
	b.WriteString(s)
	return b.String()
}

// bindingMatchEnd searches s for {{...}} from UTF-16 index from, as
// /{{([\s\S]*?)}}/g.test does with lastIndex = from: the end of the
// match, or -1.
func bindingMatchEnd(s string, from int) int {
	if from > StrLen(s) {
		return -1
	}
	i := IndexOf(s, "{{", from)
	if i < 0 {
		return -1
	}
	j := IndexOf(s, "}}", i+2)
	if j < 0 {
		return -1
	}
	return j + 2
}

// step18 (migrateInitialValues) gives form widgets default values; the
// defaults come first in key order, existing values win.
func step18(_ *migration, root *Object) *Object {
	initialValues(root)
	return root
}

var initialDefaults = map[string][]any{
	"INPUT_WIDGET":        {"isRequired", false, "isDisabled", false, "resetOnSubmit", false},
	"DROP_DOWN_WIDGET":    {"isRequired", false, "isDisabled", false},
	"DATE_PICKER_WIDGET2": {"minDate", "2001-01-01 00:00", "maxDate", "2041-12-31 23:59", "isRequired", false},
	"SWITCH_WIDGET":       {"isDisabled", false},
	"ICON_WIDGET":         {"isRequired", false},
	"VIDEO_WIDGET":        {"isRequired", false, "isDisabled", false},
	"CHECKBOX_WIDGET":     {"isDisabled", false, "isRequired", false},
	"RADIO_GROUP_WIDGET":  {"isDisabled", false, "isRequired", false},
	"FILE_PICKER_WIDGET":  {"isDisabled", false, "isRequired", false, "allowedFileTypes", nil},
}

func initialValues(dsl *Object) {
	mapChildren(dsl, true, func(c any) any {
		w := asWidget(c, "type")
		if w == nil {
			return c
		}
		typ, _ := w.Get("type").(string)
		if defaults, ok := initialDefaults[typ]; ok {
			out := NewObject()
			for i := 0; i < len(defaults); i += 2 {
				v := defaults[i+1]
				if v == nil {
					v = &Array{} // a fresh [] per widget
				}
				out.Set(defaults[i].(string), v)
			}
			spreadInto(out, w)
			return out
		}
		if hasChildren(w) {
			initialValues(w)
		}
		return c
	})
}
