package analysis_test

import (
	"reflect"
	"testing"

	"github.com/appsmith-rts/rts/analysis"
	"github.com/appsmith-rts/rts/appmodel"
	"github.com/appsmith-rts/rts/internal/shareddata"
)

// TestSplitTemplateRealValues compares SplitTemplate, as the app loader
// applies it, with the literal port on every binding value of the real
// apps.
func TestSplitTemplateRealValues(t *testing.T) {
	t.Parallel()
	n := 0
	for _, name := range []string{"AppsmithNew", "NewIdeel-Appsmith", "rm"} {
		dir, err := shareddata.Path("testdata", "apps", name)
		if err != nil {
			t.Fatal(err)
		}
		app, err := appmodel.LoadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range app.Pages {
			for b := range p.Bindings() {
				if b.Kind == appmodel.BindingJSObject {
					continue
				}
				n++
				if want := analysis.JSSnippets(b.Value); !reflect.DeepEqual(b.Snippets, want) {
					t.Errorf("%s: %q\nsnippets %q\nwant     %q", b.Node, b.Value, b.Snippets, want)
				}
			}
		}
	}
	t.Logf("%d values", n)
}
