// Package pagemigrate brings the pages of an Appsmith app to the latest
// page-DSL version with package pagedsl, as Appsmith does when a page is
// opened: for an app on disk (a git-format folder, whose widget tree is
// spread over one file per widget, or a single-file export) it plans the
// new file texts, changing only the page DSLs and printing them in the
// files' own style; for a page DSL text (the import path) it migrates the
// text. It owns mapping DSLs to and from those layouts, not the steps.
package pagemigrate

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/pagedsl"
	"github.com/appsmith-rts/rts/refactor"
	"github.com/tidwall/gjson"
)

// Layout is what happened to one layout DSL of a page.
type Layout struct {
	Page string
	// Side is "unpublished" or "published" (exports keep both; the git
	// format only the unpublished one).
	Side  string
	Index int // the layout's index in the page's layouts
	// From is the root's version before (its JSON text; "none" when the
	// DSL had no version).
	From string
	// Ran lists the steps that ran (N = the step from N to N+1, 0 the
	// unversioned fix-up); empty when the page was already migrated.
	Ran []int
}

// String is the line `rts migrate` prints for the layout.
func (l Layout) String() string {
	name := l.Page
	if l.Side != "unpublished" || l.Index > 0 {
		name += fmt.Sprintf(" (%s layout %d)", l.Side, l.Index+1)
	}
	if len(l.Ran) == 0 {
		return fmt.Sprintf("%s: version %s, nothing to migrate", name, l.From)
	}
	return fmt.Sprintf("%s: version %s -> %d, %s", name, l.From, pagedsl.LatestVersion, StepsText(l.Ran))
}

// StepsText says which steps ran: "steps 53..93 (41 steps)" for a run,
// the list otherwise.
func StepsText(ran []int) string {
	if len(ran) == 1 {
		return fmt.Sprintf("step %d", ran[0])
	}
	contiguous := true
	for i := 1; i < len(ran); i++ {
		if ran[i] != ran[i-1]+1 {
			contiguous = false
		}
	}
	if contiguous {
		return fmt.Sprintf("steps %d..%d (%d steps)", ran[0], ran[len(ran)-1], len(ran))
	}
	parts := make([]string, len(ran))
	for i, n := range ran {
		parts[i] = fmt.Sprint(n)
	}
	return "steps " + strings.Join(parts, ",")
}

// Plan is the migration of a whole app: what happened to each layout and
// the file edits that write it (none when every page is up to date).
type Plan struct {
	Layouts []Layout
	Files   []refactor.FileEdits
}

// PageError is a page on which Appsmith's migration throws (or whose DSL
// cannot be read): nothing of the app is written.
type PageError struct {
	Page string
	Err  error
}

func (e *PageError) Error() string {
	return fmt.Sprintf("page %q: %v", e.Page, e.Err)
}

func (e *PageError) Unwrap() error { return e.Err }

// PlanApp migrates every page of app in memory and returns the edits
// that would write the result. Nothing is written (refactor.ApplyPlan
// writes the edits all or nothing).
func PlanApp(app *appmodel.App) (*Plan, error) {
	switch app.Format {
	case appmodel.FormatGit:
		return planGit(app)
	case appmodel.FormatExport:
		if app.Path == "" {
			return nil, errors.New("an export read from a stream has no file to migrate")
		}
		return planExport(app)
	}
	return nil, fmt.Errorf("unknown app format %v", app.Format)
}

// migrate runs the chain on a decoded DSL. A DSL holding a number JSON
// cannot (1e999, which parses as Infinity) is refused: written back it
// would become null, hiding what a store would reject.
func migrate(page string, dsl any) (any, []int, error) {
	if !finite(dsl) {
		return nil, nil, &PageError{Page: page, Err: errors.New("the DSL holds a number out of range")}
	}
	out, ran, err := pagedsl.Steps(dsl, pagedsl.Options{})
	if err != nil {
		var js *pagedsl.JSError
		if errors.As(err, &js) {
			return nil, nil, &PageError{Page: page, Err: fmt.Errorf("the migration throws on this page in Appsmith too (%v), so it cannot be migrated", js)}
		}
		return nil, nil, &PageError{Page: page, Err: err}
	}
	return out, ran, nil
}

func finite(v any) bool {
	switch x := v.(type) {
	case float64:
		return !math.IsInf(x, 0)
	case *pagedsl.Object:
		for _, k := range x.Keys() {
			if !finite(x.Get(k)) {
				return false
			}
		}
	case *pagedsl.Array:
		for _, it := range x.Items {
			if !finite(it) {
				return false
			}
		}
	}
	return true
}

// versionText is the root's version as its JSON text.
func versionText(dsl any) string {
	o, ok := dsl.(*pagedsl.Object)
	if !ok || o.Get("version") == pagedsl.Undefined {
		return "none"
	}
	return string(pagedsl.Encode(o.Get("version")))
}

// MigrateText migrates one page DSL given as JSON text (the import path).
// changed is false when no step ran; then out is "".
func MigrateText(page, dsl string) (out string, l Layout, changed bool, err error) {
	// Most pages are current: no need to decode them to find out (the
	// last of duplicate keys is the one JSON.parse keeps).
	var ver gjson.Result
	if gjson.Valid(dsl) {
		gjson.Parse(dsl).ForEach(func(k, v gjson.Result) bool {
			if k.Str == "version" {
				ver = v
			}
			return true
		})
	}
	if ver.Type == gjson.Number && ver.Num == pagedsl.LatestVersion {
		return "", Layout{Page: page, Side: "unpublished", From: ver.Raw}, false, nil
	}
	v, err := pagedsl.Decode([]byte(dsl))
	if err != nil {
		return "", Layout{}, false, &PageError{Page: page, Err: err}
	}
	l = Layout{Page: page, Side: "unpublished", From: versionText(v)}
	m, ran, err := migrate(page, v)
	if err != nil {
		return "", l, false, err
	}
	l.Ran = ran
	if len(ran) == 0 {
		return "", l, false, nil
	}
	return string(pagedsl.Encode(m)), l, true, nil
}

// planExport migrates the DSL of every layout of every page, published
// ones too (Appsmith migrates those when the page is viewed), each
// replaced in place in the export's text.
func planExport(app *appmodel.App) (*Plan, error) {
	text, ok := app.FileText(app.Path)
	if !ok {
		return nil, fmt.Errorf("%s: the export's text was not kept", app.Path)
	}
	doc := gjson.Parse(text)
	pr := printer{indent: indentUnit(text)}
	plan := &Plan{}
	var edits []refactor.Edit
	for _, entry := range doc.Get("pageList").Array() {
		name := entry.Get("unpublishedPage.name").Str
		for _, side := range []string{"unpublishedPage", "publishedPage"} {
			for i, layout := range entry.Get(side + ".layouts").Array() {
				raw := layout.Get("dsl")
				if !raw.IsObject() {
					continue
				}
				v, err := pagedsl.Decode([]byte(raw.Raw))
				if err != nil {
					return nil, &PageError{Page: name, Err: err}
				}
				l := Layout{Page: name, Side: strings.TrimSuffix(side, "Page"), Index: i, From: versionText(v)}
				out, ran, err := migrate(name, v)
				if err != nil {
					return nil, err
				}
				l.Ran = ran
				plan.Layouts = append(plan.Layouts, l)
				if len(ran) == 0 {
					continue
				}
				edits = append(edits, refactor.Edit{
					Start: raw.Index, End: raw.Index + len(raw.Raw),
					New: pr.render(out, raw, linePrefix(text, raw.Index)),
				})
			}
		}
	}
	if len(edits) > 0 {
		plan.Files = []refactor.FileEdits{{File: app.Path, Before: text, Edits: edits}}
	}
	return plan, nil
}
