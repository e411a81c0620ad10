package depgraph

// metaDefaults maps, per widget type, a meta property (what the user changes
// at run time) to the default property it starts from, as Appsmith's widgets
// declare in getDefaultPropertiesMap (and the derived selections that follow
// them, e.g. a table's selectedRow follows selectedRowIndex). A reference to
// the meta property therefore depends on the default's binding:
// `Input1.text` reaches `Input1.defaultText`.
var metaDefaults = map[string]map[string]string{
	"INPUT_WIDGET":            {"text": "defaultText"},
	"INPUT_WIDGET_V2":         {"text": "defaultText"},
	"CURRENCY_INPUT_WIDGET":   {"text": "defaultText", "value": "defaultText", "currencyCode": "defaultCurrencyCode"},
	"PHONE_INPUT_WIDGET":      {"text": "defaultText", "value": "defaultText", "dialCode": "defaultDialCode"},
	"RICH_TEXT_EDITOR_WIDGET": {"text": "defaultText"},
	"SELECT_WIDGET":           {"selectedOptionValue": "defaultOptionValue", "selectedOptionLabel": "defaultOptionValue"},
	"DROP_DOWN_WIDGET":        {"selectedOptionValue": "defaultOptionValue", "selectedOptionValueArr": "defaultOptionValue", "selectedOptionLabel": "defaultOptionValue"},
	"MULTI_SELECT_WIDGET":     {"selectedOptionValues": "defaultOptionValue", "selectedOptionLabels": "defaultOptionValue"},
	"MULTI_SELECT_WIDGET_V2":  {"selectedOptionValues": "defaultOptionValue", "selectedOptionLabels": "defaultOptionValue"},
	"SINGLE_SELECT_TREE_WIDGET": {
		"selectedOptionValue": "defaultOptionValue", "selectedOptionLabel": "defaultOptionValue",
	},
	"MULTI_SELECT_TREE_WIDGET": {
		"selectedOptionValues": "defaultOptionValue", "selectedOptionLabels": "defaultOptionValue",
	},
	"RADIO_GROUP_WIDGET":    {"selectedOptionValue": "defaultOptionValue"},
	"CHECKBOX_WIDGET":       {"isChecked": "defaultCheckedState"},
	"SWITCH_WIDGET":         {"isSwitchedOn": "defaultSwitchState"},
	"CHECKBOX_GROUP_WIDGET": {"selectedValues": "defaultSelectedValues"},
	"SWITCH_GROUP_WIDGET":   {"selectedValues": "defaultSelectedValues"},
	"DATE_PICKER_WIDGET":    {"selectedDate": "defaultDate"},
	"DATE_PICKER_WIDGET2":   {"selectedDate": "defaultDate", "formattedDate": "defaultDate"},
	"RATE_WIDGET":           {"rate": "defaultRate"},
	"TABS_WIDGET":           {"selectedTab": "defaultTab"},
	"TABLE_WIDGET": {
		"selectedRowIndex": "defaultSelectedRow", "selectedRowIndices": "defaultSelectedRow",
		"selectedRow": "defaultSelectedRow", "selectedRows": "defaultSelectedRow", "searchText": "defaultSearchText",
	},
	"TABLE_WIDGET_V2": {
		"selectedRowIndex": "defaultSelectedRowIndex", "selectedRow": "defaultSelectedRowIndex",
		"selectedRowIndices": "defaultSelectedRowIndices", "selectedRows": "defaultSelectedRowIndices",
		"searchText": "defaultSearchText",
	},
	"NUMBER_SLIDER_WIDGET":   {"value": "defaultValue"},
	"RANGE_SLIDER_WIDGET":    {"start": "defaultStartValue", "end": "defaultEndValue"},
	"CATEGORY_SLIDER_WIDGET": {"value": "defaultOptionValue"},
	"MAP_WIDGET":             {"center": "mapCenter", "markers": "defaultMarkers"},
	"CUSTOM_WIDGET":          {"model": "defaultModel"},
	"CODE_SCANNER_WIDGET":    {"value": "defaultValue"},
	"LIST_WIDGET_V2":         {"selectedItemKey": "defaultSelectedItem"},
}

// knownGlobals are names a binding may use without an entity: JavaScript's
// built-ins, the browser objects Appsmith's evaluator exposes, Appsmith's
// global functions and objects, its bundled libraries, and the names the
// table and list widgets bind in their item templates.
var knownGlobals = func() map[string]bool {
	m := map[string]bool{}
	for _, names := range [][]string{
		// ECMAScript
		{"undefined", "NaN", "Infinity", "globalThis", "Object", "Function", "Array", "Number", "Boolean",
			"String", "Symbol", "BigInt", "Math", "JSON", "Date", "RegExp", "Error", "EvalError", "RangeError",
			"ReferenceError", "SyntaxError", "TypeError", "URIError", "AggregateError", "Promise", "Proxy",
			"Reflect", "Map", "Set", "WeakMap", "WeakSet", "WeakRef", "ArrayBuffer", "SharedArrayBuffer",
			"DataView", "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array",
			"Int32Array", "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array",
			"Intl", "Atomics", "parseInt", "parseFloat", "isNaN", "isFinite", "encodeURI", "encodeURIComponent",
			"decodeURI", "decodeURIComponent", "escape", "unescape", "eval", "arguments"},
		// Browser and worker objects the evaluator provides
		{"console", "setTimeout", "clearTimeout", "setInterval", "clearInterval", "queueMicrotask", "fetch",
			"atob", "btoa", "URL", "URLSearchParams", "Blob", "File", "FileReader", "FormData", "Headers",
			"TextEncoder", "TextDecoder", "crypto", "structuredClone", "location", "navigator", "self", "window",
			"document", "performance", "AbortController", "Event", "XMLHttpRequest", "Image"},
		// Appsmith
		{"appsmith", "showAlert", "showModal", "closeModal", "navigateTo", "storeValue", "removeValue",
			"clearStore", "download", "copyToClipboard", "resetWidget", "postWindowMessage",
			"windowMessageListener", "unlistenWindowMessage", "getGeoLocation", "watchGeoLocation",
			"stopWatchGeoLocation", "logoutUser", "assignRequest"},
		// Libraries Appsmith bundles
		{"_", "moment", "xmlParser", "forge", "Papa"},
		// Names bound by widget item templates
		{"currentRow", "currentIndex", "currentItem", "currentView", "currentValue", "level_1", "level_2",
			"level_3", "tableData", "selectedRow", "sourceData", "fieldState", "formData"},
	} {
		for _, n := range names {
			m[n] = true
		}
	}
	return m
}()

// IsKnownGlobal reports whether a reference root needs no entity.
func IsKnownGlobal(name string) bool { return knownGlobals[name] }
