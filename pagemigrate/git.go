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
		hadChildren := root.Has("children")
		var files []*widgetFile
		if i == 0 {
			// The widget files belong to the first layout.
			if files, err = assemble(p, root); err != nil {
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
		edits, err := splitBack(app, p, newRoot, files)
		if err != nil {
			return err
		}
		plan.Files = append(plan.Files, edits...)
		rootOut := newRoot.Clone()
		if i == 0 && !hadChildren {
			rootOut.Delete("children")
		}
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

// assemble puts the page's widget files under root: each widget goes into
// the children of the canvas its parentId names (the root when no canvas
// of the page has that id), in the model's file order.
func assemble(p *appmodel.Page, root *pagedsl.Object) ([]*widgetFile, error) {
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
		id := idOf(obj)
		if other, dup := seen[id]; dup {
			return nil, &PageError{Page: p.Name, Err: fmt.Errorf("%s and %s hold the same widgetId %q", other, w.File, id)}
		}
		seen[id] = w.File
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
		}
		kids.Items = append(kids.Items, f.obj)
	}
	return files, nil
}

// splitBack writes each widget of the migrated tree into the file it came
// from (found by widgetId), as Appsmith would: only canvas children kept,
// without their own children. A widget with no file, or a file whose
// widget is gone, means the migration changed the page's structure, which
// the git format cannot show; the page is refused.
func splitBack(app *appmodel.App, p *appmodel.Page, root *pagedsl.Object, files []*widgetFile) ([]refactor.FileEdits, error) {
	byID := make(map[string]*widgetFile, len(files))
	for _, f := range files {
		byID[idOf(f.obj)] = f
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
		if isRoot || isCanvas(n) || walkErr != nil {
			return
		}
		f, ok := byID[idOf(n)]
		if !ok || f.used {
			walkErr = &PageError{Page: p.Name, Err: fmt.Errorf("the migrated page has a widget %q (%s) that no widget file holds", idOf(n), pagedsl.ToString(n.Get("widgetName")))}
			return
		}
		f.used = true
		text, ok := app.FileText(f.w.File)
		if !ok {
			walkErr = &PageError{Page: p.Name, Err: fmt.Errorf("%s: the file's text was not kept", f.w.File)}
			return
		}
		obj := fileObject(n)
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

// fileObject is what a widget's own file holds: the widget with only its
// canvas children, each without children; a widget with other children
// loses the key (an empty list stays).
func fileObject(n *pagedsl.Object) *pagedsl.Object {
	obj := n.Clone()
	kids, ok := obj.Get("children").(*pagedsl.Array)
	if !ok || len(kids.Items) == 0 {
		return obj
	}
	var canvases []any
	for _, k := range kids.Items {
		c, ok := k.(*pagedsl.Object)
		if !ok || !isCanvas(c) {
			obj.Delete("children")
			continue
		}
		cc := c.Clone()
		cc.Delete("children")
		canvases = append(canvases, cc)
	}
	if len(canvases) > 0 {
		obj.Set("children", &pagedsl.Array{Items: canvases})
	}
	return obj
}
