package pagedsl

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestStepsMid runs single steps from 20 to 56 on small pages that show
// their quirks (most are rare in the conformance corpus). Each expected
// answer is what Appsmith's own step printed for the same input (its
// chain run by Node and stopped after the step); "" means it throws.
func TestStepsMid(t *testing.T) {
	cases := []struct {
		step     int
		name, in string
		want     string
	}{
		{20, "tab canvases sized although they have columns (nested has path)",
			`{"version":20,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"widgetId":"t","type":"TABS_WIDGET","version":2,"leftColumn":4,"rightColumn":20,"topRow":2,"bottomRow":12,"parentColumnSpace":10,"parentRowSpace":10,"children":[{"widgetId":"c1","type":"CANVAS_WIDGET","leftColumn":7,"rightColumn":9}]}]}`,
			`{"version":21,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"widgetId":"t","type":"TABS_WIDGET","version":3,"leftColumn":4,"rightColumn":20,"topRow":2,"bottomRow":12,"parentColumnSpace":10,"parentRowSpace":10,"children":[{"widgetId":"c1","type":"CANVAS_WIDGET","leftColumn":0,"rightColumn":160,"bottomRow":100}]}]}`},
		{20, "null tab child spread into an object, NaN sizes",
			`{"version":20,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"widgetId":"t","type":"TABS_WIDGET","version":2,"leftColumn":"4","rightColumn":20,"topRow":2,"parentRowSpace":10,"children":[null]}]}`,
			`{"version":21,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"widgetId":"t","type":"TABS_WIDGET","version":3,"leftColumn":"4","rightColumn":20,"topRow":2,"parentRowSpace":10,"children":[{"leftColumn":0,"rightColumn":null,"bottomRow":null}]}]}`},
		{20, "children string: try swallows, traversal throws",
			`{"version":20,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"widgetId":"t","type":"TABS_WIDGET","version":2,"children":"ab"}]}`,
			""},
		{21, "widget without columns placed below siblings, modal ignored",
			`{"version":21,"widgetId":"0","type":"CANVAS_WIDGET","leftColumn":0,"rightColumn":64,"children":[{"widgetId":"a","parentId":"0","type":"TEXT_WIDGET","leftColumn":0,"rightColumn":5,"topRow":0,"bottomRow":7},{"widgetId":"m","parentId":"0","type":"MODAL_WIDGET","leftColumn":0,"rightColumn":5,"topRow":0,"bottomRow":90},{"widgetId":"b","parentId":"0","type":"TEXT_WIDGET","topRow":3,"bottomRow":5}]}`,
			`{"version":22,"widgetId":"0","type":"CANVAS_WIDGET","leftColumn":0,"rightColumn":64,"children":[{"widgetId":"a","parentId":"0","type":"TEXT_WIDGET","leftColumn":0,"rightColumn":5,"topRow":0,"bottomRow":7},{"widgetId":"m","parentId":"0","type":"MODAL_WIDGET","leftColumn":0,"rightColumn":5,"topRow":0,"bottomRow":90},{"widgetId":"b","parentId":"0","type":"TEXT_WIDGET","topRow":8,"bottomRow":10,"rightColumn":4,"leftColumn":0}]}`},
		{21, "string bottomRow: JS comparison and concatenation",
			`{"version":21,"widgetId":"0","type":"CANVAS_WIDGET","leftColumn":0,"rightColumn":64,"children":[{"widgetId":"a","parentId":"0","leftColumn":0,"rightColumn":5,"bottomRow":"5"},{"widgetId":"b","parentId":"0","topRow":1,"bottomRow":3}]}`,
			`{"version":22,"widgetId":"0","type":"CANVAS_WIDGET","leftColumn":0,"rightColumn":64,"children":[{"widgetId":"a","parentId":"0","leftColumn":0,"rightColumn":5,"bottomRow":"5"},{"widgetId":"b","parentId":"0","topRow":"51","bottomRow":"512","rightColumn":4,"leftColumn":0}]}`},
		{21, "repositioned widget taller than its tabs: shouldScrollContents",
			`{"version":21,"widgetId":"0","type":"CANVAS_WIDGET","leftColumn":0,"rightColumn":64,"children":[{"widgetId":"t","type":"TABS_WIDGET","version":3,"leftColumn":0,"rightColumn":9,"topRow":0,"bottomRow":4,"parentRowSpace":10,"children":[{"widgetId":"c","type":"CANVAS_WIDGET","leftColumn":0,"rightColumn":9,"children":[{"widgetId":"x","parentId":"c","topRow":0,"bottomRow":30,"parentRowSpace":10}]}]}]}`,
			`{"version":22,"widgetId":"0","type":"CANVAS_WIDGET","leftColumn":0,"rightColumn":64,"children":[{"widgetId":"t","type":"TABS_WIDGET","version":3,"leftColumn":0,"rightColumn":9,"topRow":0,"bottomRow":4,"parentRowSpace":10,"children":[{"widgetId":"c","type":"CANVAS_WIDGET","leftColumn":0,"rightColumn":9,"children":[{"widgetId":"x","parentId":"c","topRow":1,"bottomRow":31,"parentRowSpace":10,"rightColumn":4,"leftColumn":0}]}],"shouldScrollContents":true}]}`},
		{21, "primitive in a tab has no flattened entry: throws",
			`{"version":21,"widgetId":"0","type":"CANVAS_WIDGET","leftColumn":0,"rightColumn":64,"children":[{"widgetId":"t","type":"TABS_WIDGET","version":3,"leftColumn":0,"rightColumn":9,"children":[{"widgetId":"c","leftColumn":0,"rightColumn":9,"children":["oops"]}]}]}`,
			""},
		{23, "logBlackList per template widget, primitive replaced",
			`{"version":23,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"LIST_WIDGET","children":[{"children":[{"children":[{"children":[{"widgetName":"Text1","type":"TEXT_WIDGET"},{"widgetName":"Img","logBlackList":{"x":true}},"str"]}]}]}]}]}`,
			`{"version":24,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"LIST_WIDGET","children":[{"children":[{"children":[{"children":[{"widgetName":"Text1","type":"TEXT_WIDGET","logBlackList":{"widgetName":true,"type":true}},{"widgetName":"Img","logBlackList":{"x":true}},{"logBlackList":{"0":true,"1":true,"2":true}}]}]}]}]}]}`},
		{23, "list without the template path throws",
			`{"version":23,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"LIST_WIDGET","children":[]}]}`,
			""},
		{25, "items to listData, first occurrence only",
			`{"version":25,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"LIST_WIDGET","items":[1,2],"text":"{{items.items}}","dynamicBindingPathList":[{"key":"items"},{"key":"text"}],"template":{"Text1":{"text":"{{currentItem.items}} items","dynamicBindingPathList":[{"key":"text"}]}}}]}`,
			`{"version":26,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"LIST_WIDGET","items":[1,2],"text":"{{listData.items}}","dynamicBindingPathList":[{"key":"listData"},{"key":"text"}],"template":{"Text1":{"text":"{{currentItem.listData}} items","dynamicBindingPathList":[{"key":"text"}]}},"listData":[1,2]}]}`},
		{25, "template binding without a string value throws",
			`{"version":25,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"LIST_WIDGET","template":{"Text1":{"dynamicBindingPathList":[{"key":"missing"}]}}}]}`,
			""},
		{25, "list without template throws",
			`{"version":25,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"LIST_WIDGET"}]}`,
			""},
		{27, "isFilterable default, primitive child ignored, null children vanish",
			`{"version":27,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"DROP_DOWN_WIDGET"},"x",{"type":"CONTAINER_WIDGET","children":null}]}`,
			`{"version":28,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"DROP_DOWN_WIDGET","isFilterable":true},"x",{"type":"CONTAINER_WIDGET"}]}`},
		{28, "computed value 4th character from the end always replaced",
			`{"version":28,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"TABLE_WIDGET","widgetName":"Table1","primaryColumns":{"a b":{"computedValue":"{{Table1.sanitizedTableData.map((currentRow) => { return currentRow.a})}}"},"name":{"computedValue":"{{Table1.sanitizedTableData.map((currentRow) => ( currentRow.name))}}"},"ab":{"computedValue":"ab"},"e":{}}}]}`,
			`{"version":29,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"TABLE_WIDGET","widgetName":"Table1","primaryColumns":{"a_b":{"computedValue":"{{Table1.sanitizedTableData.map((currentRow) => ( currentRow.a))}}"},"name":{"computedValue":"{{Table1.sanitizedTableData.map((currentRow) => ( currentRow.name))}}"},"ab":{"computedValue":")ab"},"e":{"computedValue":""}}}]}`},
		{29, "multi-select dropdown",
			`{"version":29,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"DROP_DOWN_WIDGET","selectionType":"MULTI_SELECT","isFilterable":true},{"type":"DROP_DOWN_WIDGET","selectionType":"SINGLE_SELECT","isFilterable":true}]}`,
			`{"version":30,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"MULTI_SELECT_WIDGET"},{"type":"DROP_DOWN_WIDGET","isFilterable":true}]}`},
		{31, "button and visibility defaults, primitive column ignored",
			`{"version":31,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"TABLE_WIDGET","primaryColumns":{"b":{"columnType":"button"},"t":{"columnType":"text","isCellVisible":false},"s":"str"}}]}`,
			`{"version":32,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"TABLE_WIDGET","primaryColumns":{"b":{"columnType":"button","isDisabled":false,"isCellVisible":true},"t":{"columnType":"text","isCellVisible":false},"s":"str"}}]}`},
		{35, "validation boolean to string, number removed",
			`{"version":35,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"INPUT_WIDGET","validation":false},{"type":"INPUT_WIDGET","validation":5},{"type":"INPUT_WIDGET","validation":"x"}]}`,
			`{"version":36,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"INPUT_WIDGET","validation":"false"},{"type":"INPUT_WIDGET"},{"type":"INPUT_WIDGET","validation":"x"}]}`},
		{36, "old table loses defaultSelectedRow, every table version 3",
			`{"version":36,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"TABLE_WIDGET","version":1,"defaultSelectedRow":"0"},{"type":"TABLE_WIDGET","version":2,"defaultSelectedRow":"0"}]}`,
			`{"version":37,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"TABLE_WIDGET","version":3},{"type":"TABLE_WIDGET","version":3,"defaultSelectedRow":"0"}]}`},
		{37, "keys and ids sanitised, nested column unwrapped, junk dropped, a..b path",
			`{"version":37,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"TABLE_WIDGET","primaryColumns":{"a b":{"id":"a b","computedValue":"{{currentRow.a b}}"},"wrapped":{"wrapped":{"id":"w-1","columnType":"text"}},"junk":{"x":{"y":1}},"s":"str"},"columnOrder":["a b","$x"],"dynamicBindingPathList":[{"key":"tableData"},{"key":"primaryColumns.a b"},{"key":"primaryColumns.a b.c d.computedValue"}]}]}`,
			`{"version":38,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"TABLE_WIDGET","primaryColumns":{"a_b":{"id":"a_b","computedValue":"{{currentRow.a_b}}"},"wrapped":{"id":"w_1","columnType":"text","computedValue":""}},"columnOrder":["a_b","_x"],"dynamicBindingPathList":[{"key":"tableData"},{"key":"primaryColumns..a b"},{"key":"primaryColumns.a_b_c_d.computedValue"}]}]}`},
		{37, "column without id or nested object throws",
			`{"version":37,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"TABLE_WIDGET","primaryColumns":{"x":{}}}]}`,
			""},
		{38, "modal sizes",
			`{"version":38,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"MODAL_WIDGET","version":1,"size":"MODAL_LARGE"},{"type":"MODAL_WIDGET","version":2,"size":"MODAL_LARGE"}]}`,
			`{"version":39,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"MODAL_WIDGET","version":2,"width":532,"height":600},{"type":"MODAL_WIDGET","version":2,"size":"MODAL_LARGE"}]}`},
		{39, "first selectedRow in onClick becomes currentRow",
			`{"version":39,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"TABLE_WIDGET","widgetName":"T1","primaryColumns":{"a-b":{"onClick":"{{showAlert(T1.selectedRow.id + T1.selectedRow.x)}}"},"c":{"onClick":"{{go()}}"}}}]}`,
			`{"version":40,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"TABLE_WIDGET","widgetName":"T1","primaryColumns":{"a_b":{"onClick":"{{showAlert(currentRow.id + T1.selectedRow.x)}}"},"c":{"onClick":"{{go()}}"}},"derivedColumns":{}}]}`},
		{40, "button styles to colours, table button column loses buttonColor",
			`{"version":40,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"BUTTON_WIDGET","buttonStyle":"SECONDARY_BUTTON"},{"type":"BUTTON_WIDGET","buttonStyle":"ODD","buttonColor":"#fff"},{"type":"MENU_BUTTON_WIDGET","menuStyle":"WARNING","prevMenuStyle":"X"},{"type":"TABLE_WIDGET","primaryColumns":{"b":{"columnType":"button","buttonColor":"#123"},"c":{"columnType":"button","buttonStyle":"#456"}}}]}`,
			`{"version":41,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"BUTTON_WIDGET","buttonColor":"#03B365","buttonVariant":"SECONDARY"},{"type":"BUTTON_WIDGET","buttonColor":"#fff"},{"type":"MENU_BUTTON_WIDGET","menuColor":"#FEB811"},{"type":"TABLE_WIDGET","primaryColumns":{"b":{"columnType":"button"},"c":{"columnType":"button","buttonColor":"#456"}}}]}`},
		{41, "button variants",
			`{"version":41,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"ICON_BUTTON_WIDGET","buttonVariant":"GHOST"},{"type":"MENU_BUTTON_WIDGET"},{"type":"TABLE_WIDGET","primaryColumns":{"i":{"columnType":"iconButton","buttonVariant":"OUTLINE"}}}]}`,
			`{"version":42,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"ICON_BUTTON_WIDGET","buttonVariant":"TERTIARY"},{"type":"MENU_BUTTON_WIDGET","menuVariant":"PRIMARY"},{"type":"TABLE_WIDGET","primaryColumns":{"i":{"columnType":"iconButton","buttonVariant":"SECONDARY"}}}]}`},
		{43, "allowHorizontalScroll moved, walk descends into charts",
			`{"version":43,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"CHART_WIDGET","allowHorizontalScroll":true,"children":[{"type":"CHART_WIDGET"}]}]}`,
			`{"version":44,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"CHART_WIDGET","children":[{"type":"CHART_WIDGET"}],"allowScroll":true}]}`},
		{44, "table with isSortable is not matched: its children are visited",
			`{"version":44,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"TABLE_WIDGET","isSortable":false,"children":[{"type":"TABLE_WIDGET"}]},{"type":"TABLE_WIDGET","children":[{"type":"TABLE_WIDGET"}]}]}`,
			`{"version":45,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"TABLE_WIDGET","isSortable":false,"children":[{"type":"TABLE_WIDGET","isSortable":true}]},{"type":"TABLE_WIDGET","children":[{"type":"TABLE_WIDGET"}],"isSortable":true}]}`},
		{45, "table without primaryColumns throws",
			`{"version":45,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"TABLE_WIDGET"}]}`,
			""},
		{49, "privateWidgets from template keys unless set",
			`{"version":49,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"LIST_WIDGET","template":{"A":{},"B":{}}},{"type":"LIST_WIDGET","template":{"A":{}},"privateWidgets":{"Z":true}}]}`,
			`{"version":50,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"LIST_WIDGET","template":{"A":{},"B":{}},"privateWidgets":{"A":true,"B":true}},{"type":"LIST_WIDGET","template":{"A":{}},"privateWidgets":{"Z":true}}]}`},
		{49, "list without template throws",
			`{"version":49,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"LIST_WIDGET"}]}`,
			""},
		{52, "icon widget becomes icon button, color removed",
			`{"version":52,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"ICON_WIDGET","color":"red","iconName":"add"}]}`,
			`{"version":53,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"ICON_BUTTON_WIDGET","iconName":"add","buttonColor":"#2E3D49","buttonVariant":"TERTIARY","borderRadius":"SHARP"}]}`},
		{53, "text overflow",
			`{"version":53,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"TEXT_WIDGET","shouldScroll":true,"shouldTruncate":false}]}`,
			`{"version":54,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"TEXT_WIDGET","overflow":"SCROLL"}]}`},
		{54, "dialCode renamed in both path lists",
			`{"version":54,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"PHONE_INPUT_WIDGET","dialCode":"+1","dynamicBindingPathList":[{"key":"dialCode"}],"dynamicPropertyPathList":[{"key":"dialCode"},"s"]}]}`,
			`{"version":55,"widgetId":"0","type":"CANVAS_WIDGET","children":[{"type":"PHONE_INPUT_WIDGET","dynamicBindingPathList":[{"key":"defaultDialCode"}],"dynamicPropertyPathList":[{"key":"defaultDialCode"},"s"],"defaultDialCode":"+1"}]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := runOneStep(c.step, c.in)
			if c.want == "" {
				var js *JSError
				if !errors.As(err, &js) {
					t.Fatalf("step %d: want a JS exception, got %v (output %s)", c.step, err, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("step %d: %v", c.step, err)
			}
			if got != c.want {
				t.Errorf("step %d:\n got %s\nwant %s", c.step, got, c.want)
			}
		})
	}
}

// TestStepsMidOddPages replays pages of the corpus at versions 20 to 56
// with random odd values planted in them (null or primitive children,
// strings for objects, missing columns and templates, other widget
// types), and random trees of tabs, canvases and widgets with missing,
// string or shared ids and columns (for steps 20 and 21), and random
// list and table widgets with odd templates, columns, column orders and
// path keys (steps 22 to 49), through steps from their version to 56.
// The expected answers are Appsmith's own steps run by Node on the same
// pages: the output with its key order, or that it throws (650 of the
// 1300 throw).
func TestStepsMidOddPages(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "mid-odd-pages.jsonl.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	n, throws := 0, 0
	for sc.Scan() {
		n++
		var c struct {
			From     int             `json:"from"`
			Input    json.RawMessage `json:"input"`
			Expected json.RawMessage `json:"expected"`
			Error    string          `json:"error"`
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		got, err := runSteps(c.From, 57, string(c.Input))
		if c.Error != "" {
			throws++
			var js *JSError
			if !errors.As(err, &js) {
				t.Errorf("line %d (from %d): Appsmith throws %q, got %v", n, c.From, c.Error, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("line %d (from %d): %v", n, c.From, err)
			continue
		}
		want, err := Decode(c.Expected)
		if err != nil {
			t.Fatal(err)
		}
		if w := string(Encode(want)); got != w {
			t.Errorf("line %d (from %d):\n got %.300s\nwant %.300s", n, c.From, got, w)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 1300 || throws != 650 {
		t.Fatalf("read %d cases (%d throwing), want 1300 (650)", n, throws)
	}
}

// runOneStep decodes a page, runs one step and sets the version as the
// chain does.
func runOneStep(n int, in string) (string, error) {
	return runSteps(n, n+1, in)
}

// runSteps runs the steps from version `from` up to (not including) `to`
// as the chain does.
func runSteps(from, to int, in string) (string, error) {
	root, err := runChain(&migration{}, from, to, in)
	if err != nil {
		return "", err
	}
	return string(Encode(root)), nil
}

// runChain decodes a page and runs the steps from version `from` up to
// (not including) `to` with m's random and clock sources, setting the
// version after each as the chain does. A step that throws ends it with
// its *JSError; any other panic is a bug and goes on.
func runChain(m *migration, from, to int, in string) (root *Object, err error) {
	v, err := Decode([]byte(in))
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			js, ok := r.(*JSError)
			if !ok {
				panic(r)
			}
			root, err = nil, js
		}
	}()
	root = v.(*Object)
	for s := from; s < to; s++ {
		root = steps[s](m, root)
		root.Set("version", float64(s+1))
	}
	return root, nil
}
