package store

import (
	"strings"

	"github.com/appsmith-rts/rts/pagemigrate"
	"github.com/tidwall/gjson"
)

// ImportOptions are the choices of BuildImportWith.
type ImportOptions struct {
	// MigratePages brings page DSLs older than the latest page-DSL
	// version to it on the way in (every layout of an export, published
	// ones included; a git page's assembled widget tree), as Appsmith does
	// when a page is opened; ImportSet.Migrated and NotMigrated say what
	// happened. `rts import` sets it; the other imports store pages as
	// they are.
	MigratePages bool
}

// migrateEntry migrates the DSL of every layout (unpublished and
// published) of an export's page entry that is older than the latest
// version, and notes what it did in set.
func migrateEntry(entry gjson.Result, set *importTexts) gjson.Result {
	name := entry.Get("unpublishedPage.name").Str
	for _, side := range []string{"unpublishedPage", "publishedPage"} {
		layouts := entry.Get(side + ".layouts")
		if !layouts.IsArray() {
			continue
		}
		var raws []string
		changedAny := false
		for i, l := range layouts.Array() {
			raws = append(raws, l.Raw)
			dsl := l.Get("dsl")
			if !dsl.IsObject() {
				continue
			}
			out, rep, changed, err := pagemigrate.MigrateText(name, dsl.Raw)
			if err != nil {
				set.notMigrated = append(set.notMigrated, err)
				continue
			}
			if !changed {
				continue
			}
			rep.Side, rep.Index = strings.TrimSuffix(side, "Page"), i
			set.migrated = append(set.migrated, rep)
			raws[i] = rewrite(l, nil, member{"dsl", out})
			changedAny = true
		}
		if changedAny {
			entry = gjson.Parse(setPath(entry, []string{side, "layouts"}, "["+strings.Join(raws, ",")+"]"))
		}
	}
	return entry
}
