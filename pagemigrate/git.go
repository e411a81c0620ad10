package pagemigrate

import (
	"fmt"
	"strings"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/pagedsl"
	"github.com/appsmith-rts/rts/refactor"
	"github.com/tidwall/gjson"
)

// planGit migrates the pages of a git-format app. A page's DSL is spread
// over files: pages/<page>/<page>.json holds the root (without children)
// and widgets/**.json one widget each, with its canvases inline but
// without their children; a widget names its canvas by parentId. The tree
// is put together as Appsmith does before it calls the RTS, migrated, and
// cut back along the same lines (Appsmith's DSLTransformerHelper rule: a
// widget's file keeps only its canvas children, without theirs); only the
// files whose value changed are rewritten, in their own style (sorted
// keys).
func planGit(app *appmodel.App) (*Plan, error) {
	plan := &Plan{}
	for _, p := range app.Pages {
		if err := planGitPage(app, p, plan); err != nil {
			return nil, err
		}
	}
	return plan, nil
}

type widgetFile struct {
	w    *appmodel.Widget
	obj  *pagedsl.Object
	used bool
}

func planGitPage(app *appmodel.App, p *appmodel.Page, plan *Plan) error {
	pageText, ok := app.FileText(p.File)
	if !ok {
		return &PageError{Page: p.Name, Err: fmt.Errorf("%s: the page's text was not kept", p.File)}
	}
	doc := gjson.Parse(pageText)
	pr := printer{indent: indentUnit(pageText), sortKeys: true}
	var pageEdits []refactor.Edit
	for i, layout := range doc.Get("unpublishedPage.layouts").Array() {
		raw := layout.Get("dsl")
		if !raw.IsObject() {
			continue
		}
		v, err := pagedsl.Decode([]byte(raw.Raw))
		if err != nil {
			return &PageError{Page: p.Name, Err: fmt.Errorf("%s: %w", p.File, err)}
		}
		root := v.(*pagedsl.Object)
		var files []*widgetFile
		created := map[string]bool{}
		if i == 0 {
			// The widget files belong to the first layout.
			if files, err = assemble(p, root, created); err != nil {
				return err
			}
		}
		l := Layout{Page: p.Name, Side: "unpublished", Index: i, From: versionText(root)}
		out, ran, err := migrate(p.Name, root)
		if err != nil {
			return err
		}
		l.Ran = ran
		plan.Layouts = append(plan.Layouts, l)
		if len(ran) == 0 {
			continue
		}
		newRoot := out.(*pagedsl.Object)
		cut := cutter{files: map[string]bool{}, created: created}
		for _, f := range files {
			cut.files[keyOf(f.obj)] = true
		}
		edits, err := splitBack(app, p, newRoot, files, cut)
		if err != nil {
			return err
		}
		plan.Files = append(plan.Files, edits...)
		rootOut := cut.own(newRoot)
		orig, _ := pagedsl.Decode([]byte(raw.Raw))
		if !equalValues(rootOut, orig) {
			pageEdits = append(pageEdits, refactor.Edit{
				Start: raw.Index, End: raw.Index + len(raw.Raw),
				New: pr.render(rootOut, raw, linePrefix(pageText, raw.Index)),
			})
		}
	}
	if len(pageEdits) > 0 {
		plan.Files = append(plan.Files, refactor.FileEdits{File: p.File, Before: pageText, Edits: pageEdits})
	}
	return nil
}

func isCanvas(o *pagedsl.Object) bool {
	t, _ := o.Get("type").(string)
	return strings.HasPrefix(t, "CANVAS_WIDGET")
}

func idOf(o *pagedsl.Object) string { return pagedsl.ToString(o.Get("widgetId")) }

// keyOf identifies a widget of a page across the migration: its widgetId,
// or its widgetName when it has no id (hand-written apps; Appsmith's
// files are named after the widget, and names are unique on a page).
func keyOf(o *pagedsl.Object) string {
	if id, ok := o.Get("widgetId").(string); ok && id != "" {
		return "id " + id
	}
	return "name " + pagedsl.ToString(o.Get("widgetName"))
}

// assemble puts the page's widget files under root: each widget goes into
// the children of the canvas its parentId names (the root when no canvas
// of the page has that id), in the model's file order.
func assemble(p *appmodel.Page, root *pagedsl.Object, created map[string]bool) ([]*widgetFile, error) {
	canvases := map[string]*pagedsl.Object{idOf(root): root}
	files := make([]*widgetFile, 0, len(p.Widgets))
	seen := map[string]string{}
	for _, w := range p.Widgets {
		v, err := pagedsl.Decode([]byte(w.JSON.Raw))
		if err != nil {
			return nil, &PageError{Page: p.Name, Err: fmt.Errorf("%s: %w", w.File, err)}
		}
		obj, ok := v.(*pagedsl.Object)
		if !ok {
			return nil, &PageError{Page: p.Name, Err: fmt.Errorf("%s: a widget file must hold an object", w.File)}
		}
		key := keyOf(obj)
		if other, dup := seen[key]; dup {
			return nil, &PageError{Page: p.Name, Err: fmt.Errorf("%s and %s hold the same widget (%s)", other, w.File, key)}
		}
		seen[key] = w.File
		files = append(files, &widgetFile{w: w, obj: obj})
		if kids, ok := obj.Get("children").(*pagedsl.Array); ok {
			for _, k := range kids.Items {
				if c, ok := k.(*pagedsl.Object); ok && isCanvas(c) {
					canvases[idOf(c)] = c
				}
			}
		}
	}
	for _, f := range files {
		parent, ok := canvases[pagedsl.ToString(f.obj.Get("parentId"))]
		if !ok {
			parent = root
		}
		kids, ok := parent.Get("children").(*pagedsl.Array)
		if !ok {
			kids = &pagedsl.Array{}
			parent.Set("children", kids)
			created[keyOf(parent)] = true
		}
		kids.Items = append(kids.Items, f.obj)
	}
	return files, nil
}

// cutter knows which widgets of an assembled page came from files of
// their own (by widgetId) and which children lists assembly created.
type cutter struct {
	files, created map[string]bool
}

// own is what n's own text holds: n without the widgets below it that
// have files of their own (a children list that assembly created and
// that ends up empty goes too). Widgets stored inline stay inline, so a
// page of the older git format (the whole tree in the page file) is
// written back whole.
func (c cutter) own(n *pagedsl.Object) *pagedsl.Object {
	o := n.Clone()
	kids, ok := o.Get("children").(*pagedsl.Array)
	if !ok {
		return o
	}
	var out []any
	for _, k := range kids.Items {
		if ko, ok := k.(*pagedsl.Object); ok {
			if c.files[keyOf(ko)] {
				continue
			}
			out = append(out, c.own(ko))
			continue
		}
		out = append(out, k)
	}
	if len(out) == 0 && c.created[keyOf(n)] {
		o.Delete("children")
	} else {
		o.Set("children", &pagedsl.Array{Items: out})
	}
	return o
}

// splitBack writes each widget of the migrated tree that has a file of
// its own into that file (found by widgetId), without the widgets below
// it that have theirs: canvases stay inline, without their children, as
// Appsmith writes them. A file whose widget is gone means the migration
// changed the page's structure, which the files cannot show; the page is
// refused.
func splitBack(app *appmodel.App, p *appmodel.Page, root *pagedsl.Object, files []*widgetFile, cut cutter) ([]refactor.FileEdits, error) {
	byID := make(map[string]*widgetFile, len(files))
	for _, f := range files {
		byID[keyOf(f.obj)] = f
	}
	var out []refactor.FileEdits
	var walkErr error
	var walk func(n *pagedsl.Object, isRoot bool)
	walk = func(n *pagedsl.Object, isRoot bool) {
		if kids, ok := n.Get("children").(*pagedsl.Array); ok {
			for _, k := range kids.Items {
				if c, ok := k.(*pagedsl.Object); ok && walkErr == nil {
					walk(c, false)
				}
			}
		}
		if isRoot || walkErr != nil {
			return
		}
		f, ok := byID[keyOf(n)]
		if !ok {
			return // stored inline in its parent's text
		}
		if f.used {
			walkErr = &PageError{Page: p.Name, Err: fmt.Errorf("the migrated page has two widgets of %s (%s)", f.w.File, keyOf(n))}
			return
		}
		f.used = true
		text, ok := app.FileText(f.w.File)
		if !ok {
			walkErr = &PageError{Page: p.Name, Err: fmt.Errorf("%s: the file's text was not kept", f.w.File)}
			return
		}
		obj := cut.own(n)
		old := gjson.Parse(text)
		orig, _ := pagedsl.Decode([]byte(text))
		if equalValues(obj, orig) {
			return
		}
		pr := printer{indent: indentUnit(text), sortKeys: true}
		newText := pr.render(obj, old, "")
		if strings.HasSuffix(text, "\n") {
			newText += "\n"
		}
		out = append(out, refactor.FileEdits{File: f.w.File, Before: text, Edits: []refactor.Edit{{Start: 0, End: len(text), New: newText}}})
	}
	walk(root, true)
	if walkErr != nil {
		return nil, walkErr
	}
	for _, f := range files {
		if !f.used {
			return nil, &PageError{Page: p.Name, Err: fmt.Errorf("the widget in %s is not in the migrated page", f.w.File)}
		}
	}
	return out, nil
}
