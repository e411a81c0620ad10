package appmodel

import (
	"reflect"
	"testing"
)

func TestLibrariesFromJSLibs(t *testing.T) {
	t.Parallel()
	app, err := LoadDir("testdata/tiny")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(app.Libraries, []string{"dayjs"}) {
		t.Errorf("libraries %v", app.Libraries)
	}
}
