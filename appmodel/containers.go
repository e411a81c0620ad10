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
		pl := w.place
		if pl == nil {
			pl = placementOf(w.JSON)
		}
		parentIDs[i] = pl.parentID
		for _, k := range pl.kids {
			if k.typ != "CANVAS_WIDGET" {
				placeUnder(parents, k.treeFields, w.Name)
				continue
			}
			if k.id != "" {
				owner[k.id] = w.Name
			}
			for _, g := range k.grandkids {
				placeUnder(parents, g, w.Name)
			}
		}
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
}

// placement is what Containers reads of one widget: its parentId and its
// children in order, each canvas child with its own children. Children
// that place nothing (no name, not a canvas) are left out.
type placement struct {
	parentID string
	kids     []placedKid
}

type placedKid struct {
	treeFields
	grandkids []treeFields // a canvas's children
}

func (k placedKid) matters() bool { return k.typ == "CANVAS_WIDGET" || k.name != "" }

// placementOf reads a widget's placement from its JSON. Reading the
// members of each node once serves all five fields: each gjson.Get would
// skip again over the members before its key, the node's whole subtree
// among them.
func placementOf(w gjson.Result) *placement {
	f, children := treeFieldsOf(w)
	pl := &placement{parentID: f.parentID}
	children.ForEach(func(_, c gjson.Result) bool {
		cf, grandkids := treeFieldsOf(c)
		k := placedKid{treeFields: cf}
		if cf.typ == "CANVAS_WIDGET" {
			grandkids.ForEach(func(_, gc gjson.Result) bool {
				if gf, _ := treeFieldsOf(gc); gf.name != "" {
					k.grandkids = append(k.grandkids, gf)
				}
				return true
			})
		}
		if k.matters() {
			pl.kids = append(pl.kids, k)
		}
		return true
	})
	return pl
}

// placementIn is placementOf for node n of a tree.
func placementIn(t *jsonTree, n int32) *placement {
	f, children := treeFieldsIn(t, n)
	pl := &placement{parentID: f.parentID}
	for c := t.firstChild(children); c != 0; c = t.nodes[c].next {
		cf, grandkids := treeFieldsIn(t, c)
		k := placedKid{treeFields: cf}
		if cf.typ == "CANVAS_WIDGET" {
			for gc := t.firstChild(grandkids); gc != 0; gc = t.nodes[gc].next {
				if gf, _ := treeFieldsIn(t, gc); gf.name != "" {
					k.grandkids = append(k.grandkids, gf)
				}
			}
		}
		if k.matters() {
			pl.kids = append(pl.kids, k)
		}
	}
	return pl
}

// treeFieldKey numbers the members Containers reads; -1 for others.
func treeFieldKey(k string) int {
	switch k {
	case "type":
		return 0
	case "widgetId":
		return 1
	case "widgetName":
		return 2
	case "parentId":
		return 3
	case "children":
		return 4
	}
	return -1
}

// treeFieldsOf reads a node's fields and children in one pass over its
// members, the first of duplicate keys as gjson.Get would.
func treeFieldsOf(n gjson.Result) (treeFields, gjson.Result) {
	var f treeFields
	var children gjson.Result
	var seen [5]bool
	n.ForEach(func(k, v gjson.Result) bool {
		i := treeFieldKey(k.Str)
		if i < 0 || seen[i] {
			return true
		}
		seen[i] = true
		switch {
		case i == 4:
			children = v
		case v.Type == gjson.String:
			*f.field(i) = v.Str
		}
		return true
	})
	return f, children
}

// treeFieldsIn is treeFieldsOf for node n of a tree; children is -1 when
// there are none. Only an object has members: gjson's ForEach yields an
// array's elements with keys that are numbers, a scalar with an empty key.
func treeFieldsIn(t *jsonTree, n int32) (treeFields, int32) {
	var f treeFields
	children := int32(-1)
	if t.nodes[n].kind != '{' {
		return f, children
	}
	var seen [5]bool
	for c := t.firstChild(n); c != 0; c = t.nodes[c].next {
		i := treeFieldKey(t.key(c))
		if i < 0 || seen[i] {
			continue
		}
		seen[i] = true
		switch {
		case i == 4:
			children = c
		case t.nodes[c].kind == '"':
			*f.field(i) = t.result(c).Str
		}
	}
	return f, children
}

func (f *treeFields) field(i int) *string {
	return [...]*string{&f.typ, &f.id, &f.name, &f.parentID}[i]
}

// placeUnder records that the widget of a tree node sits in container.
func placeUnder(parents map[string]string, node treeFields, container string) {
	if node.name != "" && node.name != container && node.typ != "CANVAS_WIDGET" {
		parents[node.name] = container
	}
}
