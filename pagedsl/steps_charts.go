package pagedsl

// Chart widget steps of the early chain: 2, 4, 13 and 16.

// chartContainer reports the widget types steps 2 and 16 descend into.
func chartContainer(w *Object) bool {
	return isType(w, "CONTAINER_WIDGET") || isType(w, "FORM_WIDGET") || isType(w, "CANVAS_WIDGET") || isType(w, "TABS_WIDGET")
}

// step2 (chartDataMigration) wraps a chart's flat chartData into one
// series: [{data: chartData}].
func step2(_ *migration, root *Object) *Object {
	chartDataMigration(root)
	return root
}

func chartDataMigration(dsl *Object) {
	mapChildren(dsl, true, func(c any) any {
		w := asWidget(c, "type")
		if w == nil {
			return c
		}
		cd := w.Get("chartData")
		if isType(w, "CHART_WIDGET") && Truthy(cd) && Truthy(Prop(cd, "length")) && !isArray(Prop(cd, "0")) {
			w.Set("chartData", NewArray(newObject("data", cd)))
		} else if chartContainer(w) {
			chartDataMigration(w)
		}
		return c
	})
}

// step4 (singleChartDataMigration) turns a chart's singleChartData into
// chartData, a JSON string of its series. Appsmith first wraps an array
// without seriesName into a series object, which it then cannot spread:
// such a chart throws "not iterable", as it does.
func step4(_ *migration, root *Object) *Object {
	singleChartData(root)
	return root
}

func singleChartData(dsl *Object) {
	mapChildren(dsl, true, func(c any) any {
		w := asWidget(c, "type")
		if w == nil {
			return c
		}
		if isType(w, "CHART_WIDGET") && w.Has("singleChartData") {
			sc := w.Get("singleChartData")
			if isArray(sc) {
				first := Prop(sc, "0")
				if isNullish(first) {
					throwf("Cannot read properties of %s (reading 'hasOwnProperty')", ToString(first))
				}
				if !hasOwn(first, "seriesName") {
					w.Set("singleChartData", newObject("seriesName", "Series 1", "data", sc))
					throwf("child.singleChartData is not iterable")
				}
			}
			w.Set("chartData", jsonStringify(&Array{Items: append([]any(nil), iterate(sc, "child.singleChartData")...)}))
			w.Delete("singleChartData")
		}
		if hasChildren(w) {
			singleChartData(w)
		}
		return c
	})
}

// step13 (migrateOldChartData) parses a chart's string chartData; a
// string that is not JSON becomes [].
func step13(_ *migration, root *Object) *Object {
	oldChartData(root)
	return root
}

func oldChartData(v any) any {
	w := asWidget(v, "type")
	if w == nil {
		return v
	}
	if isType(w, "CHART_WIDGET") {
		if s, ok := w.Get("chartData").(string); ok {
			if tryJS(func() { w.Set("chartData", jsonParse(s)) }) {
				w.Set("chartData", &Array{})
			}
		}
	}
	if ch := w.Get("children"); Truthy(ch) && Truthy(Prop(ch, "length")) {
		mapChildren(w, false, oldChartData)
	}
	return v
}

// step16 (migrateChartDataFromArrayToObject) keys a chart's series by
// new random ids. Appsmith's path-list update assigns instead of
// comparing, so only the first dynamicBindingPathList entry changes, to
// the last series' path; kept as it is.
func step16(m *migration, root *Object) *Object {
	chartDataToObject(m, root)
	return root
}

func chartDataToObject(m *migration, dsl *Object) {
	mapChildren(dsl, true, func(c any) any {
		w := asWidget(c, "type")
		if w == nil {
			return c
		}
		if isType(w, "CHART_WIDGET") {
			data, ok := w.Get("chartData").(*Array)
			if !ok {
				return c
			}
			newData := NewObject()
			orig := w.Get("dynamicBindingPathList")
			var list any = &Array{}
			if Truthy(orig) {
				list = sliceCopy(orig)
			}
			for i, datum := range data.Items {
				key := m.reactKey("")
				newData.Set(key, datum)
				if o, ok := orig.(*Array); ok && len(o.Items) > 0 {
					// findIndex with an assignment as its test: the first
					// entry gets the key written, twice, and matches.
					assignProperty(o.Items[0], "key", "chartData["+NumberToString(float64(i))+"].data")
					assignProperty(o.Items[0], "key", "chartData["+NumberToString(float64(i))+"].data")
					assignProperty(list, "0", newObject("key", "chartData."+key+".data"))
				}
			}
			w.Set("dynamicBindingPathList", list)
			w.Set("chartData", newData)
		} else if chartContainer(w) {
			chartDataToObject(m, w)
		}
		return c
	})
}

// sliceCopy is v.slice(): a copy of an array, a string unchanged; other
// values throw.
func sliceCopy(v any) any {
	switch x := v.(type) {
	case *Array:
		return &Array{Items: append([]any(nil), x.Items...)}
	case string:
		return x
	}
	arrayMethod(v, "dynamicBindingPathList", "slice")
	return nil
}
