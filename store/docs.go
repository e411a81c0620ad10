package store

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// What the store reads in Appsmith's documents itself: which application a
// document belongs to, an application's name, pages and libraries, and
// whether it is deleted. Everything else is the model's business.

// appIDOf is the application a document belongs to.
func appIDOf(k Key, text string) string {
	switch k.Coll {
	case CollApplication:
		return k.ID
	case CollLibrary:
		return ""
	}
	return gjson.Get(text, "applicationId").Str
}

// libraryUIDs are the uidStrings of the custom JS libraries an application
// installs in its edited version.
func libraryUIDs(appText string) []string {
	var uids []string
	gjson.Get(appText, "unpublishedCustomJSLibs").ForEach(func(_, l gjson.Result) bool {
		if u := l.Get("uidString"); u.Type == gjson.String {
			uids = append(uids, u.Str)
		}
		return true
	})
	return uids
}

// softDeleted says whether Appsmith marks the document deleted: deletedAt
// set, or the older boolean deleted.
func softDeleted(text string) bool {
	r := gjson.GetMany(text, "deletedAt", "deleted")
	return r[0].Exists() && r[0].Type != gjson.Null || r[1].Type == gjson.True
}

// appInfo summarises an application document for List; ok is false for a
// deleted one.
func appInfo(id, text string) (AppInfo, bool) {
	if softDeleted(text) {
		return AppInfo{}, false
	}
	r := gjson.GetMany(text, "name", "pages.#", fieldUpdatedAt)
	a := AppInfo{ID: id, Name: r[0].Str, Pages: int(r[1].Int())}
	a.UpdatedAt = dateOf(r[2])
	return a, true
}

// dateOf reads a relaxed extended JSON date: {"$date":"RFC 3339"} or
// {"$date":{"$numberLong":"ms"}}.
func dateOf(v gjson.Result) time.Time {
	d := v.Get("$date")
	switch {
	case d.Type == gjson.String:
		t, err := time.Parse(time.RFC3339Nano, d.Str)
		if err == nil {
			return t.UTC()
		}
	case d.IsObject():
		return time.UnixMilli(d.Get("$numberLong").Int()).UTC()
	}
	return time.Time{}
}

// relaxedDate renders a time as a load renders a date (milliseconds).
func relaxedDate(t time.Time) string {
	b, err := bson.MarshalExtJSON(bson.D{{Key: "d", Value: bson.DateTime(t.UnixMilli())}}, false, false)
	if err != nil {
		return dateJSON(t)
	}
	return strings.TrimSuffix(strings.TrimPrefix(string(b), `{"d":`), "}")
}

// setUpdatedAt returns the document's text with its top-level updatedAt
// set to date (relaxedDate's rendering, which a write of many documents
// does once), in place when it has one, last when not.
func setUpdatedAt(text, date string) string {
	v := date
	r := gjson.Get(text, fieldUpdatedAt)
	if r.Exists() && r.Index > 0 {
		return text[:r.Index] + v + text[r.Index+len(r.Raw):]
	}
	end := strings.LastIndexByte(text, '}')
	if end < 0 {
		return text
	}
	sep := ","
	if strings.TrimSpace(text[1:end]) == "" {
		sep = ""
	}
	return text[:end] + sep + `"` + fieldUpdatedAt + `":` + v + text[end:]
}

// checkSize refuses a text whose BSON would exceed MongoDB's limit. BSON
// is at most about eight times the JSON text (a one-digit array element
// costs a type byte, its index as a key and four bytes): only texts that
// could cross the limit are converted to know.
func checkSize(k Key, text string) error {
	if !gjson.Valid(text) {
		return &InputError{Err: fmt.Errorf("%s: the new text is not JSON", k)}
	}
	if len(text) < MaxDocumentBytes/8 {
		return nil
	}
	if _, _, err := toBSON(text); err != nil {
		return &InputError{Err: fmt.Errorf("%s %w", k, err)}
	}
	return nil
}

// sortApps orders a list by name, then id.
func sortApps(apps []AppInfo) {
	slices.SortFunc(apps, func(a, b AppInfo) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// maxDepth is how deeply MongoDB lets documents nest.
const maxDepth = 100

// checkJSON makes sure MongoDB could hold a document given as extended
// JSON text and returns the text without the whitespace between tokens:
// valid JSON, finite numbers, nested at most 100 deep, and within 16 MB
// as BSON (converted to know only when the text is long enough to be
// near). The embedded store keeps the text it is given; MongoDB converts
// it when it writes.
func checkJSON(text string) (string, error) {
	if !gjson.Valid(text) {
		return "", fmt.Errorf("is not valid JSON")
	}
	b := make([]byte, 0, len(text))
	depth := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '"':
			j := i + 1
			for ; j < len(text); j++ {
				if text[j] == '\\' {
					j++
				} else if text[j] == '"' {
					break
				}
			}
			b = append(b, text[i:j+1]...)
			i = j
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		case c == '{' || c == '[':
			if depth++; depth > maxDepth {
				return "", fmt.Errorf("nests deeper than MongoDB's %d levels", maxDepth)
			}
			b = append(b, c)
		case c == '}' || c == ']':
			depth--
			b = append(b, c)
		case c == '-' || c >= '0' && c <= '9':
			j := i
			for j < len(text) && strings.IndexByte("+-0123456789.eE", text[j]) >= 0 {
				j++
			}
			num := text[i:j]
			if strings.ContainsAny(num, "eE") || len(num) > 15 {
				if f, err := strconv.ParseFloat(num, 64); err != nil || math.IsInf(f, 0) {
					return "", fmt.Errorf("holds the number %.40s, which no BSON number can hold", num)
				}
			}
			b = append(b, num...)
			i = j - 1
		default:
			b = append(b, c)
		}
	}
	out := string(b)
	if len(out) >= MaxDocumentBytes/8 {
		if _, _, err := toBSON(out); err != nil {
			return "", err
		}
	}
	return out, nil
}
