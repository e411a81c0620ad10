package appmodel

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

// DefaultProperties maps a widget type's meta properties to the default
// properties they start from (INPUT_WIDGET_V2: text → defaultText); nil when
// the type has none. The map is shared: read only.
func DefaultProperties(widgetType string) map[string]string {
	return metaDefaults[widgetType]
}
