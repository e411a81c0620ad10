package pagedsl

import (
	"errors"
	"math/rand/v2"
	"regexp"
	"testing"
	"time"
)

// TestStepsEarly runs single steps from 1 to 19 on small pages that show
// their quirks and where they throw. Each expected answer is what
// Appsmith's own step printed for the same input (its chain run by Node,
// stopped after the step); "" means it throws. Random ids (steps 1 and
// 16) are compared by shape.
func TestStepsEarly(t *testing.T) {
	cases := []struct {
		step     int
		in, want string
	}{
		{1, `{"version":1,"children":[{"type":"CONTAINER_WIDGET","widgetName":"C","parentColumnSpace":10,"parentRowSpace":10,"leftColumn":1,"rightColumn":5,"topRow":0,"bottomRow":4,"dynamicBindings":{"a":true},"dynamicProperties":{},"children":[{"type":"TEXT_WIDGET"},{"type":"FORM_WIDGET","leftColumn":"2","rightColumn":4}]},{"type":"FORM_WIDGET","children":[{"type":"CANVAS_WIDGET"}]},5,"s"]}`,
			`{"version":2,"children":[{"type":"CONTAINER_WIDGET","widgetName":"C","parentColumnSpace":10,"parentRowSpace":10,"leftColumn":1,"rightColumn":5,"topRow":0,"bottomRow":4,"dynamicBindings":{"a":true},"dynamicProperties":{},"children":[{"type":"CANVAS_WIDGET","widgetName":"vv4059l07g","parentColumnSpace":1,"parentRowSpace":1,"leftColumn":0,"rightColumn":40,"topRow":0,"bottomRow":40,"children":[{"type":"TEXT_WIDGET"},{"type":"FORM_WIDGET","leftColumn":"2","rightColumn":4,"children":[{"type":"CANVAS_WIDGET","leftColumn":0,"rightColumn":null,"backgroundColor":"transparent","detachFromLayout":true,"topRow":0,"bottomRow":null,"widgetName":"imtqbyi4s5","widgetId":"3k6eho9pbe","parentRowSpace":1,"parentColumnSpace":1,"containerStyle":"none","canExtend":false,"isVisible":true}]}],"backgroundColor":"transparent","detachFromLayout":true,"widgetId":"hej1shc5ts","containerStyle":"none","canExtend":false,"isVisible":true}]},{"type":"FORM_WIDGET","children":[{"type":"CANVAS_WIDGET"}]},5,"s"]}`},
		{1, `{"version":1,"children":"ab"}`,
			""}, // Appsmith: TypeError: currentDSL.children.map is not a function
		{1, `{"version":1,"children":[{"type":"CONTAINER_WIDGET","children":[null]}]}`,
			""}, // Appsmith: TypeError: Cannot read properties of null (reading 'type')
		{2, `{"version":2,"children":[{"type":"CHART_WIDGET","chartData":[{"x":1}]},{"type":"CHART_WIDGET","chartData":[[1]]},{"type":"CHART_WIDGET","chartData":"abc"},{"type":"TABS_WIDGET","children":[{"type":"CHART_WIDGET","chartData":[1]}]},{"type":"LIST_WIDGET","children":[{"type":"CHART_WIDGET","chartData":[1]}]}]}`,
			`{"version":3,"children":[{"type":"CHART_WIDGET","chartData":[{"data":[{"x":1}]}]},{"type":"CHART_WIDGET","chartData":[[1]]},{"type":"CHART_WIDGET","chartData":[{"data":"abc"}]},{"type":"TABS_WIDGET","children":[{"type":"CHART_WIDGET","chartData":[{"data":[1]}]}]},{"type":"LIST_WIDGET","children":[{"type":"CHART_WIDGET","chartData":[1]}]}]}`},
		{3, `{"version":3,"children":[{"type":"MAP_WIDGET","markers":[{"lat":1,"lng":2,"title":"a"},{"lat":3,"long":4}],"defaultMarkers":"[{\"lat\":5,\"lng\":0,\"long\":6}]","selectedMarker":{"lat":1,"lng":2},"center":"x"},{"type":"CONTAINER_WIDGET","children":[{"type":"MAP_WIDGET","mapCenter":{"lat":7,"long":8,"title":"t"}}]}]}`,
			`{"version":4,"children":[{"type":"MAP_WIDGET","markers":[{"lat":1,"long":2,"title":"a"},{"lat":3,"long":4}],"defaultMarkers":[{"lat":5,"long":6}],"selectedMarker":{"lat":1,"long":2},"center":{}},{"type":"CONTAINER_WIDGET","children":[{"type":"MAP_WIDGET","mapCenter":{"lat":7,"long":8,"title":"t"}}]}]}`},
		{3, `{"version":3,"children":[{"type":"MAP_WIDGET","defaultMarkers":"not json"}]}`,
			""}, // Appsmith: SyntaxError: Unexpected token 'o', "not json" is not valid JSON
		{4, `{"version":4,"children":[{"type":"CHART_WIDGET","singleChartData":[{"seriesName":"S","data":[1]}],"children":[{"type":"CHART_WIDGET","singleChartData":"ab"}]}]}`,
			`{"version":5,"children":[{"type":"CHART_WIDGET","children":[{"type":"CHART_WIDGET","chartData":"[\"a\",\"b\"]"}],"chartData":"[{\"seriesName\":\"S\",\"data\":[1]}]"}]}`},
		{4, `{"version":4,"children":[{"type":"CHART_WIDGET","singleChartData":[{"data":[1]}]}]}`,
			""}, // Appsmith: TypeError: child.singleChartData is not iterable
		{4, `{"version":4,"children":[{"type":"CHART_WIDGET","singleChartData":[]}]}`,
			""}, // Appsmith: TypeError: Cannot read properties of undefined (reading 'hasOwnProperty')
		{5, `{"version":5,"children":[0,null,{"type":"TABS_WIDGET","tabs":"[{\"id\":\"t1\"},{\"id\":\"t2\"}]","children":[null,{"tabId":"t2","widgetId":"w2"},{"tabId":"t1","widgetId":"w1"}]},{"type":"TABS_WIDGET","tabs":"oops"},{"type":"TABS_WIDGET","tabs":[null]},{"type":"TABS_WIDGET","tabs":[null],"children":[{"tabId":"x"}]}]}`,
			`{"version":6,"children":[{"type":"TABS_WIDGET","tabs":"[{\"id\":\"t1\",\"widgetId\":\"w1\"},{\"id\":\"t2\",\"widgetId\":\"w2\"}]","children":[{"tabId":"t2","widgetId":"w2"},{"tabId":"t1","widgetId":"w1"}]},{"type":"TABS_WIDGET","tabs":"oops"},{"type":"TABS_WIDGET","tabs":"[null]"},{"type":"TABS_WIDGET","tabs":[null],"children":[{"tabId":"x"}]}]}`},
		{6, `{"version":6,"dynamicBindings":{"b":true,"1":true},"children":[{"dynamicTriggers":"ab","dynamicProperties":5,"children":[{"dynamicBindings":{}}]},7]}`,
			`{"version":7,"children":[{"children":[{"dynamicBindingPathList":[]}],"dynamicTriggerPathList":[{"key":"0"},{"key":"1"}],"dynamicPropertyPathList":[]},7],"dynamicBindingPathList":[{"key":"1"},{"key":"b"}]}`},
		{6, `{"version":6,"children":[null]}`,
			""}, // Appsmith: TypeError: Cannot read properties of null (reading 'children')
		{7, `{"version":7,"type":"CANVAS_WIDGET","widgetName":"Canvas9","children":[{"type":"CANVAS_WIDGET","widgetName":"Canvas3","name":"x","children":[{"type":"CANVAS_WIDGET","widgetName":"MyCanvas"},{"type":"CANVAS_WIDGET","widgetName":"Canvas1","name":""}]},{"type":"CANVAS_WIDGET","widgetName":"Canvas5"},"p"]}`,
			`{"version":8,"type":"CANVAS_WIDGET","widgetName":"Canvas1","children":[{"type":"CANVAS_WIDGET","widgetName":"Canvas2","name":"Canvas2","children":[{"type":"CANVAS_WIDGET","widgetName":"MyCanvas"},{"type":"CANVAS_WIDGET","widgetName":"Canvas3","name":""}]},{"type":"CANVAS_WIDGET","widgetName":"Canvas4"},"p"]}`},
		{7, `{"version":7,"type":"CANVAS_WIDGET","widgetName":"MainContainer","children":[{"type":"CANVAS_WIDGET"}]}`,
			""}, // Appsmith: TypeError: Cannot read properties of undefined (reading 'startsWith')
		{8, `{"version":8,"type":"CANVAS_WIDGET","widgetName":"Root","children":[{"type":"CANVAS_WIDGET","widgetName":"Canvas7"},{"type":"CANVAS_WIDGET","widgetName":"Other"}]}`,
			`{"version":9,"type":"CANVAS_WIDGET","widgetName":"Canvas1","children":[{"type":"CANVAS_WIDGET","widgetName":"Canvas2"},{"type":"CANVAS_WIDGET","widgetName":"Other"}]}`},
		{8, `{"version":8,"type":"CANVAS_WIDGET","widgetName":"MainContainer","children":[{"type":"CANVAS_WIDGET","widgetName":"Canvas7"}]}`,
			`{"version":9,"type":"CANVAS_WIDGET","widgetName":"MainContainer","children":[{"type":"CANVAS_WIDGET","widgetName":"Canvas1"}]}`},
		{9, `{"version":9,"children":[{"type":"TABLE_WIDGET","widgetName":"T","tableData":"[{\"a b\":1,\"c\":2},{\"d\":3,\"a-b\":4}]","dynamicBindingPathList":[{"key":"tableData"},{"key":"x"}],"hiddenColumns":["c"],"columnNameMap":{"d":"Dee"},"columnSizeMap":{"c":90},"columnTypeMap":{"d":{"type":"currency","format":"F"}},"columnActions":[{"label":"Go","dynamicTrigger":"{{go()}}"}],"dynamicTriggerPathList":[{"key":"columnActions"}]}]}`,
			`{"version":10,"children":[{"type":"TABLE_WIDGET","widgetName":"T","tableData":"[{\"a b\":1,\"c\":2},{\"d\":3,\"a-b\":4}]","dynamicBindingPathList":[{"key":"tableData"},{"key":"x"}],"hiddenColumns":["c"],"columnNameMap":{"d":"Dee"},"columnSizeMap":{"c":90},"columnTypeMap":{"d":{"type":"currency","format":"F"}},"columnActions":[{"label":"Go","dynamicTrigger":"{{go()}}"}],"dynamicTriggerPathList":[],"primaryColumns":{"a_b":{"index":0,"width":150,"id":"a_b","horizontalAlignment":"LEFT","verticalAlignment":"CENTER","columnType":"text","textColor":"#231F20","textSize":"PARAGRAPH","fontStyle":"REGULAR","enableFilter":true,"enableSort":true,"isVisible":true,"isDerived":false,"label":"a_b","computedValue":"{{T.sanitizedTableData.map((currentRow) => ( currentRow.a_b)}}"},"c":{"index":1,"width":90,"id":"c","horizontalAlignment":"LEFT","verticalAlignment":"CENTER","columnType":"text","textColor":"#231F20","textSize":"PARAGRAPH","fontStyle":"REGULAR","enableFilter":true,"enableSort":true,"isVisible":false,"isDerived":false,"label":"c","computedValue":"{{T.sanitizedTableData.map((currentRow) => ( currentRow.c)}}"},"d":{"index":2,"width":150,"id":"d","horizontalAlignment":"LEFT","verticalAlignment":"CENTER","columnType":"text","textColor":"#231F20","textSize":"PARAGRAPH","fontStyle":"REGULAR","enableFilter":true,"enableSort":true,"isVisible":true,"isDerived":false,"label":"Dee","computedValue":"{{T.sanitizedTableData.map((currentRow) => ( currentRow.d)}}","outputFormat":"F","inputFormat":""},"customColumn1":{"index":null,"width":150,"id":"customColumn1","label":"Go","columnType":"button","isVisible":true,"isDisabled":false,"isDerived":true,"buttonLabel":"Go","buttonStyle":"rgb(3, 179, 101)","buttonLabelColor":"#FFFFFF","onClick":"{{go()}}","computedValue":""}},"textSize":"PARAGRAPH","horizontalAlignment":"LEFT","verticalAlignment":"CENTER","fontStyle":"REGULAR","derivedColumns":{"customColumn1":{"index":null,"width":150,"id":"customColumn1","label":"Go","columnType":"button","isVisible":true,"isDisabled":false,"isDerived":true,"buttonLabel":"Go","buttonStyle":"rgb(3, 179, 101)","buttonLabelColor":"#FFFFFF","onClick":"{{go()}}","computedValue":""}}}]}`},
		{9, `{"version":9,"children":[{"type":"TABLE_WIDGET","widgetName":"T","tableData":[{"a":1}],"columnOrder":["z","y"]},{"type":"TABLE_WIDGET","widgetName":"U","tableData":"[{\"a\":1}]","dynamicBindingPathList":[{"key":"x"},{"key":"tableData"}]},{"type":"TABLE_WIDGET","widgetName":"V","tableData":"[{\"a\":1}]"}]}`,
			`{"version":10,"children":[{"type":"TABLE_WIDGET","widgetName":"T","tableData":[{"a":1}],"columnOrder":["z","y"],"migrated":false,"primaryColumns":{"z":{"index":0,"width":150,"id":"z","horizontalAlignment":"LEFT","verticalAlignment":"CENTER","columnType":"text","textColor":"#231F20","textSize":"PARAGRAPH","fontStyle":"REGULAR","enableFilter":true,"enableSort":true,"isVisible":true,"isDerived":false,"label":"z","computedValue":"{{T.sanitizedTableData.map((currentRow) => ( currentRow.z)}}"},"y":{"index":1,"width":150,"id":"y","horizontalAlignment":"LEFT","verticalAlignment":"CENTER","columnType":"text","textColor":"#231F20","textSize":"PARAGRAPH","fontStyle":"REGULAR","enableFilter":true,"enableSort":true,"isVisible":true,"isDerived":false,"label":"y","computedValue":"{{T.sanitizedTableData.map((currentRow) => ( currentRow.y)}}"}},"dynamicTriggerPathList":[],"textSize":"PARAGRAPH","horizontalAlignment":"LEFT","verticalAlignment":"CENTER","fontStyle":"REGULAR","derivedColumns":{}},{"type":"TABLE_WIDGET","widgetName":"U","tableData":"[{\"a\":1}]","dynamicBindingPathList":[{"key":"x"},{"key":"tableData"}],"migrated":false,"primaryColumns":{},"dynamicTriggerPathList":[],"textSize":"PARAGRAPH","horizontalAlignment":"LEFT","verticalAlignment":"CENTER","fontStyle":"REGULAR","derivedColumns":{}},{"type":"TABLE_WIDGET","widgetName":"V","tableData":"[{\"a\":1}]","migrated":false,"primaryColumns":{},"dynamicTriggerPathList":[],"textSize":"PARAGRAPH","horizontalAlignment":"LEFT","verticalAlignment":"CENTER","fontStyle":"REGULAR","derivedColumns":{}}]}`},
		{9, `{"version":9,"children":[{"type":"TABLE_WIDGET","widgetName":"T"}]}`,
			""}, // Appsmith: TypeError: Cannot read properties of undefined (reading 'length')
		{10, `{"version":10,"children":[{"version":3,"children":[{"type":"X"},5]},{"children":[]}]}`,
			`{"version":11,"children":[{"version":3,"children":[{"type":"X","version":1},5]},{"children":[],"version":1}]}`},
		{11, `{"version":11,"children":[{"type":"TABLE_WIDGET","widgetName":"T","primaryColumns":{"a b":{"computedValue":"{{T.tableData.map((r) => T.tableData.map)}}","x":1},"c":{"computedValue":""}},"dynamicBindingPathList":[{"key":"primaryColumns.a b.computedValue"}]},{"type":"TABLE_WIDGET","primaryColumns":{"a":{}},"dynamicBindingPathList":null}]}`,
			`{"version":12,"children":[{"type":"TABLE_WIDGET","widgetName":"T","primaryColumns":{"a_b":{"computedValue":"{{T.sanitizedTableData.map((r) => T.tableData.map)}}","x":1},"c":{"computedValue":""}},"dynamicBindingPathList":[{"key":"primaryColumns.a_b.computedValue"}]},{"type":"TABLE_WIDGET","primaryColumns":{"a":{"computedValue":""}}}]}`},
		{11, `{"version":11,"children":[{"type":"TABLE_WIDGET","primaryColumns":{"a":{"computedValue":5}}}]}`,
			""}, // Appsmith: TypeError: value.computedValue.replace is not a function
		{12, `{"version":12,"type":"CANVAS_WIDGET","isVisible":"{{a}}","dynamicBindingPathList":[{"key":"old"}],"children":[{"type":"TABLE_WIDGET","widgetName":"T","tableData":"{{Api1.data}}","primaryColumns":{"k1":{"id":"a","computedValue":"{{x}}","isVisible":"{{y}}","buttonLabel":"{{z}}"},"k2":{"id":"b","computedValue":"{{w}}","textColor":"{{c}}"}}},{"type":"CHART_WIDGET","chartData":{"s1":{"data":"{{d}}","seriesName":"{{n}}"}},"xAxisName":"{{q}}"},{"type":"constructor","text":"{{a}}"}]}`,
			`{"version":13,"type":"CANVAS_WIDGET","isVisible":"{{a}}","dynamicBindingPathList":[{"key":"isVisible"}],"children":[{"type":"TABLE_WIDGET","widgetName":"T","tableData":"{{Api1.data}}","primaryColumns":{"k1":{"id":"a","computedValue":"{{x}}","isVisible":"{{y}}","buttonLabel":"{{z}}"},"k2":{"id":"b","computedValue":"{{w}}","textColor":"{{c}}"}},"dynamicBindingPathList":[{"key":"tableData"}]},{"type":"CHART_WIDGET","chartData":{"s1":{"data":"{{d}}","seriesName":"{{n}}"}},"xAxisName":"{{q}}","dynamicBindingPathList":[{"key":"chartData.s1.data"},{"key":"chartData.s1.seriesName"},{"key":"xAxisName"}]},{"type":"constructor","text":"{{a}}","dynamicBindingPathList":[]}]}`},
		{12, `{"version":12,"type":"CANVAS_WIDGET","children":[{"type":"NO_SUCH_WIDGET"}]}`,
			""}, // Appsmith: TypeError: Cannot read properties of undefined (reading 'propertyPaneConfig')
		{12, `{"version":12,"type":"CANVAS_WIDGET","children":[7]}`,
			""}, // Appsmith: TypeError: Cannot read properties of undefined (reading 'propertyPaneConfig')
		{13, `{"version":13,"type":"CHART_WIDGET","chartData":"[1,2]","children":[{"type":"CHART_WIDGET","chartData":"bad"},{"type":"CHART_WIDGET","chartData":5}]}`,
			`{"version":14,"type":"CHART_WIDGET","chartData":[1,2],"children":[{"type":"CHART_WIDGET","chartData":[]},{"type":"CHART_WIDGET","chartData":5}]}`},
		{14, `{"version":14,"type":"RICH_TEXT_EDITOR_WIDGET","children":[{"type":"RICH_TEXT_EDITOR_WIDGET","inputType":"text"},3]}`,
			`{"version":15,"type":"RICH_TEXT_EDITOR_WIDGET","children":[{"type":"RICH_TEXT_EDITOR_WIDGET","inputType":"html"},3],"inputType":"html"}`},
		{15, `{"version":15,"children":[{"type":"TEXT_WIDGET","textStyle":"HEADING","children":[{"type":"TEXT_WIDGET","textStyle":"LABEL"}]},{"type":"CONTAINER_WIDGET","children":[{"type":"TEXT_WIDGET","textStyle":"BODY"},{"type":"TEXT_WIDGET","textStyle":"OTHER"}]}]}`,
			`{"version":16,"children":[{"type":"TEXT_WIDGET","children":[{"type":"TEXT_WIDGET","textStyle":"LABEL"}],"fontSize":"HEADING1","fontStyle":"BOLD","textColor":"#231F20"},{"type":"CONTAINER_WIDGET","children":[{"type":"TEXT_WIDGET","fontSize":"PARAGRAPH","fontStyle":"","textColor":"#231F20"},{"type":"TEXT_WIDGET","textColor":"#231F20"}]}]}`},
		{17, `{"version":17,"children":[{"type":"TABS_WIDGET","version":1,"tabs":"[{\"id\":\"a\",\"isVisible\":\"{{x}}\"},{\"id\":\"b\",\"isVisible\":\"{{y}}\"},{\"id\":\"c\",\"isVisible\":\"{{z}}\"},{\"id\":\"d\",\"label\":\"D\"}]","dynamicPropertyPathList":[{"key":"tabs"}],"dynamicBindingPathList":[{"key":"tabs"},{"key":"k"}]},{"type":"TABS_MIGRATOR_WIDGET","version":1,"tabs":[{"id":"e","isVisible":false,"label":"E"}]},{"type":"TABS_WIDGET","version":1,"tabs":"{{bad}} json","children":[{"type":"TABS_WIDGET","version":1}]},{"type":"TABS_WIDGET","version":2,"tabs":"[]"},{"type":"TABS_WIDGET","version":1}]}`,
			`{"version":18,"children":[{"type":"TABS_MIGRATOR_WIDGET","version":1,"tabs":"[{\"id\":\"a\",\"isVisible\":\"{{x}}\"},{\"id\":\"b\",\"isVisible\":\"{{y}}\"},{\"id\":\"c\",\"isVisible\":\"{{z}}\"},{\"id\":\"d\",\"label\":\"D\"}]","dynamicPropertyPathList":[{"key":"tabs"}],"dynamicBindingPathList":[{"key":"tabs"},{"key":"k"}]},{"type":"TABS_WIDGET","version":2,"dynamicPropertyPathList":[],"dynamicBindingPathList":[],"tabsObj":{"e":{"id":"e","isVisible":false,"label":"E","index":0}}},{"type":"TABS_MIGRATOR_WIDGET","version":1,"tabs":"{{bad}} json","children":[{"type":"TABS_MIGRATOR_WIDGET","version":1}],"dynamicPropertyPathList":[],"dynamicBindingPathList":[]},{"type":"TABS_WIDGET","version":2,"tabs":"[]"},{"type":"TABS_WIDGET","version":1,"dynamicPropertyPathList":[],"dynamicBindingPathList":[],"tabsObj":{}}]}`},
		{18, `{"version":18,"children":[{"type":"INPUT_WIDGET","isDisabled":true,"widgetName":"I"},{"type":"FILE_PICKER_WIDGET"},{"type":"DATE_PICKER_WIDGET2","maxDate":"x"},{"type":"CONTAINER_WIDGET","children":[{"type":"SWITCH_WIDGET"}]}]}`,
			`{"version":19,"children":[{"isRequired":false,"isDisabled":true,"resetOnSubmit":false,"type":"INPUT_WIDGET","widgetName":"I"},{"isDisabled":false,"isRequired":false,"allowedFileTypes":[],"type":"FILE_PICKER_WIDGET"},{"minDate":"2001-01-01 00:00","maxDate":"x","isRequired":false,"type":"DATE_PICKER_WIDGET2"},{"type":"CONTAINER_WIDGET","children":[{"isDisabled":false,"type":"SWITCH_WIDGET"}]}]}`},
		{19, `{"version":19,"bottomRow":1000,"topRow":0,"leftColumn":0,"rightColumn":1224,"children":[{"topRow":1,"bottomRow":"2","leftColumn":3,"children":[{"topRow":null}]},5]}`,
			`{"version":20,"bottomRow":4000,"topRow":0,"leftColumn":0,"rightColumn":4896,"children":[{"topRow":4,"bottomRow":8,"leftColumn":12,"children":[{"topRow":0,"bottomRow":null,"leftColumn":null,"rightColumn":null}],"rightColumn":null},5],"snapColumns":64,"snapRows":99}`},
		{19, `{"version":19,"children":[null]}`,
			""}, // Appsmith: TypeError: Cannot read properties of null (reading 'bottomRow')
		{16, `{"version":16,"children":[{"type":"CHART_WIDGET","chartData":[{"data":"{{a}}"},{"data":"{{b}}"}],"dynamicBindingPathList":[{"key":"chartData[0].data"},{"key":"other"}]},{"type":"CONTAINER_WIDGET","children":[{"type":"CHART_WIDGET","chartData":[{"data":1}]}]},{"type":"LIST_WIDGET","children":[{"type":"CHART_WIDGET","chartData":[{"data":1}]}]},{"type":"CHART_WIDGET","chartData":[],"dynamicBindingPathList":[{"key":"x"}]}]}`,
			`{"version":17,"children":[{"type":"CHART_WIDGET","chartData":{"dh4dfow4o2":{"data":"{{a}}"},"hod552lpu1":{"data":"{{b}}"}},"dynamicBindingPathList":[{"key":"chartData.hod552lpu1.data"},{"key":"other"}]},{"type":"CONTAINER_WIDGET","children":[{"type":"CHART_WIDGET","chartData":{"eqwhrrrj7u":{"data":1}},"dynamicBindingPathList":[]}]},{"type":"LIST_WIDGET","children":[{"type":"CHART_WIDGET","chartData":[{"data":1}]}]},{"type":"CHART_WIDGET","chartData":{},"dynamicBindingPathList":[{"key":"x"}]}]}`},
	}
	for _, c := range cases {
		got, err := runEarlyStep(c.step, c.in)
		if c.want == "" {
			var js *JSError
			if !errors.As(err, &js) {
				t.Errorf("step %d on %.120s: want a JS exception, got %v (output %.300s)", c.step, c.in, err, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("step %d on %.120s: %v", c.step, c.in, err)
			continue
		}
		if g, w := randomIDs.ReplaceAllString(got, "$1ID$2"), randomIDs.ReplaceAllString(c.want, "$1ID$2"); g != w {
			t.Errorf("step %d:\n got %s\nwant %s", c.step, g, w)
		}
	}
}

// randomIDs matches Appsmith's generated keys (10 of [0-9a-z]) between
// quotes or dots.
var randomIDs = regexp.MustCompile(`([".])[0-9a-z]{10}([".])`)

// runEarlyStep runs step n on a page with fixed random and clock sources
// and sets the version as the chain does.
func runEarlyStep(n int, in string) (string, error) {
	m := &migration{rnd: rand.New(rand.NewPCG(1, 2)), now: func() time.Time { return time.UnixMilli(0) }}
	root, err := runChain(m, n, n+1, in)
	if err != nil {
		return "", err
	}
	return string(Encode(root)), nil
}
