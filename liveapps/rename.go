package liveapps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/depgraph"
	"github.com/appsmith-rts/rts/refactor"
	"github.com/appsmith-rts/rts/store"
)

// Derived marks a copy Appsmith derives from code the plan renamed and
// keeps beside it: a JS function action's body (the member's code), the
// jsonPathKeys of an action or of a page's on-load actions (the binding
// snippets it sends when running the action). Appsmith's server refreshes
// them when it saves the code; rts writes directly, so it renames them
// with the code. They are not counted again in RefactorCount.
const Derived refactor.ChangeKind = "derived"

// Change is one renamed place of a rename.
type Change struct {
	Entity   string
	Path     string
	Kind     refactor.ChangeKind
	Document string // collection/_id
	Count    int
	Before   string
	After    string
}

// RenameResult is the plan of a rename and, unless it was a dry run, what
// was written.
type RenameResult struct {
	AppID         string
	Page          string
	OldName       string
	NewName       string
	Kind          appmodel.Kind
	DryRun        bool
	Changes       []Change
	RefactorCount int
	// Documents are those written, or that would be (collection/_id).
	Documents []string
}

// ConflictError is a rename that found documents changed by someone else
// since they were read: nothing of it is written. The app now holds the
// new documents, so planning again works on them.
type ConflictError struct {
	Documents []string // collection/_id
}

func (e *ConflictError) Error() string {
	return "rename conflict: changed by someone else since read: " + strings.Join(e.Documents, ", ")
}

// Rename renames oldName to newName on a page of the app (page "" when
// only one page has it) everywhere it is referred to, as
// refactor.PlanRename plans it on the app in memory, plus what Appsmith
// derives from that code and keeps beside it (see Derived). The new name
// must be one Appsmith's editor accepts (checkRename). Errors of the plan
// (*refactor.Conflict, *refactor.NameError) come back as they are; a dry
// run writes nothing.
//
// The documents are written in one guarded write (store.Store.Write): all
// or none, even across a crash, and none if anyone else wrote one of them
// since it was read (*ConflictError). Once written, EventRenamed goes out
// and Rename returns; the graph then follows the written documents (the
// app locked meanwhile) and an EventGraph with Reason EventRenamed says
// what changed.
func (r *Room) Rename(ctx context.Context, appID, page, oldName, newName string, dryRun bool) (*RenameResult, error) {
	if err := checkRename(oldName, newName); err != nil {
		r.metrics.renames.WithLabelValues("refused").Inc()
		return nil, err
	}
	a, err := r.lockApp(ctx, appID)
	if err != nil {
		return nil, err
	}
	res, puts, err := r.planRename(a, page, oldName, newName)
	if err != nil {
		a.mu.Unlock()
		r.metrics.renames.WithLabelValues("refused").Inc()
		return nil, err
	}
	res.DryRun = dryRun
	if dryRun || len(puts) == 0 {
		a.mu.Unlock()
		r.metrics.renames.WithLabelValues("dry_run").Inc()
		return res, nil
	}
	written, err := r.st.Write(ctx, puts)
	var ce *store.ConflictError
	if errors.As(err, &ce) {
		defer a.mu.Unlock()
		r.metrics.renames.WithLabelValues("conflict").Inc()
		return nil, r.conflict(a, ce)
	}
	if err != nil {
		// Whether anything reached the store is not known (the store
		// settles a half-done write before its next one): the app is read
		// again on its next use.
		r.log.Info("rename not written; the app is read again on its next use", "app", a.id, "err", err)
		r.drop(a)
		a.mu.Unlock()
		r.metrics.renames.WithLabelValues("error").Inc()
		return nil, err
	}
	r.metrics.renames.WithLabelValues("written").Inc()
	// The rename is stored: editors hear of it now, and the answer goes
	// out while the graph follows the written documents. The app stays
	// locked until it has, so nothing reads or plans on it before.
	r.events.emit(Event{AppID: a.id, Page: res.Page, Kind: EventRenamed,
		OldName: oldName, NewName: newName, RefactorCount: res.RefactorCount})
	follow := func() {
		defer a.mu.Unlock()
		fs := make([]fetched, len(written))
		for i := range written {
			fs[i] = fetched{key: written[i].Key, doc: &written[i]}
			r.await(a, written[i])
		}
		events, bad := a.apply(fs, EventGraph)
		r.reportUnreadable(a, bad)
		var ch depgraph.Change
		for _, ev := range events {
			ch.Merge(ev.Change)
		}
		ch.Page = res.Page
		r.events.emit(Event{AppID: a.id, Page: res.Page, Kind: EventGraph, Reason: EventRenamed, Change: ch})
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		follow()
		return res, nil
	}
	r.applying.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.applying.Done()
		follow()
	}()
	return res, nil
}

// conflict takes in the documents someone else changed and reports them.
func (r *Room) conflict(a *appState, ce *store.ConflictError) error {
	fs := make([]fetched, len(ce.Changed))
	docs := make([]string, len(ce.Changed))
	for i := range ce.Changed {
		fs[i] = fetched{key: ce.Changed[i].Key, doc: &ce.Changed[i]}
		docs[i] = ce.Changed[i].Key.String()
		r.await(a, ce.Changed[i])
	}
	events, bad := a.apply(fs, EventGraph)
	r.reportUnreadable(a, bad)
	for _, ev := range events {
		r.events.emit(ev)
	}
	sort.Strings(docs)
	return &ConflictError{Documents: docs}
}

func (r *Room) reportUnreadable(a *appState, bad []error) {
	for _, err := range bad {
		r.metrics.unread.Inc()
		r.log.Warn("changed document not understood; keeping its last good state", "app", a.id, "err", err)
	}
}

// planRename plans the rename on the model and computes each document's
// new text; a.mu is held.
func (r *Room) planRename(a *appState, page, oldName, newName string) (*RenameResult, []store.Put, error) {
	root, _, _ := strings.Cut(oldName, ".")
	var pages []*appmodel.Page
	for _, p := range a.model.Pages {
		if page == "" || p.Name == page {
			if _, ok := p.EntityNames()[root]; ok {
				pages = append(pages, p)
			}
		}
	}
	// With one candidate page, PlanRename reads its documents; with none
	// or several it fails before reading anything.
	var mentions map[store.Key]bool
	if len(pages) == 1 {
		mentions = a.materialize(pages[0], root)
	}
	plan, err := r.renamer.PlanRename(a.model, page, oldName, newName)
	if err != nil {
		return nil, nil, err
	}
	res := &RenameResult{AppID: a.id, Page: plan.Page, OldName: oldName, NewName: newName,
		Kind: plan.Kind, RefactorCount: plan.RefactorCount, Changes: []Change{}, Documents: []string{}}
	edits := map[*document][]refactor.Edit{}
	for _, f := range plan.Files {
		d := a.byFile[f.File]
		if d == nil || f.Before != d.text {
			return nil, nil, fmt.Errorf("liveapps: rename planned on %s, which is not the text in memory", f.File)
		}
		edits[d] = append(edits[d], f.Edits...)
	}
	for _, c := range plan.Changes {
		doc := ""
		if d := a.byFile[c.File]; d != nil {
			doc = d.key.String()
		}
		res.Changes = append(res.Changes, Change{Entity: c.Entity, Path: c.Path, Kind: c.Kind, Document: doc,
			Count: c.Count, Before: c.Before, After: c.After})
	}
	if p := a.model.Page(plan.Page); p != nil {
		res.Changes = append(res.Changes, derivedEdits(r.renamer, a, p, plan, edits, mentions)...)
	}
	var puts []store.Put
	for d, es := range edits {
		t, err := refactor.Apply(d.text, es)
		if err != nil {
			return nil, nil, fmt.Errorf("liveapps: rename edits of %s: %w", d.key, err)
		}
		puts = append(puts, store.Put{Key: d.key, Rev: d.rev, Old: d.text, Text: t})
		res.Documents = append(res.Documents, d.key.String())
	}
	sort.Strings(res.Documents)
	slices.SortFunc(puts, func(x, y store.Put) int { return strings.Compare(x.Key.String(), y.Key.String()) })
	return res, puts, nil
}

// materialize gives the planner the texts of a page's documents that
// mention root (the others cannot hold a reference to it), under the names
// the model's Locations use, and returns which those are (nil: all).
func (a *appState) materialize(p *appmodel.Page, root string) map[store.Key]bool {
	var mentions map[store.Key]bool
	if indexable(root) {
		mentions = a.names.mentions(a, root)
	}
	for k, d := range a.docs {
		if d.pageOf() == p.ID && k.Coll != store.CollApplication && (mentions == nil || mentions[k]) {
			a.model.SetFileText(d.file, d.text)
		}
	}
	return mentions
}

// derivedEdits adds the edits of what Appsmith keeps beside the code on
// the page and the model leaves out (as exports and Appsmith's own graph
// do): on the JS function actions, the fullyQualifiedName of a renamed
// object's functions, a renamed member's name, and the copy of its body; on
// every action and on the page's on-load list, the jsonPathKeys; on the
// on-load list, the names of a renamed object's functions; and the
// validName older versions keep beside an action's name. Only documents
// that mention the old name are looked at (mentions; nil: all).
func derivedEdits(rn refactor.Renamer, a *appState, p *appmodel.Page, plan *refactor.Plan, edits map[*document][]refactor.Edit, mentions map[store.Key]bool) []Change {
	oldObj, oldFn, member := strings.Cut(plan.OldName, ".")
	newObj, newFn, _ := strings.Cut(plan.NewName, ".")
	var docs []*document
	for k, d := range a.docs {
		if mentions != nil && !mentions[k] {
			continue
		}
		if k.Coll == store.CollAction && d.action.PageID == p.ID || k.Coll == store.CollPage && k.ID == p.ID {
			docs = append(docs, d)
		}
	}
	slices.SortFunc(docs, func(x, y *document) int { return x.seq - y.seq })
	var out []Change
	for _, d := range docs {
		set := func(entity, path string, kind refactor.ChangeKind, r gjson.Result, value string) {
			if r.Type != gjson.String || r.Str == value {
				return
			}
			edits[d] = append(edits[d], refactor.Edit{Start: r.Index, End: r.Index + len(r.Raw), New: jsonQuote(value)})
			out = append(out, Change{Entity: entity, Path: path, Kind: kind, Document: d.key.String(),
				Count: 1, Before: r.Str, After: value})
		}
		code := func(entity, path string, r gjson.Result) {
			if r.Type == gjson.String && strings.Contains(r.Str, oldObj) {
				if after, ok := renameCode(rn, r.Str, plan.OldName, plan.NewName); ok {
					set(entity, path, Derived, r, after)
				}
			}
		}
		keys := func(entity, path string, list gjson.Result) {
			list.ForEach(func(_, k gjson.Result) bool {
				code(entity, path, k)
				return true
			})
		}
		// The on-load list names a JS function "Object.function".
		fnName := func(name string) string {
			obj, fn, ok := strings.Cut(name, ".")
			switch {
			case !ok:
			case !member && plan.Kind == appmodel.KindJSObject && obj == oldObj:
				return newObj + "." + fn
			case member && obj == oldObj && fn == oldFn:
				return oldObj + "." + newFn
			}
			return name
		}
		if d.key.Coll == store.CollPage {
			gjson.Get(d.text, "unpublishedPage.layouts").ForEach(func(_, layout gjson.Result) bool {
				layout.Get("layoutOnLoadActions").ForEach(func(_, step gjson.Result) bool {
					step.ForEach(func(_, act gjson.Result) bool {
						name := act.Get("name")
						set(p.Name, "layoutOnLoadActions", refactor.StoredKey, name, fnName(name.Str))
						keys(p.Name, "layoutOnLoadActions", act.Get("jsonPathKeys"))
						return true
					})
					return true
				})
				return true
			})
			continue
		}
		ad := d.action
		ua := gjson.Get(d.text, "unpublishedAction")
		entity := ua.Get("name").Str
		if ad.JSObject != "" {
			entity = ad.JSObject + "." + ad.JSFunction
			fqn := ua.Get("fullyQualifiedName")
			set(entity, "fullyQualifiedName", refactor.StoredKey, fqn, fnName(fqn.Str))
			if member && ad.JSObject == oldObj && ad.JSFunction == oldFn {
				set(entity, "name", refactor.EntityName, ua.Get("name"), newFn)
				if vn := ua.Get("validName"); vn.Str == oldFn {
					set(entity, "validName", refactor.StoredKey, vn, newFn)
				}
			}
			code(entity, "actionConfiguration.body", ua.Get("actionConfiguration.body"))
		}
		if vn := ua.Get("validName"); !member && ad.Action != nil && ad.Action.Name == oldObj && vn.Str == oldObj {
			// Older Appsmith versions keep the name twice.
			set(entity, "validName", refactor.StoredKey, vn, newObj)
		}
		keys(entity, "jsonPathKeys", ua.Get("jsonPathKeys"))
	}
	return out
}

// renameCode renames in a piece of code that stands alone: a binding
// snippet, or a function's source ("() => {…}" parses as a script,
// "function () {…}" only in parentheses).
func renameCode(rn refactor.Renamer, code, oldName, newName string) (string, bool) {
	if r, err := rn.Script(code, oldName, newName, false); err == nil {
		return r.Script, r.Count > 0
	}
	r, err := rn.Script("("+code+")", oldName, newName, false)
	if err != nil || r.Count == 0 || !strings.HasPrefix(r.Script, "(") || !strings.HasSuffix(r.Script, ")") {
		return "", false
	}
	return r.Script[1 : len(r.Script)-1], true
}
