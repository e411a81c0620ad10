package lodashpath

import (
	"reflect"
	"testing"
)

func TestSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"a", []string{"a"}},
		{"a.b.c", []string{"a", "b", "c"}},
		{"a[0].b", []string{"a", "0", "b"}},
		{"a[-1]", []string{"a", "-1"}},
		{"a[1.5]", []string{"a", "1.5"}},
		{`a["b.c"].d`, []string{"a", "b.c", "d"}},
		{`a['x y']`, []string{"a", "x y"}},
		{`a["q\"q"]`, []string{"a", `q"q`}},
		{`a["b\\c"]`, []string{"a", `b\c`}},
		{"a[b]", []string{"a", "b"}},
		{"primaryColumns.first name.computedValue", []string{"primaryColumns", "first name", "computedValue"}},
		{"a..b", []string{"a", "", "b"}},
		{".a", []string{"", "a"}},
		{"a.", []string{"a", ""}},
		{"a[]", []string{"a", ""}},
		{"[0]", []string{"0"}},
	}
	for _, tt := range tests {
		if got := Split(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Split(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
