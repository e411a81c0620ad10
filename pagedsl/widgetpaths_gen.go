//go:build ignore

// widgetpaths_gen derives widgetpaths.json, the table step 12 needs, from
// Appsmith's widget-configs.json (app/client/packages/dsl/src/migrate/
// helpers/widget-configs.json, the version of 2023-11-30, commit
// 71d67185c4, which Appsmith's migration used until 2024-03; the later
// versions change only labels). The upstream file stays out of the
// repository; run:
//
//	go run widgetpaths_gen.go /path/to/widget-configs.json > widgetpaths.json
//
// For every widget type it keeps only what migrateIncorrectDynamicBindingPathLists
// reads: the controls of the property pane in order (the legacy
// propertyPaneConfig when non-empty, else content then style sections),
// whether each is a pure binding (isBindProperty and not
// isTriggerProperty), the controls of its panel config (per-item paths,
// e.g. primaryColumns.<id>.computedValue) and of its object-valued
// children.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

type control struct {
	Name     string    `json:"n"`
	Bind     bool      `json:"b,omitempty"`
	Panel    *panel    `json:"p,omitempty"`
	Children []control `json:"c,omitempty"`
}

type panel struct {
	ID       string    `json:"id"`
	Controls []control `json:"c"`
}

type node = map[string]any

func name(n node) string {
	if s, ok := n["propertyName"].(string); ok {
		return s
	}
	return "undefined" // what JS makes of an undefined property name in a path
}

func isBind(n node) bool {
	b, _ := n["isBindProperty"].(bool)
	t, _ := n["isTriggerProperty"].(bool)
	return b && !t
}

func list(v any) []node {
	arr, _ := v.([]any)
	out := make([]node, 0, len(arr))
	for _, x := range arr {
		n, ok := x.(node)
		if !ok {
			fail("non-object config entry %v", x)
		}
		out = append(out, n)
	}
	return out
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "widgetpaths_gen: "+format+"\n", args...)
	os.Exit(1)
}

func panelOf(n node) *panel {
	pc, ok := n["panelConfig"].(node)
	if !ok || len(pc) == 0 {
		return nil
	}
	id, _ := pc["panelIdPropertyName"].(string)
	if id == "" {
		fail("panel of %s has no panelIdPropertyName", name(n))
	}
	sections := append(list(pc["contentChildren"]), list(pc["styleChildren"])...)
	if len(sections) == 0 {
		if _, ok := pc["children"].([]any); !ok {
			fail("panel of %s has no children", name(n))
		}
		sections = list(pc["children"])
	}
	p := &panel{ID: id}
	for _, s := range sections {
		if _, ok := s["children"].([]any); !ok {
			fail("panel section without children in %s", name(n))
		}
		for _, item := range list(s["children"]) {
			if _, isSection := item["sectionName"]; isSection {
				if _, ok := item["children"].([]any); !ok {
					fail("panel subsection without children in %s", name(n))
				}
				for _, c := range list(item["children"]) {
					p.add(panelControl(c))
				}
				continue
			}
			p.add(panelControl(item))
		}
	}
	return p
}

// add keeps the controls that can contribute a path.
func (p *panel) add(c control) {
	if c.Bind || c.Panel != nil {
		p.Controls = append(p.Controls, c)
	}
}

func panelControl(n node) control {
	return control{Name: name(n), Bind: isBind(n), Panel: panelOf(n)}
}

func main() {
	if len(os.Args) != 2 {
		fail("usage: go run widgetpaths_gen.go widget-configs.json")
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail("%v", err)
	}
	var configs map[string]node
	if err := json.Unmarshal(data, &configs); err != nil {
		fail("%v", err)
	}
	out := map[string][]control{}
	for typ, cfg := range configs {
		sections := list(cfg["propertyPaneConfig"])
		if len(sections) == 0 {
			sections = append(list(cfg["propertyPaneContentConfig"]), list(cfg["propertyPaneStyleConfig"])...)
		}
		controls := []control{}
		for _, s := range sections {
			for _, c := range list(s["children"]) {
				if _, ok := c["hidden"]; ok {
					fail("%s: hidden functions are not modelled", typ)
				}
				ctl := control{Name: name(c), Bind: isBind(c), Panel: panelOf(c)}
				for _, cc := range list(c["children"]) {
					ctl.Children = append(ctl.Children, control{Name: name(cc), Bind: isBind(cc)})
				}
				if !ctl.Bind && ctl.Panel == nil && len(ctl.Children) == 0 {
					continue // contributes no binding path
				}
				controls = append(controls, ctl)
			}
		}
		out[typ] = controls
	}
	types := make([]string, 0, len(out))
	for t := range out {
		types = append(types, t)
	}
	sort.Strings(types)
	fmt.Println("{")
	for i, t := range types {
		b, _ := json.Marshal(out[t])
		sep := ","
		if i == len(types)-1 {
			sep = ""
		}
		fmt.Printf("%q: %s%s\n", t, b, sep)
	}
	fmt.Println("}")
}
