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
	parentIDs := make([]string, len(p.Widgets))
	for i, w := range p.Widgets {
		if w.ID != "" {
			owner[w.ID] = w.Name
		}
		wf := treeFieldsOf(w.JSON)
		parentIDs[i] = wf.parentID
		wf.children.ForEach(func(_, c gjson.Result) bool {
			cf := treeFieldsOf(c)
			if cf.typ != "CANVAS_WIDGET" {
				placeUnder(parents, cf, w.Name)
				return true
			}
			if cf.id != "" {
				owner[cf.id] = w.Name
			}
			cf.children.ForEach(func(_, gc gjson.Result) bool {
				placeUnder(parents, treeFieldsOf(gc), w.Name)
				return true
			})
			return true
		})
	}
	for i, w := range p.Widgets {
		if _, placed := parents[w.Name]; placed {
			continue
		}
		if o, ok := owner[parentIDs[i]]; ok && o != w.Name {
			parents[w.Name] = o
		}
	}
	return parents
}

// treeFields are the members of a widget tree node that Containers reads.
type treeFields struct {
	typ, id, name, parentID string
	children                gjson.Result
}

// treeFieldsOf reads them in one pass over the node's members, the first
// of duplicate keys as gjson.Get would: each Get would skip again over
// the members before its key, the node's whole subtree among them.
func treeFieldsOf(n gjson.Result) treeFields {
	var f treeFields
	var seen [5]bool
	n.ForEach(func(k, v gjson.Result) bool {
		i := -1
		switch k.Str {
		case "type":
			i = 0
		case "widgetId":
			i = 1
		case "widgetName":
			i = 2
		case "parentId":
			i = 3
		case "children":
			i = 4
		}
		if i < 0 || seen[i] {
			return true
		}
		seen[i] = true
		switch i {
		case 4:
			f.children = v
		default:
			if v.Type == gjson.String {
				*[]*string{&f.typ, &f.id, &f.name, &f.parentID}[i] = v.Str
			}
		}
		return true
	})
	return f
}

// placeUnder records that the widget of a tree node sits in container.
func placeUnder(parents map[string]string, node treeFields, container string) {
	if node.name != "" && node.name != container && node.typ != "CANVAS_WIDGET" {
		parents[node.name] = container
	}
}
