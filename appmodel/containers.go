package appmodel

import (
	"path/filepath"

	"github.com/tidwall/gjson"
)

// Containers maps each widget of the page that sits inside another widget
// (a container, a form, a modal, a tab, a list) to that widget's name.
// Widgets on the page's main canvas are not in the map.
//
// A widget's parentId names the canvas it is drawn on, and a canvas is not
// an entity: it is inlined in the children of the widget that owns it, in
// both the git format and exports. So the owner of a canvas is found from
// the children lists; a parentId naming a widget directly (no canvas in
// between) is taken as it is. Without a parentId that resolves, the git
// format's folders say it: widgets/Form1/Input1.json sits in the widget of
// widgets/Form1/Form1.json.
func (p *Page) Containers() map[string]string {
	owner := map[string]string{} // widgetId of a canvas or widget → owning widget's name
	byDir := map[string]string{} // git format: folder → the widget whose own file it holds
	for _, w := range p.Widgets {
		if w.ID != "" {
			owner[w.ID] = w.Name
		}
		w.JSON.Get("children").ForEach(func(_, c gjson.Result) bool {
			if c.Get("type").Str == "CANVAS_WIDGET" {
				if id := c.Get("widgetId").Str; id != "" {
					owner[id] = w.Name
				}
			}
			return true
		})
		if ownFile(p, w) {
			if dir := filepath.Dir(w.File); filepath.Base(w.File) == filepath.Base(dir)+".json" {
				byDir[dir] = w.Name
			}
		}
	}
	parents := map[string]string{}
	for _, w := range p.Widgets {
		o, ok := owner[w.JSON.Get("parentId").Str]
		if !ok && ownFile(p, w) {
			dir := filepath.Dir(w.File)
			if byDir[dir] == w.Name {
				dir = filepath.Dir(dir)
			}
			o, ok = byDir[dir]
		}
		if ok && o != w.Name {
			parents[w.Name] = o
		}
	}
	return parents
}

// ownFile reports whether the widget is stored in a file of its own (the
// git format) rather than in the page's or the export's file.
func ownFile(p *Page, w *Widget) bool {
	return w.File != "" && w.File != p.File
}
