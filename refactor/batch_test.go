package refactor

import (
	"reflect"
	"testing"
)

func TestBatch(t *testing.T) {
	t.Parallel()
	entities := []BatchEntity{
		{Name: "Table1", Kind: "widget", Bindings: []BatchBinding{
			{Path: "tableData", Value: "{{Api1.data.users}}"},
			{Path: "label", Value: "Api1 rows: {{ Api1.data.length }} of {{ total }}"},
			{Path: "untouched", Value: "{{ Api10.data }}"},
			{Path: "broken", Value: "{{ Api1.data. }}"},
		}},
		{Name: "JSObject1", Kind: "jsobject", Bindings: []BatchBinding{
			{Path: "body", Value: "export default {\n\tf: () => Api1.run({Api1}),\n\tApi1: 1\n}"},
		}},
	}
	edits, total, err := Batch("Api1", "Users", entities)
	if err != nil {
		t.Fatal(err)
	}
	want := []BatchEdit{
		{Entity: "Table1", Path: "tableData", Value: "{{Users.data.users}}", RefactorCount: 1},
		{Entity: "Table1", Path: "label", Value: "Api1 rows: {{ Users.data.length }} of {{ total }}", RefactorCount: 1},
		{Entity: "JSObject1", Path: "body", Value: "export default {\n\tf: () => Users.run({Api1: Users}),\n\tApi1: 1\n}", RefactorCount: 2},
	}
	if !reflect.DeepEqual(edits, want) || total != 4 {
		t.Errorf("got %+v (%d)\nwant %+v", edits, total, want)
	}
	if _, _, err := Batch("Api1", "x-y", entities); err != ErrInvalidName {
		t.Errorf("invalid name accepted: %v", err)
	}
}
