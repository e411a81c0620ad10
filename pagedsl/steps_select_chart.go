package pagedsl

import "strings"

// Steps 62 to 92 on select and chart widgets, plus the AI chat widget
// and the version-only step 91: select default values and source data,
// chart label orientation, data-point labels and custom ECharts config.

// isSelectType reports the widgets Appsmith calls select types.
func isSelectType(w *Object) bool {
	return isType(w, "SELECT_WIDGET") || isType(w, "MULTI_SELECT_WIDGET_V2")
}

// step62: a bound defaultOptionValue not already wrapped is wrapped into
// a function of (options, serverSideFiltering) called with the widget's
// own props; the binding becomes a JS expression (stringToJS).
func step62(_ *migration, root *Object) *Object {
	mapUntilMatch(root, isSelectType, func(w *Object) {
		name := ToString(w.Get("widgetName"))
		prefix := "{{ ((options, serverSideFiltering) => ( "
		suffix := "))(" + name + ".options, " + name + ".serverSideFiltering) }}"
		s, ok := w.Get("defaultOptionValue").(string)
		if ok && isBinding(s) && !strings.HasSuffix(s, suffix) && !strings.HasPrefix(s, prefix) {
			w.Set("defaultOptionValue", prefix+bindingToJS(s)+suffix)
		}
	})
	return root
}

// step80: select types with truthy options move them to sourceData with
// label/value option keys.
func step80(_ *migration, root *Object) *Object {
	traverse(root, func(w *Object) {
		if !isSelectType(w) || !Truthy(w.Get("options")) {
			return
		}
		w.Set("sourceData", w.Get("options"))
		w.Set("optionLabel", "label")
		w.Set("optionValue", "value")
		w.Delete("options")
	})
	return root
}

// pathKeyIndex is list?.map(d => d.key).indexOf(key): -1 when absent,
// ok=false when the list is null or undefined; a list that is not an
// array, or a null entry, throws.
func pathKeyIndex(list any, key string) (idx int, ok bool) {
	switch x := list.(type) {
	case nil, undefinedType:
		return 0, false
	case *Array:
		keys := make([]any, len(x.Items))
		for i, e := range x.Items {
			keys[i] = Prop(e, "key")
		}
		for i, k := range keys {
			if StrictEq(k, key) {
				return i, true
			}
		}
		return -1, true
	}
	throwf("dynamicPathList?.map is not a function")
	return 0, false
}

// step81: the dynamicBindingPathList entry "options" becomes "sourceData"
// in place, except at index 0 (Appsmith tests the index for truthiness).
func step81(_ *migration, root *Object) *Object {
	traverse(root, func(w *Object) {
		if !isSelectType(w) {
			return
		}
		list := w.Get("dynamicBindingPathList")
		if i, ok := pathKeyIndex(list, "options"); ok && i > 0 {
			list.(*Array).Items[i] = keyEntry("sourceData")
		}
	})
	return root
}

// step82: CHART_WIDGET labelOrientation "stagger" -> "auto" (loose
// comparisons, as Appsmith writes them).
func step82(_ *migration, root *Object) *Object {
	traverse(root, func(w *Object) {
		if LooseEq(w.Get("type"), "CHART_WIDGET") && LooseEq(w.Get("labelOrientation"), "stagger") {
			w.Set("labelOrientation", "auto")
		}
	})
	return root
}

// step83: CHART_WIDGET showDataPointLabel = allowScroll (absent stays
// absent).
func step83(_ *migration, root *Object) *Object {
	traverse(root, func(w *Object) {
		if LooseEq(w.Get("type"), "CHART_WIDGET") {
			w.Set("showDataPointLabel", w.Get("allowScroll"))
		}
	})
	return root
}

// step84: select types list sourceData in dynamicPropertyPathList: pushed
// when absent, the list created when missing.
func step84(_ *migration, root *Object) *Object {
	traverse(root, func(w *Object) {
		if !isSelectType(w) {
			return
		}
		list := w.Get("dynamicPropertyPathList")
		i, ok := pathKeyIndex(list, "sourceData")
		switch {
		case ok && i == -1:
			arr := list.(*Array)
			arr.Items = append(arr.Items, keyEntry("sourceData"))
		case !ok:
			w.Set("dynamicPropertyPathList", NewArray(keyEntry("sourceData")))
		}
	})
	return root
}

// defaultEChartConfig is the sample bar chart step 85 writes into every
// chart.
const defaultEChartConfig = `{"dataset":{"source":[["Day","Baidu","Google","Bing"],["Mon",620,120,60],` +
	`["Tue",732,132,72],["Wed",701,101,71],["Thu",734,134,74],["Fri",1090,290,190],["Sat",1130,230,130],` +
	`["Sun",1120,220,110]]},"tooltip":{"trigger":"axis","axisPointer":{"type":"shadow"}},` +
	`"title":{"text":"Search Engine Usage","left":"center","textStyle":{"width":200,"overflow":"truncate"}},` +
	`"legend":{"top":40,"type":"scroll"},"grid":{"left":15,"right":15,"bottom":30,"top":100,"containLabel":true},` +
	`"xAxis":[{"type":"category"}],"yAxis":[{"type":"value"}],"series":[{"type":"bar","stack":"Search Engine"},` +
	`{"type":"bar","stack":"Search Engine"},{"type":"bar","stack":"Search Engine"}]}`

// step85: every CHART_WIDGET's customEChartConfig is overwritten with the
// sample config (a shared constant in Appsmith; no later step mutates it,
// so each chart gets its own copy).
func step85(_ *migration, root *Object) *Object {
	traverse(root, func(w *Object) {
		if LooseEq(w.Get("type"), "CHART_WIDGET") {
			// Eagerly: a lazily decoded value takes an arena of its
			// own (the page's is in use), never recycled since the page
			// holds the value: 3.5 KB of blocks a chart made garbage.
			cfg, err := decodeEager([]byte(defaultEChartConfig))
			if err != nil {
				panic(err) // a constant: cannot fail
			}
			w.Set("customEChartConfig", cfg)
		}
	})
	return root
}

// step87: a CHART_WIDGET string customEChartConfig ending in
// "))(<name>.chartType); }}" loses that semicolon.
func step87(_ *migration, root *Object) *Object {
	traverse(root, func(w *Object) {
		name := ToString(w.Get("widgetName"))
		oldSuffix := "))(" + name + ".chartType); }}"
		cfg, ok := w.Get("customEChartConfig").(string)
		if isType(w, "CHART_WIDGET") && ok && strings.HasSuffix(cfg, oldSuffix) {
			w.Set("customEChartConfig", cfg[:strings.LastIndex(cfg, oldSuffix)]+"))("+name+".chartType) }}")
		}
	})
	return root
}

// step91 only bumps the version (Appsmith re-ran its auto-commit for it).
func step91(_ *migration, root *Object) *Object { return root }

// step92: WDS_AI_CHAT_WIDGET chatQuery becomes the binding queryRun.
// Quirk kept: the filter meant to drop the old "chatQuery" path entry
// compares entry objects with a string, so it stays. A widget without a
// dynamicBindingPathList throws.
func step92(_ *migration, root *Object) *Object {
	traverse(root, func(w *Object) {
		if !isType(w, "WDS_AI_CHAT_WIDGET") {
			return
		}
		query := w.Get("chatQuery")
		if !Truthy(query) {
			return
		}
		w.Set("queryRun", "{{"+ToString(query)+".actionId}}")
		list, ok := w.Get("dynamicBindingPathList").(*Array)
		if !ok {
			throwf("widget.dynamicBindingPathList.filter is not a function")
		}
		kept := filterEntries(list, func(e any) bool { return !StrictEq(e, "chatQuery") })
		kept.Items = append(kept.Items, keyEntry("queryRun"))
		w.Set("dynamicBindingPathList", kept)
		w.Delete("chatQuery")
	})
	return root
}
