package pagedsl

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// The quirky steps of the 57..93 range on inputs the corpus barely
// covers. Every expectation was checked against Appsmith's migrateDSL
// served by the Node RTS (the whole chain from that version; the later
// steps leave these properties alone).

type lateStepCase struct {
	name string
	in   string // the root's children, as JSON
	want string // the root's children after the step; "" = the step throws
}

// runLateStep runs step n alone on a root holding the given children and
// returns the children it ends with, or the error the step threw.
func runLateStep(n int, children string) (string, error) {
	m := &migration{
		rnd: rand.New(rand.NewPCG(1, 2)),
		now: func() time.Time { return time.UnixMilli(1700000000000) },
	}
	root, err := runChain(m, n, n+1, `{"type":"CANVAS_WIDGET","widgetName":"MainContainer","children":`+children+`}`)
	if err != nil {
		return "", err
	}
	return string(Encode(root.Get("children"))), nil
}

func checkLateStep(t *testing.T, n int, cases []lateStepCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := runLateStep(n, c.in)
			var jsErr *JSError
			switch {
			case c.want == "" && !errors.As(err, &jsErr):
				t.Fatalf("step %d: want a JS throw, got %s (err %v)", n, got, err)
			case c.want != "" && err != nil:
				t.Fatalf("step %d: unexpected throw %v", n, err)
			case c.want != "" && got != c.want:
				t.Errorf("step %d:\n got %s\nwant %s", n, got, c.want)
			}
		})
	}
}

func TestStep57Theming(t *testing.T) {
	checkLateStep(t, 57, []lateStepCase{
		{"container radius number becomes px and dynamic",
			`[{"type":"CONTAINER_WIDGET","borderRadius":5,"boxShadow":"VARIANT3","boxShadowColor":"red"}]`,
			`[{"type":"CONTAINER_WIDGET","borderRadius":"5px","boxShadow":"0px 1px 3px red","boxShadowColor":"red","dynamicPropertyPathList":[{"key":"borderRadius"},{"key":"boxShadow"}],"labelTextSize":"0.875rem"}]`},
		{"primitive children take the assignments silently",
			`["abc",5,[1]]`, `["abc",5,[1]]`},
		{"null child throws", `[null]`, ""},
		{"string path list spreads into characters",
			`[{"type":"INPUT_WIDGET","dynamicBindingPathList":"xy"}]`,
			`[{"type":"INPUT_WIDGET","dynamicBindingPathList":["x","y",{"key":"accentColor"}],"borderRadius":"0px","boxShadow":"none","labelTextSize":"0.875rem","accentColor":"{{appsmith.theme.colors.primaryColor}}"}]`},
		{"numeric path list is not iterable", `[{"type":"INPUT_WIDGET","dynamicBindingPathList":5}]`, ""},
		{"object property path list has no find", `[{"type":"CONTAINER_WIDGET","borderRadius":"CIRCLE","dynamicPropertyPathList":{}}]`, ""},
		{"table column without derivedColumns throws",
			`[{"type":"TABLE_WIDGET","primaryColumns":{"a":{"textSize":"HEADING1"}}}]`, ""},
		{"table columns mirrored into derived columns",
			`[{"type":"TABLE_WIDGET","primaryColumns":{"a":{"textSize":"PARAGRAPH2","borderRadius":"ROUNDED","boxShadow":"VARIANT5","boxShadowColor":"blue"}},"derivedColumns":{"a":{}}}]`,
			`[{"type":"TABLE_WIDGET","primaryColumns":{"a":{"textSize":"0.75rem","borderRadius":"0.375rem","boxShadow":"-2px -2px 0px blue"}},"derivedColumns":{"a":{"textSize":"0.75rem","borderRadius":"0.375rem","boxShadow":"-2px -2px 0px blue"}},"borderRadius":"0px","boxShadow":"none","textSize":"0.875rem","dynamicPropertyPathList":[{"key":"primaryColumns.a.textSize"},{"key":"primaryColumns.a.boxShadow"}],"labelTextSize":"0.875rem","accentColor":"{{appsmith.theme.colors.primaryColor}}","dynamicBindingPathList":[{"key":"accentColor"}],"childStylesheet":{"button":{"buttonColor":"{{appsmith.theme.colors.primaryColor}}","borderRadius":"{{appsmith.theme.borderRadius.appBorderRadius}}","boxShadow":"none"},"menuButton":{"menuColor":"{{appsmith.theme.colors.primaryColor}}","borderRadius":"{{appsmith.theme.borderRadius.appBorderRadius}}","boxShadow":"none"},"iconButton":{"menuColor":"{{appsmith.theme.colors.primaryColor}}","borderRadius":"{{appsmith.theme.borderRadius.appBorderRadius}}","boxShadow":"none"}}}]`},
		{"bound column shadow colour falls back and is kept",
			`[{"type":"TABLE_WIDGET","primaryColumns":{"a":{"boxShadow":"VARIANT1","boxShadowColor":"{{c}}"}},"derivedColumns":{}}]`,
			`[{"type":"TABLE_WIDGET","primaryColumns":{"a":{"boxShadow":"0px 0px 4px 3px rgba(0, 0, 0, 0.25)","boxShadowColor":"{{c}}","borderRadius":"0px"}},"derivedColumns":{},"borderRadius":"0px","boxShadow":"none","textSize":"0.875rem","dynamicPropertyPathList":[{"key":"primaryColumns.a.boxShadow"}],"labelTextSize":"0.875rem","accentColor":"{{appsmith.theme.colors.primaryColor}}","dynamicBindingPathList":[{"key":"accentColor"}],"childStylesheet":{"button":{"buttonColor":"{{appsmith.theme.colors.primaryColor}}","borderRadius":"{{appsmith.theme.borderRadius.appBorderRadius}}","boxShadow":"none"},"menuButton":{"menuColor":"{{appsmith.theme.colors.primaryColor}}","borderRadius":"{{appsmith.theme.borderRadius.appBorderRadius}}","boxShadow":"none"},"iconButton":{"menuColor":"{{appsmith.theme.colors.primaryColor}}","borderRadius":"{{appsmith.theme.borderRadius.appBorderRadius}}","boxShadow":"none"}}}]`},
		{"json form schema items and primitive button styles",
			`[{"type":"JSON_FORM_WIDGET","submitButtonStyles":{"borderRadius":"CIRCLE"},"resetButtonStyles":"x","schema":{"__root_schema__":{"labelTextSize":"HEADING1","children":{"a":{"identifier":"a","accentColor":"red"}}}}}]`,
			`[{"type":"JSON_FORM_WIDGET","submitButtonStyles":{"borderRadius":"9999px","boxShadow":"none"},"resetButtonStyles":{"borderRadius":"0px","boxShadow":"none"},"schema":{"__root_schema__":{"labelTextSize":"1.5rem","children":{"a":{"identifier":"a","accentColor":"red","labelTextSize":"0.875rem","borderRadius":"0px","cellBorderRadius":"0px","boxShadow":"none","cellBoxShadow":"none"}},"borderRadius":"0px","cellBorderRadius":"0px","boxShadow":"none","cellBoxShadow":"none","accentColor":"#03B365"}},"borderRadius":"0px","boxShadow":"none","dynamicPropertyPathList":[{"key":"submitButtonStyles.borderRadius"},{"key":"schema.__root_schema__.labelTextSize"}],"labelTextSize":"0.875rem","childStylesheet":` + string(Encode(jsonFormChildStylesheet())) + `}]`},
		{"null schema throws", `[{"type":"JSON_FORM_WIDGET","schema":null}]`, ""},
		{"null schema child throws reading identifier",
			`[{"type":"JSON_FORM_WIDGET","schema":{"__root_schema__":{"children":{"a":null}}}}]`, ""},
		{"audio recorder accent is its background (absent stays absent)",
			`[{"type":"AUDIO_RECORDER_WIDGET"}]`,
			`[{"type":"AUDIO_RECORDER_WIDGET","borderRadius":"9999px","boxShadow":"none","labelTextSize":"0.875rem"}]`},
		{"string children throw when mapped", `[{"type":"CONTAINER_WIDGET","children":"abc"}]`, ""},
	})
}

func TestStep62SelectDefaultValue(t *testing.T) {
	wrap := func(name, js string) string {
		return "{{ ((options, serverSideFiltering) => ( " + js + "))(" + name + ".options, " + name + ".serverSideFiltering) }}"
	}
	checkLateStep(t, 62, []lateStepCase{
		{"text between bindings becomes template literals",
			`[{"type":"SELECT_WIDGET","widgetName":"S1","defaultOptionValue":"{{a}} x {{b}}"}]`,
			`[{"type":"SELECT_WIDGET","widgetName":"S1","defaultOptionValue":"` + wrap("S1", "a + ` x ` + b") + `"}]`},
		{"trimmed first; an unbalanced tail is its own segment; no name gives undefined",
			`[{"type":"SELECT_WIDGET","defaultOptionValue":"  pre{{a}}{post"}]`,
			`[{"type":"SELECT_WIDGET","defaultOptionValue":"` + wrap("undefined", "`pre` + a + `{post`") + `"}]`},
		{"unbalanced braces keep the whole text, cut by two UTF-16 units each side",
			`[{"type":"SELECT_WIDGET","widgetName":"S","defaultOptionValue":"{{{a}}😀"}]`,
			`[{"type":"SELECT_WIDGET","widgetName":"S","defaultOptionValue":"` + wrap("S", "{a}}") + `"}]`},
		{"already wrapped (prefix) is left alone",
			`[{"type":"MULTI_SELECT_WIDGET_V2","widgetName":"M","defaultOptionValue":"{{ ((options, serverSideFiltering) => ( x"}]`,
			`[{"type":"MULTI_SELECT_WIDGET_V2","widgetName":"M","defaultOptionValue":"{{ ((options, serverSideFiltering) => ( x"}]`},
		{"plain text and non-strings are left alone",
			`[{"type":"SELECT_WIDGET","defaultOptionValue":"x"},{"type":"SELECT_WIDGET","defaultOptionValue":["{{a}}"]}]`,
			`[{"type":"SELECT_WIDGET","defaultOptionValue":"x"},{"type":"SELECT_WIDGET","defaultOptionValue":["{{a}}"]}]`},
		{"a matched select's children are not visited",
			`[{"type":"SELECT_WIDGET","children":[{"type":"SELECT_WIDGET","defaultOptionValue":"{{a}}"}]}]`,
			`[{"type":"SELECT_WIDGET","children":[{"type":"SELECT_WIDGET","defaultOptionValue":"{{a}}"}]}]`},
	})
}

func TestStep66ValidationBinding(t *testing.T) {
	old := fillTemplate(validPrefixV1+"x > 1"+validSuffixV1, "T", "c", "index")
	want := validPrefixV2 + "x > 1" + fillTemplate(validSuffixV2, "T", "c", "index")
	checkLateStep(t, 66, []lateStepCase{
		{"old wrapper replaced by the add-row-aware one",
			`[{"type":"TABLE_WIDGET_V2","widgetName":"T","primaryColumns":{"c":{"validation":{"isColumnEditableCellValid":` + jsonString(old) + `}}}}]`,
			`[{"type":"TABLE_WIDGET_V2","widgetName":"T","primaryColumns":{"c":{"validation":{"isColumnEditableCellValid":` + jsonString(want) + `}}}}]`},
		{"a bare binding is wrapped too",
			`[{"type":"TABLE_WIDGET_V2","widgetName":"T","primaryColumns":{"c":{"validation":{"isColumnEditableCellValid":"{{y}}"}}}}]`,
			`[{"type":"TABLE_WIDGET_V2","widgetName":"T","primaryColumns":{"c":{"validation":{"isColumnEditableCellValid":` +
				jsonString(validPrefixV2+"{{y}}"+fillTemplate(validSuffixV2, "T", "c", "index")) + `}}}}]`},
		{"an array holding a binding throws (no replace method)",
			`[{"type":"TABLE_WIDGET_V2","primaryColumns":{"d":{"validation":{"isColumnEditableCellValid":["{{x}}"]}}}}]`, ""},
		{"a null column throws", `[{"type":"TABLE_WIDGET_V2","primaryColumns":{"d":null}}]`, ""},
	})
}

func TestStep71SelectOptions(t *testing.T) {
	checkLateStep(t, 71, []lateStepCase{
		{"bound options mapped per row; plain and array options",
			`[{"type":"TABLE_WIDGET_V2","widgetName":"T","primaryColumns":{"a":{"columnType":"select","selectOptions":"{{[1,2]}}"},"b":{"columnType":"select","selectOptions":["{{x}}"]},"c":{"columnType":"select","selectOptions":"plain"},"d":{"columnType":"text","selectOptions":"{{q}}"}}}]`,
			`[{"type":"TABLE_WIDGET_V2","widgetName":"T","primaryColumns":{"a":{"columnType":"select","selectOptions":"{{T.processedTableData.map((currentRow, currentIndex) => ( [1,2]))}}"},"b":{"columnType":"select","selectOptions":"{{T.processedTableData.map((currentRow, currentIndex) => ( ))}}"},"c":{"columnType":"select","selectOptions":"plain"},"d":{"columnType":"text","selectOptions":"{{q}}"}}}]`},
		{"a table without primaryColumns throws", `[{"type":"TABLE_WIDGET_V2"}]`, ""},
		{"a null column throws", `[{"type":"TABLE_WIDGET_V2","primaryColumns":{"a":null}}]`, ""},
	})
}

func TestStep78InlineEditValidation(t *testing.T) {
	newWrap := func(table, body string) string {
		return ruleNewPrefix + body + fillTemplate(ruleNewSuffix, table, "", "")
	}
	checkLateStep(t, 78, []lateStepCase{
		{"whitespace stripped everywhere, wrapper replaced, other names and non-strings kept",
			`[{"type":"TABLE_WIDGET_V2","widgetName":"T","primaryColumns":{"a":{"validation":{"min":" {{((isNewRow)=>( x > 1 ))(T.isAddRowInProgress)}} ","regex":"a b\u00a0c\u2028d","other":" x ","max":5}}}}]`,
			`[{"type":"TABLE_WIDGET_V2","widgetName":"T","primaryColumns":{"a":{"validation":{"min":` + jsonString(newWrap("T", "x>1")) + `,"regex":"abcd","other":" x ","max":5}}}}]`},
		{"$& in the table name expands to the matched suffix",
			`[{"type":"TABLE_WIDGET_V2","widgetName":"T$&","primaryColumns":{"a":{"validation":{"min":"{{((isNewRow)=>(x))(T$&.isAddRowInProgress)}}"}}}}]`,
			`[{"type":"TABLE_WIDGET_V2","widgetName":"T$&","primaryColumns":{"a":{"validation":{"min":` +
				jsonString(ruleNewPrefix+"x"+strings.ReplaceAll(fillTemplate(ruleNewSuffix, "T$&", "", ""), "$&", "))(T$&.isAddRowInProgress)}}")) + `}}}}]`},
		{"a table without primaryColumns throws", `[{"type":"TABLE_WIDGET_V2"}]`, ""},
		{"a string validation is walked by index and left alone",
			`[{"type":"TABLE_WIDGET_V2","primaryColumns":{"a":{"validation":"ab"}}}]`,
			`[{"type":"TABLE_WIDGET_V2","primaryColumns":{"a":{"validation":"ab"}}}]`},
	})
}

func TestStep89OriginalIndex(t *testing.T) {
	oldRule := "{{((isNewRow, currentIndex, currentRow) => ( 1 " + fillTemplate(ruleSuffixV3, "T", "c", "index")
	newRule := "{{((isNewRow, currentIndex, currentRow) => ( 1 " + fillTemplate(ruleSuffixV3, "T", "c", "__originalIndex__")
	oldValid := "{{x" + fillTemplate(validSuffixV2, "T", "c", "index")
	newValid := "{{x" + fillTemplate(validSuffixV2, "T", "c", "__originalIndex__")
	checkLateStep(t, 89, []lateStepCase{
		{"rules and the cell-valid binding look rows up by original index",
			`[{"type":"TABLE_WIDGET_V2","widgetName":"T","primaryColumns":{"c":{"validation":{"min":` + jsonString(oldRule) +
				`,"isColumnEditableCellValid":` + jsonString(oldValid) + `,"max":"plain"}},"d":{"validation":null}}}]`,
			`[{"type":"TABLE_WIDGET_V2","widgetName":"T","primaryColumns":{"c":{"validation":{"min":` + jsonString(newRule) +
				`,"isColumnEditableCellValid":` + jsonString(newValid) + `,"max":"plain"}},"d":{"validation":null}}}]`},
		{"a truthy primitive validation throws (the in operator)",
			`[{"type":"TABLE_WIDGET_V2","primaryColumns":{"c":{"validation":"x"}}}]`, ""},
		{"an array holding a binding throws", `[{"type":"TABLE_WIDGET_V2","primaryColumns":{"c":{"validation":{"min":["{{a}}"]}}}}]`, ""},
		{"a table without primaryColumns throws", `[{"type":"TABLE_WIDGET_V2"}]`, ""},
	})
}

func TestStep90ComputedValue(t *testing.T) {
	iife := func(table, expr string) string {
		return "{{(() => { const tableData = " + table + ".processedTableData || []; return tableData.length > 0 ? " +
			"tableData.map((currentRow, currentIndex) => (" + expr + ")) : " + expr + " })()}}"
	}
	prefix := "{{T.processedTableData.map((currentRow, currentIndex) => ("
	cases := []lateStepCase{
		{"old per-row binding becomes the IIFE",
			`[{"type":"TABLE_WIDGET_V2","widgetName":"T","primaryColumns":{"a":{"computedValue":"` + prefix + ` currentRow.x))}}"}}}]`,
			`[{"type":"TABLE_WIDGET_V2","widgetName":"T","primaryColumns":{"a":{"computedValue":"` + iife("T", " currentRow.x") + `"}}}]`},
		{"the cut counts UTF-16 units",
			`[{"type":"TABLE_WIDGET_V2","widgetName":"T","primaryColumns":{"a":{"computedValue":"` + prefix + `😀😀))}}"}}}]`,
			`[{"type":"TABLE_WIDGET_V2","widgetName":"T","primaryColumns":{"a":{"computedValue":"` + iife("T", "😀😀") + `"}}}]`},
		{"prefix not at the start: the cut is off by the text before it",
			`[{"type":"TABLE_WIDGET_V2","widgetName":"T","primaryColumns":{"a":{"computedValue":"ab` + prefix + `x))}}"}}}]`,
			`[{"type":"TABLE_WIDGET_V2","widgetName":"T","primaryColumns":{"a":{"computedValue":"` + iife("T", " (x") + `"}}}]`},
		{"a value shorter than the cut: substring swaps its bounds",
			`[{"type":"TABLE_WIDGET_V2","widgetName":"T","primaryColumns":{"a":{"computedValue":"` + prefix + `}}"}}}]`,
			`[{"type":"TABLE_WIDGET_V2","widgetName":"T","primaryColumns":{"a":{"computedValue":"` + iife("T", " (") + `"}}}]`},
		{"an array holding the prefix (and reading as a binding) throws",
			`[{"type":"TABLE_WIDGET_V2","widgetName":"T","primaryColumns":{"a":{"computedValue":["` + prefix + `","}}"]}}}]`, ""},
		{"an array of another binding is left alone; tables nested in any widget are reached",
			`[{"type":"X","children":[{"type":"TABLE_WIDGET_V2","widgetName":"T","primaryColumns":{"a":{"computedValue":["{{x}}"]}}},"s"]}]`,
			`[{"type":"X","children":[{"type":"TABLE_WIDGET_V2","widgetName":"T","primaryColumns":{"a":{"computedValue":["{{x}}"]}}},"s"]}]`},
	}
	checkLateStep(t, 90, cases)
	checkLateStep(t, 93, cases)
}

func TestStepsLateSmallQuirks(t *testing.T) {
	t.Run("81 skips index 0", func(t *testing.T) {
		checkLateStep(t, 81, []lateStepCase{
			{"first entry kept, later one replaced",
				`[{"type":"SELECT_WIDGET","dynamicBindingPathList":[{"key":"options"}]},{"type":"SELECT_WIDGET","dynamicBindingPathList":[{"key":"x"},{"key":"options"},{"key":"options"}]}]`,
				`[{"type":"SELECT_WIDGET","dynamicBindingPathList":[{"key":"options"}]},{"type":"SELECT_WIDGET","dynamicBindingPathList":[{"key":"x"},{"key":"sourceData"},{"key":"options"}]}]`},
			{"a string list has no map", `[{"type":"SELECT_WIDGET","dynamicBindingPathList":"ab"}]`, ""},
		})
	})
	t.Run("79 concatenates", func(t *testing.T) {
		checkLateStep(t, 79, []lateStepCase{
			{"duplicates allowed; a string list becomes a string",
				`[{"type":"TABLE_WIDGET_V2","dynamicPropertyPathList":"ab"},{"type":"TABLE_WIDGET_V2","dynamicPropertyPathList":[{"key":"tableData"}]}]`,
				`[{"type":"TABLE_WIDGET_V2","dynamicPropertyPathList":"ab[object Object]"},{"type":"TABLE_WIDGET_V2","dynamicPropertyPathList":[{"key":"tableData"},{"key":"tableData"}]}]`},
			{"an object list has no concat", `[{"type":"TABLE_WIDGET_V2","dynamicPropertyPathList":{}}]`, ""},
		})
	})
	t.Run("92 keeps the chatQuery entry", func(t *testing.T) {
		checkLateStep(t, 92, []lateStepCase{
			{"only string entries equal to chatQuery are dropped",
				`[{"type":"WDS_AI_CHAT_WIDGET","chatQuery":"Q1","dynamicBindingPathList":["chatQuery",{"key":"chatQuery"}]}]`,
				`[{"type":"WDS_AI_CHAT_WIDGET","dynamicBindingPathList":[{"key":"chatQuery"},{"key":"queryRun"}],"queryRun":"{{Q1.actionId}}"}]`},
			{"no list throws", `[{"type":"WDS_AI_CHAT_WIDGET","chatQuery":"Q1"}]`, ""},
		})
	})
	t.Run("72 spreads primitives", func(t *testing.T) {
		checkLateStep(t, 72, []lateStepCase{
			{"list descendants fixed unless detached; primitives become objects",
				`[{"type":"LIST_WIDGET","children":[{"type":"CANVAS_WIDGET","detachFromLayout":true,"children":[{"type":"TEXT_WIDGET"},"ab",5,null]}]}]`,
				`[{"type":"LIST_WIDGET","children":[{"type":"CANVAS_WIDGET","detachFromLayout":true,"children":[{"type":"TEXT_WIDGET","dynamicHeight":"FIXED"},{"0":"a","1":"b","dynamicHeight":"FIXED"},{"dynamicHeight":"FIXED"},null]}]}]`},
			{"numeric children have no map", `[{"type":"LIST_WIDGET","children":0}]`, ""},
		})
	})
	t.Run("75 subtracts as numbers", func(t *testing.T) {
		checkLateStep(t, 75, []lateStepCase{
			{"string rows and label height",
				`[{"type":"INPUT_WIDGET_V2","inputType":"TEXT","topRow":"1","bottomRow":"10"},{"type":"INPUT_WIDGET_V2","inputType":"TEXT","topRow":0,"bottomRow":8,"label":"x"}]`,
				`[{"type":"INPUT_WIDGET_V2","inputType":"MULTI_LINE_TEXT","topRow":"1","bottomRow":"10"},{"type":"INPUT_WIDGET_V2","inputType":"TEXT","topRow":0,"bottomRow":8,"label":"x"}]`},
		})
	})
}

func jsonString(s string) string { return string(Encode(s)) }

func TestBindingToJS(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{"{{a}}", "a"},
		{"x {{a}} y", "`x ` + a + ` y`"},
		{"{{a}}{{b}}}c", "a + b + `}c`"},
		{"{{}}", "`{{}}`"},
		{"   ", "``"},
		{"", ""},
		{5.0, ""},
		{"{{a}", "`{{a}`"},
	} {
		if got := bindingToJS(c.in); got != c.want {
			t.Errorf("bindingToJS(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestIsBinding(t *testing.T) {
	for _, c := range []struct {
		in   any
		want bool
	}{
		{"{{a}}", true},
		{"{{}}", true},
		{"{{a}", false},
		{"}}{{", false},
		{Undefined, false},
		{NewArray("{{a}}"), true},
		{NewObject(), false},
	} {
		if got := isBinding(c.in); got != c.want {
			t.Errorf("isBinding(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
