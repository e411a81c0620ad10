package pagedsl

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzMigrate feeds arbitrary bodies to Decode and Migrate: Appsmith's
// throws come back as *JSError, never as a crash of the port
// (ErrInternal), and whatever comes out encodes to JSON that decodes to
// the same encoding.
func FuzzMigrate(f *testing.F) {
	seeds := []string{
		`{}`, `[]`, `null`, `{"version":1}`, `{"version":"78"}`, `{"version":94}`,
		`{"children":[{"type":"CONTAINER_WIDGET","children":[{"type":"TEXT_WIDGET"}]}]}`,
		`{"version":4,"children":[{"type":"CHART_WIDGET","singleChartData":[{"seriesName":"a","data":[1]}]}]}`,
		`{"version":9,"children":[{"type":"TABLE_WIDGET","widgetName":"T","tableData":"[{\"a b\":1}]","dynamicBindingPathList":[{"key":"tableData"}],"columnActions":[{"label":"x"}]}]}`,
		`{"version":12,"type":"CANVAS_WIDGET","children":[{"type":"TABLE_WIDGET","primaryColumns":{"a":{"id":"a","computedValue":"{{x}}"}}}]}`,
		`{"version":17,"children":[{"type":"TABS_WIDGET","version":1,"tabs":"[{\"id\":\"t\",\"isVisible\":\"{{a}}\"}]"}]}`,
		`{"version":20,"widgetName":"MainContainer","type":"CANVAS_WIDGET","children":[{"type":"TABLE_WIDGET_V2","primaryColumns":{"a":{"computedValue":"x"}}}]}`,
		`{"version":57,"type":"CANVAS_WIDGET","children":[{"type":"BUTTON_WIDGET","borderRadius":"ROUNDED","boxShadow":"VARIANT1"}]}`,
		"{\"a\":\"\\ud800\",\"b\":1e400}",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Decode(data)
		if err != nil {
			return
		}
		out, err := MigrateWith(v, fixedOptions())
		if errors.Is(err, ErrInternal) || errors.Is(err, ErrNotPorted) {
			t.Fatalf("Migrate(%q): %v", data, err)
		}
		if err != nil {
			var jsErr *JSError
			if !errors.As(err, &jsErr) {
				t.Fatalf("Migrate(%q): error %T %v", data, err, err)
			}
			return
		}
		enc := Encode(out)
		back, err := Decode(enc)
		if err != nil {
			t.Fatalf("Encode gave JSON that does not decode: %v\n%s", err, enc)
		}
		if again := Encode(back); !bytes.Equal(again, enc) {
			t.Fatalf("Encode does not round-trip:\n%s\n%s", enc, again)
		}
	})
}
