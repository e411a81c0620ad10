package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/depgraph"
	"github.com/appsmith-rts/rts/refactor"
	"github.com/tidwall/gjson"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Derived marks a copy Appsmith derives from code the plan renamed and
// keeps beside it: a JS function action's body (the member's code), the
// jsonPathKeys of an action or of a page's on-load actions (the binding
// snippets it sends when running the action). Appsmith's server refreshes
// them when it saves the code; the store writes directly, so it renames
// them with the code. They are not counted again in RefactorCount.
const Derived refactor.ChangeKind = "derived"

// Change is one renamed place of a rename through the store.
type Change struct {
	Entity   string              `json:"entity"`
	Path     string              `json:"path"`
	Kind     refactor.ChangeKind `json:"kind"`
	Document string              `json:"document"` // collection/_id
	Count    int                 `json:"count"`
	Before   string              `json:"before"`
	After    string              `json:"after"`
}

// RenameResult is the plan of a rename and, unless it was a dry run, what
// was written.
type RenameResult struct {
	AppID         string        `json:"appId"`
	Page          string        `json:"page"`
	OldName       string        `json:"oldName"`
	NewName       string        `json:"newName"`
	Kind          appmodel.Kind `json:"kind"`
	DryRun        bool          `json:"dryRun"`
	Changes       []Change      `json:"changes"`
	RefactorCount int           `json:"refactorCount"`
	// Documents are those written, or that would be.
	Documents []string `json:"documents"`
	// Graph is what the rename did to the page's graph (empty on a dry
	// run).
	Graph depgraph.Change `json:"-"`
}

// ConflictError is a rename that found documents changed since they were
// read: nothing of it is left written. The model now holds the new
// documents, so planning again works on them.
type ConflictError struct {
	Documents []string // collection/_id
}

func (e *ConflictError) Error() string {
	return "store: rename conflict: changed since read: " + strings.Join(e.Documents, ", ")
}

// Test hooks: run between planning and the version check, and between the
// check and the write, to let a test be the concurrent writer.
var testHookBeforeVerify, testHookBeforeWrite func()

// Rename renames oldName to newName on a page of the app (page "" when only
// one page has it) everywhere it is referred to, as refactor.PlanRename
// plans it, plus what Appsmith derives from that code and keeps beside it
// (see Derived and derivedEdits). Errors of the plan (*refactor.Conflict, *refactor.NameError) come
// back as they are; a dry run writes nothing.
//
// The write is guarded, not transactional. Every document to write is read
// again and compared whole with the text the plan was made on; only then is
// each written ($set of the top-level fields that changed) with a filter on
// the version read, one bulk write per collection. A filter that matches
// nothing means someone wrote in between: the documents already written
// get their old fields back (filtered on the version just written) and the
// rename fails with *ConflictError. What remains possible: a writer that
// changes a document after the check without bumping updatedAt (Appsmith
// always bumps it) is overwritten in the fields the rename sets; a writer
// that changes a written document between the write and its undo keeps the
// rename in that document; and if MongoDB becomes unreachable in the middle
// of the writes, the documents written so far stay written (the error then
// wraps ErrUnavailable, and the next poll brings the model in line with
// whatever is stored).
func (s *Store) Rename(ctx context.Context, appID, page, oldName, newName string, dryRun bool) (*RenameResult, error) {
	a, err := s.lockApp(ctx, appID)
	if err != nil {
		return nil, err
	}
	defer a.mu.Unlock()
	res, texts, err := s.planRename(a, page, oldName, newName)
	if err != nil {
		s.metrics.renames.WithLabelValues("error").Inc()
		return nil, err
	}
	res.DryRun = dryRun
	if dryRun {
		s.metrics.renames.WithLabelValues("dry_run").Inc()
		return res, nil
	}
	ch, err := s.writeRename(ctx, a, texts)
	if err != nil {
		if _, ok := err.(*ConflictError); ok {
			s.metrics.renames.WithLabelValues("conflict").Inc()
		} else {
			s.metrics.renames.WithLabelValues("error").Inc()
		}
		return nil, err
	}
	s.metrics.renames.WithLabelValues("written").Inc()
	ch.Page = res.Page
	res.Graph = ch
	s.events.emit(Event{AppID: a.id, Page: res.Page, Kind: EventRenamed, Change: ch,
		OldName: oldName, NewName: newName, RefactorCount: res.RefactorCount})
	return res, nil
}

// planRename plans the rename on the model and computes each document's
// new text.
func (s *Store) planRename(a *appState, page, oldName, newName string) (*RenameResult, map[*document]string, error) {
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
	if len(pages) == 1 {
		if err := s.materialize(a, pages[0]); err != nil {
			return nil, nil, err
		}
	}
	plan, err := s.renamer.PlanRename(a.model, page, oldName, newName)
	if err != nil {
		return nil, nil, err
	}
	res := &RenameResult{AppID: a.id, Page: plan.Page, OldName: oldName, NewName: newName,
		Kind: plan.Kind, RefactorCount: plan.RefactorCount, Changes: []Change{}, Documents: []string{}}
	edits := map[*document][]refactor.Edit{}
	for _, f := range plan.Files {
		d := a.byFile[f.File]
		if d == nil || f.Before != d.text {
			return nil, nil, fmt.Errorf("store: rename planned on %s, which is not the text in memory", f.File)
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
		res.Changes = append(res.Changes, derivedEdits(a, p, plan, edits)...)
	}
	texts := map[*document]string{}
	for d, es := range edits {
		t, err := refactor.Apply(d.text, es)
		if err != nil {
			return nil, nil, fmt.Errorf("store: rename edits of %s: %w", d.key, err)
		}
		texts[d] = t
		res.Documents = append(res.Documents, d.key.String())
	}
	sort.Strings(res.Documents)
	return res, texts, nil
}

// materialize gives the planner the texts of a page's documents under the
// names the model's Locations use.
func (s *Store) materialize(a *appState, p *appmodel.Page) error {
	for _, d := range a.docs {
		if d.pageOf() == p.ID && d.key.coll != collApplication {
			a.model.SetFileText(d.file, d.text)
		}
	}
	return nil
}

// derivedEdits adds the edits of what Appsmith keeps beside the code on
// the page and the model leaves out (as exports and Appsmith's own graph
// do): on the JS function actions, the fullyQualifiedName of a renamed
// object's functions, a renamed member's name, and the copy of its body; on
// every action and on the page's on-load list, the jsonPathKeys; on the
// on-load list, the names of a renamed object's functions; and the
// validName older versions keep beside an action's name.
func derivedEdits(a *appState, p *appmodel.Page, plan *refactor.Plan, edits map[*document][]refactor.Edit) []Change {
	oldObj, oldFn, member := strings.Cut(plan.OldName, ".")
	newObj, newFn, _ := strings.Cut(plan.NewName, ".")
	var docs []*document
	for _, d := range a.docs {
		if d.key.coll == collAction && d.action.PageID == p.ID || d.key.coll == collPage && d.key.id == p.ID {
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
				if after, ok := renameCode(r.Str, plan.OldName, plan.NewName); ok {
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
		if d.key.coll == collPage {
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
func renameCode(code, oldName, newName string) (string, bool) {
	if r, err := refactor.Script(code, oldName, newName, false); err == nil {
		return r.Script, r.Count > 0
	}
	r, err := refactor.Script("("+code+")", oldName, newName, false)
	if err != nil || r.Count == 0 || !strings.HasPrefix(r.Script, "(") || !strings.HasSuffix(r.Script, ")") {
		return "", false
	}
	return r.Script[1 : len(r.Script)-1], true
}

// writeRename checks and writes the new texts; see Rename.
func (s *Store) writeRename(ctx context.Context, a *appState, texts map[*document]string) (depgraph.Change, error) {
	var none depgraph.Change
	if len(texts) == 0 {
		return none, nil
	}
	byColl := map[string][]*document{}
	for d := range texts {
		byColl[d.key.coll] = append(byColl[d.key.coll], d)
	}
	colls := make([]string, 0, len(byColl))
	for _, c := range appCollections {
		if ds := byColl[c]; len(ds) > 0 {
			slices.SortFunc(ds, func(x, y *document) int { return x.seq - y.seq })
			colls = append(colls, c)
		}
	}
	if testHookBeforeVerify != nil {
		testHookBeforeVerify()
	}

	// 1. Every document is still the one planned on.
	var stale []fetched
	var conflicts []string
	for _, c := range colls {
		got, err := s.fetchByID(ctx, c, ids(byColl[c]))
		if err != nil {
			return none, s.fail("rename", err)
		}
		for _, f := range got {
			d := a.docs[f.key]
			if f.raw == nil || d == nil || renderText(f.raw) != d.text {
				stale = append(stale, f)
				conflicts = append(conflicts, f.key.String())
			}
		}
	}
	if len(conflicts) > 0 {
		s.refresh(a, stale)
		sort.Strings(conflicts)
		return none, &ConflictError{Documents: conflicts}
	}
	if testHookBeforeWrite != nil {
		testHookBeforeWrite()
	}

	// 2. Write, collection by collection, each document on its version.
	now := bson.NewDateTimeFromTime(time.Now())
	var written []*document
	for _, c := range colls {
		models := make([]mongo.WriteModel, 0, len(byColl[c]))
		for _, d := range byColl[c] {
			set, err := setFields(d.text, texts[d])
			if err != nil {
				return none, fmt.Errorf("store: rename of %s: %w", d.key, err)
			}
			set = append(s.encodeDoc(set), bson.E{Key: fieldUpdatedAt, Value: now}, bson.E{Key: fieldVersion, Value: d.ver.next()})
			models = append(models, mongo.NewUpdateOneModel().SetFilter(d.ver.filter(d.rawID)).SetUpdate(bson.D{{Key: "$set", Value: set}}))
		}
		wctx, cancel := s.opCtx(ctx)
		res, err := s.coll(c).BulkWrite(wctx, models)
		cancel()
		if err != nil {
			return none, s.fail("rename", err)
		}
		written = append(written, byColl[c]...)
		if int(res.MatchedCount) != len(models) {
			return none, s.undoRename(ctx, a, written, texts, now)
		}
	}

	// 3. Read back what was written: the model and the graph follow it
	// the way they follow anyone's change.
	var fs []fetched
	for _, c := range colls {
		got, err := s.fetchByID(ctx, c, ids(byColl[c]))
		if err != nil {
			return none, s.fail("rename", err)
		}
		fs = append(fs, got...)
	}
	var ch depgraph.Change
	for _, ev := range s.apply(a, fs, EventRenamed) {
		ch.Merge(ev.Change)
	}
	return ch, nil
}

// undoRename puts back the documents a failed rename wrote and reports the
// ones that had changed.
func (s *Store) undoRename(ctx context.Context, a *appState, written []*document, texts map[*document]string, at bson.DateTime) error {
	var fs []fetched
	var conflicts []string
	byColl := map[string][]*document{}
	for _, d := range written {
		byColl[d.key.coll] = append(byColl[d.key.coll], d)
	}
	for _, c := range appCollections {
		ds := byColl[c]
		if len(ds) == 0 {
			continue
		}
		got, err := s.fetchByID(ctx, c, ids(ds))
		if err != nil {
			return s.fail("rename", err)
		}
		mine := map[string]bool{}
		for _, f := range got {
			d := a.docs[f.key]
			if f.raw != nil && d != nil {
				t, ok1 := f.raw.Lookup(fieldUpdatedAt).DateTimeOK()
				n, ok2 := f.raw.Lookup(fieldVersion).AsInt64OK()
				if ok1 && ok2 && t == int64(at) && n == d.ver.next() {
					mine[f.key.id] = true
					continue
				}
			}
			conflicts = append(conflicts, f.key.String())
		}
		var models []mongo.WriteModel
		for _, d := range ds {
			if !mine[d.key.id] {
				continue
			}
			set, err := setFields(texts[d], d.text)
			if err != nil {
				return fmt.Errorf("store: undoing the rename of %s: %w", d.key, err)
			}
			set = append(s.encodeDoc(set), bson.E{Key: fieldUpdatedAt, Value: bson.NewDateTimeFromTime(time.Now())},
				bson.E{Key: fieldVersion, Value: d.ver.next() + 1})
			filter := bson.D{{Key: "_id", Value: d.rawID}, {Key: fieldUpdatedAt, Value: at}, {Key: fieldVersion, Value: d.ver.next()}}
			models = append(models, mongo.NewUpdateOneModel().SetFilter(filter).SetUpdate(bson.D{{Key: "$set", Value: set}}))
		}
		if len(models) > 0 {
			wctx, cancel := s.opCtx(ctx)
			_, err := s.coll(c).BulkWrite(wctx, models)
			cancel()
			if err != nil {
				return s.fail("rename", fmt.Errorf("undoing a conflicting rename: %w", err))
			}
		}
		again, err := s.fetchByID(ctx, c, ids(ds))
		if err != nil {
			return s.fail("rename", err)
		}
		fs = append(fs, again...)
	}
	s.refresh(a, fs)
	sort.Strings(conflicts)
	return &ConflictError{Documents: conflicts}
}

// refresh applies documents found changed during a rename, so the next
// plan is made on them.
func (s *Store) refresh(a *appState, fs []fetched) {
	for _, ev := range s.apply(a, fs, EventGraph) {
		s.events.emit(ev)
	}
}

func ids(ds []*document) []bson.RawValue {
	out := make([]bson.RawValue, len(ds))
	for i, d := range ds {
		out[i] = d.rawID
	}
	return out
}

func renderText(r bson.Raw) string {
	b, err := bson.MarshalExtJSON(r, false, false)
	if err != nil {
		return ""
	}
	return string(b)
}

// setFields lists the top-level fields whose JSON differs from before to
// after, with their values parsed from after. Writing only these keeps the
// BSON types of every other field as stored.
func setFields(before, after string) (bson.D, error) {
	old := map[string]string{}
	gjson.Parse(before).ForEach(func(k, v gjson.Result) bool {
		old[k.Str] = v.Raw
		return true
	})
	changed := map[string]bool{}
	gjson.Parse(after).ForEach(func(k, v gjson.Result) bool {
		if raw, ok := old[k.Str]; !ok || raw != v.Raw {
			changed[k.Str] = true
		}
		return true
	})
	var doc bson.D
	if err := bson.UnmarshalExtJSON([]byte(after), false, &doc); err != nil {
		return nil, err
	}
	var set bson.D
	for _, e := range doc {
		if changed[e.Key] && e.Key != "_id" {
			set = append(set, e)
		}
	}
	return set, nil
}
