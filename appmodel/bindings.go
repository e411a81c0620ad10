package appmodel

import (
	"github.com/appsmith-rts/rts/analysis"
	"github.com/tidwall/gjson"
)

// pathKeys lists the string keys of a dynamicBindingPathList-style array
// ([{"key": path}, …]), in order.
func pathKeys(list gjson.Result) []string {
	if !list.IsArray() {
		return nil
	}
	var keys []string
	list.ForEach(func(_, item gjson.Result) bool {
		if k := item.Get("key"); k.Type == gjson.String {
			keys = append(keys, k.Str)
		}
		return true
	})
	return keys
}

func makeBinding(entity, path, node string, kind BindingKind, file string, v jsValue) Binding {
	b := Binding{Entity: entity, Path: path, Node: node, Kind: kind}
	s, ok := toJSString(v)
	b.Value = s
	switch {
	case !ok:
		b.Loc = Location{File: file, Start: -1, End: -1, Encoding: NoValue}
	case v.kind == valJSON:
		enc := JSONOther
		if v.json.Type == gjson.String {
			enc = JSONString
		}
		b.Loc = Location{File: file, Start: v.json.Index, End: v.json.Index + len(v.json.Raw), Encoding: enc}
	default:
		b.Loc = Location{File: file, Start: -1, End: -1, Encoding: Derived}
	}
	b.Snippets = analysis.SplitTemplate(b.Value)
	return b
}

// newWidget makes the widget of a DSL node; top is scratch space.
func newWidget(file string, doc gjson.Result, top *object) (*Widget, error) {
	return widgetOf(file, doc, top.reset(doc))
}

// widgetOf is newWidget with top already holding doc's members.
func widgetOf(file string, doc gjson.Result, top *object) (*Widget, error) {
	name := top.lookup("widgetName")
	if name.Type != gjson.String || name.Str == "" {
		return nil, fileErr(file, "widget at byte offset %d has no widgetName", doc.Index)
	}
	w := &Widget{Name: name.Str, Type: top.lookup("type").Str, ID: top.lookup("widgetId").Str, File: file, JSON: doc}
	buildWidgetBindings(w, top)
	return w, nil
}

// buildWidgetBindings reads dynamicBindingPathList, then the
// dynamicTriggerPathList keys that are not bindings too. top holds the
// widget's members.
func buildWidgetBindings(w *Widget, top *object) {
	bind := pathKeys(top.lookup("dynamicBindingPathList"))
	trig := pathKeys(top.lookup("dynamicTriggerPathList"))
	if len(bind)+len(trig) == 0 {
		return
	}
	seen := make(map[string]bool, len(bind)+len(trig))
	w.Bindings = make([]Binding, 0, len(bind)+len(trig))
	add := func(keys []string, kind BindingKind) {
		for _, k := range keys {
			if seen[k] {
				continue
			}
			seen[k] = true
			v := get(top, k, nil)
			w.Bindings = append(w.Bindings, makeBinding(w.Name, k, w.Name+"."+k, kind, w.File, v))
		}
	}
	add(bind, BindingWidget)
	add(trig, BindingTrigger)
}

// buildActionBindings reads each dynamicBindingPathList key under
// actionConfiguration; datasourceUrl is Appsmith's special case, stored on
// the datasource. top is scratch space.
func buildActionBindings(a *Action, top *object) {
	keys := pathKeys(a.JSON.Get("dynamicBindingPathList"))
	if len(keys) == 0 {
		return
	}
	config := top.reset(a.JSON.Get("actionConfiguration"))
	var first func(string) (jsValue, bool)
	if a.BodyFile != "" {
		first = func(k string) (jsValue, bool) {
			if k == "body" {
				return jsValue{kind: valString, str: a.Body}, true
			}
			return jsValue{}, false
		}
	}
	seen := make(map[string]bool, len(keys))
	a.Bindings = make([]Binding, 0, len(keys))
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		switch {
		case k == "datasourceUrl":
			url := a.JSON.Get("datasource.datasourceConfiguration.url")
			a.Bindings = append(a.Bindings, makeBinding(a.Name, k, a.Name+".datasourceUrl", BindingAction, a.File, jsonValue(url)))
		case k == "body" && a.BodyFile != "":
			b := makeBinding(a.Name, k, a.Name+".config.body", BindingAction, a.BodyFile, jsValue{kind: valString, str: a.Body})
			b.Loc = Location{File: a.BodyFile, Start: 0, End: len(a.Body), Encoding: Text}
			a.Bindings = append(a.Bindings, b)
		default:
			v := get(config, k, first)
			a.Bindings = append(a.Bindings, makeBinding(a.Name, k, a.Name+".config."+k, BindingAction, a.File, v))
		}
	}
}

// buildJSObjectBindings parses the body: one binding per member, whose
// single snippet is the member's code (Appsmith's JSAction branch of
// getDynamicBindings: trimmed, no {{ }} splitting).
func buildJSObjectBindings(j *JSObject) {
	members, err := analysis.ParseJSObject(j.Body)
	if err != nil {
		j.ParseErr = err
		return
	}
	j.Members = members
	j.Bindings = make([]Binding, 0, len(members))
	for _, m := range members {
		v := analysis.TrimJSSpace(m.Value)
		b := Binding{
			Entity: j.Name, Path: m.Key, Node: j.Name + "." + m.Key, Kind: BindingJSObject, Value: v,
			Loc: Location{File: j.BodyLoc.File, Start: m.ValueStart, End: m.ValueEnd, Encoding: InBody},
		}
		if v != "" {
			b.Snippets = []string{v}
		}
		j.Bindings = append(j.Bindings, b)
	}
}
