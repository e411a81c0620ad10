package pagedsl

import (
	_ "embed"
	"encoding/json"
)

// Step 12 -> 13 rebuilds every widget's dynamicBindingPathList from the
// bindable properties its type declares in Appsmith's property-pane
// configuration.

// widgetPathsJSON is derived from Appsmith's widget-configs.json by
// widgetpaths_gen.go (see there): per widget type, the controls that can
// give a binding path, in property-pane order.
//
//go:embed widgetpaths.json
var widgetPathsJSON []byte

type paneControl struct {
	Name     string        `json:"n"`
	Bind     bool          `json:"b"`
	Panel    *panelConfig  `json:"p"`
	Children []paneControl `json:"c"`
}

type panelConfig struct {
	ID       string        `json:"id"`
	Controls []paneControl `json:"c"`
}

var widgetPaths = func() map[string][]paneControl {
	var m map[string][]paneControl
	if err := json.Unmarshal(widgetPathsJSON, &m); err != nil {
		panic("pagedsl: widgetpaths.json: " + err.Error())
	}
	return m
}()

// prototypeNames are the properties every JS object inherits: looking a
// widget type up by one of these names finds a function, not undefined,
// so Appsmith's lookup does not throw and the type has no bindable paths.
var prototypeNames = map[string]bool{
	"constructor": true, "__proto__": true, "toString": true, "toLocaleString": true, "valueOf": true,
	"hasOwnProperty": true, "isPrototypeOf": true, "propertyIsEnumerable": true,
	"__defineGetter__": true, "__defineSetter__": true, "__lookupGetter__": true, "__lookupSetter__": true,
}

// paneControlsFor is the widget-config lookup by type; an unknown type
// throws as `widgetConfigs[type].propertyPaneConfig` does.
func paneControlsFor(typ any) []paneControl {
	key := ToString(typ)
	if c, ok := widgetPaths[key]; ok {
		return c
	}
	if _, isStr := typ.(string); isStr && prototypeNames[key] {
		return nil
	}
	throwf("Cannot read properties of undefined (reading 'propertyPaneConfig')")
	return nil
}

// bindingPaths is getAllPathsFromPropertyConfig's bindingPaths, in the
// key order Appsmith's object spreads leave them.
func bindingPaths(widget *Object, controls []paneControl) *orderedSet {
	paths := newOrderedSet()
	for i := range controls {
		c := &controls[i]
		if c.Bind {
			paths.add(c.Name)
		}
		if c.Panel != nil {
			paths.addAll(panelPaths(c, widget, c.Name))
		}
		if len(c.Children) > 0 {
			v := lodashGet(widget, c.Name)
			if v == Undefined {
				v = &Array{} // get's default
			}
			if isObj(v) {
				for _, key := range objectKeys(v) {
					for _, child := range c.Children {
						if child.Bind {
							paths.add(c.Name + "." + key + "." + child.Name)
						}
					}
				}
			}
		}
	}
	return paths
}

// panelPaths is childHasPanelConfig: one set of paths per item of the
// panel property, keyed by the item's id. Every merge there puts the new
// paths first, so the result runs backwards through the config.
func panelPaths(c *paneControl, widget any, basePath string) *orderedSet {
	paths := newPrepender()
	values := lodashGet(widget, c.Name)
	if !Truthy(values) {
		return paths.set()
	}
	for _, item := range objectValues(values) {
		itemPath := basePath + "." + ToString(Prop(item, c.Panel.ID))
		for i := range c.Panel.Controls {
			pc := &c.Panel.Controls[i]
			path := itemPath + "." + pc.Name
			if pc.Bind {
				paths.prepend(path)
			}
			if pc.Panel != nil {
				paths.prependAll(panelPaths(pc, item, path))
			}
		}
	}
	return paths.set()
}

// step12 is migrateIncorrectDynamicBindingPathLists: each widget is
// replaced by a shallow copy whose dynamicBindingPathList lists exactly
// the bindable paths holding a {{binding}}; children are migrated the
// same way into a new array.
func step12(_ *migration, root *Object) *Object {
	return rebuildBindingPaths(root)
}

func rebuildBindingPaths(v any) *Object {
	w, _ := v.(*Object)
	if w == nil {
		// {...child} of a primitive is an object without a type.
		Prop(v, "type")
		throwf("Cannot read properties of undefined (reading 'propertyPaneConfig')")
	}
	out := w.Clone()
	controls := paneControlsFor(w.Get("type"))
	list := &Array{}
	for _, p := range bindingPaths(w, controls).keys {
		if s, ok := lodashGet(out, p).(string); ok && isDynamicValue(s) {
			o := NewObject()
			o.Set("key", p)
			list.Items = append(list.Items, o)
		}
	}
	out.Set("dynamicBindingPathList", list)
	if ch := w.Get("children"); Truthy(ch) {
		items := arrayMethod(ch, "currentDSL.children", "map")
		kids := newChildren(out, len(items))
		for i, c := range items {
			kids.Items[i] = rebuildBindingPaths(c)
		}
		out.Set("children", kids)
	}
	return out
}
