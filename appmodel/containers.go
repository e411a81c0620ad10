package appmodel

import "github.com/tidwall/gjson"

// Containers maps each widget of the page that sits inside another widget
// (a container, a form, a modal, a tab, a list) to that widget's name.
// Widgets on the page's main canvas are not in the map.
//
// Where the widget tree is whole (an export, a store's page), a widget's
// place in it says where it sits: under a canvas of another widget, or
// directly under it. The git format stores each widget in a file of its
// own, its canvases inline without their children; there a widget's
// parentId names the canvas it sits on, found in the children of the
// widget that owns it, as Appsmith and the store's import rebuild the tree.
func (p *Page) Containers() map[string]string {
	parents := map[string]string{}
	owner := map[string]string{} // widgetId of a canvas or widget → owning widget's name
	for _, w := range p.Widgets {
		if w.ID != "" {
			owner[w.ID] = w.Name
		}
		w.JSON.Get("children").ForEach(func(_, c gjson.Result) bool {
			if c.Get("type").Str != "CANVAS_WIDGET" {
				placeUnder(parents, c, w.Name)
				return true
			}
			if id := c.Get("widgetId").Str; id != "" {
				owner[id] = w.Name
			}
			c.Get("children").ForEach(func(_, gc gjson.Result) bool {
				placeUnder(parents, gc, w.Name)
				return true
			})
			return true
		})
	}
	for _, w := range p.Widgets {
		if _, placed := parents[w.Name]; placed {
			continue
		}
		if o, ok := owner[w.JSON.Get("parentId").Str]; ok && o != w.Name {
			parents[w.Name] = o
		}
	}
	return parents
}

// placeUnder records that the widget of a tree node sits in container.
func placeUnder(parents map[string]string, node gjson.Result, container string) {
	if name := node.Get("widgetName").Str; name != "" && name != container && node.Get("type").Str != "CANVAS_WIDGET" {
		parents[name] = container
	}
}
