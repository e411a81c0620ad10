package analysis

import "strings"

// The tables below are filled once and only read afterwards.

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

// reservedWords are JavaScript's reserved words (strict mode included) and
// the literal names no binding can redefine.
var reservedWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`break case catch class const continue debugger default delete do else
		enum export extends false finally for function if import in instanceof new null return super switch
		this throw true try typeof var void while with yield let static implements interface package private
		protected public await async of get set undefined NaN Infinity`) {
		m[w] = true
	}
	return m
}()

// IsReservedWord reports whether name is a JavaScript reserved word or a
// literal name (undefined, NaN, Infinity) that no binding can redefine.
func IsReservedWord(name string) bool { return reservedWords[name] }
