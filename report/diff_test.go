package report

import (
	"reflect"
	"testing"
)

func TestDiffReports(t *testing.T) {
	t.Parallel()
	page := func(entities []Entity, cycles [][]string, unknown []Unknown) Page {
		return Page{Name: "P", Entities: entities, Cycles: cycles, Unknown: unknown}
	}
	w := func(name string) Entity { return Entity{Name: name, Kind: "widget", Type: "TEXT_WIDGET"} }
	q := func(name string) Entity { return Entity{Name: name, Kind: "action", Type: "DB"} }
	e := func(from, to string) Edge { return Edge{Page: "P", From: from, To: to, Kind: "binding"} }
	report := func(p Page, edges ...Edge) App {
		return App{App: "a", Pages: []Page{p}, Edges: edges}
	}
	type want struct {
		added, removed []string
		renamed        map[string]string
		edgesAdded     int
		edgesRemoved   int
		cyclesAdded    int
		cyclesFixed    int
		unknownAdded   int
		unknownFixed   int
	}
	for _, tt := range []struct {
		name     string
		old, cur App
		want     want
	}{
		{
			name: "a rename: the references follow",
			old:  report(page([]Entity{w("T1"), q("getUsers")}, nil, nil), e("T1.text", "getUsers.data")),
			cur:  report(page([]Entity{w("T1"), q("listUsers")}, nil, nil), e("T1.text", "listUsers.data")),
			want: want{renamed: map[string]string{"getUsers": "listUsers"}},
		},
		{
			name: "a rename with its own bindings",
			old:  report(page([]Entity{w("T1"), w("T2")}, nil, nil), e("T1.text", "T2.text"), e("T2.text", "T2.label")),
			cur:  report(page([]Entity{w("T1"), w("Title")}, nil, nil), e("T1.text", "Title.text"), e("Title.text", "Title.label")),
			want: want{renamed: map[string]string{"T2": "Title"}},
		},
		{
			name: "references changed too: removed and added",
			old:  report(page([]Entity{w("T1"), q("getUsers")}, nil, nil), e("T1.text", "getUsers.data")),
			cur:  report(page([]Entity{w("T1"), q("listUsers")}, nil, nil), e("T1.text", "listUsers.data.length")),
			want: want{added: []string{"listUsers"}, removed: []string{"getUsers"}, edgesAdded: 1, edgesRemoved: 1},
		},
		{
			name: "another kind: removed and added",
			old:  report(page([]Entity{w("T1"), q("getUsers")}, nil, nil), e("T1.text", "getUsers.data")),
			cur:  report(page([]Entity{w("T1"), {Name: "Users", Kind: "jsobject"}}, nil, nil), e("T1.text", "Users.data")),
			want: want{added: []string{"Users"}, removed: []string{"getUsers"}, edgesAdded: 1, edgesRemoved: 1},
		},
		{
			name: "no references: nothing tells a rename, removed and added",
			old:  report(page([]Entity{q("a")}, nil, nil)),
			cur:  report(page([]Entity{q("b")}, nil, nil)),
			want: want{added: []string{"b"}, removed: []string{"a"}},
		},
		{
			name: "two alike: ambiguous, removed and added",
			old:  report(page([]Entity{w("T1"), w("T2"), q("q")}, nil, nil), e("T1.text", "q.data"), e("T2.text", "q.data")),
			cur:  report(page([]Entity{w("A1"), w("A2"), q("q")}, nil, nil), e("A1.text", "q.data"), e("A2.text", "q.data")),
			want: want{added: []string{"A1", "A2"}, removed: []string{"T1", "T2"}, edgesAdded: 2, edgesRemoved: 2},
		},
		{
			name: "a cycle from another start is the same cycle",
			old:  report(page([]Entity{w("A"), w("B")}, [][]string{{"A.x", "B.y", "A.x"}}, nil), e("A.x", "B.y"), e("B.y", "A.x")),
			cur:  report(page([]Entity{w("A"), w("B")}, [][]string{{"B.y", "A.x", "B.y"}}, nil), e("A.x", "B.y"), e("B.y", "A.x")),
		},
		{
			name: "a cycle through a renamed entity is the same cycle",
			old:  report(page([]Entity{w("A"), w("B")}, [][]string{{"A.x", "B.y", "A.x"}}, nil), e("A.x", "B.y"), e("B.y", "A.x")),
			cur:  report(page([]Entity{w("A"), w("C")}, [][]string{{"A.x", "C.y", "A.x"}}, nil), e("A.x", "C.y"), e("C.y", "A.x")),
			want: want{renamed: map[string]string{"B": "C"}},
		},
		{
			name: "a cycle and an unknown reference fixed, another unknown added",
			old: report(page([]Entity{w("A"), w("B")}, [][]string{{"A.x", "B.y", "A.x"}}, []Unknown{{From: "A.x", Ref: "foo"}}),
				e("A.x", "B.y"), e("B.y", "A.x")),
			cur:  report(page([]Entity{w("A"), w("B")}, nil, []Unknown{{From: "B.y", Ref: "bar"}}), e("A.x", "B.y")),
			want: want{edgesRemoved: 1, cyclesFixed: 1, unknownFixed: 1, unknownAdded: 1},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := Compare(tt.old, tt.cur)
			var got want
			for _, p := range d.Pages {
				for _, e := range p.Added {
					got.added = append(got.added, e.Name)
				}
				for _, e := range p.Removed {
					got.removed = append(got.removed, e.Name)
				}
				for _, r := range p.Renamed {
					if got.renamed == nil {
						got.renamed = map[string]string{}
					}
					got.renamed[r.From] = r.To
				}
			}
			s := d.Summary
			got.edgesAdded, got.edgesRemoved, got.cyclesAdded, got.cyclesFixed = s.EdgesAdded, s.EdgesRemoved, s.CyclesAdded, s.CyclesFixed
			got.unknownAdded, got.unknownFixed = s.UnknownAdded, s.UnknownFixed
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
			if d.Fails() != (tt.want.cyclesAdded+tt.want.unknownAdded > 0) {
				t.Errorf("Fails() = %v", d.Fails())
			}
		})
	}
}

func TestDiffReportsPages(t *testing.T) {
	t.Parallel()
	old := App{App: "a", Pages: []Page{{Name: "Gone", Entities: []Entity{{Name: "X", Kind: "widget"}}}}}
	cur := App{App: "a", Pages: []Page{{Name: "New", Entities: []Entity{{Name: "Y", Kind: "widget"}},
		Cycles: [][]string{{"Y.a", "Y.a"}}}}}
	d := Compare(old, cur)
	if len(d.Pages) != 2 || d.Pages[0].Name != "New" || d.Pages[0].Status != "added" || d.Pages[1].Status != "removed" {
		t.Fatalf("pages %+v", d.Pages)
	}
	if d.Summary.EntitiesAdded != 1 || d.Summary.EntitiesRemoved != 1 || d.Summary.CyclesAdded != 1 || !d.Fails() {
		t.Errorf("summary %+v", d.Summary)
	}
}
